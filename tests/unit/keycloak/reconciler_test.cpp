#include "keycloak/reconciler.hpp"

#include <boost/test/unit_test.hpp>
#include <deque>

#include "tests/support/fake_clock.hpp"
#include "tests/support/fake_http_client.hpp"

using cairn::ErrorCode;
using cairn::Result;
using cairn::host::HttpRequest;
using cairn::host::HttpResponse;
using cairn::keycloak::AdminClient;
using cairn::keycloak::AdminClientOptions;
using cairn::keycloak::Reconciler;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const json kDesired = json::parse(R"({
  "version": 1,
  "realm": {"realm": "r", "enabled": true},
  "roles": [], "groups": [], "users": [],
  "clients": [{"clientId": "app", "redirectUris": ["https://app.example.com/cb"], "protocolMappers": []}]
})");

// A Keycloak holding one realm and one client, answering through FakeHttpClient. Tests inject
// failures in front of it and look at the requests it saw.
class FakeKeycloak {
 public:
  bool realmExists = false;
  json client;  // null: absent
  bool hideClientOnce =
      false;  // the next ?clientId= read misses the client (a concurrent creation)
  std::deque<Result<HttpResponse>> injected;  // answered before anything else, one per request
  std::string validToken;
  int tokensIssued = 0;
  std::function<void()> onRequest = [] {};

  explicit FakeKeycloak(cairn::testing::FakeHttpClient& http) {
    http.handler = [this](const HttpRequest& request) { return handle(request); };
  }

  Result<HttpResponse> handle(const HttpRequest& request) {
    onRequest();
    if (!injected.empty()) {
      auto next = injected.front();
      injected.pop_front();
      return next;
    }
    std::string path = request.url.substr(std::string("http://kc").size());
    if (path == "/realms/master/protocol/openid-connect/token") {
      if (request.body.find("client_secret=s3cret") == std::string::npos) {
        return HttpResponse{
            401,
            {},
            R"({"error":"unauthorized_client","error_description":"Invalid client credentials"})"};
      }
      validToken = "token-" + std::to_string(++tokensIssued);
      return HttpResponse{200, {}, json{{"access_token", validToken}, {"expires_in", 60}}.dump()};
    }
    bool authorized = false;
    for (const auto& [name, value] : request.headers)
      authorized |= name == "Authorization" && value == "Bearer " + validToken;
    if (!authorized) return HttpResponse{401, {}, R"({"error":"HTTP 401 Unauthorized"})"};
    std::string call = request.method + " " + path;
    if (call == "GET /admin/realms/r") {
      return realmExists ? HttpResponse{200, {}, R"({"realm":"r","enabled":true,"id":"rid"})"}
                         : HttpResponse{404, {}, "{}"};
    }
    if (call == "POST /admin/realms") {
      realmExists = true;
      return HttpResponse{201, {{"location", "http://kc/admin/realms/r"}}, ""};
    }
    if (call == "GET /admin/realms/r/clients?clientId=app") {
      bool visible = !client.is_null() && !hideClientOnce;
      hideClientOnce = false;
      return HttpResponse{200, {}, visible ? json::array({client}).dump() : "[]"};
    }
    if (call == "POST /admin/realms/r/clients") {
      if (!client.is_null())
        return HttpResponse{409, {}, R"({"errorMessage":"Client app already exists"})"};
      client = json::parse(request.body);
      client["id"] = "cid-1";
      return HttpResponse{201, {{"location", "http://kc/admin/realms/r/clients/cid-1"}}, ""};
    }
    if (call == "PUT /admin/realms/r/clients/cid-1") {
      if (client.is_null()) return HttpResponse{404, {}, R"({"error":"Could not find client"})"};
      client.merge_patch(json::parse(request.body));
      return HttpResponse{204, {}, ""};
    }
    return HttpResponse{404, {}, R"({"error":"Unable to find matching target resource method"})"};
  }
};

struct Fixture {
  cairn::testing::FakeHttpClient http;
  cairn::testing::FakeClock clock;
  FakeKeycloak keycloak{http};
  AdminClientOptions options = [] {
    AdminClientOptions o;
    o.baseUrl = "http://kc";
    o.clientSecret = "s3cret";
    o.retryLimit = 30s;
    return o;
  }();
  AdminClient admin{http, clock, options};
  Reconciler reconciler{admin,
                        [](const std::string&) { return Result<std::string>(std::string("pw")); }};

  std::vector<std::string> writes() const {
    std::vector<std::string> found;
    for (const auto& request : http.requests) {
      if (request.method != "GET" && request.url.find("/admin/") != std::string::npos) {
        found.push_back(request.method + " " + request.url.substr(9));
      }
    }
    return found;
  }
};

HttpResponse status(int code, std::string body = "") {
  return HttpResponse{code, {}, std::move(body)};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(reconciler, Fixture)

BOOST_AUTO_TEST_CASE(fresh_realm_converges_and_a_second_sync_writes_nothing) {
  auto report = reconciler.sync(kDesired);
  BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? std::string() : report.error().message));
  std::vector<std::string> expected = {"POST /admin/realms", "POST /admin/realms/r/clients"};
  BOOST_TEST(writes() == expected, boost::test_tools::per_element());
  BOOST_TEST(report.value().applied.size() == 2u);
  BOOST_TEST(keycloak.client["redirectUris"] == kDesired["clients"][0]["redirectUris"]);
  // A new token after the realm's creation: the first one carries no roles of the new realm.
  BOOST_TEST(keycloak.tokensIssued == 2);

  http.requests.clear();
  auto again = reconciler.sync(kDesired);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(writes().empty());
  BOOST_TEST(again.value().firstPlan.empty());
}

BOOST_AUTO_TEST_CASE(conflict_on_create_reads_the_id_back_and_repairs_the_existing_object) {
  keycloak.realmExists = true;
  keycloak.client = {{"id", "cid-1"},
                     {"clientId", "app"},
                     {"redirectUris", {"https://old.example.com/cb"}},
                     {"protocolMappers", json::array()}};
  keycloak.hideClientOnce = true;
  auto report = reconciler.sync(kDesired);
  BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? std::string() : report.error().message));
  std::vector<std::string> expected = {"POST /admin/realms/r/clients",
                                       "PUT /admin/realms/r/clients/cid-1"};
  BOOST_TEST(writes() == expected, boost::test_tools::per_element());
  BOOST_TEST(keycloak.client["redirectUris"] == kDesired["clients"][0]["redirectUris"]);
}

BOOST_AUTO_TEST_CASE(unauthorized_answer_renews_the_token_once_and_repeats_the_call) {
  keycloak.realmExists = true;
  BOOST_REQUIRE(reconciler.sync(kDesired).ok());
  keycloak.validToken = "expired-on-the-server";
  auto again = reconciler.sync(kDesired);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(admin.stats().unauthorizedRenewals == 1);
  BOOST_TEST(keycloak.tokensIssued == 2);
}

BOOST_AUTO_TEST_CASE(token_is_renewed_before_it_expires) {
  keycloak.onRequest = [this] { clock.advance(20s); };
  auto report = reconciler.sync(kDesired);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(keycloak.tokensIssued >= 3);
  BOOST_TEST(admin.stats().unauthorizedRenewals == 0);
}

BOOST_AUTO_TEST_CASE(unavailable_keycloak_is_waited_for_with_growing_backoff) {
  keycloak.injected = {status(503, "starting"),
                       cairn::makeError(ErrorCode::kUnavailable, "connection refused"),
                       status(502)};
  std::vector<std::string> warnings;
  options.onWait = [&warnings](const std::string& message) { warnings.push_back(message); };
  AdminClient patient(http, clock, options);
  Reconciler waiting(patient,
                     [](const std::string&) { return Result<std::string>(std::string("pw")); });
  auto report = waiting.sync(kDesired);
  BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? std::string() : report.error().message));
  std::vector<long> slept, expected = {500, 1000, 2000};
  for (auto sleep : clock.sleeps()) slept.push_back(static_cast<long>(sleep.count()));
  BOOST_TEST(slept == expected, boost::test_tools::per_element());
  BOOST_TEST(patient.stats().retries == 3);
  BOOST_REQUIRE_EQUAL(warnings.size(), 1u);
  BOOST_TEST(warnings[0] ==
             "Keycloak did not answer the token request (HTTP 503 starting); waiting up to 30s");
}

BOOST_AUTO_TEST_CASE(keycloak_that_never_answers_gives_a_clear_error_after_the_limit) {
  http.handler = [](const HttpRequest&) {
    return Result<HttpResponse>(
        cairn::makeError(ErrorCode::kUnavailable, "http://kc: Couldn't connect to server"));
  };
  auto report = reconciler.sync(kDesired);
  BOOST_REQUIRE(!report.ok());
  BOOST_TEST((report.error().code == ErrorCode::kUnavailable));
  BOOST_TEST(report.error().message.find("did not answer the token request within 30s") !=
             std::string::npos);
  BOOST_TEST(report.error().message.find("Couldn't connect to server") != std::string::npos);
  std::chrono::milliseconds slept{0};
  for (auto sleep : clock.sleeps()) slept += sleep;
  BOOST_TEST(slept.count() <= 30000);
  BOOST_TEST(slept.count() >= 20000);
}

BOOST_AUTO_TEST_CASE(refused_step_stops_the_run_and_names_the_object_and_keycloaks_answer) {
  keycloak.realmExists = true;
  http.handler = [this](const HttpRequest& request) {
    if (request.method == "POST" && request.url.find("/clients") != std::string::npos) {
      return Result<HttpResponse>(status(400, R"({"errorMessage":"Invalid redirect uri"})"));
    }
    return keycloak.handle(request);
  };
  auto report = reconciler.sync(kDesired);
  BOOST_REQUIRE(!report.ok());
  BOOST_TEST(report.error().message.find("step 1 of 1 (create client app)") != std::string::npos);
  BOOST_TEST(report.error().message.find("HTTP 400: Invalid redirect uri") != std::string::npos);
  BOOST_TEST(report.error().message.find("run the sync again") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(object_vanishing_between_read_and_write_is_read_again_and_created) {
  keycloak.realmExists = true;
  keycloak.client = {{"id", "cid-1"},
                     {"clientId", "app"},
                     {"redirectUris", json::array()},
                     {"protocolMappers", json::array()}};
  http.handler = [this](const HttpRequest& request) {
    if (request.method == "PUT")
      keycloak.client = nullptr;  // deleted by someone just before our update
    return keycloak.handle(request);
  };
  auto report = reconciler.sync(kDesired);
  BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? std::string() : report.error().message));
  std::vector<std::string> expected = {"PUT /admin/realms/r/clients/cid-1",
                                       "POST /admin/realms/r/clients"};
  BOOST_TEST(writes() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wrong_service_account_secret_is_a_permission_error) {
  options.clientSecret = "wrong";
  AdminClient wrong(http, clock, options);
  auto answer = wrong.call("GET", "/admin/realms/r");
  BOOST_REQUIRE(!answer.ok());
  BOOST_TEST((answer.error().code == ErrorCode::kPermission));
  BOOST_TEST(answer.error().message.find("Invalid client credentials") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(readiness_is_awaited_on_the_health_endpoint) {
  http.handler = [this](const HttpRequest& request) {
    BOOST_TEST(request.url == "http://kc:9000/health/ready");
    return Result<HttpResponse>(http.requests.size() < 3 ? status(503, R"({"status":"DOWN"})")
                                                         : status(200));
  };
  BOOST_TEST(admin.waitUntilReady("http://kc:9000/health/ready").ok());
  BOOST_TEST(http.requests.size() == 3u);
}

BOOST_AUTO_TEST_CASE(id_is_the_last_segment_of_the_location) {
  BOOST_TEST(cairn::keycloak::idFromLocation("http://kc/admin/realms/r/clients/6f1c-22") ==
             "6f1c-22");
  BOOST_TEST(cairn::keycloak::idFromLocation("http://kc/admin/realms/r/users/abc/") == "abc");
  BOOST_TEST(cairn::keycloak::idFromLocation("") == "");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// A JWT-shaped token (unsigned: the client never verifies it) whose payload names `issuer`.
std::string tokenWithIssuer(const std::string& issuer) {
  // base64url of {"iss":"https://auth.example.com/realms/master"}
  BOOST_REQUIRE(issuer == "https://auth.example.com/realms/master");
  return "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS5jb20vcmVhbG1zL21hc3RlciJ9."
         "c2ln";
}

struct AdminFixture {
  cairn::testing::FakeHttpClient http;
  cairn::testing::FakeClock clock;
  AdminClientOptions options = [] {
    AdminClientOptions o;
    o.baseUrl = "http://kc";
    o.clientSecret = "s3cret";
    o.retryLimit = 5s;
    return o;
  }();
  std::string acceptedSecret = "s3cret";
  int adminAnswer = 200;  // what every Admin API call gets
  json putBody;

  AdminFixture() {
    http.handler = [this](const HttpRequest& request) -> Result<HttpResponse> {
      if (request.url == "http://kc/realms/master/protocol/openid-connect/token") {
        if (request.body.find("client_secret=" + acceptedSecret) == std::string::npos) {
          return HttpResponse{
              401,
              {},
              R"({"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"})"};
        }
        return HttpResponse{
            200,
            {},
            json{{"access_token", tokenWithIssuer("https://auth.example.com/realms/master")},
                 {"expires_in", 60}}
                .dump()};
      }
      if (request.method == "GET" &&
          request.url == "http://kc/admin/realms/master/clients?clientId=cairn-admin") {
        return HttpResponse{
            200, {}, R"([{"id":"sa-1","clientId":"cairn-admin","protocolMappers":[]}])"};
      }
      if (request.method == "PUT" && request.url == "http://kc/admin/realms/master/clients/sa-1") {
        putBody = json::parse(request.body);
        acceptedSecret = putBody.value("secret", "");
        return HttpResponse{204, {}, ""};
      }
      return HttpResponse{adminAnswer, {}, adminAnswer == 200 ? "{}" : R"({"error":"HTTP 4xx"})"};
    };
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(admin_client, AdminFixture)

BOOST_AUTO_TEST_CASE(
    persistent_401_after_a_fresh_token_is_reported_as_a_rejected_token_naming_its_issuer) {
  adminAnswer = 401;
  AdminClient admin(http, clock, options);
  auto answer = admin.call("GET", "/admin/realms/r");
  BOOST_REQUIRE(!answer.ok());
  BOOST_TEST((answer.error().code == ErrorCode::kPermission));
  const std::string& message = answer.error().message;
  BOOST_TEST(message.find("token rejected (issuer/hostname)") != std::string::npos, message);
  BOOST_TEST(message.find("issuer https://auth.example.com/realms/master") != std::string::npos,
             message);
  BOOST_TEST(message.find("KC_HOSTNAME") != std::string::npos, message);
  BOOST_TEST(admin.stats().tokenFetches == 2);
}

BOOST_AUTO_TEST_CASE(forbidden_is_reported_as_the_missing_admin_role) {
  adminAnswer = 403;
  AdminClient admin(http, clock, options);
  auto answer = admin.call("GET", "/admin/realms/r");
  BOOST_REQUIRE(!answer.ok());
  BOOST_TEST((answer.error().code == ErrorCode::kPermission));
  BOOST_TEST(answer.error().message.find("HTTP 403 (forbidden, a missing role)") !=
             std::string::npos);
  BOOST_TEST(answer.error().message.find("realm role \"admin\" of the master realm") !=
             std::string::npos);
  BOOST_TEST(admin.stats().tokenFetches == 1);  // a 403 is not a token problem
}

BOOST_AUTO_TEST_CASE(rotated_secret_is_set_in_keycloak_through_the_previous_one) {
  acceptedSecret = "old";
  options.clientSecret = "new";
  options.previousClientSecret = "old";
  AdminClient admin(http, clock, options);
  auto answer = admin.call("GET", "/admin/realms/r");
  BOOST_REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? std::string() : answer.error().message));
  BOOST_TEST(answer.value().status == 200);
  BOOST_TEST(admin.stats().adoptedRotatedSecret);
  BOOST_TEST(putBody["secret"] == "new");
  BOOST_TEST(!putBody.contains("protocolMappers"));
  BOOST_TEST(acceptedSecret == "new");
  BOOST_TEST(http.requests.back().url == "http://kc/admin/realms/r");
}

BOOST_AUTO_TEST_CASE(no_previous_secret_means_the_refusal_is_reported) {
  acceptedSecret = "old";
  options.clientSecret = "new";
  AdminClient admin(http, clock, options);
  auto answer = admin.call("GET", "/admin/realms/r");
  BOOST_REQUIRE(!answer.ok());
  BOOST_TEST(answer.error().message.find("check keycloak_admin_client_secret") !=
             std::string::npos);
  BOOST_TEST(!admin.stats().adoptedRotatedSecret);
}

BOOST_AUTO_TEST_CASE(token_issuer_is_read_from_the_payload) {
  BOOST_TEST(
      cairn::keycloak::tokenIssuer(tokenWithIssuer("https://auth.example.com/realms/master")) ==
      "https://auth.example.com/realms/master");
  BOOST_TEST(cairn::keycloak::tokenIssuer("not-a-jwt").empty());
  BOOST_TEST(cairn::keycloak::tokenIssuer("a.%%%.c").empty());
}

BOOST_AUTO_TEST_SUITE_END()
