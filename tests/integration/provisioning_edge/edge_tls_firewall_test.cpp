#include <stdlib.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "appliance/host/files.hpp"
#include "appliance/host/process_runner.hpp"
#include "appliance/spec/load.hpp"
#include "appliance/state/paths.hpp"
#include "provisioning/apply/transaction.hpp"
#include "provisioning/edge/edge_paths.hpp"
#include "provisioning/edge/firewall.hpp"
#include "provisioning/edge/tls.hpp"
#include "tests/integration/provisioning_edge/edge_harness.hpp"

// The TLS step with real openssl, and the nftables ruleset with real nft: checked, loaded into
// network namespaces this test creates, and probed over a veth pair.

using cairn::host::LocalProcessRunner;
using cairn::host::ProcessResult;
using cairn::testing::TempDir;
namespace edge = cairn::edge;

namespace {

ProcessResult run(const std::vector<std::string>& argv, int seconds = 60) {
  LocalProcessRunner runner;
  auto result = runner.run(argv, std::chrono::seconds(seconds));
  if (!result) throw std::runtime_error(argv[0] + " could not run: " + result.error().message);
  return result.value();
}

cairn::spec::Spec specWith(const std::string& extra) {
  return cairn::spec::loadSpec("{\"version\": 1, \"domain\": \"example.com\"" + extra + "}");
}

// The TLS step as apply runs it, on a root of its own.
struct TlsRoot {
  TempDir root;
  std::string script = root / "prepare.sh";
  TlsRoot() { cairn::testing::writeFile(script, edge::tlsPrepareScript(), 0755); }
  ProcessResult select(const std::string& mode, const std::string& cert = "",
                       const std::string& key = "") {
    return run(
        {"sh", script, "select", root.path(), mode, "example.com,auth.example.com", cert, key});
  }
  nlohmann::json status() {
    return nlohmann::json::parse(
        cairn::testing::readFile(root.path() + edge::kCertificateStatusFile));
  }
  std::string linkTarget(const char* path) {
    char buffer[4096];
    ssize_t n = ::readlink((root.path() + path).c_str(), buffer, sizeof buffer);
    return n < 0 ? "" : std::string(buffer, static_cast<std::size_t>(n));
  }
  // A certificate and key made with openssl under `dir` (absolute in the target system).
  void makePair(const std::string& dir) {
    (void)cairn::host::makeDirectories(root.path() + dir);
    auto made =
        run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "30", "-subj", "/CN=example.com", "-keyout",
             root.path() + dir + "/privkey.pem", "-out", root.path() + dir + "/fullchain.pem"});
    BOOST_REQUIRE_MESSAGE(made.exitCode == 0, made.output);
  }
  // The same, valid only in January 2020 (openssl ca is the tool that takes explicit dates).
  void makeExpiredPair(const std::string& dir) {
    std::string at = root.path() + dir;
    auto made = run({"sh", "-c",
                     "set -e; mkdir -p \"$1/ca/new\"; cd \"$1/ca\"; : >index.txt; echo 01 >serial\n"
                     "printf '[ca]\\ndefault_ca = x\\n[x]\\ndir = .\\ndatabase = "
                     "index.txt\\nnew_certs_dir = new\\n"
                     "serial = serial\\ndefault_md = sha256\\npolicy = p\\n[p]\\ncommonName = "
                     "supplied\\n' >ca.cnf\n"
                     "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                     "-subj /CN=example.com "
                     "-keyout ../privkey.pem -out req.pem\n"
                     "openssl ca -batch -config ca.cnf -selfsign -keyfile ../privkey.pem -in "
                     "req.pem -out ../fullchain.pem "
                     "-startdate 20200101000000Z -enddate 20200201000000Z\n",
                     "make-expired", at});
    BOOST_REQUIRE_MESSAGE(made.exitCode == 0, made.output);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(self_signed_is_generated_once_for_every_host_and_kept) {
  TlsRoot tls;
  auto first = tls.select("self-signed");
  BOOST_REQUIRE_MESSAGE(first.exitCode == 0, first.output);
  std::string cert = tls.root.path() + edge::kTlsDir + "/self-signed/fullchain.pem";
  auto san = run({"openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"});
  BOOST_TEST(san.output.find("DNS:example.com, DNS:auth.example.com") != std::string::npos,
             san.output);
  BOOST_TEST(tls.linkTarget(edge::kLiveCertificate) == cert);
  BOOST_TEST(tls.status().value("source", "") == "self-signed");
  auto key = cairn::host::statFile(tls.root.path() + edge::kTlsDir + "/self-signed/privkey.pem");
  BOOST_REQUIRE(key);
  BOOST_TEST((key->mode & 077) == 0u);

  std::string before = cairn::testing::readFile(cert);
  BOOST_TEST(tls.select("self-signed").exitCode == 0);
  BOOST_TEST(cairn::testing::readFile(cert) == before);
}

BOOST_AUTO_TEST_CASE(provided_certificates_are_checked_before_they_are_served) {
  TlsRoot tls;
  tls.makePair("/etc/ssl/good");
  tls.makePair("/etc/ssl/other");
  auto good = tls.select("provided", "/etc/ssl/good/fullchain.pem", "/etc/ssl/good/privkey.pem");
  BOOST_REQUIRE_MESSAGE(good.exitCode == 0, good.output);
  BOOST_TEST(tls.linkTarget(edge::kLiveCertificate) ==
             tls.root.path() + "/etc/ssl/good/fullchain.pem");
  BOOST_TEST(tls.status().value("source", "") == "provided");

  auto missing = tls.select("provided", "/etc/ssl/none/fullchain.pem", "/etc/ssl/good/privkey.pem");
  BOOST_TEST(missing.exitCode != 0);
  BOOST_TEST(missing.output.find("cannot read the certificate") != std::string::npos,
             missing.output);

  auto mismatched =
      tls.select("provided", "/etc/ssl/good/fullchain.pem", "/etc/ssl/other/privkey.pem");
  BOOST_TEST(mismatched.exitCode != 0);
  BOOST_TEST(mismatched.output.find("does not belong to the certificate") != std::string::npos,
             mismatched.output);

  tls.makeExpiredPair("/etc/ssl/old");
  auto expired = tls.select("provided", "/etc/ssl/old/fullchain.pem", "/etc/ssl/old/privkey.pem");
  BOOST_TEST(expired.exitCode != 0);
  BOOST_TEST(expired.output.find("has expired") != std::string::npos, expired.output);
  // A rejected certificate leaves the one being served alone.
  BOOST_TEST(tls.linkTarget(edge::kLiveCertificate) ==
             tls.root.path() + "/etc/ssl/good/fullchain.pem");
}

BOOST_AUTO_TEST_CASE(acme_falls_back_to_self_signed_until_certbot_has_a_certificate) {
  TlsRoot tls;
  auto fallback = tls.select("acme");
  BOOST_REQUIRE_MESSAGE(fallback.exitCode == 0, fallback.output);
  BOOST_TEST(fallback.output.find("no usable ACME certificate yet") != std::string::npos,
             fallback.output);
  BOOST_TEST(tls.status().value("source", "") == "self-signed-fallback");
  BOOST_TEST(tls.status().value("fallback", false));
  BOOST_TEST(tls.status().value("subject", "") == "CN=example.com");
  BOOST_TEST(cairn::testing::readFile(tls.root.path() + edge::kCertificateMetricsFile)
                 .find("cairn_tls_certificate_fallback{mode=\"acme\"} 1") != std::string::npos);

  tls.makePair("/etc/letsencrypt/live/example.com");
  BOOST_TEST(tls.select("acme").exitCode == 0);
  BOOST_TEST(tls.status().value("source", "") == "acme");
  BOOST_TEST(tls.linkTarget(edge::kLiveCertificate) ==
             tls.root.path() + "/etc/letsencrypt/live/example.com/fullchain.pem");
}

BOOST_AUTO_TEST_CASE(every_ruleset_passes_nft_check) {
  TempDir dir;
  for (const std::string& firewall :
       {std::string(R"({})"), std::string(R"({"ssh_port": 2222, "allowed_ports": [8443, 9000]})"),
        std::string(R"({"enabled": false})")}) {
    cairn::testing::writeFile(dir / "cairn.nft",
                              edge::renderNftables(specWith(", \"firewall\": " + firewall)));
    auto checked = run({"nft", "-c", "-f", dir / "cairn.nft"});
    BOOST_TEST(checked.exitCode == 0, firewall << ": " << checked.output);
  }
}

BOOST_AUTO_TEST_CASE(the_ruleset_is_refused_when_it_would_cut_the_ssh_session_running_the_apply) {
  TempDir dir;
  auto spec = specWith(R"(, "firewall": {"ssh_port": 22})");
  cairn::testing::writeFile(dir.path() + edge::kNftablesFile, edge::renderNftables(spec));
  auto validator = edge::renderFirewall(spec, {}).validators.at(0);
  auto argv = cairn::bundle::expandCommand(validator, dir.path(), "");

  ::setenv("SSH_CONNECTION", "192.0.2.10 50022 192.0.2.1 2200", 1);
  auto refused = run(argv);
  ::setenv("SSH_CONNECTION", "192.0.2.10 50022 192.0.2.1 22", 1);
  auto accepted = run(argv);
  ::unsetenv("SSH_CONNECTION");
  BOOST_TEST(refused.exitCode != 0);
  BOOST_TEST(refused.output.find("runs over SSH on port 2200") != std::string::npos,
             refused.output);
  BOOST_TEST(accepted.exitCode == 0, accepted.output);
}

namespace {

// Two network namespaces joined by a veth pair: "host" (10.213.7.1) runs the ruleset, "client"
// (10.213.7.2) connects to it.
struct NetnsPair {
  std::string suffix = std::to_string(::getpid() % 100000);
  std::string host = "cairn-edge-host-" + suffix;
  std::string client = "cairn-edge-client-" + suffix;
  NetnsPair() {
    std::string a = "ce" + suffix + "a", b = "ce" + suffix + "b";
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"ip", "netns", "add", host},
             {"ip", "netns", "add", client},
             {"ip", "link", "add", a, "type", "veth", "peer", "name", b},
             {"ip", "link", "set", a, "netns", host},
             {"ip", "link", "set", b, "netns", client},
             {"ip", "-n", host, "addr", "add", "10.213.7.1/30", "dev", a},
             {"ip", "-n", client, "addr", "add", "10.213.7.2/30", "dev", b},
             {"ip", "-n", host, "link", "set", a, "up"},
             {"ip", "-n", client, "link", "set", b, "up"},
             {"ip", "-n", host, "link", "set", "lo", "up"},
             {"ip", "-n", client, "link", "set", "lo", "up"}}) {
      auto result = run(argv);
      if (result.exitCode != 0)
        throw std::runtime_error(argv[1] + " " + argv[2] + " failed: " + result.output);
    }
  }
  ~NetnsPair() {
    (void)run({"ip", "netns", "del", client});
    (void)run({"ip", "netns", "del", host});
  }
  // 0 when a TCP connection from `from` to address:port completes within a second.
  int connect(const std::string& from, const std::string& address, int port) {
    auto result = run({"ip", "netns", "exec", from, "python3", "-c",
                       "import socket,sys\ns=socket.socket()\ns.settimeout(1)\n"
                       "print(s.connect_ex((sys.argv[1], int(sys.argv[2]))))",
                       address, std::to_string(port)});
    return result.exitCode == 0 ? std::stoi(result.output) : -1;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_applied_ruleset_opens_only_the_spec_ports_and_turns_off) {
  NetnsPair net;
  TempDir root;
  edge::EdgeOptions options;
  options.nftCommand = {"ip", "netns", "exec", net.host, "nft"};
  cairn::testing::ChildProcess listeners(
      {"ip", "netns", "exec", net.host, "python3", "-c",
       "import socket,sys,time\nsocks=[socket.create_server(('0.0.0.0', int(p))) for p in "
       "sys.argv[1:]]\n"
       "time.sleep(120)",
       "2222", "8443", "9999"},
      root / "listeners.log");
  for (int port : {2222, 8443, 9999}) {
    for (int i = 0; i < 100 && net.connect(net.client, "10.213.7.1", port) != 0; ++i) {
    }
  }
  BOOST_REQUIRE_EQUAL(net.connect(net.client, "10.213.7.1", 9999), 0);

  LocalProcessRunner runner;
  cairn::apply::Transaction transaction(cairn::state::Paths{root.path()}, runner);
  auto on = edge::renderFirewall(
      specWith(R"(, "firewall": {"ssh_port": 2222, "allowed_ports": [8443]})"), options);
  auto report = transaction.apply(on, {}, false);
  BOOST_REQUIRE_MESSAGE(report.status == cairn::apply::ApplyStatus::kApplied, report.message);
  BOOST_TEST(net.connect(net.client, "10.213.7.1", 2222) == 0);
  BOOST_TEST(net.connect(net.client, "10.213.7.1", 8443) == 0);
  BOOST_TEST(net.connect(net.client, "10.213.7.1", 9999) != 0);
  BOOST_TEST(net.connect(net.host, "127.0.0.1", 9999) == 0);

  auto off = edge::renderFirewall(specWith(R"(, "firewall": {"enabled": false})"), options);
  report = transaction.apply(off, on, false);
  BOOST_REQUIRE_MESSAGE(report.status == cairn::apply::ApplyStatus::kApplied, report.message);
  BOOST_TEST(net.connect(net.client, "10.213.7.1", 9999) == 0);
  auto tables = run({"ip", "netns", "exec", net.host, "nft", "list", "tables"});
  BOOST_TEST(tables.output.find("cairn") == std::string::npos, tables.output);
}
