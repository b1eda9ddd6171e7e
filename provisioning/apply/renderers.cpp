#include "provisioning/apply/renderers.hpp"

#include "appliance/spec/load.hpp"
#include "keycloak/renderers.hpp"
#include "monitoring/logship/render.hpp"
#include "monitoring/stack/stack_renderer.hpp"
#include "provisioning/edge/edge.hpp"
#include "services/catalog/catalog.hpp"

namespace cairn::apply {
namespace {

edge::EdgeOptions edgeOptionsFor(const HostFacts& host) {
  edge::EdgeOptions options;
  options.ipv6 = host.ipv6;
  return options;
}

}  // namespace

bundle::Bundle renderCore(const spec::Spec& spec) {
  bundle::Bundle core;
  core.files.push_back({"/etc/cairn/rendered/spec.json", spec::specToJson(spec).dump(2) + "\n", 0644, "", false, {}});
  return core;
}

bundle::Bundle renderAppliance(const spec::Spec& spec, const secrets::Secrets& secrets, const HostFacts& host) {
  bundle::Bundle all = renderCore(spec);
  // Each domain adds its bundle here, one line each.
  all.merge(catalog::renderCatalog(spec, secrets));
  all.merge(edge::renderEdge(spec, edgeOptionsFor(host)));
  all.merge(keycloak::renderKeycloak(spec, secrets));
  all.merge(stack::renderMonitoringStack(spec));
  all.merge(logship::renderLogship(spec));
  return all;
}

}  // namespace cairn::apply
