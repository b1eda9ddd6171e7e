#pragma once
// `cairnctl keycloak sync` and `cairnctl users password --reset` as library calls, so that
// `cairnctl apply` (or any other caller) can run them in-process once Keycloak is healthy.

#include <nlohmann/json.hpp>
#include <string>

#include "appliance/core/result.hpp"
#include "appliance/host/clock.hpp"
#include "appliance/host/http_client.hpp"
#include "appliance/secrets/secrets.hpp"
#include "keycloak/admin_client.hpp"
#include "keycloak/reconciler.hpp"

namespace cairn::keycloak {

inline constexpr const char* kInitialPasswordsFile =
    "/var/lib/cairn/keycloak/initial-passwords.json";
inline constexpr const char* kHealthUrl = "http://127.0.0.1:9000/health/ready";

struct SyncSettings {
  std::string realmFile;      // the rendered desired realm (under --root)
  std::string passwordsFile;  // the initial password store (under --root)
  std::string healthUrl = kHealthUrl;
  AdminClientOptions admin;  // clientSecret: the secret keycloak_admin_client_secret
  bool dryRun = false;
};

struct SyncOutcome {
  Plan plan;          // the first plan (for a dry run: the only one)
  SyncReport report;  // empty for a dry run
  AdminClientStats stats;
};

// The desired realm from `path`. kNotFound if it was not rendered yet, kInvalidInput if malformed.
Result<nlohmann::json> loadDesiredRealm(const std::string& path);

// Waits for Keycloak's readiness, then plans (dry run) or converges the realm.
Result<SyncOutcome> runSync(const SyncSettings& settings, host::HttpClient& http,
                            host::Clock& clock, const secrets::RandomSource& random);

// Gives `username` of `realm` a new temporary password (PUT …/reset-password).
Status resetPassword(AdminClient& admin, const std::string& realm, const std::string& username,
                     const std::string& password);

}  // namespace cairn::keycloak
