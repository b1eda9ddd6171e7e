#pragma once
// Every domain's renderers gathered into the one bundle that `cairnctl apply` applies. Pure:
// spec and secrets in, bundle out.

#include "appliance/bundle/bundle.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"

namespace cairn::apply {

bundle::Bundle renderAppliance(const spec::Spec& spec, const secrets::Secrets& secrets);

// The normalized spec every daemon reads (/etc/cairn/rendered/spec.json).
bundle::Bundle renderCore(const spec::Spec& spec);

}  // namespace cairn::apply
