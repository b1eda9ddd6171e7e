#pragma once
// `docker exec` through the docker CLI, and psql over TCP inside a PostgreSQL container, for the
// supervisor's integration tests (what an operator would type).

#include <string>
#include <vector>

#include "appliance/host/process_runner.hpp"

namespace cairn::testing {

inline host::ProcessResult dockerExec(const std::string& container, const std::vector<std::string>& command,
                                      const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv = {"docker", "-H", "unix:///var/run/docker.sock", "exec"};
  for (const auto& item : env) {
    argv.push_back("-e");
    argv.push_back(item);
  }
  argv.push_back(container);
  argv.insert(argv.end(), command.begin(), command.end());
  host::LocalProcessRunner runner;
  auto result = runner.run(argv, std::chrono::seconds(60));
  return result ? result.value() : host::ProcessResult{-1, result.error().message};
}

// The trimmed output of `sql` run as `user` (password authentication over TCP) in database `db`
// (default: the user's own), or "failed(CODE): OUTPUT".
inline std::string psql(const std::string& container, const std::string& user, const std::string& password,
                        const std::string& sql, const std::string& db = "") {
  auto result = dockerExec(container, {"psql", "-h", "127.0.0.1", "-U", user, "-d", db.empty() ? user : db, "-tAc", sql},
                           {"PGPASSWORD=" + password});
  std::string output = result.output;
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return result.exitCode == 0 ? output : "failed(" + std::to_string(result.exitCode) + "): " + output;
}

}  // namespace cairn::testing
