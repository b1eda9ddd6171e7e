#pragma once
// The desired containers of the appliance as plain values, and their JSON form
// (/etc/cairn/rendered/containers.json, read by cairn-supervisord; format in docs/supervisor.md).
// Everything here is pure: no I/O, no logging.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/spec/spec.hpp"

namespace cairn::catalog {

inline constexpr const char* kNetwork = "cairn";
inline constexpr const char* kRenderedDir = "/etc/cairn/rendered";

struct Mount {
  std::string type;    // "volume" (a named volume) or "bind" (an absolute host path)
  std::string source;  // volume name or host path
  std::string target;  // path inside the container
  bool readOnly = false;
};

struct PortBinding {
  std::string hostIp = "127.0.0.1";
  int hostPort = 0;
  int containerPort = 0;
};

struct Healthcheck {
  std::vector<std::string> test;  // ["CMD", ...] or ["CMD-SHELL", "..."]
  int intervalMs = 10000;
  int timeoutMs = 5000;
  int retries = 5;
  int startPeriodMs = 10000;
};

struct LogRotation {
  std::string maxSize = "10m";
  std::string maxFile = "3";
};

// A command cairn-supervisord runs inside the running, healthy container once per container
// instance; dependents wait until it exits 0 (containers.json "ready_exec").
struct ReadyExec {
  std::vector<std::string> argv;
  std::string user;  // empty: the container's user
  int timeoutSeconds = 60;
};

struct Container {
  std::string name;  // Docker container name, "cairn-<service>[-<n>]"
  std::string image;
  std::vector<std::string> entrypoint;  // empty: the image's own
  std::vector<std::string> command;     // empty: the image's own
  std::string user;                     // empty: the image's own
  std::map<std::string, std::string> env;
  std::vector<Mount> mounts;
  std::vector<PortBinding> ports;
  std::string networkMode;  // "" = the cairn network with `aliases`; "host" = host networking
  std::vector<std::string> aliases;
  std::optional<Healthcheck> healthcheck;  // none: ready once running
  std::uint64_t memoryBytes = 0;
  std::int64_t nanoCpus = 0;
  int pidsLimit = 512;
  std::vector<std::string> capDrop = {"ALL"};
  std::vector<std::string> capAdd;
  bool noNewPrivileges = true;
  bool readOnlyRootfs = false;
  LogRotation log;
  int stopTimeoutSeconds = 30;
  bool oneShot = false;  // runs to completion; dependents wait for exit code 0
  std::optional<ReadyExec> readyExec;
  std::map<std::string, std::string> labels;  // never io.cairn.*, never a secret
};

// One unit the supervisor starts, stops and restarts as a whole.
struct Service {
  std::string name;  // also the DNS alias of its containers
  std::vector<std::string> dependsOn;
  std::vector<Container> containers;
};

struct ContainerSet {
  std::vector<std::string> volumes;  // named volumes, created before any container
  std::vector<Service> services;     // in dependency order
};

// A container of `service` running `image` with the appliance's hardening defaults: limits from
// `resources`, every capability dropped, no-new-privileges, rotated json-file logs and the service
// name as DNS alias. No labels: the supervisor sets the io.cairn.* ones.
Container hardenedContainer(const std::string& service, const std::string& image, const spec::Resources& resources);

Mount volumeMount(const std::string& volume, const std::string& target);
// A read-only bind mount of a file or folder under /etc/cairn/rendered.
Mount renderedMount(const std::string& relativePath, const std::string& target);

nlohmann::json containerToJson(const Container& container);
nlohmann::json containerSetToJson(const ContainerSet& set);

}  // namespace cairn::catalog
