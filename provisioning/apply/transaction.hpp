#pragma once
// The apply transaction: stage → validate → swap → reload → verify, and on any failure after
// the swap, restore every file byte for byte (content and mode) and reload again.
// The caller holds the apply lock and records history on success.

#include <string>

#include "appliance/bundle/bundle.hpp"
#include "appliance/host/process_runner.hpp"
#include "appliance/state/paths.hpp"
#include "provisioning/apply/plan.hpp"

namespace cairn::apply {

enum class ApplyStatus {
  kNoChanges,   // the disk already matches; nothing was run
  kDryRun,      // staged and validated, nothing swapped
  kApplied,
  kRejected,    // a validator failed; nothing was swapped
  kRolledBack,  // a reload or verification failed; every file was restored and reloaded
  kFailed,      // an I/O error; every file already swapped was restored
};

struct ApplyReport {
  ApplyStatus status = ApplyStatus::kNoChanges;
  Plan plan;
  std::string message;  // for failures: which step, and the failing command's own output
};

class Transaction {
 public:
  Transaction(const state::Paths& paths, host::ProcessRunner& runner) : paths_(paths), runner_(runner) {}

  // Reads what is on disk for every path of `desired` and `previous`.
  Plan plan(const bundle::Bundle& desired, const bundle::Bundle& previous) const;
  ApplyReport apply(const bundle::Bundle& desired, const bundle::Bundle& previous, bool dryRun);

 private:
  Status stage(const bundle::Bundle& desired, const std::string& stageDir) const;
  // Runs `commands` in order; the first failure's message, or "" when all passed.
  std::string runCommands(const std::vector<bundle::Command>& commands, const std::string& stageDir, const char* step);
  std::string runReloads(const bundle::Bundle& bundle, const Plan& plan, const std::string& stageDir);
  Status swapIn(const FileChange& change) const;
  Status restore(const FileChange& change) const;
  std::string restoreAll(const std::vector<FileChange>& swapped, const bundle::Bundle& actions,
                         const Plan& plan, const std::string& stageDir);

  state::Paths paths_;
  host::ProcessRunner& runner_;
};

}  // namespace cairn::apply
