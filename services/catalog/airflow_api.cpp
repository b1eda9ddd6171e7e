#include "services/catalog/airflow_api.hpp"

#include <algorithm>
#include <sstream>

namespace cairn::catalog {

using nlohmann::json;

namespace {

constexpr int kPageSize = 100;

Error answerError(const std::string& what, const host::HttpResponse& response) {
  std::string body = response.body.substr(0, 300);
  if (response.status == 401 || response.status == 403) {
    return makeError(ErrorCode::kPermission, what + " was refused (HTTP " + std::to_string(response.status) + "): " + body);
  }
  ErrorCode code = response.status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kInvalidInput;
  return makeError(code, what + " answered HTTP " + std::to_string(response.status) + ": " + body);
}

Result<json> call(host::HttpClient& http, host::HttpRequest request, const std::string& what, int expected) {
  auto response = http.send(request);
  if (!response) return makeError(response.error().code, what + ": " + response.error().message);
  if (response.value().status != expected) return answerError(what, response.value());
  json parsed = json::parse(response.value().body, nullptr, false);
  if (!parsed.is_object()) return makeError(ErrorCode::kInvalidInput, what + " did not answer a JSON object");
  return parsed;
}

Result<std::string> token(host::HttpClient& http, const AirflowCredentials& credentials) {
  host::HttpRequest request;
  request.method = "POST";
  request.url = credentials.baseUrl + "/auth/token";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json{{"username", credentials.username}, {"password", credentials.password}}.dump();
  request.timeout = std::chrono::seconds(30);
  auto answer = call(http, request, "Airflow's token endpoint", 201);
  if (!answer) return answer.error();
  if (!answer.value().contains("access_token") || !answer.value()["access_token"].is_string()) {
    return makeError(ErrorCode::kInvalidInput, "Airflow's token endpoint answered no access_token");
  }
  return answer.value()["access_token"].get<std::string>();
}

// Every item of a paged list endpoint ("?limit=&offset="), under `key`.
Result<json> everyPage(host::HttpClient& http, const AirflowCredentials& credentials, const std::string& bearer,
                       const std::string& path, const std::string& key) {
  json items = json::array();
  // The server may cap the page below the limit asked ([api] maximum_page_limit): the next offset
  // is what arrived so far.
  for (std::size_t offset = 0;; offset = items.size()) {
    host::HttpRequest request;
    request.url = credentials.baseUrl + path + "?limit=" + std::to_string(kPageSize) + "&offset=" + std::to_string(offset);
    request.headers = {{"Authorization", "Bearer " + bearer}, {"Accept", "application/json"}};
    request.timeout = std::chrono::seconds(30);
    auto page = call(http, request, "GET " + path, 200);
    if (!page) return page.error();
    if (!page.value().contains(key) || !page.value()[key].is_array()) {
      return makeError(ErrorCode::kInvalidInput, "GET " + path + " answered no \"" + key + "\" list");
    }
    for (auto& item : page.value()[key]) items.push_back(std::move(item));
    long long total = page.value().value("total_entries", 0LL);
    if (page.value()[key].empty() || static_cast<long long>(items.size()) >= total) return items;
  }
}

std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string tagsOf(const json& dag) {
  std::string joined;
  for (const auto& tag : dag.value("tags", json::array())) {
    std::string name = tag.is_object() ? text(tag, "name") : tag.is_string() ? tag.get<std::string>() : "";
    if (name.empty()) continue;
    joined += (joined.empty() ? "" : ", ") + name;
  }
  return joined;
}

std::string fileOf(const json& dag) {
  std::string relative = text(dag, "relative_fileloc");
  return relative.empty() ? text(dag, "fileloc") : relative;
}

// The exception line of a Python stack trace: its last non-empty line.
std::string lastLine(const std::string& trace) {
  std::string last, line;
  std::istringstream lines(trace);
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  auto start = last.find_first_not_of(" \t");
  return start == std::string::npos ? "" : last.substr(start);
}

}  // namespace

Result<DagListing> fetchDagListing(host::HttpClient& http, const AirflowCredentials& credentials) {
  auto bearer = token(http, credentials);
  if (!bearer) return bearer.error();
  auto dags = everyPage(http, credentials, bearer.value(), "/api/v2/dags", "dags");
  if (!dags) return dags.error();
  auto errors = everyPage(http, credentials, bearer.value(), "/api/v2/importErrors", "import_errors");
  if (!errors) return errors.error();
  return DagListing{std::move(dags.value()), std::move(errors.value())};
}

json dagListingToJson(const DagListing& listing) {
  json dags = json::array();
  for (const auto& dag : listing.dags) {
    dags.push_back({{"dag_id", text(dag, "dag_id")}, {"paused", dag.value("is_paused", false)},
                    {"bundle", text(dag, "bundle_name")}, {"file", fileOf(dag)}, {"tags", tagsOf(dag)}});
  }
  json errors = json::array();
  for (const auto& error : listing.importErrors) {
    errors.push_back({{"file", text(error, "filename")}, {"error", lastLine(text(error, "stack_trace"))}});
  }
  return {{"dags", dags}, {"import_errors", errors}};
}

std::string formatDagListing(const DagListing& listing) {
  json rows = dagListingToJson(listing);
  std::size_t idWidth = 6, bundleWidth = 6, fileWidth = 4;
  for (const auto& dag : rows["dags"]) {
    idWidth = std::max(idWidth, dag["dag_id"].get<std::string>().size());
    bundleWidth = std::max(bundleWidth, dag["bundle"].get<std::string>().size());
    fileWidth = std::max(fileWidth, dag["file"].get<std::string>().size());
  }
  auto pad = [](const std::string& value, std::size_t width) { return value + std::string(width - value.size() + 2, ' '); };
  std::string out;
  if (rows["dags"].empty()) {
    out += "no DAGs\n";
  } else {
    out += pad("DAG_ID", idWidth) + "PAUSED  " + pad("BUNDLE", bundleWidth) + pad("FILE", fileWidth) + "TAGS\n";
    for (const auto& dag : rows["dags"]) {
      out += pad(dag["dag_id"].get<std::string>(), idWidth) + (dag["paused"].get<bool>() ? "yes     " : "no      ") +
             pad(dag["bundle"].get<std::string>(), bundleWidth) + pad(dag["file"].get<std::string>(), fileWidth) +
             dag["tags"].get<std::string>() + "\n";
    }
  }
  if (rows["import_errors"].empty()) {
    out += "no import errors\n";
  } else {
    out += "\nimport errors:\n";
    for (const auto& error : rows["import_errors"]) {
      out += "  " + error["file"].get<std::string>() + ": " + error["error"].get<std::string>() + "\n";
    }
  }
  return out;
}

}  // namespace cairn::catalog
