#define BOOST_TEST_MODULE services_docker
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "services/docker/api_version.hpp"
#include "services/docker/endpoint.hpp"

using namespace cairn;
using namespace cairn::docker;
namespace data = boost::unit_test::data;

BOOST_AUTO_TEST_SUITE(api_version)

const char* const kSpoken[] = {"1.41", "1.43", "1.44", "1.47", "1.54"};
const char* const kExpected[] = {"1.41", "1.43", "1.44", "1.44", "1.44"};

BOOST_DATA_TEST_CASE(speaks_the_older_of_preferred_and_daemon_maximum, data::make(kSpoken) ^ data::make(kExpected),
                     daemonMax, expected) {
  auto negotiated = negotiateApiVersion(daemonMax);
  BOOST_REQUIRE(negotiated.ok());
  BOOST_TEST(negotiated.value().text() == expected);
}

BOOST_AUTO_TEST_CASE(daemons_older_than_1_41_are_refused_with_both_versions_named) {
  auto negotiated = negotiateApiVersion("1.40");
  BOOST_REQUIRE(!negotiated.ok());
  BOOST_TEST(negotiated.error().message.find("1.40") != std::string::npos);
  BOOST_TEST(negotiated.error().message.find("1.41") != std::string::npos);
}

const char* const kMalformed[] = {"", "1", "one.two", "1.", ".41", "1.41.2"};

BOOST_DATA_TEST_CASE(a_missing_or_malformed_version_header_is_an_error, data::make(kMalformed), header) {
  BOOST_TEST(!negotiateApiVersion(header).ok());
}

BOOST_AUTO_TEST_CASE(docker_host_unix_is_honoured_and_an_explicit_path_wins) {
  BOOST_TEST(resolveDockerSocket("", nullptr).value() == "/var/run/docker.sock");
  BOOST_TEST(resolveDockerSocket("", "").value() == "/var/run/docker.sock");
  BOOST_TEST(resolveDockerSocket("", "unix:///run/user/1000/docker.sock").value() == "/run/user/1000/docker.sock");
  BOOST_TEST(resolveDockerSocket("/tmp/d.sock", "unix:///other.sock").value() == "/tmp/d.sock");
}

BOOST_AUTO_TEST_CASE(docker_host_over_tcp_is_refused_clearly) {
  auto resolved = resolveDockerSocket("", "tcp://10.0.0.1:2375");
  BOOST_REQUIRE(!resolved.ok());
  BOOST_TEST((resolved.error().code == ErrorCode::kInvalidInput));
  BOOST_TEST(resolved.error().message.find("tcp://10.0.0.1:2375") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
