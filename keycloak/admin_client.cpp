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

// RFC 4648 §5 (URL-safe alphabet, padding optional); "" when `text` is not base64url.
std::string decodeBase64Url(const std::string& text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '-')
      value = 62;
    else if (c == '_')
      value = 63;
    else if (c == '=')
      break;
    else
      return "";
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

std::string tokenIssuer(const std::string& jwt) {
  std::size_t first = jwt.find('.');
  std::size_t second = first == std::string::npos ? first : jwt.find('.', first + 1);
  if (second == std::string::npos) return "";
  json claims =
      json::parse(decodeBase64Url(jwt.substr(first + 1, second - first - 1)), nullptr, false);
  return claims.is_object() && claims.contains("iss") && claims["iss"].is_string()
             ? claims["iss"].get<std::string>()
             : "";
}

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

Result<AdminClient::TokenAnswer> AdminClient::requestToken(const std::string& secret) {
  host::HttpRequest request;
  request.method = "POST";
  request.url = options_.baseUrl + "/realms/master/protocol/openid-connect/token";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = "grant_type=client_credentials&client_id=" + host::urlEncode(options_.clientId) +
                 "&client_secret=" + host::urlEncode(secret);
  request.timeout = options_.requestTimeout;
  auto response = sendPatiently(request, "the token request", keycloakAnswered);
  if (!response) return response.error();
  ++stats_.tokenFetches;
  TokenAnswer answer;
  const host::HttpResponse& reply = response.value();
  json body = json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || !body.is_object() || !body.contains("access_token") ||
      !body["access_token"].is_string()) {
    answer.refusal = reply;
    return answer;
  }
  answer.granted = true;
  answer.token = body["access_token"].get<std::string>();
  if (body.contains("expires_in") && body["expires_in"].is_number())
    answer.lifetimeSeconds = body["expires_in"].get<long long>();
  return answer;
}

Status AdminClient::fetchToken() {
  auto sentAt = clock_.monotonic();
  auto answer = requestToken(options_.clientSecret);
  if (!answer) return answer.error();
  bool previousMayWork = !adopting_ && !options_.previousClientSecret.empty() &&
                         options_.previousClientSecret != options_.clientSecret;
  if (!answer.value().granted && previousMayWork) {
    auto previous = requestToken(options_.previousClientSecret);
    if (!previous) return previous.error();
    if (previous.value().granted) {
      token_ = previous.value().token;
      renewAt_ = sentAt + std::chrono::seconds(previous.value().lifetimeSeconds) / 2;
      adopting_ = true;
      Status adopted = adoptRotatedSecret();
      adopting_ = false;
      token_.clear();
      if (!adopted) return adopted.error();
      sentAt = clock_.monotonic();
      answer = requestToken(options_.clientSecret);
      if (!answer) return answer.error();
    }
  }
  if (!answer.value().granted) {
    const host::HttpResponse& refusal = answer.value().refusal;
    return makeError(ErrorCode::kPermission,
                     "Keycloak refused a token to the service account \"" + options_.clientId +
                         "\" (HTTP " + std::to_string(refusal.status) + " " +
                         keycloakMessage(refusal) + "); check keycloak_admin_client_secret");
  }
  token_ = answer.value().token;
  // Renew ahead of expiry by a quarter of the lifetime, at most 10 s.
  auto lifespan = std::chrono::milliseconds(answer.value().lifetimeSeconds * 1000);
  auto margin = std::min<std::chrono::milliseconds>(lifespan / 4, std::chrono::seconds(10));
  renewAt_ = sentAt + lifespan - margin;
  return {};
}

Status AdminClient::adoptRotatedSecret() {
  std::string clients = "/admin/realms/master/clients";
  auto found = call("GET", clients + "?clientId=" + host::urlEncode(options_.clientId));
  if (!found) return found.error();
  json listed = json::parse(found.value().body, nullptr, false);
  json client;
  if (found.value().status == 200 && listed.is_array()) {
    for (const json& each : listed) {
      if (each.is_object() && each.value("clientId", "") == options_.clientId) client = each;
    }
  }
  if (!client.is_object() || !client.contains("id") || !client["id"].is_string()) {
    return makeError(ErrorCode::kFailed, "the service account \"" + options_.clientId +
                                             "\" logged in with its previous secret, but GET " +
                                             clients + " does not list it");
  }
  client.erase("protocolMappers");  // managed on their own endpoint; not part of an update
  client["secret"] = options_.clientSecret;
  std::string path = clients + "/" + client["id"].get<std::string>();
  auto updated = call("PUT", path, client);
  if (!updated) return updated.error();
  if (updated.value().status != 204 && updated.value().status != 200) {
    return makeError(ErrorCode::kFailed,
                     "setting the rotated keycloak_admin_client_secret on the service account \"" +
                         options_.clientId + "\" failed: PUT " + path + " answered HTTP " +
                         std::to_string(updated.value().status) + " " +
                         keycloakMessage(updated.value()));
  }
  stats_.adoptedRotatedSecret = true;
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
  std::string rejectedToken;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto token = accessToken();
    if (!token) return token.error();
    request.headers = {{"Authorization", "Bearer " + token.value()},
                       {"Accept", "application/json"}};
    if (!body.is_null()) request.headers.emplace_back("Content-Type", "application/json");
    auto response = sendPatiently(request, what, keycloakAnswered);
    if (!response) return response;
    int status = response.value().status;
    if (status == 403) {
      return makeError(
          ErrorCode::kPermission,
          what +
              ": Keycloak answered HTTP 403 (forbidden, a missing role): the service account \"" +
              options_.clientId +
              "\" lacks the role this call needs, the realm role \"admin\" of the master realm "
              "(which Keycloak gives the bootstrap service account KC_BOOTSTRAP_ADMIN_CLIENT_ID); "
              "grant it under master → Clients → " +
              options_.clientId + " → Service accounts roles");
    }
    if (status != 401) {
      ++(method == "GET" ? stats_.reads : stats_.writes);
      return response;
    }
    // The token expired early or Keycloak restarted with new keys: one fresh token, one retry.
    rejectedToken = token.value();
    token_.clear();
    ++stats_.unauthorizedRenewals;
  }
  std::string issuer = tokenIssuer(rejectedToken);
  return makeError(
      ErrorCode::kPermission,
      what +
          ": token rejected (issuer/hostname): Keycloak answered HTTP 401 even to a token it had "
          "just issued to the service account \"" +
          options_.clientId + "\" (issuer " + (issuer.empty() ? "unknown" : issuer) +
          "). Keycloak accepts a token only where its issuer matches the hostname settings: "
          "check that " +
          options_.baseUrl +
          " is the Keycloak whose KC_HOSTNAME names that issuer, and KC_HOSTNAME_ADMIN and "
          "KC_HOSTNAME_BACKCHANNEL_DYNAMIC");
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
