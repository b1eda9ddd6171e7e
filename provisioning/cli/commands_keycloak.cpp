// Single sign-on commands: keycloak sync, users password.

#include <iostream>
#include <optional>

#include "appliance/host/clock.hpp"
#include "appliance/host/files.hpp"
#include "appliance/host/http_client.hpp"
#include "appliance/secrets/secrets.hpp"
#include "keycloak/desired_realm.hpp"
#include "keycloak/initial_passwords.hpp"
#include "keycloak/renderers.hpp"
#include "keycloak/sync.hpp"
#include "provisioning/cli/cli.hpp"

namespace cairn::cli {
namespace {

// Admin client settings from the secrets and the command's options.
std::optional<keycloak::AdminClientOptions> adminOptions(const ParsedArgs& args,
                                                         CliContext& context, int& code) {
  auto secrets = loadSecretsFile(context.paths, context.err, code);
  if (!secrets) return std::nullopt;
  if (!secrets->has("keycloak_admin_client_secret")) {
    context.err << "cairnctl: the secret keycloak_admin_client_secret is missing; run `cairnctl "
                   "apply` first\n";
    code = kExitBadInput;
    return std::nullopt;
  }
  keycloak::AdminClientOptions options;
  options.clientSecret = secrets->get("keycloak_admin_client_secret");
  // After `secrets rotate keycloak_admin_client_secret` Keycloak still has the previous value.
  options.previousClientSecret = secrets->previous("keycloak_admin_client_secret");
  options.baseUrl = args.get("--keycloak-url", options.baseUrl);
  options.onWait = [&context](const std::string& message) {
    context.err << "cairnctl: " << message << "\n";
  };
  if (args.has("--timeout")) {
    try {
      int seconds = std::stoi(args.get("--timeout"));
      if (seconds < 1) throw std::invalid_argument("below 1");
      options.retryLimit = std::chrono::seconds(seconds);
    } catch (const std::exception&) {
      context.err << "cairnctl: --timeout must be a whole number of seconds (1 or more), not \""
                  << args.get("--timeout") << "\"\n";
      code = kExitBadInput;
      return std::nullopt;
    }
  }
  return options;
}

// Drops the admin secret's previous value from the secrets file once Keycloak uses the current one,
// so that a later rotation may replace it again.
int forgetPreviousAdminSecret(CliContext& context) {
  int code = kExitOk;
  auto secrets = loadSecretsFile(context.paths, context.err, code);
  if (!secrets) return code;
  secrets->forgetPrevious("keycloak_admin_client_secret");
  if (auto saved = saveSecrets(context.paths, *secrets); !saved) {
    context.err << "cairnctl: " << saved.error().message << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

int exitCodeFor(const Error& error) {
  return error.code == ErrorCode::kNotFound || error.code == ErrorCode::kInvalidInput
             ? kExitBadInput
             : kExitFailed;
}

}  // namespace

int keycloakCommand(const ParsedArgs& args, CliContext& context) {
  if (args.args[0] != "sync") {
    context.err << "usage: cairnctl keycloak sync [--dry-run]\n";
    return kExitBadInput;
  }
  int code = kExitOk;
  auto admin = adminOptions(args, context, code);
  if (!admin) return code;
  keycloak::SyncSettings settings;
  settings.realmFile = context.paths.under(keycloak::kRealmFile);
  settings.passwordsFile = context.paths.under(keycloak::kInitialPasswordsFile);
  settings.healthUrl = args.get("--health-url", keycloak::kHealthUrl);
  settings.admin = *admin;
  settings.dryRun = args.has("--dry-run");
  host::CurlHttpClient http;
  host::SystemClock clock;
  auto outcome = keycloak::runSync(settings, http, clock, secrets::kernelRandom());
  if (!outcome) {
    context.err << "cairnctl keycloak sync: " << outcome.error().message << "\n";
    return exitCodeFor(outcome.error());
  }
  const auto& result = outcome.value();
  context.out << keycloak::describePlan(result.plan);
  if (settings.dryRun) {
    context.out << "Dry run: nothing was changed in Keycloak.\n";
    return kExitOk;
  }
  if (result.stats.adoptedRotatedSecret) {
    context.out << "The service account " << settings.admin.clientId
                << " now uses the rotated keycloak_admin_client_secret in Keycloak.\n";
  }
  if (!settings.admin.previousClientSecret.empty()) {
    // Keycloak accepted the current secret: the one before it is of no further use.
    if (int forgetCode = forgetPreviousAdminSecret(context); forgetCode != kExitOk) return forgetCode;
  }
  if (result.stats.retries > 0) {
    context.out << "Keycloak was unavailable at times: " << result.stats.retries
                << " calls were repeated.\n";
  }
  if (!result.report.applied.empty()) {
    context.out << "Applied " << result.report.applied.size()
                << " changes; Keycloak now matches the desired realm.\n";
    context.out << "New users get a temporary password: show it once with `cairnctl users password "
                   "USER`.\n";
  }
  return kExitOk;
}

int usersCommand(const ParsedArgs& args, CliContext& context) {
  if (args.args.size() != 2 || args.args[0] != "password") {
    context.err << "usage: cairnctl users password USER [--reset]\n";
    return kExitBadInput;
  }
  const std::string& username = args.args[1];
  keycloak::InitialPasswordStore store(context.paths.under(keycloak::kInitialPasswordsFile),
                                       secrets::kernelRandom());
  if (!args.has("--reset")) {
    auto password = store.take(username);
    if (!password) {
      if (password.error().code != ErrorCode::kNotFound) {
        context.err << "cairnctl users password: " << password.error().message << "\n";
        return kExitFailed;
      }
      context.err
          << "cairnctl users password: no initial password is waiting for " << username
          << ": it was shown already, or `cairnctl keycloak sync` has not created the user yet.\n"
          << "Run `cairnctl users password " << username
          << " --reset` to give the user a new one.\n";
      return kExitBadInput;
    }
    context.out << "Initial password of " << username << ": " << password.value() << "\n"
                << "It is shown only this once and is temporary: Keycloak asks for a new password "
                   "at the first login.\n";
    return kExitOk;
  }
  int code = kExitOk;
  auto options = adminOptions(args, context, code);
  if (!options) return code;
  auto desired = keycloak::loadDesiredRealm(context.paths.under(keycloak::kRealmFile));
  if (!desired) {
    context.err << "cairnctl users password: " << desired.error().message << "\n";
    return exitCodeFor(desired.error());
  }
  host::CurlHttpClient http;
  host::SystemClock clock;
  keycloak::AdminClient admin(http, clock, *options);
  std::string password = store.generate();
  std::string realm = desired.value()["realm"]["realm"];
  if (auto reset = keycloak::resetPassword(admin, realm, username, password); !reset) {
    context.err << "cairnctl users password: " << reset.error().message << "\n";
    return exitCodeFor(reset.error());
  }
  context.out
      << "New temporary password of " << username << ": " << password << "\n"
      << "It is shown only this once; Keycloak asks for a new password at the next login.\n";
  return kExitOk;
}

void syncKeycloakAfterApply(CliContext& context) {
  // Only the real system has a Keycloak on its loopback ports; a --root tree has none of its own.
  if (!context.paths.isRealSystem() || !host::pathExists(context.paths.under(keycloak::kRealmFile))) return;
  host::CurlHttpClient http;
  host::HttpRequest probe;
  probe.url = keycloak::kHealthUrl;
  probe.timeout = std::chrono::seconds(2);
  auto ready = http.send(probe);
  if (!ready || ready.value().status != 200) {
    context.out << "Keycloak is not ready yet: run `cairnctl keycloak sync` once `cairnctl status` "
                   "shows keycloak healthy.\n";
    return;
  }
  ParsedArgs sync;
  sync.command = "keycloak";
  sync.args = {"sync"};
  if (keycloakCommand(sync, context) != kExitOk) {
    context.err << "cairnctl: the files were applied, but Keycloak is not converged yet; run "
                   "`cairnctl keycloak sync` again.\n";
  }
}

}  // namespace cairn::cli
