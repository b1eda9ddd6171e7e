#pragma once
// Runs tests/support/loki_standin/loki_standin.py (a stand-in for Loki's push API) on a
// kernel-chosen 127.0.0.1 port for the lifetime of the object, and reads what it recorded.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cairn::testing {

struct StandinOptions {
  bool strictOrder = false;
  std::string rejectMarker;
  std::size_t maxLineSize = 256 * 1024;
  int port = 0;  // 0: kernel-chosen; a port to come back on after a simulated outage
};

struct RecordedEntry {
  std::map<std::string, std::string> labels;
  std::int64_t timestampNs = 0;
  std::string line;
};

class LokiStandin {
 public:
  LokiStandin(const std::string& workDir, StandinOptions options = {});
  ~LokiStandin();
  LokiStandin(const LokiStandin&) = delete;
  LokiStandin& operator=(const LokiStandin&) = delete;

  int port() const { return port_; }
  std::string pushUrl() const { return "http://127.0.0.1:" + std::to_string(port_) + "/loki/api/v1/push"; }
  // ok | 429 | 500 | 503 | hang | garbage | ingest_hang
  void setMode(const std::string& mode);
  nlohmann::json stats();
  std::vector<RecordedEntry> recorded() const;
  std::uint64_t acceptedEntries() { return stats().value("accepted_entries", 0ULL); }

 private:
  std::string record_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace cairn::testing
