#include "services/catalog/services.hpp"

namespace cairn::catalog {

std::vector<Service> redisServices(const spec::Spec& spec, const secrets::Secrets& secrets) {
  const spec::ServiceSettings& settings = spec.service("redis");
  Container c = hardenedContainer("redis", settings.image, settings.resources);
  // The image has no password variable. The password goes from the environment onto the
  // command line inside the container, so it is not part of the container's recorded command;
  // redis-server then replaces its process title.
  c.command = {"sh", "-c",
               "exec docker-entrypoint.sh redis-server --requirepass \"$REDIS_PASSWORD\" --appendonly yes"};
  c.env = {{"REDIS_PASSWORD", secrets.get("redis_password")},
           // Read by redis-cli, which the healthcheck runs.
           {"REDISCLI_AUTH", secrets.get("redis_password")}};
  c.mounts = {volumeMount("cairn-redis-data", "/data")};
  // oauth2-proxy (host networking) keeps its sessions here, through the host's loopback.
  c.ports = {{"127.0.0.1", 6379, 6379}};
  // redis-cli exits 0 on an error reply too (NOAUTH, LOADING): only PONG is healthy.
  c.healthcheck = Healthcheck{{"CMD-SHELL", "redis-cli -h 127.0.0.1 ping | grep -qx PONG"}, 10000, 5000, 5, 10000};
  // The entrypoint chowns /data and drops to user redis with gosu.
  c.capAdd = {"CHOWN", "SETGID", "SETUID"};
  c.pidsLimit = 256;
  return {Service{"redis", {}, {c}}};
}

}  // namespace cairn::catalog
