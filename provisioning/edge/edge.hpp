#pragma once
// The edge as one bundle: nginx (renderNginx), the TLS step (renderTls) and the firewall
// (renderFirewall), with the commands that check, load and probe them. Pure.
//
// Validators, in order: "tls" (selects, and if need be generates or checks, the certificate),
// "nginx" (nginx -t of the staged tree, with its own prefix), "nftables" (nft -c and the SSH
// guard). Reload actions: "nginx", "nftables", "acme" (acme mode). Verification: "edge-probe"
// waits until every host answers the new configuration's generation at kProbePath, so a reload
// nginx refused (or has not finished) fails the apply and rolls it back.

#include "appliance/bundle/bundle.hpp"
#include "appliance/spec/spec.hpp"
#include "provisioning/edge/edge_options.hpp"

namespace cairn::edge {

bundle::Bundle renderEdge(const spec::Spec& spec, const EdgeOptions& options = {});

}  // namespace cairn::edge
