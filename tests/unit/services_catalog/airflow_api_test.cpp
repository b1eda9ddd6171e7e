// `cairnctl airflow dags`' view of Airflow's REST API: the token request, paging, errors, and the
// listing's text and JSON, against recorded answers of Airflow 3.3's API.
#include <boost/test/unit_test.hpp>

#include "services/catalog/airflow_api.hpp"
#include "tests/support/fake_http_client.hpp"

namespace cairn::catalog {
namespace {

using nlohmann::json;

host::HttpResponse answer(int status, const json& body) { return {status, {}, body.dump()}; }

json dag(const std::string& id, bool paused, const std::string& file, const std::string& bundle = "dags-folder") {
  return {{"dag_id", id}, {"is_paused", paused}, {"fileloc", "/opt/airflow/dags/" + file}, {"relative_fileloc", file},
          {"bundle_name", bundle}, {"tags", json::array({{{"name", "cairn"}}, {{"name", "example"}}})}};
}

const AirflowCredentials kCredentials{"http://127.0.0.1:8080", "cairn-local-admin", "pw"};

// An API server with `dags` (served two per page when the client asks for more) and one import error.
testing::FakeHttpClient fakeAirflow(const std::vector<json>& dags) {
  testing::FakeHttpClient http;
  http.handler = [dags](const host::HttpRequest& request) -> Result<host::HttpResponse> {
    if (request.url == "http://127.0.0.1:8080/auth/token") {
      json body = json::parse(request.body);
      if (body["username"] != "cairn-local-admin" || body["password"] != "pw") return answer(401, {{"detail", "Invalid credentials"}});
      return answer(201, {{"access_token", "tok"}});
    }
    bool authorized = false;
    for (const auto& [name, value] : request.headers) authorized |= name == "Authorization" && value == "Bearer tok";
    if (!authorized) return answer(401, {{"detail", "Not authenticated"}});
    auto offsetAt = request.url.find("offset=");
    std::size_t offset = std::stoul(request.url.substr(offsetAt + 7));
    if (request.url.find("/api/v2/dags?") != std::string::npos) {
      json page = json::array();
      for (std::size_t i = offset; i < dags.size() && i < offset + 2; ++i) page.push_back(dags[i]);
      return answer(200, {{"dags", page}, {"total_entries", dags.size()}});
    }
    if (request.url.find("/api/v2/importErrors?") != std::string::npos) {
      json errors = json::array({{{"import_error_id", 1}, {"filename", "/opt/airflow/dags/broken.py"}, {"bundle_name", "dags-folder"},
                                  {"stack_trace", "Traceback (most recent call last):\n  File \"broken.py\", line 3\n    def oops(:\n"
                                                  "            ^\nSyntaxError: invalid syntax\n"}}});
      return answer(200, {{"import_errors", offset == 0 ? errors : json::array()}, {"total_entries", 1}});
    }
    return answer(404, {{"detail", "Not Found"}});
  };
  return http;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(airflow_api)

BOOST_AUTO_TEST_CASE(lists_every_page_of_dags_and_the_import_errors) {
  auto http = fakeAirflow({dag("a", true, "a.py"), dag("b", false, "b.py", "git"), dag("cairn_example", true, "cairn_example.py")});
  auto listing = fetchDagListing(http, kCredentials);
  BOOST_REQUIRE(listing.ok());
  BOOST_TEST(listing.value().dags.size() == 3u);
  BOOST_TEST(listing.value().importErrors.size() == 1u);
  std::string text = formatDagListing(listing.value());
  BOOST_TEST(text.find("DAG_ID         PAUSED  BUNDLE       FILE              TAGS\n") == 0u, text);
  BOOST_TEST(text.find("cairn_example  yes     dags-folder  cairn_example.py  cairn, example\n") != std::string::npos, text);
  BOOST_TEST(text.find("b              no      git          b.py") != std::string::npos, text);
  BOOST_TEST(text.find("import errors:\n  /opt/airflow/dags/broken.py: SyntaxError: invalid syntax\n") != std::string::npos, text);
  json asJson = dagListingToJson(listing.value());
  BOOST_TEST(asJson["dags"][2] == json({{"dag_id", "cairn_example"}, {"paused", true}, {"bundle", "dags-folder"},
                                         {"file", "cairn_example.py"}, {"tags", "cairn, example"}}));
  BOOST_TEST(asJson["import_errors"][0]["error"] == "SyntaxError: invalid syntax");
}

BOOST_AUTO_TEST_CASE(an_empty_airflow_says_so) {
  DagListing empty;
  BOOST_TEST(formatDagListing(empty) == "no DAGs\nno import errors\n");
}

BOOST_AUTO_TEST_CASE(refused_credentials_and_unreachable_servers_are_told_apart) {
  auto http = fakeAirflow({});
  auto refused = fetchDagListing(http, {kCredentials.baseUrl, kCredentials.username, "wrong"});
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().code == ErrorCode::kPermission));
  BOOST_TEST(refused.error().message.find("HTTP 401") != std::string::npos, refused.error().message);

  testing::FakeHttpClient down;
  down.handler = [](const host::HttpRequest&) -> Result<host::HttpResponse> {
    return makeError(ErrorCode::kUnavailable, "connection refused");
  };
  auto unreachable = fetchDagListing(down, kCredentials);
  BOOST_REQUIRE(!unreachable.ok());
  BOOST_TEST((unreachable.error().code == ErrorCode::kUnavailable));

  testing::FakeHttpClient broken;
  broken.handler = [](const host::HttpRequest&) -> Result<host::HttpResponse> { return host::HttpResponse{201, {}, "<html>"}; };
  BOOST_TEST((fetchDagListing(broken, kCredentials).error().code == ErrorCode::kInvalidInput));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::catalog
