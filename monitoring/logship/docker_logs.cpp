#include "monitoring/logship/docker_logs.hpp"

#include <nlohmann/json.hpp>

#include "monitoring/logship/poco_http_client.hpp"

namespace cairn::logship {
namespace {

constexpr const char* kApi = "http://localhost/v1.41";

}  // namespace

Result<std::vector<ContainerLog>> parseContainerList(const std::string& body, const std::string& serviceLabel) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_array()) return makeError(ErrorCode::kInvalidInput, "container list is not a JSON array");
  std::vector<ContainerLog> containers;
  for (const auto& item : json) {
    if (!item.is_object() || !item.contains("Id") || !item["Id"].is_string()) continue;
    ContainerLog c;
    c.id = item["Id"].get<std::string>();
    if (item.contains("Names") && item["Names"].is_array() && !item["Names"].empty() && item["Names"][0].is_string()) {
      c.name = item["Names"][0].get<std::string>();
      if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
    }
    if (c.name.empty()) c.name = c.id.substr(0, 12);
    c.service = c.name;
    if (item.contains("Labels") && item["Labels"].is_object()) {
      const auto it = item["Labels"].find(serviceLabel);
      if (it != item["Labels"].end() && it->is_string() && !it->get<std::string>().empty()) c.service = it->get<std::string>();
    }
    containers.push_back(std::move(c));
  }
  return containers;
}

Result<std::string> parseLogPath(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return makeError(ErrorCode::kInvalidInput, "inspect answer is not a JSON object");
  const auto it = json.find("LogPath");
  if (it == json.end() || !it->is_string()) return std::string();
  return it->get<std::string>();
}

DockerLogFinder::DockerLogFinder(host::HttpClient& http, std::string socket, std::string label, std::string serviceLabel)
    : http_(http), socket_(std::move(socket)), label_(std::move(label)), serviceLabel_(std::move(serviceLabel)) {}

Result<std::vector<ContainerLog>> DockerLogFinder::list() {
  host::HttpRequest request;
  request.unixSocket = socket_;
  const std::string filters = nlohmann::json{{"label", {label_}}}.dump();
  request.url = std::string(kApi) + "/containers/json?all=true&filters=" + encodeQueryValue(filters);
  auto response = http_.send(request);
  if (!response) return response.error();
  if (response.value().status != 200) {
    return makeError(ErrorCode::kUnavailable, "docker answered " + std::to_string(response.value().status) + " to the container list");
  }
  auto containers = parseContainerList(response.value().body, serviceLabel_);
  if (!containers) return containers;
  for (auto& container : containers.value()) {
    host::HttpRequest inspect;
    inspect.unixSocket = socket_;
    inspect.url = std::string(kApi) + "/containers/" + container.id + "/json";
    auto answer = http_.send(inspect);
    if (!answer || answer.value().status != 200) continue;  // removed meanwhile
    auto path = parseLogPath(answer.value().body);
    if (path) container.logPath = path.value();
  }
  return containers;
}

Status DockerLogFinder::watchEvents(const std::function<bool()>& onEvent, std::chrono::milliseconds timeout) {
  host::HttpRequest request;
  request.unixSocket = socket_;
  const std::string filters = nlohmann::json{{"type", {"container"}}, {"label", {label_}},
                                             {"event", {"create", "start", "destroy", "rename"}}}.dump();
  request.url = std::string(kApi) + "/events?filters=" + encodeQueryValue(filters);
  request.timeout = timeout;
  auto response = http_.stream(request, [&](std::string_view) { return onEvent(); });
  if (!response && response.error().code != ErrorCode::kTimeout) return response.error();
  return {};
}

}  // namespace cairn::logship
