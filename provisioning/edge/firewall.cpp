#include "provisioning/edge/firewall.hpp"

#include <algorithm>
#include <set>

#include "provisioning/edge/edge_paths.hpp"

namespace cairn::edge {
namespace {

constexpr const char* kHeader = kRenderedHeader;

// "table ...; delete table ..." first: the file replaces cairn's table atomically whether or not
// it was loaded before, and leaves every other table (Docker's, the administrator's) alone.
constexpr const char* kReplaceTable = "table inet cairn\ndelete table inet cairn\n";

// Checks the staged ruleset, then refuses one that would not let the SSH session running the
// apply back in (its server port is the third field of $SSH_CONNECTION).
constexpr const char* kCheckScript =
    "nft -c -f \"$1\" || exit 1\n"
    "[ \"$2\" = enabled ] && [ -n \"${SSH_CONNECTION:-}\" ] || exit 0\n"
    "port=${SSH_CONNECTION##* }\n"
    "case \" $3 \" in *\" $port \"*) exit 0 ;; esac\n"
    "echo \"firewall: this apply runs over SSH on port $port, which the ruleset would close;"
    " set firewall.ssh_port or add the port to firewall.allowed_ports\" >&2\n"
    "exit 1\n";

constexpr const char* kSystemLoad =
    "if [ -n \"$1\" ]; then echo \"apply under --root $1: the system's firewall is left alone\"; "
    "exit 0; fi\n"
    "# A rollback of the first apply removes the ruleset file: then cairn's table goes too.\n"
    "if [ ! -e \"$2\" ]; then nft delete table inet cairn 2>/dev/null; exit 0; fi\n"
    "exec nft -f \"$2\"\n";

std::string portSet(const std::vector<int>& ports) {
  std::string text;
  for (int port : ports) text += (text.empty() ? "" : ", ") + std::to_string(port);
  return ports.size() == 1 ? text : "{ " + text + " }";
}

}  // namespace

std::vector<int> openPorts(const spec::Spec& spec) {
  std::set<int> ports = {spec.firewall.sshPort, 80, 443};
  ports.insert(spec.firewall.allowedPorts.begin(), spec.firewall.allowedPorts.end());
  return {ports.begin(), ports.end()};
}

std::string renderNftables(const spec::Spec& spec) {
  std::string text = kHeader;
  if (!spec.firewall.enabled) {
    return text + "# firewall.enabled is false: cairn keeps no rules of its own.\n" + kReplaceTable;
  }
  text += kReplaceTable;
  text +=
      "table inet cairn {\n"
      "    chain input {\n"
      "        type filter hook input priority filter; policy drop;\n"
      "        ct state established,related accept\n"
      "        ct state invalid drop\n"
      "        iifname \"lo\" accept\n"
      "        # The containers reach host-network services (Prometheus, the exporter).\n"
      "        iifname \"docker0\" accept\n"
      "        iifname \"br-*\" accept\n"
      "        ip protocol icmp icmp type { echo-request, destination-unreachable, time-exceeded, "
      "parameter-problem } accept\n"
      "        # Neighbour discovery and path MTU discovery need ICMPv6.\n"
      "        meta l4proto ipv6-icmp accept\n";
  text +=
      "        tcp dport " + std::to_string(spec.firewall.sshPort) + " accept comment \"ssh\"\n";
  text += "        tcp dport { 80, 443 } accept comment \"nginx\"\n";
  std::vector<int> extra;
  for (int port : spec.firewall.allowedPorts) {
    if (port != 80 && port != 443 && port != spec.firewall.sshPort) extra.push_back(port);
  }
  std::sort(extra.begin(), extra.end());
  if (!extra.empty())
    text += "        tcp dport " + portSet(extra) + " accept comment \"firewall.allowed_ports\"\n";
  text +=
      "    }\n"
      "}\n";
  return text;
}

bundle::Bundle renderFirewall(const spec::Spec& spec, const EdgeOptions& options) {
  bundle::Bundle firewall;
  firewall.files.push_back({kNftablesFile, renderNftables(spec), 0644, "", false, {"nftables"}});
  std::string ports;
  for (int port : openPorts(spec)) ports += (ports.empty() ? "" : " ") + std::to_string(port);
  firewall.validators.push_back(
      {"nftables",
       {"sh", "-c", kCheckScript, "nft-check", std::string("{stage}") + kNftablesFile,
        spec.firewall.enabled ? "enabled" : "disabled", ports},
       60});
  if (options.nftCommand.empty()) {
    firewall.reloadActions.push_back(
        {"nftables",
         {"sh", "-c", kSystemLoad, "nft-load", "{root}", std::string("{root}") + kNftablesFile},
         60});
  } else {
    std::vector<std::string> argv = options.nftCommand;
    argv.insert(argv.end(), {"-f", std::string("{root}") + kNftablesFile});
    firewall.reloadActions.push_back({"nftables", argv, 60});
  }
  return firewall;
}

}  // namespace cairn::edge
