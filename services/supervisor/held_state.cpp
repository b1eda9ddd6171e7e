#include "services/supervisor/held_state.hpp"

#include <nlohmann/json.hpp>

#include "appliance/host/files.hpp"
#include "appliance/state/atomic_file.hpp"

namespace cairn::supervisor {

HeldState parseHeldState(const std::string& text) {
  HeldState state;
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return state;
  if (auto it = json.find("down"); it != json.end() && it->is_boolean()) state.allDown = it->get<bool>();
  if (auto it = json.find("stopped"); it != json.end() && it->is_array()) {
    for (const auto& name : *it) {
      if (name.is_string()) state.stoppedServices.insert(name.get<std::string>());
    }
  }
  return state;
}

std::string heldStateText(const HeldState& state) {
  nlohmann::json json = {{"down", state.allDown}, {"stopped", state.stoppedServices}};
  return json.dump(2) + "\n";
}

Status saveHeldState(const std::string& path, const HeldState& state) {
  if (auto made = host::makeDirectories(host::parentDirectory(path), 0755); !made) return made;
  return state::writeFileAtomic(path, heldStateText(state), 0644);
}

}  // namespace cairn::supervisor
