#pragma once
// TLS: which certificate nginx serves. Rendering stays pure; the certificate itself is made or
// checked by the TLS step (prepare.sh), which the apply runs as its first edge validator, so nginx
// starts before any public certificate exists. See docs/edge.md for the files it keeps.

#include <string>
#include <vector>

#include "appliance/bundle/bundle.hpp"
#include "appliance/spec/spec.hpp"
#include "provisioning/edge/edge_options.hpp"

namespace cairn::edge {

// The script rendered as kTlsScript.
const char* tlsPrepareScript();

// The TLS step's files (the script and certbot's deploy hook), the validator that selects (and
// if need be generates or checks) the certificate for `hosts`, and in acme mode the reload
// action "acme" that asks certbot for one.
bundle::Bundle renderTls(const spec::Spec& spec, const std::vector<std::string>& hosts,
                         const EdgeOptions& options);

// The command that reloads the nginx of `options` ("{root}" empty: the real system).
bundle::Command nginxReloadCommand(const EdgeOptions& options);

}  // namespace cairn::edge
