#include "tests/support/victorialogs.hpp"

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "tests/support/loopback_port.hpp"
#include "tests/support/test_deps.hpp"

#ifndef CAIRN_VICTORIALOGS_VERSION
#error "CAIRN_VICTORIALOGS_VERSION must be the version tests/support/deps/victorialogs.sh builds"
#endif

namespace cairn::testing {
namespace {

std::string shellQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The answer of a LogsQL query, one JSON object per line; "" when curl fails.
std::string query(int port, const std::string& logsql, int limit) {
  std::string output;
  const std::string command = "curl -sS --fail --max-time 30 http://127.0.0.1:" + std::to_string(port) +
                              "/select/logsql/query --data-urlencode " + shellQuoted("query=" + logsql) +
                              (limit > 0 ? " -d limit=" + std::to_string(limit) : std::string()) + " 2>/dev/null";
  return runCommand(command, &output) == 0 ? output : "";
}

}  // namespace

VictoriaLogsServer::VictoriaLogsServer(const std::string& dir)
    : port_(freeLoopbackPort()),
      process_({testDependency("victorialogs-" CAIRN_VICTORIALOGS_VERSION "/victoria-logs", "victorialogs.sh"), "-storageDataPath=" + dir + "/data",
                "-httpListenAddr=127.0.0.1:" + std::to_string(port_), "-retentionPeriod=100y", "-loggerLevel=WARN"},
               dir + "/victoria-logs.log") {
  if (!waitFor([&] { return count() >= 0; }, std::chrono::seconds(60))) {
    throw std::runtime_error("VictoriaLogs did not answer: " + logOf(dir + "/victoria-logs.log"));
  }
}

std::string VictoriaLogsServer::pushUrl() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/insert/loki/api/v1/push";
}

long VictoriaLogsServer::count(const std::string& filter) const {
  const auto row = nlohmann::json::parse(query(port_, filter + " | stats count() as n", 0), nullptr, false);
  if (row.is_discarded() || !row.is_object() || !row.contains("n")) return -1;
  return row["n"].is_string() ? std::stol(row["n"].get<std::string>()) : row["n"].get<long>();
}

std::vector<std::string> VictoriaLogsServer::messages(const std::string& filter, int limit) const {
  std::vector<std::string> out;
  std::istringstream lines(query(port_, filter, limit));
  for (std::string line; std::getline(lines, line);) {
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_object() && entry.contains("_msg") && entry["_msg"].is_string()) out.push_back(entry["_msg"]);
  }
  return out;
}

}  // namespace cairn::testing
