#include "provisioning/apply/plan.hpp"

#include <cstdio>
#include <set>

#include "provisioning/apply/diff.hpp"

namespace cairn::apply {
namespace {

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode));
  return text;
}

}  // namespace

std::vector<std::string> pathsToInspect(const bundle::Bundle& desired, const bundle::Bundle& previous) {
  std::set<std::string> paths;
  for (const auto& file : desired.files) paths.insert(file.path);
  for (const auto& file : previous.files) paths.insert(file.path);
  return {paths.begin(), paths.end()};
}

Plan planChanges(const bundle::Bundle& desired, const bundle::Bundle& previous,
                 const std::map<std::string, std::optional<CurrentFile>>& current) {
  Plan plan;
  for (const auto& file : desired.files) {
    const std::optional<CurrentFile>& onDisk = current.at(file.path);
    FileChange change{ChangeKind::kCreate, file.path, onDisk, file, file.reload, file.sensitive};
    if (!onDisk) {
      plan.changes.push_back(change);
    } else if (onDisk->content != file.content) {
      change.kind = ChangeKind::kUpdate;
      plan.changes.push_back(change);
    } else if (onDisk->mode != file.mode) {
      change.kind = ChangeKind::kModeOnly;
      plan.changes.push_back(change);
    }
  }
  for (const auto& file : previous.files) {
    if (desired.find(file.path)) continue;
    const std::optional<CurrentFile>& onDisk = current.at(file.path);
    if (!onDisk) continue;
    plan.changes.push_back(FileChange{ChangeKind::kRemove, file.path, onDisk, std::nullopt, file.reload, file.sensitive});
  }
  return plan;
}

std::string describePlan(const Plan& plan) {
  if (plan.empty()) return "No changes.\n";
  std::string text;
  for (const auto& change : plan.changes) {
    switch (change.kind) {
      case ChangeKind::kCreate:
        text += "create " + change.path + " (" + octal(change.after->mode) + ")\n";
        break;
      case ChangeKind::kUpdate:
        text += "update " + change.path + "\n";
        break;
      case ChangeKind::kModeOnly:
        text += "chmod  " + change.path + " " + octal(change.before->mode) + " -> " + octal(change.after->mode) + "\n";
        continue;
      case ChangeKind::kRemove:
        text += "remove " + change.path + "\n";
        break;
    }
    if (change.sensitive) {
      text += "  (contents hidden: this file holds secrets)\n";
      continue;
    }
    std::string before = change.before ? change.before->content : "";
    std::string after = change.after ? change.after->content : "";
    text += unifiedDiff(before, after, change.before ? "a" + change.path : "/dev/null",
                        change.after ? "b" + change.path : "/dev/null");
  }
  std::size_t count = plan.changes.size();
  text += std::to_string(count) + (count == 1 ? " file" : " files") + " to change.\n";
  return text;
}

}  // namespace cairn::apply
