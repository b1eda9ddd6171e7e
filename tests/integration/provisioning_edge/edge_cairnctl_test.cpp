#include <boost/test/unit_test.hpp>
#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "appliance/host/files.hpp"
#include "appliance/host/process_runner.hpp"
#include "provisioning/cli/cli.hpp"
#include "provisioning/edge/edge_paths.hpp"
#include "tests/support/temp_dir.hpp"

// `cairnctl --root DIR apply` with the edge registered: a provided certificate that cannot be
// served rejects the apply with exit 3 and the reason, and nothing of the edge is written; once
// the certificate is there the apply goes through without touching the system's nginx.

namespace {

struct Cli {
  cairn::testing::TempDir root;
  std::string out, err;
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--root", root.path()});
    std::ostringstream o, e;
    int code = cairn::cli::runCairnctl(args, o, e);
    out = o.str();
    err = e.str();
    return code;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(cairnctl_apply_rejects_an_unusable_provided_certificate_with_exit_3) {
  Cli cli;
  BOOST_REQUIRE_EQUAL(cli.run({"init", "--domain", "example.com"}), 0);
  cairn::testing::writeFile(cli.root / "etc/cairn/appliance.json",
                            R"({"version": 1, "domain": "example.com",
                                "tls": {"mode": "provided", "certificate": "/etc/ssl/cairn/fullchain.pem",
                                        "key": "/etc/ssl/cairn/privkey.pem"}})");
  BOOST_TEST(cli.run({"apply"}) == 3);
  BOOST_TEST(cli.err.find("cannot read the certificate " + cli.root.path() +
                          "/etc/ssl/cairn/fullchain.pem") != std::string::npos,
             cli.err);
  BOOST_TEST(!cairn::host::pathExists(cli.root.path() + cairn::edge::kNginxIncludeFile));

  cairn::host::LocalProcessRunner runner;
  (void)cairn::host::makeDirectories(cli.root / "etc/ssl/cairn");
  auto made = runner.run(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-days", "30", "-subj", "/CN=example.com", "-keyout",
       cli.root / "etc/ssl/cairn/privkey.pem", "-out", cli.root / "etc/ssl/cairn/fullchain.pem"},
      std::chrono::seconds(30));
  BOOST_REQUIRE(made && made.value().exitCode == 0);
  BOOST_TEST(cli.run({"apply"}) == 0, cli.err);
  BOOST_TEST(cairn::host::pathExists(cli.root.path() + cairn::edge::kNginxIncludeFile));
  BOOST_TEST(cli.run({"tls"}) == 0);
  BOOST_TEST(cli.out.find("serving the provided certificate") != std::string::npos, cli.out);
}

BOOST_AUTO_TEST_CASE(
    cairnctl_status_says_acme_serves_the_self_signed_certificate_without_a_supervisor) {
  Cli cli;
  BOOST_REQUIRE_EQUAL(cli.run({"init", "--domain", "example.com"}), 0);
  BOOST_TEST(cli.run({"status"}) == 1);
  BOOST_TEST(cli.err.find("cairn-supervisord is not running") != std::string::npos, cli.err);
  BOOST_TEST(cli.out.find("TLS: no certificate recorded yet") != std::string::npos, cli.out);

  cairn::testing::writeFile(cli.root / "etc/cairn/appliance.json",
                            R"({"version": 1, "domain": "example.com", "tls": {"mode": "acme"}})");
  BOOST_REQUIRE_MESSAGE(cli.run({"apply"}) == 0, cli.err);

  BOOST_TEST(cli.run({"status"}) == 1);
  BOOST_TEST(cli.out.find("TLS mode acme: serving the self-signed certificate until certbot gets "
                          "one") != std::string::npos,
             cli.out);
  BOOST_TEST(cli.out.find("no usable ACME certificate yet") != std::string::npos, cli.out);
  BOOST_TEST(cli.out.find("subject CN=example.com") != std::string::npos, cli.out);
  BOOST_TEST(cli.out.find("(in ") != std::string::npos, cli.out);

  BOOST_TEST(cli.run({"status", "--json"}) == 1);
  auto status = nlohmann::json::parse(cli.out);
  BOOST_TEST(status["supervisor"]["available"] == false);
  BOOST_TEST(status["tls"]["recorded"] == true);
  BOOST_TEST(status["tls"]["mode"] == "acme");
  BOOST_TEST(status["tls"]["source"] == "self-signed-fallback");
  BOOST_TEST(status["tls"]["fallback"] == true);
  BOOST_TEST(status["tls"]["subject"] == "CN=example.com");
  BOOST_TEST(status["tls"]["not_after_unix"].get<std::int64_t>() > std::time(nullptr));
  BOOST_TEST(status["tls"]["message"].get<std::string>().find("no usable ACME certificate yet") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(cairnctl_apply_listens_on_ipv6_only_when_the_root_has_it) {
  Cli cli;
  BOOST_REQUIRE_EQUAL(cli.run({"init", "--domain", "example.com"}), 0);
  const std::string plain =
      cli.root.path() + cairn::edge::kNginxDir + std::string("/sites/00-http.conf");
  // The temporary root has no /proc: no IPv6.
  BOOST_REQUIRE_MESSAGE(cli.run({"apply"}) == 0, cli.err);
  BOOST_TEST(cairn::testing::readFile(plain).find("[::]") == std::string::npos);

  cairn::testing::writeFile(cli.root / "proc/net/if_inet6",
                            "00000000000000000000000000000001 01 80 10 80       lo\n");
  cairn::testing::writeFile(cli.root / "proc/sys/net/ipv6/conf/all/disable_ipv6", "0\n");
  BOOST_REQUIRE_MESSAGE(cli.run({"apply"}) == 0, cli.err);
  BOOST_TEST(cairn::testing::readFile(plain).find("listen [::]:80;") != std::string::npos);

  cairn::testing::writeFile(cli.root / "proc/sys/net/ipv6/conf/all/disable_ipv6", "1\n");
  BOOST_REQUIRE_MESSAGE(cli.run({"apply"}) == 0, cli.err);
  BOOST_TEST(cairn::testing::readFile(plain).find("[::]") == std::string::npos);
}
