#pragma once
// Every domain's renderers gathered into the one bundle that `cairnctl apply` applies. Pure:
// spec and secrets in, bundle out.

#include "appliance/bundle/bundle.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"

namespace cairn::apply {

// What the renderers need to know about the machine they render for; the caller finds it out
// (cairnctl reads it under --root) so that rendering stays pure.
struct HostFacts {
  bool ipv6 = true;  // edge::hostHasIpv6(): nginx listens on [::] only with it
};

bundle::Bundle renderAppliance(const spec::Spec& spec, const secrets::Secrets& secrets,
                               const HostFacts& host = {});

// The normalized spec every daemon reads (/etc/cairn/rendered/spec.json).
bundle::Bundle renderCore(const spec::Spec& spec);

}  // namespace cairn::apply
