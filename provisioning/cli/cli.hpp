#pragma once
// cairnctl, the operator's entry point. runCairnctl() is the whole program minus the process:
// tests call it with their own streams.

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/core/result.hpp"
#include "appliance/host/process_runner.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/state/paths.hpp"
#include "provisioning/cli/args.hpp"

namespace cairn::cli {

// Exit codes (docs/architecture.md, Exit codes).
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;      // failed at run time; nothing half-applied
constexpr int kExitBadInput = 2;    // bad input or usage; nothing written
constexpr int kExitRolledBack = 3;  // a rendered config failed validation or verification

struct CliContext {
  state::Paths paths;
  bool noWait = false;
  std::ostream& out;
  std::ostream& err;
  host::ProcessRunner& runner;
};

using CommandHandler = int (*)(const ParsedArgs& args, CliContext& context);

struct CommandEntry {
  CommandSyntax syntax;
  CommandHandler handler;
  bool mutates = false;  // takes the apply lock and needs root on the real system
};

// Every command; each part of cairn that adds commands registers them here.
const std::map<std::string, CommandEntry>& commandTable();

int runCairnctl(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

// Handlers of the foundation's commands (commands_core.cpp).
int initCommand(const ParsedArgs& args, CliContext& context);
int validateCommand(const ParsedArgs& args, CliContext& context);
int showCommand(const ParsedArgs& args, CliContext& context);
int planCommand(const ParsedArgs& args, CliContext& context);
int applyCommand(const ParsedArgs& args, CliContext& context);
int secretsCommand(const ParsedArgs& args, CliContext& context);
int versionCommand(const ParsedArgs& args, CliContext& context);
// Handlers that talk to cairn-supervisord (commands_supervisor.cpp).
int statusCommand(const ParsedArgs& args, CliContext& context);
int upCommand(const ParsedArgs& args, CliContext& context);
int downCommand(const ParsedArgs& args, CliContext& context);
int restartCommand(const ParsedArgs& args, CliContext& context);
int logsCommand(const ParsedArgs& args, CliContext& context);
// The edge's commands (commands_edge.cpp).
int tlsCommand(const ParsedArgs& args, CliContext& context);
// The TLS part of `cairnctl status`: the certificate nginx serves as the last apply recorded it,
// including when tls.mode acme still serves the self-signed one. Read from disk only, so it works
// without cairn-supervisord. The JSON is the recorded object with "recorded": true, or
// {"recorded": false, "error": ...}.
std::string tlsStatusText(const CliContext& context);
nlohmann::json tlsStatusJson(const CliContext& context);
// Single sign-on (commands_keycloak.cpp).
int keycloakCommand(const ParsedArgs& args, CliContext& context);
int usersCommand(const ParsedArgs& args, CliContext& context);
// Airflow (commands_airflow.cpp).
int airflowCommand(const ParsedArgs& args, CliContext& context);
// The secrets file of `paths`; on failure writes the reason to `err`, sets `code` (2 when it is
// missing or malformed, 1 when it cannot be read) and returns nothing.
std::optional<secrets::Secrets> loadSecretsFile(const state::Paths& paths, std::ostream& err, int& code);
// Writes the secrets file atomically with mode 0600.
Status saveSecrets(const state::Paths& paths, const secrets::Secrets& secrets);
// After a successful apply on the real system: converges Keycloak when it is ready, else says how
// to do it later. Never fails the apply.
void syncKeycloakAfterApply(CliContext& context);

}  // namespace cairn::cli
