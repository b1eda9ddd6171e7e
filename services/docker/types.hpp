#pragma once
// Plain values read from the Docker Engine API. Fields Docker did not send keep their defaults.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cairn::docker {

using Labels = std::map<std::string, std::string>;

struct VersionInfo {
  std::string version;        // "20.10.24"
  std::string apiVersion;     // "1.41"
  std::string minApiVersion;  // "1.12"
  std::string os;
  std::string arch;
};

// One item of GET /containers/json.
struct ContainerSummary {
  std::string id;
  std::string name;   // the first name, without the leading "/"
  std::string image;
  std::string state;  // created|restarting|running|removing|paused|exited|dead
  std::string status; // "Up 3 minutes (healthy)"
  Labels labels;
};

struct ContainerState {
  std::string status;  // created|running|paused|restarting|removing|exited|dead
  bool oomKilled = false;
  int pid = 0;
  int exitCode = 0;
  std::string error;
  std::optional<std::chrono::system_clock::time_point> startedAt;   // nullopt: never started
  std::optional<std::chrono::system_clock::time_point> finishedAt;  // nullopt: never finished
  std::string health;  // none|starting|healthy|unhealthy ("none" when there is no healthcheck)
  int failingStreak = 0;
  std::string lastHealthOutput;
};

// GET /containers/{id}/json, the parts cairn uses.
struct ContainerInfo {
  std::string id;
  std::string name;   // without the leading "/"
  std::string image;  // the image reference it was created from (Config.Image)
  std::string imageId;
  Labels labels;
  ContainerState state;
  int restartCount = 0;
};

struct ImageInfo {
  std::string id;
  std::vector<std::string> repoTags;
};

struct NetworkInfo {
  std::string id;
  std::string name;
  std::string driver;
  Labels labels;
};

struct VolumeInfo {
  std::string name;
  std::string mountpoint;
  Labels labels;
};

// One message of GET /events.
struct Event {
  std::string type;    // container, image, network, volume, daemon...
  std::string action;  // die, start, "health_status: unhealthy", ...
  std::string actorId;
  Labels attributes;   // name, image, exitCode, and every container label
  std::int64_t timeNano = 0;

  std::string attribute(const std::string& key) const {
    auto it = attributes.find(key);
    return it == attributes.end() ? std::string() : it->second;
  }
};

// One line of an image pull's progress.
struct PullProgress {
  std::string status;  // "Pulling fs layer", "Downloading", ...
  std::string layerId;
  std::int64_t current = 0;
  std::int64_t total = 0;
};

// What to run inside a running container (POST /containers/{id}/exec).
struct ExecSpec {
  std::vector<std::string> argv;
  std::string user;              // "" = the container's user; "name", "uid", "user:group"
  std::vector<std::string> env;  // "K=V" added to the container's environment
};

// GET /exec/{id}/json, the parts cairn uses.
struct ExecInfo {
  std::string id;
  std::string containerId;
  bool running = false;
  std::optional<int> exitCode;  // nullopt while running (Docker sends null)
  int pid = 0;
};

// A finished exec: its exit code and its output (stdout and stderr interleaved as they came).
struct ExecResult {
  int exitCode = 0;
  std::string output;
  bool outputTruncated = false;  // the output was longer than what was kept (its end)
};

enum class LogStream { kStdin = 0, kStdout = 1, kStderr = 2 };

struct LogChunk {
  LogStream stream = LogStream::kStdout;
  std::string text;
};

}  // namespace cairn::docker
