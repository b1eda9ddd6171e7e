#include "services/catalog/container.hpp"

#include <cmath>

namespace cairn::catalog {

using nlohmann::json;

Container hardenedContainer(const std::string& service, const std::string& image, const spec::Resources& resources) {
  Container container;
  container.name = "cairn-" + service;
  container.image = image;
  container.aliases = {service};
  container.memoryBytes = resources.memory.bytes;
  container.nanoCpus = std::llround(resources.cpus * 1e9);
  return container;
}

Mount volumeMount(const std::string& volume, const std::string& target) { return {"volume", volume, target, false}; }

Mount renderedMount(const std::string& relativePath, const std::string& target) {
  return {"bind", std::string(kRenderedDir) + "/" + relativePath, target, true};
}

namespace {

json mountToJson(const Mount& mount) {
  return {{"type", mount.type}, {"source", mount.source}, {"target", mount.target}, {"read_only", mount.readOnly}};
}

json portToJson(const PortBinding& port) {
  return {{"host_ip", port.hostIp}, {"host_port", port.hostPort}, {"container_port", port.containerPort}};
}

json healthcheckToJson(const Healthcheck& check) {
  return {{"test", check.test},
          {"interval_ms", check.intervalMs},
          {"timeout_ms", check.timeoutMs},
          {"retries", check.retries},
          {"start_period_ms", check.startPeriodMs}};
}

json serviceToJson(const Service& service) {
  json containers = json::array();
  for (const auto& container : service.containers) containers.push_back(containerToJson(container));
  return {{"name", service.name}, {"depends_on", service.dependsOn}, {"containers", containers}};
}

}  // namespace

json containerToJson(const Container& c) {
  json mounts = json::array();
  for (const auto& mount : c.mounts) mounts.push_back(mountToJson(mount));
  json ports = json::array();
  for (const auto& port : c.ports) ports.push_back(portToJson(port));
  json result = {{"name", c.name},
                 {"image", c.image},
                 {"entrypoint", c.entrypoint},
                 {"command", c.command},
                 {"user", c.user},
                 {"env", c.env},
                 {"mounts", mounts},
                 {"ports", ports},
                 {"network_mode", c.networkMode},
                 {"aliases", c.aliases},
                 {"memory_bytes", c.memoryBytes},
                 {"nano_cpus", c.nanoCpus},
                 {"pids_limit", c.pidsLimit},
                 {"cap_drop", c.capDrop},
                 {"cap_add", c.capAdd},
                 {"no_new_privileges", c.noNewPrivileges},
                 {"read_only_rootfs", c.readOnlyRootfs},
                 {"log", {{"max_size", c.log.maxSize}, {"max_file", c.log.maxFile}}},
                 {"stop_timeout_s", c.stopTimeoutSeconds},
                 {"one_shot", c.oneShot},
                 {"labels", c.labels}};
  if (c.healthcheck) result["healthcheck"] = healthcheckToJson(*c.healthcheck);
  if (c.readyExec) {
    result["ready_exec"] = {{"argv", c.readyExec->argv}, {"user", c.readyExec->user}, {"timeout_s", c.readyExec->timeoutSeconds}};
  }
  return result;
}

json containerSetToJson(const ContainerSet& set) {
  json services = json::array();
  for (const auto& service : set.services) services.push_back(serviceToJson(service));
  return {{"version", 1}, {"network", kNetwork}, {"volumes", set.volumes}, {"services", services}};
}

}  // namespace cairn::catalog
