#pragma once
// VictoriaLogs on a free loopback port: the real store of Loki's push API the logship tests and
// benchmark push to (built by tests/support/deps/victorialogs.sh). Queries go through its LogsQL
// HTTP API with curl.

#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace cairn::testing {

class VictoriaLogsServer {
 public:
  // Starts it with its data under `dir`; throws when it does not answer within a minute.
  explicit VictoriaLogsServer(const std::string& dir);
  // Loki's push path as VictoriaLogs serves it.
  std::string pushUrl() const;
  pid_t pid() const { return process_.pid(); }
  // Entries matching the LogsQL filter, by `| stats count()`; -1 when it does not answer.
  long count(const std::string& filter = "*") const;
  // The `_msg` of every entry matching the filter (at most `limit`), in no particular order.
  std::vector<std::string> messages(const std::string& filter, int limit) const;

 private:
  int port_;
  ChildProcess process_;
};

}  // namespace cairn::testing
