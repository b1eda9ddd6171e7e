#include "services/catalog/services.hpp"

namespace cairn::catalog {

std::vector<Service> oauth2ProxyServices(const spec::Spec& spec, const secrets::Secrets&) {
  const spec::ServiceSettings& settings = spec.service("oauth2-proxy");
  Container c = hardenedContainer("oauth2-proxy", settings.image, settings.resources);
  // Settings and secret files come from the keycloak part's rendered folder. The listen address
  // is fixed here because the container must listen on its own interface for the port binding
  // to reach it; the binding itself is loopback-only on the host. Flags win over the file.
  c.command = {"--config=/etc/oauth2-proxy/oauth2-proxy.cfg", "--http-address=0.0.0.0:4180"};
  c.mounts = {renderedMount("oauth2-proxy", "/etc/oauth2-proxy")};
  c.ports = {{"127.0.0.1", 4180, 4180}};
  // A distroless image: no shell or HTTP client to probe with, so no healthcheck (ready once
  // running); /ping is checked from the host.
  c.readOnlyRootfs = true;
  c.pidsLimit = 256;
  c.stopTimeoutSeconds = 10;
  return {Service{"oauth2-proxy", {"keycloak"}, {c}}};
}

}  // namespace cairn::catalog
