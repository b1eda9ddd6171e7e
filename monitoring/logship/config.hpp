#pragma once
// cairn-logshipd's settings (/etc/cairn/rendered/logship.json, rendered from the spec by
// render.hpp). One immutable value, parsed once; validate() lists every problem with its path.

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cairn::logship {

struct LokiSettings {
  std::string url = "http://127.0.0.1:3100/loki/api/v1/push";
  std::string tenant;
  std::string username;
  std::string passwordFile;
  std::int64_t timeoutMs = 10'000;
  std::int64_t minBackoffMs = 500;
  std::int64_t maxBackoffMs = 30'000;
};

struct DockerSettings {
  bool enabled = true;
  std::string socket = "/var/run/docker.sock";
  std::string label = "io.cairn.managed=true";  // which containers to ship
  std::string serviceLabel = "io.cairn.service";
  std::vector<std::string> joinContinuations;    // services whose tracebacks are joined (airflow)
  std::int64_t rescanMs = 10'000;
};

struct FileSettings {
  std::string path;
  std::string format = "raw";  // docker | nginx_access | nginx_error | raw
  std::map<std::string, std::string> labels;
  bool joinContinuations = false;
};

struct JournalSettings {
  bool enabled = false;
  std::vector<std::string> command = {"journalctl"};
  std::vector<std::string> units;
  std::string sinceWhenNew = "-1h";
};

struct LogshipConfig {
  LokiSettings loki;
  std::map<std::string, std::string> labels;  // added to every stream
  std::uint64_t maxLineBytes = 256 * 1024;
  std::uint64_t batchBytes = 1024 * 1024;
  std::int64_t batchWaitMs = 1000;
  std::uint64_t batchesInFlight = 2;  // sealed batches waiting for Loki; reading waits beyond
  std::int64_t pollMs = 100;
  // A plain file renamed away is read on until it had no write for rotate_idle_ms, at most
  // rotate_wait_max_ms (its writer may reopen late: logrotate `create` + postrotate).
  std::int64_t rotateIdleMs = 5000;
  std::int64_t rotateWaitMaxMs = 60'000;
  std::string positionsFile = "/var/lib/cairn/logship/positions.json";
  std::string metricsListen = "127.0.0.1:9466";  // empty: no metrics endpoint
  DockerSettings docker;
  std::vector<FileSettings> files;
  JournalSettings journal;
};

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws ConfigError naming every problem ("files[1].format: ...").
LogshipConfig configFromJson(const nlohmann::json& json);
nlohmann::json configToJson(const LogshipConfig& config);
std::vector<std::string> validate(const LogshipConfig& config);
// Reads, parses and validates; throws ConfigError with the file name.
LogshipConfig loadConfig(const std::string& path);

}  // namespace cairn::logship
