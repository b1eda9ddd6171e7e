#include "appliance/state/history.hpp"

#include <dirent.h>

#include <algorithm>
#include <cstdio>

#include "appliance/host/files.hpp"
#include "appliance/state/atomic_file.hpp"

namespace cairn::state {

std::string History::fileOf(long entry) const {
  char name[32];
  std::snprintf(name, sizeof name, "%08ld.json", entry);
  return directory_ + "/" + name;
}

std::vector<long> History::entries() const {
  std::vector<long> numbers;
  DIR* dir = ::opendir(directory_.c_str());
  if (!dir) return numbers;
  while (dirent* item = ::readdir(dir)) {
    std::string name = item->d_name;
    if (name.size() != 13 || name.substr(8) != ".json") continue;
    if (!std::all_of(name.begin(), name.begin() + 8, [](char c) { return c >= '0' && c <= '9'; })) continue;
    numbers.push_back(std::stol(name.substr(0, 8)));
  }
  ::closedir(dir);
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

Status History::record(const bundle::Bundle& bundle) {
  if (auto made = host::makeDirectories(directory_, 0700); !made) return made;
  auto existing = entries();
  long next = existing.empty() ? 1 : existing.back() + 1;
  if (auto written = writeFileAtomic(fileOf(next), bundle::bundleToJson(bundle).dump(), 0600); !written) {
    return written;
  }
  existing.push_back(next);
  while (existing.size() > keep_) {
    if (auto removed = removeFileDurably(fileOf(existing.front())); !removed) return removed;
    existing.erase(existing.begin());
  }
  return {};
}

Result<bundle::Bundle> History::load(long entry) const {
  auto text = host::readFile(fileOf(entry));
  if (!text) return text.error();
  try {
    return bundle::bundleFromJson(nlohmann::json::parse(text.value()));
  } catch (const std::exception& error) {
    return makeError(ErrorCode::kInvalidInput, fileOf(entry) + ": " + error.what());
  }
}

Result<std::optional<bundle::Bundle>> History::latest() const {
  auto numbers = entries();
  if (numbers.empty()) return std::optional<bundle::Bundle>();
  auto loaded = load(numbers.back());
  if (!loaded) return loaded.error();
  return std::optional<bundle::Bundle>(std::move(loaded).value());
}

Status History::dropLatest() {
  auto numbers = entries();
  if (numbers.empty()) return {};
  return removeFileDurably(fileOf(numbers.back()));
}

}  // namespace cairn::state
