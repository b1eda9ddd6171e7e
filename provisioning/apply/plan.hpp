#pragma once
// What an apply would change: desired bundle against the files on disk. Pure.

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "appliance/bundle/bundle.hpp"

namespace cairn::apply {

struct CurrentFile {
  std::string content;
  mode_t mode = 0;
};

enum class ChangeKind { kCreate, kUpdate, kModeOnly, kRemove };

struct FileChange {
  ChangeKind kind;
  std::string path;
  std::optional<CurrentFile> before;         // nullopt for kCreate
  std::optional<bundle::BundleFile> after;   // nullopt for kRemove
  std::vector<std::string> reload;           // actions to run for this change
  bool sensitive = false;
};

struct Plan {
  std::vector<FileChange> changes;
  bool empty() const { return changes.empty(); }
};

// `current` maps every path of `desired` and of `previous` to what is on disk (nullopt: absent).
// Files of `previous` that `desired` no longer has are removed.
Plan planChanges(const bundle::Bundle& desired, const bundle::Bundle& previous,
                 const std::map<std::string, std::optional<CurrentFile>>& current);

// Every path planChanges() needs to look at.
std::vector<std::string> pathsToInspect(const bundle::Bundle& desired, const bundle::Bundle& previous);

// Human-readable plan with unified diffs; sensitive files show no content.
std::string describePlan(const Plan& plan);

}  // namespace cairn::apply
