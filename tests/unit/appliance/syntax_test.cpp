#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "appliance/spec/syntax.hpp"

namespace data = boost::unit_test::data;
using namespace cairn::spec;

BOOST_AUTO_TEST_SUITE(syntax)

BOOST_DATA_TEST_CASE(valid_hostnames_are_accepted,
                     data::make({"example.com", "a.b.c", "x-1.example.org", "localhost", "a"}), host) {
  BOOST_TEST(isValidHostname(host));
}

BOOST_DATA_TEST_CASE(invalid_hostnames_are_rejected,
                     data::make({"", "a..b", "-a.com", "a-.com", "Example.com", "a_b.com", ".a.com", "a.com.",
                                 "a b.com"}),
                     host) {
  BOOST_TEST(!isValidHostname(host));
}

BOOST_AUTO_TEST_CASE(hostname_labels_longer_than_63_are_rejected) {
  BOOST_TEST(isValidHostname(std::string(63, 'a') + ".com"));
  BOOST_TEST(!isValidHostname(std::string(64, 'a') + ".com"));
}

BOOST_DATA_TEST_CASE(emails, data::make({"ops@example.com", "a.b+c@x.org"}) ^ data::make({true, true}), email, ok) {
  BOOST_TEST(isValidEmail(email) == ok);
}

BOOST_DATA_TEST_CASE(invalid_emails_are_rejected,
                     data::make({"", "ops", "@example.com", "ops@", "ops@localhost", "a@@b.com", "a b@x.com", ".a@x.com"}),
                     email) {
  BOOST_TEST(!isValidEmail(email));
}

BOOST_AUTO_TEST_CASE(durations_parse_to_milliseconds) {
  BOOST_TEST(parseDuration("250ms")->value.count() == 250);
  BOOST_TEST(parseDuration("15s")->value.count() == 15'000);
  BOOST_TEST(parseDuration("5m")->value.count() == 300'000);
  BOOST_TEST(parseDuration("2h")->value.count() == 7'200'000);
  BOOST_TEST(parseDuration("15d")->value.count() == 1'296'000'000);
  BOOST_TEST(parseDuration("1w")->value.count() == 604'800'000);
  BOOST_TEST(parseDuration("15d")->text == "15d");
}

BOOST_DATA_TEST_CASE(malformed_durations_are_rejected, data::make({"", "15", "s", "1.5s", "-1s", "15 s", "15sec", "99999999999999999999d"}),
                     text) {
  BOOST_TEST(!parseDuration(text).has_value());
}

BOOST_AUTO_TEST_CASE(sizes_parse_binary_and_decimal_units) {
  BOOST_TEST(parseSize("512MiB")->bytes == 512ULL << 20);
  BOOST_TEST(parseSize("10GiB")->bytes == 10ULL << 30);
  BOOST_TEST(parseSize("1MB")->bytes == 1'000'000ULL);
  BOOST_TEST(parseSize("100B")->bytes == 100ULL);
}

BOOST_DATA_TEST_CASE(malformed_sizes_are_rejected, data::make({"", "512", "MiB", "1.5GiB", "5mib", "5 MiB", "-1B"}), text) {
  BOOST_TEST(!parseSize(text).has_value());
}

BOOST_DATA_TEST_CASE(valid_image_references_are_accepted,
                     data::make({"postgres:16", "quay.io/keycloak/keycloak:26.4.2", "localhost:5000/a/b:c",
                                 "redis", "grafana/grafana-oss:12.2.1",
                                 "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}),
                     image) {
  BOOST_TEST(isValidImageReference(image));
}

BOOST_DATA_TEST_CASE(invalid_image_references_are_rejected,
                     data::make({"", "Postgres:16", "postgres:", "postgres:16:17", "a//b", "post gres", "x@sha256:12"}), image) {
  BOOST_TEST(!isValidImageReference(image));
}

BOOST_AUTO_TEST_CASE(upstream_urls_are_split_into_parts) {
  auto url = parseUpstreamUrl("http://127.0.0.1:8080/api");
  BOOST_REQUIRE(url);
  BOOST_TEST(url->scheme == "http");
  BOOST_TEST(url->host == "127.0.0.1");
  BOOST_TEST(url->port == 8080);
  BOOST_TEST(url->path == "/api");
  BOOST_TEST(parseUpstreamUrl("https://app.internal")->port == 443);
}

BOOST_DATA_TEST_CASE(invalid_upstreams_are_rejected,
                     data::make({"", "ftp://x", "http://", "http://a..b", "http://x:0", "http://x:70000", "http://x/a b",
                                 "http://x/;evil", "x:80"}),
                     url) {
  BOOST_TEST(!parseUpstreamUrl(url).has_value());
}

BOOST_AUTO_TEST_CASE(listen_addresses_need_an_ipv4_address_and_a_port) {
  BOOST_TEST(isValidListenAddress("127.0.0.1:9464"));
  BOOST_TEST(!isValidListenAddress("127.0.0.1"));
  BOOST_TEST(!isValidListenAddress("localhost:9464"));
  BOOST_TEST(!isValidListenAddress("127.0.0.1:0"));
  BOOST_TEST(!isValidListenAddress("256.0.0.1:80"));
}

BOOST_AUTO_TEST_CASE(realm_names_follow_keycloak_rules) {
  BOOST_TEST(isValidRealmName("cairn"));
  BOOST_TEST(isValidRealmName("my_realm-2"));
  BOOST_TEST(!isValidRealmName("master"));
  BOOST_TEST(!isValidRealmName("a b"));
  BOOST_TEST(!isValidRealmName(""));
}

BOOST_AUTO_TEST_CASE(closest_match_suggests_near_typos_only) {
  std::vector<std::string> keys = {"domain", "services", "routes", "monitoring"};
  BOOST_TEST(closestMatch("servics", keys).value() == "services");
  BOOST_TEST(closestMatch("domian", keys).value() == "domain");
  BOOST_TEST(!closestMatch("zzzzzz", keys).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
