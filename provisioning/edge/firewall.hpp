#pragma once
// Spec → the nftables ruleset of the appliance: one table, `inet cairn`, whose input chain drops
// everything but loopback, established traffic, the containers' bridges, the ICMP that keeps
// networking working, SSH and the ports the spec opens. Pure.

#include <string>
#include <vector>

#include "appliance/bundle/bundle.hpp"
#include "appliance/spec/spec.hpp"
#include "provisioning/edge/edge_options.hpp"

namespace cairn::edge {

// The TCP ports the ruleset opens, sorted: SSH, 80, 443 and firewall.allowed_ports.
std::vector<int> openPorts(const spec::Spec& spec);

// The ruleset file. With the firewall disabled it only removes the table cairn may have loaded
// before, so that turning the firewall off takes effect on the next apply.
std::string renderNftables(const spec::Spec& spec);

// The file, the validator (nft -c, and a guard that refuses a ruleset that would cut the SSH
// session running the apply, from $SSH_CONNECTION) and the reload action "nftables".
bundle::Bundle renderFirewall(const spec::Spec& spec, const EdgeOptions& options);

}  // namespace cairn::edge
