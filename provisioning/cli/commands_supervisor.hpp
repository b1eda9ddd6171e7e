#pragma once
// What cairnctl asks cairn-supervisord besides its own commands.

#include "provisioning/cli/cli.hpp"

namespace cairn::cli {

// After a successful apply: asks the running supervisor to reconcile (POST /v1/reconcile on
// /run/cairn/supervisor.sock) and says so on context.out; when the socket is absent it says the
// supervisor is not running. Never fails the apply.
void notifySupervisorAfterApply(CliContext& context);

}  // namespace cairn::cli
