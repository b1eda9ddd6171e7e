#include "services/supervisor/settings.hpp"

#include <nlohmann/json.hpp>

#include "appliance/state/paths.hpp"

namespace cairn::supervisor {
namespace {

using nlohmann::json;

// A positive whole number at object[key], or the fallback; problems appended.
std::int64_t positive(const json& object, const char* key, const std::string& path, std::int64_t fallback,
                      std::vector<std::string>& problems) {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    problems.push_back(path + "." + key + ": must be a whole number above 0");
    return fallback;
  }
  return it->get<std::int64_t>();
}

}  // namespace

SupervisorSettings defaultSettings(const std::string& root) {
  state::Paths paths{root};
  SupervisorSettings settings;
  settings.root = paths.isRealSystem() ? "" : root;
  settings.containersFile = paths.renderedDir() + "/containers.json";
  settings.settingsFile = paths.renderedDir() + "/supervisor.json";
  settings.controlSocket = paths.supervisorSocket();
  settings.heldStateFile = paths.stateDir() + "/supervisor/held.json";
  settings.scope = settings.root;
  return settings;
}

std::vector<std::string> applySettingsFile(const std::string& text, SupervisorSettings& settings) {
  std::vector<std::string> problems;
  json root = json::parse(text, nullptr, false, true);
  if (root.is_discarded() || !root.is_object()) return {"$: must be a JSON object"};
  SupervisorSettings updated = settings;
  if (auto it = root.find("metrics_listen"); it != root.end()) {
    if (!it->is_string()) {
      problems.push_back("$.metrics_listen: must be \"ADDRESS:PORT\" or \"\"");
    } else {
      updated.metricsListen = it->get<std::string>();
      if (!updated.metricsListen.empty() && updated.metricsListen.rfind(':') == std::string::npos) {
        problems.push_back("$.metrics_listen: \"" + updated.metricsListen + "\" has no port");
      }
    }
  }
  if (auto it = root.find("restart"); it != root.end()) {
    if (!it->is_object()) {
      problems.push_back("$.restart: must be an object");
    } else {
      RestartPolicy& policy = updated.restart;
      policy.firstDelay = std::chrono::milliseconds(positive(*it, "first_delay_ms", "$.restart", policy.firstDelay.count(), problems));
      policy.maxDelay = std::chrono::milliseconds(positive(*it, "max_delay_ms", "$.restart", policy.maxDelay.count(), problems));
      policy.stableAfter = std::chrono::seconds(positive(*it, "stable_after_s", "$.restart", policy.stableAfter.count(), problems));
      policy.crashLoopFailures = static_cast<int>(positive(*it, "crash_loop_failures", "$.restart", policy.crashLoopFailures, problems));
      policy.crashLoopWindow = std::chrono::seconds(positive(*it, "crash_loop_window_s", "$.restart", policy.crashLoopWindow.count(), problems));
      if (policy.firstDelay > policy.maxDelay) problems.push_back("$.restart: first_delay_ms is above max_delay_ms");
    }
  }
  for (const auto& [key, value] : root.items()) {
    (void)value;
    if (key != "metrics_listen" && key != "restart") problems.push_back("$." + key + ": unknown setting");
  }
  if (problems.empty()) settings = updated;
  return problems;
}

}  // namespace cairn::supervisor
