#include "keycloak/admin_client.hpp"

#include <algorithm>

namespace cairn::keycloak {

using nlohmann::json;

namespace {

bool keycloakAnswered(const Result<host::HttpResponse>& response) {
  return response.ok() && response.value().status > 0 && response.value().status < 500;
}

std::string describeFailure(const Result<host::HttpResponse>& response) {
  if (!response) return response.error().message;
  return "HTTP " + std::to_string(response.value().status) + " " +
         keycloakMessage(response.value());
}

}  // namespace

std::string keycloakMessage(const host::HttpResponse& response) {
  json body = json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    for (const char* key : {"errorMessage", "error_description", "error"}) {
      if (body.contains(key) && body[key].is_string()) return body[key].get<std::string>();
    }
  }
  std::string text = response.body.substr(0, 300);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text.empty() ? "(empty body)" : text;
}

AdminClient::AdminClient(host::HttpClient& http, host::Clock& clock, AdminClientOptions options)
    : http_(http), clock_(clock), options_(std::move(options)) {}

Result<host::HttpResponse> AdminClient::sendPatiently(const host::HttpRequest& request,
                                                      const std::string& what,
                                                      const Answered& answered) {
  auto deadline = clock_.monotonic() + options_.retryLimit;
  auto backoff = options_.firstBackoff;
  while (true) {
    Result<host::HttpResponse> response = http_.send(request);
    if (answered(response)) return response;
    if (clock_.monotonic() + backoff > deadline) {
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(options_.retryLimit).count();
      return makeError(ErrorCode::kUnavailable,
                       "Keycloak at " + options_.baseUrl + " did not answer " + what + " within " +
                           std::to_string(waited) + "s; last answer: " + describeFailure(response));
    }
    if (backoff == options_.firstBackoff && options_.onWait) {
      options_.onWait(
          "Keycloak did not answer " + what + " (" + describeFailure(response) +
          "); waiting up to " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(options_.retryLimit).count()) +
          "s");
    }
    ++stats_.retries;
    clock_.sleepFor(backoff);
    backoff = std::min(backoff * 2, options_.maxBackoff);
  }
}

Status AdminClient::fetchToken() {
  host::HttpRequest request;
  request.method = "POST";
  request.url = options_.baseUrl + "/realms/master/protocol/openid-connect/token";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = "grant_type=client_credentials&client_id=" + host::urlEncode(options_.clientId) +
                 "&client_secret=" + host::urlEncode(options_.clientSecret);
  request.timeout = options_.requestTimeout;
  auto sentAt = clock_.monotonic();
  auto response = sendPatiently(request, "the token request", keycloakAnswered);
  if (!response) return response.error();
  ++stats_.tokenFetches;
  const host::HttpResponse& answer = response.value();
  json body = json::parse(answer.body, nullptr, false);
  if (answer.status != 200 || !body.is_object() || !body.contains("access_token") ||
      !body["access_token"].is_string()) {
    return makeError(ErrorCode::kPermission,
                     "Keycloak refused a token to the service account \"" + options_.clientId +
                         "\" (HTTP " + std::to_string(answer.status) + " " +
                         keycloakMessage(answer) + "); check keycloak_admin_client_secret");
  }
  token_ = body["access_token"].get<std::string>();
  long long lifetime = body.contains("expires_in") && body["expires_in"].is_number()
                           ? body["expires_in"].get<long long>()
                           : 60;
  // Renew ahead of expiry by a quarter of the lifetime, at most 10 s.
  auto lifespan = std::chrono::milliseconds(lifetime * 1000);
  auto margin = std::min<std::chrono::milliseconds>(lifespan / 4, std::chrono::seconds(10));
  renewAt_ = sentAt + lifespan - margin;
  return {};
}

Result<std::string> AdminClient::accessToken() {
  if (token_.empty() || clock_.monotonic() >= renewAt_) {
    if (auto fetched = fetchToken(); !fetched) return fetched.error();
  }
  return token_;
}

Result<host::HttpResponse> AdminClient::call(const std::string& method, const std::string& path,
                                             const json& body) {
  host::HttpRequest request;
  request.method = method;
  request.url = options_.baseUrl + path;
  request.timeout = options_.requestTimeout;
  if (!body.is_null()) request.body = body.dump();
  std::string what = method + " " + path;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto token = accessToken();
    if (!token) return token.error();
    request.headers = {{"Authorization", "Bearer " + token.value()},
                       {"Accept", "application/json"}};
    if (!body.is_null()) request.headers.emplace_back("Content-Type", "application/json");
    auto response = sendPatiently(request, what, keycloakAnswered);
    if (!response) return response;
    if (response.value().status != 401) {
      ++(method == "GET" ? stats_.reads : stats_.writes);
      return response;
    }
    // The token expired early or Keycloak restarted with new keys: one fresh token, one retry.
    token_.clear();
    ++stats_.unauthorizedRenewals;
  }
  return makeError(ErrorCode::kPermission,
                   what +
                       ": Keycloak answered 401 even with a fresh token; the service account \"" +
                       options_.clientId + "\" lacks the admin role");
}

Status AdminClient::waitUntilReady(const std::string& url) {
  host::HttpRequest request;
  request.url = url;
  request.timeout = options_.requestTimeout;
  auto ready = sendPatiently(
      request, "GET " + url + " with 200",
      [](const Result<host::HttpResponse>& r) { return r.ok() && r.value().status == 200; });
  if (!ready)
    return makeError(ErrorCode::kUnavailable, "Keycloak is not ready: " + ready.error().message);
  return {};
}

}  // namespace cairn::keycloak
