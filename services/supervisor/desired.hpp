#pragma once
// The desired container set: /etc/cairn/rendered/containers.json (written by the catalog) parsed
// into values. Pure. See docs/supervisor.md for the format.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cairn::supervisor {

// Every problem of a containers.json at once, each with its JSON path.
class DesiredSetError : public std::runtime_error {
 public:
  explicit DesiredSetError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

struct Mount {
  std::string type;  // bind | volume | tmpfs
  std::string source;
  std::string target;
  bool readOnly = false;
};

struct PortBinding {
  std::string hostIp = "127.0.0.1";
  int hostPort = 0;
  int containerPort = 0;
};

struct Healthcheck {
  std::vector<std::string> test;
  std::int64_t intervalMs = 0;
  std::int64_t timeoutMs = 0;
  int retries = 0;
  std::int64_t startPeriodMs = 0;
};

// A command the supervisor runs inside the container (Docker exec) once per container instance,
// when it is running and healthy; until it exits 0 the container is not ready for dependents.
struct ReadyExec {
  std::vector<std::string> argv;
  std::string user;  // "" = the container's user
  int timeoutSeconds = 60;
};

struct DesiredContainer {
  std::string name;
  std::string service;
  std::string image;
  std::vector<std::string> entrypoint;
  std::vector<std::string> command;
  std::string user;
  std::map<std::string, std::string> env;
  std::vector<Mount> mounts;
  std::vector<PortBinding> ports;
  std::string networkMode;  // "" = the cairn network; "host"
  std::vector<std::string> aliases;
  std::optional<Healthcheck> healthcheck;
  std::int64_t memoryBytes = 0;
  std::int64_t nanoCpus = 0;
  std::int64_t pidsLimit = 0;
  std::vector<std::string> capDrop;
  std::vector<std::string> capAdd;
  bool noNewPrivileges = false;
  bool readOnlyRootfs = false;
  std::string logMaxSize = "10m";
  std::string logMaxFile = "3";
  int stopTimeoutSeconds = 10;
  bool oneShot = false;
  std::optional<ReadyExec> readyExec;
  std::map<std::string, std::string> labels;
  std::string specHash;  // sha256 of the container object's canonical JSON dump
};

struct DesiredService {
  std::string name;
  std::vector<std::string> dependsOn;
  std::vector<DesiredContainer> containers;

  bool oneShot() const;  // every container is one_shot
};

struct DesiredSet {
  std::string network = "cairn";
  std::vector<std::string> volumes;
  std::vector<DesiredService> services;  // in dependency order

  const DesiredService* service(const std::string& name) const;
  const DesiredContainer* container(const std::string& name) const;
};

// Parses and checks containers.json text: types, names (Docker's container-name syntax), unique
// container and service names, depends_on naming earlier services. Throws DesiredSetError.
DesiredSet parseDesiredSet(const std::string& text);

// Hex sha256 of `object.dump()` (nlohmann sorts keys, so the dump is canonical).
std::string specHashOf(const nlohmann::json& object);

}  // namespace cairn::supervisor
