#include "services/supervisor/desired.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <regex>
#include <set>

namespace cairn::supervisor {
namespace {

using nlohmann::json;

std::string joinProblems(const std::vector<std::string>& problems) {
  std::string text = "containers.json is not valid:";
  for (const auto& problem : problems) text += "\n  " + problem;
  return text;
}

// Reads fields of one JSON object, collecting problems instead of stopping at the first.
class Reader {
 public:
  Reader(const json& object, std::string path, std::vector<std::string>& problems)
      : object_(object), path_(std::move(path)), problems_(problems) {
    if (!object_.is_object()) problem("", "must be an object");
  }

  std::string string(const char* key, bool required = false, std::string fallback = "") {
    const json* value = find(key, required);
    if (!value) return fallback;
    if (!value->is_string()) return problem(key, "must be a string"), fallback;
    return value->get<std::string>();
  }
  std::int64_t integer(const char* key, std::int64_t fallback = 0) {
    const json* value = find(key, false);
    if (!value) return fallback;
    if (!value->is_number_integer() || value->get<std::int64_t>() < 0) {
      return problem(key, "must be a whole number, 0 or more"), fallback;
    }
    return value->get<std::int64_t>();
  }
  bool boolean(const char* key, bool fallback = false) {
    const json* value = find(key, false);
    if (!value) return fallback;
    if (!value->is_boolean()) return problem(key, "must be true or false"), fallback;
    return value->get<bool>();
  }
  std::vector<std::string> strings(const char* key) {
    std::vector<std::string> out;
    const json* value = find(key, false);
    if (!value) return out;
    if (!value->is_array()) return problem(key, "must be a list of strings"), out;
    for (const auto& item : *value) {
      if (!item.is_string()) return problem(key, "must be a list of strings"), out;
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  std::map<std::string, std::string> stringMap(const char* key) {
    std::map<std::string, std::string> out;
    const json* value = find(key, false);
    if (!value) return out;
    if (!value->is_object()) return problem(key, "must be an object of strings"), out;
    for (const auto& [name, item] : value->items()) {
      if (!item.is_string()) {
        problem(std::string(key) + "." + name, "must be a string");
        continue;
      }
      out[name] = item.get<std::string>();
    }
    return out;
  }
  const json* array(const char* key, bool required) {
    const json* value = find(key, required);
    if (value && !value->is_array()) return problem(key, "must be a list"), nullptr;
    return value;
  }
  const json* object(const char* key) {
    const json* value = find(key, false);
    if (value && !value->is_object()) return problem(key, "must be an object"), nullptr;
    return value;
  }
  std::string at(const std::string& key) const { return path_ + "." + key; }
  void problem(const std::string& key, const std::string& what) {
    problems_.push_back((key.empty() ? path_ : at(key)) + ": " + what);
  }

 private:
  const json* find(const char* key, bool required) {
    if (!object_.is_object()) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) problem(key, "is required");
      return nullptr;
    }
    return &*it;
  }
  const json& object_;
  std::string path_;
  std::vector<std::string>& problems_;
};

bool validContainerName(const std::string& name) {
  static const std::regex kName("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$");
  return std::regex_match(name, kName);
}

Healthcheck readHealthcheck(const json& object, const std::string& path, std::vector<std::string>& problems) {
  Reader reader(object, path, problems);
  Healthcheck check;
  check.test = reader.strings("test");
  if (check.test.empty()) reader.problem("test", "must name the check, e.g. [\"CMD-SHELL\", \"...\"]");
  check.intervalMs = reader.integer("interval_ms");
  check.timeoutMs = reader.integer("timeout_ms");
  check.retries = static_cast<int>(reader.integer("retries"));
  check.startPeriodMs = reader.integer("start_period_ms");
  return check;
}

ReadyExec readReadyExec(const json& object, const std::string& path, std::vector<std::string>& problems) {
  Reader reader(object, path, problems);
  ReadyExec exec;
  exec.argv = reader.strings("argv");
  if (exec.argv.empty() || exec.argv.front().empty()) reader.problem("argv", "must name the program to run, e.g. [\"/bin/sh\", \"-c\", \"...\"]");
  exec.user = reader.string("user");
  exec.timeoutSeconds = static_cast<int>(reader.integer("timeout_s", exec.timeoutSeconds));
  if (exec.timeoutSeconds < 1 || exec.timeoutSeconds > 3600) reader.problem("timeout_s", "must be 1-3600 seconds");
  return exec;
}

DesiredContainer readContainer(const json& object, const std::string& path, const std::string& service,
                               std::vector<std::string>& problems) {
  Reader reader(object, path, problems);
  DesiredContainer container;
  container.service = service;
  container.name = reader.string("name", true);
  if (!container.name.empty() && !validContainerName(container.name)) {
    reader.problem("name", "\"" + container.name + "\" is not a valid container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)");
  }
  container.image = reader.string("image", true);
  container.entrypoint = reader.strings("entrypoint");
  container.command = reader.strings("command");
  container.user = reader.string("user");
  container.env = reader.stringMap("env");
  if (const json* mounts = reader.array("mounts", false)) {
    for (std::size_t i = 0; i < mounts->size(); ++i) {
      Reader mount((*mounts)[i], reader.at("mounts[" + std::to_string(i) + "]"), problems);
      Mount item{mount.string("type", true), mount.string("source"), mount.string("target", true),
                 mount.boolean("read_only")};
      if (!item.type.empty() && item.type != "bind" && item.type != "volume" && item.type != "tmpfs") {
        mount.problem("type", "must be bind, volume or tmpfs, not \"" + item.type + "\"");
      }
      if (item.type == "bind" && (item.source.empty() || item.source.front() != '/')) {
        mount.problem("source", "a bind mount needs an absolute source path");
      }
      if (item.type == "volume" && item.source.empty()) mount.problem("source", "a volume mount needs a volume name");
      container.mounts.push_back(item);
    }
  }
  if (const json* ports = reader.array("ports", false)) {
    for (std::size_t i = 0; i < ports->size(); ++i) {
      Reader port((*ports)[i], reader.at("ports[" + std::to_string(i) + "]"), problems);
      PortBinding binding{port.string("host_ip", false, "127.0.0.1"), static_cast<int>(port.integer("host_port")),
                          static_cast<int>(port.integer("container_port"))};
      if (binding.containerPort < 1 || binding.containerPort > 65535) port.problem("container_port", "must be 1-65535");
      if (binding.hostPort > 65535) port.problem("host_port", "must be 0-65535");
      container.ports.push_back(binding);
    }
  }
  container.networkMode = reader.string("network_mode");
  if (!container.networkMode.empty() && container.networkMode != "host") {
    reader.problem("network_mode", "must be \"\" (the cairn network) or \"host\"");
  }
  container.aliases = reader.strings("aliases");
  if (const json* check = reader.object("healthcheck")) {
    container.healthcheck = readHealthcheck(*check, reader.at("healthcheck"), problems);
  }
  container.memoryBytes = reader.integer("memory_bytes");
  container.nanoCpus = reader.integer("nano_cpus");
  container.pidsLimit = reader.integer("pids_limit");
  container.capDrop = reader.strings("cap_drop");
  container.capAdd = reader.strings("cap_add");
  container.noNewPrivileges = reader.boolean("no_new_privileges");
  container.readOnlyRootfs = reader.boolean("read_only_rootfs");
  if (const json* log = reader.object("log")) {
    Reader logReader(*log, reader.at("log"), problems);
    container.logMaxSize = logReader.string("max_size", false, container.logMaxSize);
    container.logMaxFile = logReader.string("max_file", false, container.logMaxFile);
  }
  container.stopTimeoutSeconds = static_cast<int>(reader.integer("stop_timeout_s", 10));
  container.oneShot = reader.boolean("one_shot");
  if (const json* exec = reader.object("ready_exec")) {
    container.readyExec = readReadyExec(*exec, reader.at("ready_exec"), problems);
    if (container.oneShot) reader.problem("ready_exec", "a one_shot container is never running when it is ready");
  }
  container.labels = reader.stringMap("labels");
  for (const auto& [key, value] : container.labels) {
    if (key.rfind("io.cairn.", 0) == 0) reader.problem("labels." + key, "io.cairn.* labels are set by the supervisor");
  }
  if (object.is_object()) container.specHash = specHashOf(object);
  return container;
}

}  // namespace

DesiredSetError::DesiredSetError(std::vector<std::string> problems)
    : std::runtime_error(joinProblems(problems)), problems_(std::move(problems)) {}

bool DesiredService::oneShot() const {
  if (containers.empty()) return false;
  for (const auto& container : containers) {
    if (!container.oneShot) return false;
  }
  return true;
}

const DesiredService* DesiredSet::service(const std::string& name) const {
  for (const auto& item : services) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

const DesiredContainer* DesiredSet::container(const std::string& name) const {
  for (const auto& item : services) {
    for (const auto& container : item.containers) {
      if (container.name == name) return &container;
    }
  }
  return nullptr;
}

std::string specHashOf(const nlohmann::json& object) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(object.dump());
  return Poco::DigestEngine::digestToHex(engine.digest());
}

DesiredSet parseDesiredSet(const std::string& text) {
  json root = json::parse(text, nullptr, false, true);
  if (root.is_discarded()) throw DesiredSetError({"$: is not valid JSON"});
  std::vector<std::string> problems;
  Reader reader(root, "$", problems);
  if (!problems.empty()) throw DesiredSetError(problems);
  DesiredSet set;
  if (reader.integer("version", 1) != 1) reader.problem("version", "must be 1");
  set.network = reader.string("network", false, "cairn");
  if (set.network.empty()) reader.problem("network", "must name a network");
  set.volumes = reader.strings("volumes");
  std::set<std::string> serviceNames;
  std::set<std::string> containerNames;
  if (const json* services = reader.array("services", true)) {
    for (std::size_t i = 0; i < services->size(); ++i) {
      std::string path = "$.services[" + std::to_string(i) + "]";
      Reader serviceReader((*services)[i], path, problems);
      DesiredService service;
      service.name = serviceReader.string("name", true);
      service.dependsOn = serviceReader.strings("depends_on");
      for (const auto& dependency : service.dependsOn) {
        if (!serviceNames.count(dependency)) {
          serviceReader.problem("depends_on", "\"" + dependency + "\" is not a service listed before \"" + service.name + "\"");
        }
      }
      if (!service.name.empty() && !serviceNames.insert(service.name).second) {
        serviceReader.problem("name", "service \"" + service.name + "\" is listed twice");
      }
      if (const json* containers = serviceReader.array("containers", true)) {
        if (containers->empty()) serviceReader.problem("containers", "must list at least one container");
        for (std::size_t j = 0; j < containers->size(); ++j) {
          DesiredContainer container =
              readContainer((*containers)[j], path + ".containers[" + std::to_string(j) + "]", service.name, problems);
          if (!container.name.empty() && !containerNames.insert(container.name).second) {
            problems.push_back(path + ".containers[" + std::to_string(j) + "].name: container \"" + container.name +
                               "\" is listed twice");
          }
          service.containers.push_back(std::move(container));
        }
      }
      set.services.push_back(std::move(service));
    }
  }
  if (!problems.empty()) throw DesiredSetError(problems);
  return set;
}

}  // namespace cairn::supervisor
