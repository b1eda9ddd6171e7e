#include "keycloak/sync.hpp"

#include "appliance/host/files.hpp"
#include "keycloak/desired_realm.hpp"
#include "keycloak/initial_passwords.hpp"

namespace cairn::keycloak {

using nlohmann::json;

Result<json> loadDesiredRealm(const std::string& path) {
  auto text = host::readFile(path);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return makeError(ErrorCode::kNotFound,
                       "no desired realm at " + path + "; run `cairnctl apply` first");
    }
    return text.error();
  }
  json desired = json::parse(text.value(), nullptr, false);
  if (desired.is_discarded())
    return makeError(ErrorCode::kInvalidInput, path + " is not valid JSON");
  if (std::string problems = validateDesiredRealm(desired); !problems.empty()) {
    return makeError(ErrorCode::kInvalidInput, path + " is malformed:\n" + problems);
  }
  return desired;
}

Result<SyncOutcome> runSync(const SyncSettings& settings, host::HttpClient& http,
                            host::Clock& clock, const secrets::RandomSource& random) {
  auto desired = loadDesiredRealm(settings.realmFile);
  if (!desired) return desired.error();
  AdminClient admin(http, clock, settings.admin);
  if (auto ready = admin.waitUntilReady(settings.healthUrl); !ready) return ready.error();
  InitialPasswordStore passwords(settings.passwordsFile, random);
  Reconciler reconciler(
      admin, [&](const std::string& username) { return passwords.passwordFor(username); });
  SyncOutcome outcome;
  if (settings.dryRun) {
    auto plan = reconciler.plan(desired.value());
    if (!plan) return plan.error();
    outcome.plan = plan.value();
  } else {
    auto report = reconciler.sync(desired.value());
    if (!report) return report.error();
    outcome.report = report.value();
    outcome.plan = outcome.report.firstPlan;
  }
  outcome.stats = admin.stats();
  return outcome;
}

Status resetPassword(AdminClient& admin, const std::string& realm, const std::string& username,
                     const std::string& password) {
  std::string base = "/admin/realms/" + host::urlEncode(realm);
  auto found =
      admin.call("GET", base + "/users?username=" + host::urlEncode(username) + "&exact=true");
  if (!found) return found.error();
  json users = json::parse(found.value().body, nullptr, false);
  std::string id;
  if (found.value().status == 200 && users.is_array()) {
    for (const json& user : users) {
      if (user.value("username", "") == username) id = user.value("id", "");
    }
  }
  if (id.empty()) {
    return makeError(ErrorCode::kNotFound, "Keycloak has no user " + username + " in realm " +
                                               realm + "; run `cairnctl keycloak sync` first");
  }
  json credential = {{"type", "password"}, {"value", password}, {"temporary", true}};
  auto reset = admin.call("PUT", base + "/users/" + id + "/reset-password", credential);
  if (!reset) return reset.error();
  if (reset.value().status != 204 && reset.value().status != 200) {
    return makeError(ErrorCode::kFailed, "Keycloak refused the new password of " + username +
                                             " (HTTP " + std::to_string(reset.value().status) +
                                             " " + keycloakMessage(reset.value()) + ")");
  }
  return {};
}

}  // namespace cairn::keycloak
