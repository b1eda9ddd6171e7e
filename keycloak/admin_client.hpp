#pragma once
// Keycloak's Admin REST API over the HttpClient seam, authenticated as the bootstrap service
// account of the master realm (client credentials grant; no human password is stored).
//
// Token handling: a token is fetched on first use and again shortly before it expires (master
// tokens live 60 s by default), and once more when Keycloak answers 401 to a call. Keycloak not
// answering (connection refused, timeout, 5xx, as while it starts or restarts) is retried with
// exponential backoff until `retryLimit` has passed for that call; then the call fails with
// kUnavailable naming the request and Keycloak's last answer. Not thread-safe.
//
// Secret rotation: Keycloak reads KC_BOOTSTRAP_ADMIN_CLIENT_SECRET only when it creates the
// master realm, so a rotated keycloak_admin_client_secret is unknown to it. When the token
// endpoint refuses `clientSecret` and `previousClientSecret` is still accepted, the client logs in
// with the previous secret, sets the service account's secret in Keycloak to `clientSecret`
// (one PUT), and continues with it.

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "appliance/core/result.hpp"
#include "appliance/host/clock.hpp"
#include "appliance/host/http_client.hpp"

namespace cairn::keycloak {

// The bootstrap service account of the master realm (KC_BOOTSTRAP_ADMIN_CLIENT_ID).
inline constexpr const char* kAdminClientId = "cairn-admin";

struct AdminClientOptions {
  std::string baseUrl = "http://127.0.0.1:8180";  // Keycloak's HTTP port as published on loopback
  std::string clientId = kAdminClientId;
  std::string clientSecret;
  std::string previousClientSecret;               // the value before the last rotation; "" if none
  std::chrono::milliseconds retryLimit{120'000};  // how long one call may wait for Keycloak
  std::chrono::milliseconds firstBackoff{500};
  std::chrono::milliseconds maxBackoff{8'000};
  std::chrono::milliseconds requestTimeout{15'000};
  // Told once per call that starts waiting for Keycloak (what, and Keycloak's answer); may be
  // empty.
  std::function<void(const std::string& message)> onWait;
};

// Counts for reports and tests.
struct AdminClientStats {
  int tokenFetches = 0;
  int reads = 0;    // GET calls answered
  int writes = 0;   // POST/PUT/DELETE calls answered
  int retries = 0;  // attempts repeated because Keycloak did not answer or answered 5xx
  int unauthorizedRenewals = 0;       // tokens renewed after a 401
  bool adoptedRotatedSecret = false;  // the service account's secret was set to clientSecret
};

class AdminClient {
 public:
  AdminClient(host::HttpClient& http, host::Clock& clock, AdminClientOptions options);

  // An authenticated call to `path` ("/admin/realms/cairn/clients?clientId=grafana"). `body` is
  // sent as JSON unless null. Any answer below 500 is a value (404, 409, 400 included) except
  // these kPermission errors: a 401 that persists after a fresh token ("token rejected
  // (issuer/hostname)": Keycloak does not accept the issuer of its own token at this URL), a 403
  // (the service account lacks a role; the message names it), and the token endpoint refusing
  // the service account. kUnavailable after retryLimit.
  Result<host::HttpResponse> call(const std::string& method, const std::string& path,
                                  const nlohmann::json& body = nullptr);

  // GET `url` until it answers 200 (Keycloak's /health/ready on the management port), waiting
  // with backoff up to retryLimit. No token is used.
  Status waitUntilReady(const std::string& url);

  // Drops the token: the next call fetches a new one. Keycloak judges admin calls by the roles
  // in the token, and a token from before a realm existed lacks that realm's admin roles.
  void forgetToken() { token_.clear(); }

  const AdminClientStats& stats() const { return stats_; }

 private:
  Result<std::string> accessToken();
  Status fetchToken();
  // One token request with `secret`: the token and its lifetime in seconds, or Keycloak's refusal.
  struct TokenAnswer {
    bool granted = false;
    std::string token;
    long long lifetimeSeconds = 60;
    host::HttpResponse refusal;
  };
  Result<TokenAnswer> requestToken(const std::string& secret);
  // Logged in with the previous secret: makes Keycloak's copy of the secret the current one.
  Status adoptRotatedSecret();
  using Answered = std::function<bool(const Result<host::HttpResponse>&)>;
  // Sends `request`, repeating it with backoff until `answered` accepts the outcome or
  // retryLimit has passed.
  Result<host::HttpResponse> sendPatiently(const host::HttpRequest& request,
                                           const std::string& what, const Answered& answered);

  host::HttpClient& http_;
  host::Clock& clock_;
  AdminClientOptions options_;
  std::string token_;
  bool adopting_ = false;  // inside adoptRotatedSecret(): no second attempt with the old secret
  std::chrono::steady_clock::time_point renewAt_{};
  AdminClientStats stats_;
};

// Keycloak's own explanation in an error body ({"errorMessage": ...}, {"error_description": ...},
// {"error": ...}), else the body itself, shortened.
std::string keycloakMessage(const host::HttpResponse& response);

// The `iss` claim of a JWT (not verified: for messages only); "" if it has none.
std::string tokenIssuer(const std::string& jwt);

}  // namespace cairn::keycloak
