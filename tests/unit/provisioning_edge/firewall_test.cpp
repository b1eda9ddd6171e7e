#include "provisioning/edge/firewall.hpp"

#include <boost/test/unit_test.hpp>

#include "appliance/spec/load.hpp"

using namespace cairn;

namespace {
spec::Spec specWith(const std::string& firewall) {
  return spec::loadSpec("{\"version\": 1, \"domain\": \"example.com\", \"firewall\": " + firewall +
                        "}");
}
}  // namespace

BOOST_AUTO_TEST_CASE(open_ports_are_ssh_web_and_the_allowed_ones_sorted_once) {
  auto ports = edge::openPorts(specWith(R"({"ssh_port": 2222, "allowed_ports": [9000, 443]})"));
  BOOST_TEST(ports == (std::vector<int>{80, 443, 2222, 9000}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ruleset_drops_by_default_and_opens_ssh_first) {
  std::string rules =
      edge::renderNftables(specWith(R"({"ssh_port": 2222, "allowed_ports": [9000, 9001]})"));
  BOOST_TEST(rules.find("table inet cairn\ndelete table inet cairn\n") != std::string::npos);
  BOOST_TEST(rules.find("policy drop;") != std::string::npos);
  BOOST_TEST(rules.find("ct state established,related accept") <
             rules.find("tcp dport 2222 accept"));
  BOOST_TEST(rules.find("tcp dport { 80, 443 } accept") != std::string::npos);
  BOOST_TEST(rules.find("tcp dport { 9000, 9001 } accept") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(disabled_firewall_only_removes_cairns_table) {
  std::string rules = edge::renderNftables(specWith(R"({"enabled": false})"));
  BOOST_TEST(rules.find("delete table inet cairn") != std::string::npos);
  BOOST_TEST(rules.find("policy drop") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_system_firewall_is_loaded_only_on_the_real_system) {
  auto bundle = edge::renderFirewall(specWith("{}"), {});
  BOOST_REQUIRE_EQUAL(bundle.reloadActions.size(), 1u);
  auto argv = bundle::expandCommand(bundle.reloadActions[0], "/stage", "/tmp/root");
  BOOST_TEST(argv[0] == "sh");
  BOOST_TEST(argv[4] == "/tmp/root");
  BOOST_TEST(argv[2].find("left alone") != std::string::npos);
  edge::EdgeOptions options;
  options.nftCommand = {"ip", "netns", "exec", "ns1", "nft"};
  auto custom = bundle::expandCommand(
      edge::renderFirewall(specWith("{}"), options).reloadActions[0], "/s", "/r");
  BOOST_TEST(custom == (std::vector<std::string>{"ip", "netns", "exec", "ns1", "nft", "-f",
                                                 "/r/etc/cairn/rendered/nftables/cairn.nft"}),
             boost::test_tools::per_element());
}
