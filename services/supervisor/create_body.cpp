#include "services/supervisor/create_body.hpp"

#include "appliance/host/files.hpp"

namespace cairn::supervisor {
namespace {

using nlohmann::json;

std::int64_t nanosFromMillis(std::int64_t millis) { return millis * 1'000'000; }

json healthcheckBody(const Healthcheck& check) {
  json body = {{"Test", check.test}};
  if (check.intervalMs > 0) body["Interval"] = nanosFromMillis(check.intervalMs);
  if (check.timeoutMs > 0) body["Timeout"] = nanosFromMillis(check.timeoutMs);
  if (check.retries > 0) body["Retries"] = check.retries;
  if (check.startPeriodMs > 0) body["StartPeriod"] = nanosFromMillis(check.startPeriodMs);
  return body;
}

json mountsBody(const DesiredContainer& container, const CreateContext& context) {
  json mounts = json::array();
  for (const auto& mount : container.mounts) {
    json item = {{"Type", mount.type}, {"Target", mount.target}, {"ReadOnly", mount.readOnly}};
    if (mount.type == "bind") {
      item["Source"] = context.root.empty() ? mount.source : host::underRoot(context.root, mount.source);
    } else if (!mount.source.empty()) {
      item["Source"] = mount.source;
    }
    mounts.push_back(item);
  }
  return mounts;
}

}  // namespace

std::map<std::string, std::string> containerLabels(const DesiredContainer& container, const CreateContext& context) {
  auto labels = container.labels;
  labels[kManagedLabel] = "true";
  labels[kServiceLabel] = container.service;
  labels[kSpecHashLabel] = container.specHash;
  if (!context.scope.empty()) labels[kScopeLabel] = context.scope;
  return labels;
}

json containerCreateBody(const DesiredContainer& container, const CreateContext& context) {
  json env = json::array();
  for (const auto& [name, value] : container.env) env.push_back(name + "=" + value);

  json body = {{"Image", container.image}, {"Env", env}, {"Labels", containerLabels(container, context)},
               {"StopTimeout", container.stopTimeoutSeconds}, {"Tty", false}};
  if (!container.entrypoint.empty()) body["Entrypoint"] = container.entrypoint;
  if (!container.command.empty()) body["Cmd"] = container.command;
  if (!container.user.empty()) body["User"] = container.user;
  if (container.healthcheck) body["Healthcheck"] = healthcheckBody(*container.healthcheck);

  bool hostNetwork = container.networkMode == "host";
  json hostConfig = {
      {"Mounts", mountsBody(container, context)},
      {"NetworkMode", hostNetwork ? std::string("host") : context.network},
      // The supervisor restarts containers itself (with backoff, and on unhealthy too).
      {"RestartPolicy", {{"Name", "no"}}},
      {"ReadonlyRootfs", container.readOnlyRootfs},
      {"LogConfig", {{"Type", "json-file"}, {"Config", {{"max-size", container.logMaxSize}, {"max-file", container.logMaxFile}}}}},
  };
  if (container.memoryBytes > 0) hostConfig["Memory"] = container.memoryBytes;
  if (container.nanoCpus > 0) hostConfig["NanoCpus"] = container.nanoCpus;
  if (container.pidsLimit > 0) hostConfig["PidsLimit"] = container.pidsLimit;
  if (!container.capDrop.empty()) hostConfig["CapDrop"] = container.capDrop;
  if (!container.capAdd.empty()) hostConfig["CapAdd"] = container.capAdd;
  if (container.noNewPrivileges) hostConfig["SecurityOpt"] = json::array({"no-new-privileges:true"});

  if (!hostNetwork) {
    json exposed = json::object();
    json bindings = json::object();
    for (const auto& port : container.ports) {
      std::string key = std::to_string(port.containerPort) + "/tcp";
      exposed[key] = json::object();
      bindings[key].push_back({{"HostIp", port.hostIp}, {"HostPort", port.hostPort > 0 ? std::to_string(port.hostPort) : ""}});
    }
    if (!exposed.empty()) {
      body["ExposedPorts"] = exposed;
      hostConfig["PortBindings"] = bindings;
    }
    body["NetworkingConfig"] = {{"EndpointsConfig", {{context.network, {{"Aliases", container.aliases}}}}}};
  }
  body["HostConfig"] = hostConfig;
  return body;
}

}  // namespace cairn::supervisor
