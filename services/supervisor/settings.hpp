#pragma once
// cairn-supervisord's settings: paths from --root, the Docker socket, and the optional
// /etc/cairn/rendered/supervisor.json. Parsing and validation are pure.

#include <chrono>
#include <string>
#include <vector>

#include "services/supervisor/restart_policy.hpp"

namespace cairn::supervisor {

struct SupervisorSettings {
  std::string root;            // --root DIR ("" = the real system)
  std::string dockerSocket;    // resolved (--docker-socket, DOCKER_HOST, default)
  std::string containersFile;  // .../etc/cairn/rendered/containers.json
  std::string settingsFile;    // .../etc/cairn/rendered/supervisor.json
  std::string controlSocket;   // .../run/cairn/supervisor.sock
  std::string heldStateFile;   // .../var/lib/cairn/supervisor/held.json
  std::string metricsListen = "127.0.0.1:9465";  // "" = no TCP metrics listener
  std::string scope;           // io.cairn.scope label value; "" on the real system
  RestartPolicy restart;
  std::chrono::milliseconds eventsRollover{3000};    // re-open the event stream this often (with since=)
  std::chrono::milliseconds pollWhileWaiting{1000};  // re-check waiting services this often
  std::chrono::seconds resyncEvery{60};              // full re-list even when nothing happened
};

// Defaults for `root` (paths under it; scope = root when not the real system).
SupervisorSettings defaultSettings(const std::string& root);

// Applies supervisor.json text over `settings`. Every problem at once, each with its JSON path;
// an empty list means `settings` was updated.
std::vector<std::string> applySettingsFile(const std::string& text, SupervisorSettings& settings);

}  // namespace cairn::supervisor
