#pragma once
// The real Keycloak that the CTest fixture keycloak_server started
// (tests/support/keycloak/keycloak_server.sh), as its tests see it, and helpers for tests that
// share it: each test works in a realm of its own and removes it afterwards. Tests only.

#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "appliance/host/clock.hpp"
#include "appliance/host/files.hpp"
#include "appliance/host/http_client.hpp"
#include "keycloak/admin_client.hpp"

#ifndef CAIRN_KEYCLOAK_STATE
#error "CAIRN_KEYCLOAK_STATE must name the keycloak_server fixture's state folder"
#endif
#ifndef CAIRN_KEYCLOAK_SERVER_SCRIPT
#error "CAIRN_KEYCLOAK_SERVER_SCRIPT must name keycloak_server.sh"
#endif

namespace cairn::testing {

struct KeycloakServer {
  std::string url;        // HTTP port on loopback (Admin API, token endpoint)
  std::string healthUrl;  // management port: /health/ready
  std::string hostname;   // the public URL tokens name as issuer
  std::string adminClientId;
  std::string adminClientSecret;
  std::string stateDir;
  std::string home;  // the distribution (bin/kcadm.sh)
};

// The running fixture's Keycloak; throws with what to do when the fixture did not run.
inline KeycloakServer keycloakServer() {
  std::string stateDir = CAIRN_KEYCLOAK_STATE;
  auto text = host::readFile(stateDir + "/keycloak.json");
  if (!text) {
    throw std::runtime_error(
        "no running Keycloak: " + stateDir +
        "/keycloak.json is missing. Run the test through ctest (fixture keycloak_server), or "
        "start it with `" CAIRN_KEYCLOAK_SERVER_SCRIPT " start " +
        stateDir + "`; Keycloak itself is fetched by `bash tests/support/deps/keycloak.sh`");
  }
  auto state = nlohmann::json::parse(text.value());
  return {state.at("url"),
          state.at("health_url"),
          state.at("hostname"),
          state.at("admin_client_id"),
          state.at("admin_client_secret"),
          stateDir,
          state.at("home")};
}

// A realm name no other test (nor an earlier run of this one) uses.
inline std::string uniqueRealmName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

// Admin client options for the fixture's bootstrap service account.
inline keycloak::AdminClientOptions fixtureAdminOptions(const KeycloakServer& server) {
  keycloak::AdminClientOptions options;
  options.baseUrl = server.url;
  options.clientId = server.adminClientId;
  options.clientSecret = server.adminClientSecret;
  options.retryLimit = std::chrono::seconds(60);
  options.firstBackoff = std::chrono::milliseconds(100);
  options.maxBackoff = std::chrono::seconds(1);
  options.requestTimeout = std::chrono::seconds(60);
  return options;
}

// Removes a realm when it goes out of scope (a test's realm; absent is fine).
class RealmCleanup {
 public:
  RealmCleanup(const KeycloakServer& server, std::string realm)
      : server_(server), realm_(std::move(realm)) {}
  ~RealmCleanup() {
    host::CurlHttpClient http;
    host::SystemClock clock;
    keycloak::AdminClient admin(http, clock, fixtureAdminOptions(server_));
    (void)admin.call("DELETE", "/admin/realms/" + realm_);
  }
  RealmCleanup(const RealmCleanup&) = delete;
  RealmCleanup& operator=(const RealmCleanup&) = delete;

 private:
  KeycloakServer server_;
  std::string realm_;
};

}  // namespace cairn::testing
