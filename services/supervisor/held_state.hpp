#pragma once
// What the operator holds down (`cairnctl down`, `stop SERVICE`), kept across supervisor restarts
// in /var/lib/cairn/supervisor/held.json. Parsing is pure; saving is atomic.

#include <set>
#include <string>

#include "appliance/core/result.hpp"

namespace cairn::supervisor {

struct HeldState {
  bool allDown = false;
  std::set<std::string> stoppedServices;
};

// Malformed or missing text gives an empty HeldState.
HeldState parseHeldState(const std::string& text);
std::string heldStateText(const HeldState& state);
Status saveHeldState(const std::string& path, const HeldState& state);

}  // namespace cairn::supervisor
