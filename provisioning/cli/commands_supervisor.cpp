// Commands served by cairn-supervisord. Until the supervisor is part of the build they say so.

#include <iostream>

#include "provisioning/cli/cli.hpp"

namespace cairn::cli {
namespace {

int supervisorMissing(const std::string& command, CliContext& context) {
  context.err << "cairnctl " << command << ": cairn-supervisord is not installed yet in this build\n";
  return kExitFailed;
}

}  // namespace

int statusCommand(const ParsedArgs&, CliContext& context) { return supervisorMissing("status", context); }
int upCommand(const ParsedArgs&, CliContext& context) { return supervisorMissing("up", context); }
int downCommand(const ParsedArgs&, CliContext& context) { return supervisorMissing("down", context); }
int restartCommand(const ParsedArgs&, CliContext& context) { return supervisorMissing("restart", context); }
int logsCommand(const ParsedArgs&, CliContext& context) { return supervisorMissing("logs", context); }

}  // namespace cairn::cli
