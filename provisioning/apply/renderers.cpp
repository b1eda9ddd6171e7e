#include "provisioning/apply/renderers.hpp"

#include "appliance/spec/load.hpp"
#include "monitoring/logship/render.hpp"

namespace cairn::apply {

bundle::Bundle renderCore(const spec::Spec& spec) {
  bundle::Bundle core;
  core.files.push_back({"/etc/cairn/rendered/spec.json", spec::specToJson(spec).dump(2) + "\n", 0644, "", false, {}});
  return core;
}

bundle::Bundle renderAppliance(const spec::Spec& spec, const secrets::Secrets& secrets) {
  (void)secrets;
  bundle::Bundle all = renderCore(spec);
  // Each domain adds its bundle here, one line each.
  all.merge(logship::renderLogship(spec));
  return all;
}

}  // namespace cairn::apply
