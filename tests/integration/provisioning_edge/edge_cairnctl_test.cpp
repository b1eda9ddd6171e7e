#include <boost/test/unit_test.hpp>
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
