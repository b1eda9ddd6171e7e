#pragma once
// Reporting a container's ready_exec (see desired.hpp): what its failure says in status and in
// the log, and when it is tried again. Pure.
//
// The command's output may echo the container's secrets (a password in an error message), so
// every env value of the container long enough to be a secret is replaced before the output is
// shown anywhere.

#include <chrono>
#include <map>
#include <string>

#include "services/supervisor/restart_policy.hpp"

namespace cairn::supervisor {

// Env values at least this long are redacted from exec output (cairn's secrets are 32+ chars;
// short values such as "postgres" stay readable).
inline constexpr std::size_t kRedactedMinLength = 12;
inline constexpr const char* kRedacted = "[redacted]";

// `text` with every occurrence of every value of `env` of kRedactedMinLength or more replaced by
// kRedacted.
std::string redactEnvValues(std::string text, const std::map<std::string, std::string>& env);

// The last `maxLines` non-empty lines of `output`, at most `maxBytes` (cut at the front), joined
// with " | " so that it fits in one status message.
std::string outputTail(const std::string& output, std::size_t maxLines = 5, std::size_t maxBytes = 400);

// "ready_exec exited 2: <tail of the output, redacted>" (or "... with no output").
std::string describeReadyExecExit(int exitCode, const std::string& output, const std::map<std::string, std::string>& env);

// Delay before the `failures`-th retry: 1 s doubling up to the policy's maxDelay.
std::chrono::milliseconds readyExecRetryDelay(const RestartPolicy& policy, int failures);

}  // namespace cairn::supervisor
