#include "provisioning/edge/tls.hpp"

#include <boost/test/unit_test.hpp>

#include "appliance/spec/load.hpp"
#include "provisioning/edge/certificate_status.hpp"
#include "provisioning/edge/edge_paths.hpp"

using namespace cairn;

namespace {
spec::Spec specWith(const std::string& tls) {
  return spec::loadSpec("{\"version\": 1, \"domain\": \"example.com\", \"tls\": " + tls + "}");
}
const std::vector<std::string> kHosts = {"example.com", "auth.example.com"};
}  // namespace

BOOST_AUTO_TEST_CASE(self_signed_is_selected_before_nginx_checks_the_stage) {
  auto bundle = edge::renderTls(specWith(R"({"mode": "self-signed"})"), kHosts, {});
  BOOST_REQUIRE_EQUAL(bundle.validators.size(), 1u);
  auto argv = bundle::expandCommand(bundle.validators[0], "/stage", "/root");
  BOOST_TEST(argv == (std::vector<std::string>{"sh", "/stage/etc/cairn/rendered/tls/prepare.sh",
                                               "select", "/root", "self-signed",
                                               "example.com,auth.example.com", "", "", "/stage"}),
             boost::test_tools::per_element());
  BOOST_TEST(bundle.reloadActions.empty());
}

BOOST_AUTO_TEST_CASE(provided_passes_the_paths_to_check) {
  auto bundle = edge::renderTls(
      specWith(R"({"mode": "provided", "certificate": "/etc/ssl/c.pem", "key": "/etc/ssl/k.pem"})"),
      kHosts, {});
  auto argv = bundle.validators[0].argv;
  BOOST_TEST(argv[4] == "provided");
  BOOST_TEST(argv[6] == "/etc/ssl/c.pem");
  BOOST_TEST(argv[7] == "/etc/ssl/k.pem");
}

BOOST_AUTO_TEST_CASE(acme_requests_a_certificate_after_nginx_reloads) {
  auto bundle = edge::renderTls(specWith(R"({"mode": "acme"})"), kHosts, {});
  BOOST_REQUIRE_EQUAL(bundle.reloadActions.size(), 1u);
  BOOST_TEST(bundle.reloadActions[0].name == "acme");
  const auto* hook = bundle.find(edge::kTlsRenewHook);
  BOOST_REQUIRE(hook);
  BOOST_TEST(hook->content.find("select '' acme 'example.com,auth.example.com'") !=
             std::string::npos);
  BOOST_TEST(hook->mode == 0755u);
}

BOOST_AUTO_TEST_CASE(a_custom_nginx_is_reloaded_with_its_own_arguments) {
  edge::EdgeOptions options;
  options.nginxCommand = {"nginx", "-p", "/x/", "-c", "/x/nginx.conf"};
  auto reload = edge::nginxReloadCommand(options);
  BOOST_TEST(reload.argv == (std::vector<std::string>{"nginx", "-p", "/x/", "-c", "/x/nginx.conf",
                                                      "-s", "reload"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(certificate_summary_says_when_acme_falls_back_and_how_long_is_left) {
  nlohmann::json fallback = {{"mode", "acme"},
                             {"source", "self-signed-fallback"},
                             {"certificate", "/c.pem"},
                             {"subject", "CN=example.com"},
                             {"not_after", "Jan 11 00:00:00 2027 GMT"},
                             {"not_after_unix", 1799625600},
                             {"message", "no usable ACME certificate yet"}};
  std::string text = edge::describeCertificate(fallback, 1799625600 - 10 * 86400);
  BOOST_TEST(
      text.find("serving the self-signed certificate until certbot gets one") != std::string::npos,
      text);
  BOOST_TEST(text.find("(in 10 days)") != std::string::npos, text);
  BOOST_TEST(text.find("  subject CN=example.com\n") != std::string::npos, text);
  nlohmann::json expired = {{"mode", "provided"}, {"source", "provided"}, {"not_after_unix", 100}};
  BOOST_TEST(edge::describeCertificate(expired, 200).find("EXPIRED") != std::string::npos);
}
