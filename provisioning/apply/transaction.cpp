#include "provisioning/apply/transaction.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <set>

#include "appliance/host/files.hpp"
#include "appliance/state/atomic_file.hpp"

namespace cairn::apply {
namespace {

// A user or group given by name, or by number for container users that have no name on the
// host (oauth2-proxy runs as 65532).
std::optional<unsigned> idOf(const std::string& name, bool isGroup) {
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) return std::stoul(name);
  if (isGroup) {
    struct group* entry = ::getgrnam(name.c_str());
    return entry ? std::optional<unsigned>(entry->gr_gid) : std::nullopt;
  }
  passwd* entry = ::getpwnam(name.c_str());
  return entry ? std::optional<unsigned>(entry->pw_uid) : std::nullopt;
}

Status chownTo(const std::string& path, const std::string& owner) {
  std::size_t colon = owner.find(':');
  std::string user = owner.substr(0, colon);
  std::string groupName = colon == std::string::npos ? user : owner.substr(colon + 1);
  auto uid = idOf(user, false);
  auto gid = idOf(groupName, true);
  if (!uid || !gid) return makeError(ErrorCode::kFailed, path + ": owner " + owner + " does not exist");
  if (::chown(path.c_str(), static_cast<uid_t>(*uid), static_cast<gid_t>(*gid)) != 0) {
    return makeError(ErrorCode::kIo, "cannot chown " + path + " to " + owner);
  }
  return {};
}

}  // namespace

Plan Transaction::plan(const bundle::Bundle& desired, const bundle::Bundle& previous) const {
  std::map<std::string, std::optional<CurrentFile>> current;
  for (const auto& path : pathsToInspect(desired, previous)) {
    std::string target = paths_.under(path);
    auto info = host::statFile(target);
    auto content = info ? host::readFile(target) : Result<std::string>(makeError(ErrorCode::kNotFound, ""));
    current[path] = content ? std::optional<CurrentFile>(CurrentFile{content.value(), info->mode}) : std::nullopt;
  }
  return planChanges(desired, previous, current);
}

Status Transaction::stage(const bundle::Bundle& desired, const std::string& stageDir) const {
  for (const auto& file : desired.files) {
    std::string target = host::underRoot(stageDir, file.path);
    if (auto made = host::makeDirectories(host::parentDirectory(target), 0700); !made) return made;
    if (auto written = state::writeFileAtomic(target, file.content, file.mode); !written) return written;
  }
  return {};
}

std::string Transaction::runCommands(const std::vector<bundle::Command>& commands, const std::string& stageDir,
                                     const char* step) {
  for (const auto& command : commands) {
    auto argv = bundle::expandCommand(command, stageDir, paths_.isRealSystem() ? "" : paths_.root);
    auto result = runner_.run(argv, std::chrono::seconds(command.timeoutSeconds));
    if (!result) return std::string(step) + " " + command.name + " could not run: " + result.error().message;
    if (result.value().exitCode != 0) {
      return std::string(step) + " " + command.name + " failed (exit " + std::to_string(result.value().exitCode) +
             "):\n" + result.value().output;
    }
  }
  return "";
}

std::string Transaction::runReloads(const bundle::Bundle& bundle, const Plan& plan, const std::string& stageDir) {
  std::set<std::string> wanted;
  for (const auto& change : plan.changes) wanted.insert(change.reload.begin(), change.reload.end());
  std::vector<bundle::Command> actions;
  for (const auto& action : bundle.reloadActions) {
    if (wanted.count(action.name)) actions.push_back(action);
  }
  return runCommands(actions, stageDir, "reload");
}

Status Transaction::swapIn(const FileChange& change) const {
  std::string target = paths_.under(change.path);
  if (change.kind == ChangeKind::kRemove) return state::removeFileDurably(target);
  if (auto made = host::makeDirectories(host::parentDirectory(target)); !made) return made;
  auto pending = state::PendingFile::create(target, change.after->mode);
  if (!pending) return pending.error();
  if (auto written = pending.value().write(change.after->content); !written) return written;
  if (!change.after->owner.empty() && paths_.isRealSystem() && ::geteuid() == 0) {
    if (auto owned = chownTo(pending.value().temporaryPath(), change.after->owner); !owned) return owned;
  }
  return pending.value().commit();
}

Status Transaction::restore(const FileChange& change) const {
  std::string target = paths_.under(change.path);
  if (!change.before) return state::removeFileDurably(target);
  return state::writeFileAtomic(target, change.before->content, change.before->mode);
}

std::string Transaction::restoreAll(const std::vector<FileChange>& swapped, const bundle::Bundle& actions,
                                    const Plan& plan, const std::string& stageDir) {
  std::string problems;
  for (auto it = swapped.rbegin(); it != swapped.rend(); ++it) {
    if (auto restored = restore(*it); !restored) problems += "\nrestoring " + it->path + " failed: " + restored.error().message;
  }
  std::string reload = runReloads(actions, plan, stageDir);
  if (!reload.empty()) problems += "\nafter restoring, " + reload;
  return problems;
}

ApplyReport Transaction::apply(const bundle::Bundle& desired, const bundle::Bundle& previous, bool dryRun) {
  ApplyReport report;
  report.plan = plan(desired, previous);
  if (report.plan.empty()) return report;

  std::string stageDir = paths_.stagingDir();
  if (auto cleared = host::removeTree(stageDir); !cleared) {
    report.status = ApplyStatus::kFailed;
    report.message = cleared.error().message;
    return report;
  }
  if (auto made = host::makeDirectories(stageDir, 0700); !made) {
    report.status = ApplyStatus::kFailed;
    report.message = made.error().message;
    return report;
  }
  if (auto staged = stage(desired, stageDir); !staged) {
    report.status = ApplyStatus::kFailed;
    report.message = "staging failed: " + staged.error().message;
    return report;
  }
  if (std::string failure = runCommands(desired.validators, stageDir, "validator"); !failure.empty()) {
    report.status = ApplyStatus::kRejected;
    report.message = failure;
    return report;
  }
  if (dryRun) {
    report.status = ApplyStatus::kDryRun;
    return report;
  }

  // Reload actions of removed files are named by the previous bundle; merge both sets so that
  // every action a change refers to can be found.
  bundle::Bundle actions;
  actions.reloadActions = desired.reloadActions;
  for (const auto& action : previous.reloadActions) {
    bool known = false;
    for (const auto& existing : actions.reloadActions) known = known || existing.name == action.name;
    if (!known) actions.reloadActions.push_back(action);
  }

  std::vector<FileChange> swapped;
  for (const auto& change : report.plan.changes) {
    swapped.push_back(change);
    if (auto done = swapIn(change); !done) {
      report.status = ApplyStatus::kFailed;
      report.message = "writing " + change.path + " failed: " + done.error().message +
                       restoreAll(swapped, actions, report.plan, stageDir);
      return report;
    }
  }
  std::string failure = runReloads(actions, report.plan, stageDir);
  if (failure.empty()) failure = runCommands(desired.verifications, stageDir, "verification");
  if (!failure.empty()) {
    report.status = ApplyStatus::kRolledBack;
    report.message = failure + restoreAll(swapped, actions, report.plan, stageDir);
    return report;
  }
  report.status = ApplyStatus::kApplied;
  return report;
}

}  // namespace cairn::apply
