#include "services/catalog/services.hpp"

namespace cairn::catalog {

std::vector<Service> oauth2ProxyServices(const spec::Spec& spec, const secrets::Secrets& secrets) {
  const spec::ServiceSettings& settings = spec.service("oauth2-proxy");
  Container c = hardenedContainer("oauth2-proxy", settings.image, settings.resources);
  // Settings and secret files come from the keycloak part's rendered folder. Host networking on
  // loopback, so the only proxy it ever sees is nginx at 127.0.0.1 (--trusted-proxy-ip). Flags
  // win over the file.
  c.command = {"--config=/etc/oauth2-proxy/oauth2-proxy.cfg", "--http-address=127.0.0.1:4180",
               "--trusted-proxy-ip=127.0.0.1/32"};
  c.mounts = {renderedMount("oauth2-proxy", "/etc/oauth2-proxy")};
  // Its session store is Redis, on the loopback port Redis publishes (redis_connection_url).
  c.env = {{"OAUTH2_PROXY_REDIS_PASSWORD", secrets.get("redis_password")}};
  c.networkMode = "host";
  c.aliases.clear();
  // A distroless image: no shell or HTTP client to probe with, so no healthcheck (ready once
  // running); /ping is checked from the host.
  c.readOnlyRootfs = true;
  c.pidsLimit = 256;
  c.stopTimeoutSeconds = 10;
  return {Service{"oauth2-proxy", {"keycloak", "redis"}, {c}}};
}

}  // namespace cairn::catalog
