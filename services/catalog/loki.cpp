#include "services/catalog/services.hpp"

namespace cairn::catalog {

std::vector<Service> lokiServices(const spec::Spec& spec, const secrets::Secrets&) {
  const spec::ServiceSettings& settings = spec.service("loki");
  Container c = hardenedContainer("loki", settings.image, settings.resources);
  c.command = {"-config.file=/etc/loki/loki.yaml"};
  c.mounts = {volumeMount("cairn-loki-data", "/loki"), renderedMount("loki/loki.yaml", "/etc/loki/loki.yaml")};
  c.ports = {{"127.0.0.1", 3100, 3100}};
  // Recent Loki images are distroless (no shell, wget or curl), so no healthcheck: ready once
  // running. /ready is checked from the host on 127.0.0.1:3100.
  c.pidsLimit = 1024;
  c.stopTimeoutSeconds = 60;  // flushes its ingester on shutdown
  return {Service{"loki", {}, {c}}};
}

}  // namespace cairn::catalog
