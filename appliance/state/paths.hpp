#pragma once
// Where cairn keeps things, all under a root prefix ("/" on a real appliance; tests and the
// image builder pass --root DIR).

#include <string>

#include "appliance/host/files.hpp"

namespace cairn::state {

struct Paths {
  std::string root;  // "" or "/" for the real system

  std::string under(const std::string& absolute) const { return host::underRoot(root, absolute); }
  std::string specFile() const { return under("/etc/cairn/appliance.json"); }
  std::string secretsFile() const { return under("/etc/cairn/secrets.json"); }
  std::string renderedDir() const { return under("/etc/cairn/rendered"); }
  std::string stateDir() const { return under("/var/lib/cairn"); }
  std::string historyDir() const { return under("/var/lib/cairn/history"); }
  std::string stagingDir() const { return under("/var/lib/cairn/staging"); }
  std::string runDir() const { return under("/run/cairn"); }
  std::string lockFile() const { return under("/var/lib/cairn/apply.lock"); }
  std::string supervisorSocket() const { return under("/run/cairn/supervisor.sock"); }
  bool isRealSystem() const { return root.empty() || root == "/"; }
};

}  // namespace cairn::state
