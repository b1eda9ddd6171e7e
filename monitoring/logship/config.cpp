#include "monitoring/logship/config.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "monitoring/logship/source.hpp"

namespace cairn::logship {
namespace {

using nlohmann::json;

// Reads members of one object, collecting problems instead of stopping at the first.
class Reader {
 public:
  explicit Reader(std::vector<std::string>& problems) : problems_(problems) {}

  bool object(const json& value, const std::string& where, const std::set<std::string>& known) {
    if (!value.is_object()) {
      problems_.push_back(where + ": must be an object");
      return false;
    }
    for (const auto& [key, ignored] : value.items()) {
      if (!known.count(key)) problems_.push_back(where + "." + key + ": unknown setting");
    }
    return true;
  }
  template <typename T>
  void get(const json& object, const std::string& where, const char* key, T& target) {
    const auto it = object.find(key);
    if (it == object.end()) return;
    try {
      target = it->get<T>();
    } catch (const json::exception&) {
      problems_.push_back(where + "." + key + ": has the wrong type (" + it->type_name() + ")");
    }
  }

 private:
  std::vector<std::string>& problems_;
};

std::string joinProblems(const std::vector<std::string>& problems) {
  std::string text;
  for (const auto& problem : problems) text += (text.empty() ? "" : "\n") + problem;
  return text;
}

}  // namespace

LogshipConfig configFromJson(const json& doc) {
  std::vector<std::string> problems;
  Reader r(problems);
  LogshipConfig config;
  if (!r.object(doc, "$", {"loki", "labels", "max_line_bytes", "batch_bytes", "batch_wait_ms", "batches_in_flight", "poll_ms",
                           "rotate_idle_ms", "rotate_wait_max_ms", "positions_file", "metrics_listen", "docker", "files", "journal"})) {
    throw ConfigError(joinProblems(problems));
  }
  if (doc.contains("loki") && r.object(doc["loki"], "loki", {"url", "tenant", "username", "password_file", "timeout_ms",
                                                             "min_backoff_ms", "max_backoff_ms"})) {
    const json& loki = doc["loki"];
    r.get(loki, "loki", "url", config.loki.url);
    r.get(loki, "loki", "tenant", config.loki.tenant);
    r.get(loki, "loki", "username", config.loki.username);
    r.get(loki, "loki", "password_file", config.loki.passwordFile);
    r.get(loki, "loki", "timeout_ms", config.loki.timeoutMs);
    r.get(loki, "loki", "min_backoff_ms", config.loki.minBackoffMs);
    r.get(loki, "loki", "max_backoff_ms", config.loki.maxBackoffMs);
  }
  r.get(doc, "$", "labels", config.labels);
  r.get(doc, "$", "max_line_bytes", config.maxLineBytes);
  r.get(doc, "$", "batch_bytes", config.batchBytes);
  r.get(doc, "$", "batch_wait_ms", config.batchWaitMs);
  r.get(doc, "$", "batches_in_flight", config.batchesInFlight);
  r.get(doc, "$", "poll_ms", config.pollMs);
  r.get(doc, "$", "rotate_idle_ms", config.rotateIdleMs);
  r.get(doc, "$", "rotate_wait_max_ms", config.rotateWaitMaxMs);
  r.get(doc, "$", "positions_file", config.positionsFile);
  r.get(doc, "$", "metrics_listen", config.metricsListen);
  if (doc.contains("docker") && r.object(doc["docker"], "docker", {"enabled", "socket", "label", "service_label",
                                                                   "join_continuations", "rescan_ms"})) {
    const json& docker = doc["docker"];
    r.get(docker, "docker", "enabled", config.docker.enabled);
    r.get(docker, "docker", "socket", config.docker.socket);
    r.get(docker, "docker", "label", config.docker.label);
    r.get(docker, "docker", "service_label", config.docker.serviceLabel);
    r.get(docker, "docker", "join_continuations", config.docker.joinContinuations);
    r.get(docker, "docker", "rescan_ms", config.docker.rescanMs);
  }
  if (doc.contains("files")) {
    if (!doc["files"].is_array()) {
      problems.push_back("files: must be an array");
    } else {
      for (std::size_t i = 0; i < doc["files"].size(); ++i) {
        const std::string where = "files[" + std::to_string(i) + "]";
        const json& item = doc["files"][i];
        FileSettings file;
        if (!r.object(item, where, {"path", "format", "labels", "join_continuations"})) continue;
        r.get(item, where, "path", file.path);
        r.get(item, where, "format", file.format);
        r.get(item, where, "labels", file.labels);
        r.get(item, where, "join_continuations", file.joinContinuations);
        config.files.push_back(std::move(file));
      }
    }
  }
  if (doc.contains("journal") && r.object(doc["journal"], "journal", {"enabled", "command", "units", "since_when_new"})) {
    const json& journal = doc["journal"];
    r.get(journal, "journal", "enabled", config.journal.enabled);
    r.get(journal, "journal", "command", config.journal.command);
    r.get(journal, "journal", "units", config.journal.units);
    r.get(journal, "journal", "since_when_new", config.journal.sinceWhenNew);
  }
  for (auto& problem : validate(config)) problems.push_back(std::move(problem));
  if (!problems.empty()) throw ConfigError(joinProblems(problems));
  return config;
}

nlohmann::json configToJson(const LogshipConfig& c) {
  json files = json::array();
  for (const auto& f : c.files) {
    files.push_back({{"path", f.path}, {"format", f.format}, {"labels", f.labels}, {"join_continuations", f.joinContinuations}});
  }
  return {
      {"loki", {{"url", c.loki.url}, {"tenant", c.loki.tenant}, {"username", c.loki.username},
                {"password_file", c.loki.passwordFile}, {"timeout_ms", c.loki.timeoutMs},
                {"min_backoff_ms", c.loki.minBackoffMs}, {"max_backoff_ms", c.loki.maxBackoffMs}}},
      {"labels", c.labels},
      {"max_line_bytes", c.maxLineBytes},
      {"batch_bytes", c.batchBytes},
      {"batch_wait_ms", c.batchWaitMs},
      {"batches_in_flight", c.batchesInFlight},
      {"poll_ms", c.pollMs},
      {"rotate_idle_ms", c.rotateIdleMs},
      {"rotate_wait_max_ms", c.rotateWaitMaxMs},
      {"positions_file", c.positionsFile},
      {"metrics_listen", c.metricsListen},
      {"docker", {{"enabled", c.docker.enabled}, {"socket", c.docker.socket}, {"label", c.docker.label},
                  {"service_label", c.docker.serviceLabel}, {"join_continuations", c.docker.joinContinuations},
                  {"rescan_ms", c.docker.rescanMs}}},
      {"files", files},
      {"journal", {{"enabled", c.journal.enabled}, {"command", c.journal.command}, {"units", c.journal.units},
                   {"since_when_new", c.journal.sinceWhenNew}}},
  };
}

std::vector<std::string> validate(const LogshipConfig& c) {
  std::vector<std::string> problems;
  if (c.loki.url.rfind("http://", 0) != 0 && c.loki.url.rfind("https://", 0) != 0) {
    problems.push_back("loki.url: must start with http:// or https://, not \"" + c.loki.url + "\"");
  }
  if (c.loki.timeoutMs < 100) problems.push_back("loki.timeout_ms: must be at least 100");
  if (c.loki.minBackoffMs < 1 || c.loki.maxBackoffMs < c.loki.minBackoffMs) {
    problems.push_back("loki.min_backoff_ms/max_backoff_ms: need 1 <= min <= max");
  }
  if (c.maxLineBytes < 256) problems.push_back("max_line_bytes: must be at least 256");
  if (c.batchBytes < 1024 || c.batchBytes > (100ULL << 20)) problems.push_back("batch_bytes: must be between 1024 and 100 MiB");
  if (c.batchWaitMs < 1) problems.push_back("batch_wait_ms: must be at least 1");
  if (c.batchesInFlight < 1 || c.batchesInFlight > 16) problems.push_back("batches_in_flight: must be between 1 and 16");
  if (c.pollMs < 1) problems.push_back("poll_ms: must be at least 1");
  if (c.rotateIdleMs < 0 || c.rotateWaitMaxMs < c.rotateIdleMs) {
    problems.push_back("rotate_idle_ms/rotate_wait_max_ms: need 0 <= idle <= max");
  }
  if (c.positionsFile.empty() || c.positionsFile[0] != '/') problems.push_back("positions_file: must be an absolute path");
  if (!c.metricsListen.empty() && c.metricsListen.find(':') == std::string::npos) {
    problems.push_back("metrics_listen: must be ADDR:PORT, not \"" + c.metricsListen + "\"");
  }
  for (const auto& [name, value] : c.labels) {
    if (!metrics::isValidLabelName(name)) problems.push_back("labels." + name + ": not a valid label name");
    (void)value;
  }
  if (c.docker.enabled && c.docker.label.empty()) problems.push_back("docker.label: must not be empty");
  std::set<std::string> paths;
  for (std::size_t i = 0; i < c.files.size(); ++i) {
    const std::string where = "files[" + std::to_string(i) + "]";
    const auto& f = c.files[i];
    if (f.path.empty() || f.path[0] != '/') problems.push_back(where + ".path: must be an absolute path");
    if (!paths.insert(f.path).second) problems.push_back(where + ".path: listed twice");
    if (!fileFormatFromName(f.format)) {
      problems.push_back(where + ".format: must be docker, nginx_access, nginx_error or raw, not \"" + f.format + "\"");
    }
    for (const auto& [name, value] : f.labels) {
      if (!metrics::isValidLabelName(name)) problems.push_back(where + ".labels." + name + ": not a valid label name");
      (void)value;
    }
  }
  if (c.journal.enabled && c.journal.command.empty()) problems.push_back("journal.command: must not be empty");
  return problems;
}

LogshipConfig loadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = json::parse(text.str(), nullptr, false);
  if (doc.is_discarded()) throw ConfigError(path + ": not valid JSON");
  try {
    return configFromJson(doc);
  } catch (const ConfigError& error) {
    throw ConfigError(path + ":\n" + error.what());
  }
}

}  // namespace cairn::logship
