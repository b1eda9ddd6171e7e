#include "monitoring/exporter/docker_directory.hpp"

#include <algorithm>
#include <ctime>
#include <thread>

#include <Poco/Logger.h>
#include <nlohmann/json.hpp>

#include "monitoring/exporter/poco_http_client.hpp"
#include "monitoring/exporter/proc_files.hpp"

namespace cairn::exporter {
namespace {

using nlohmann::json;

std::string stringAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::vector<std::string>> parseContainerIds(std::string_view body) {
  json list = json::parse(body, nullptr, false);
  if (!list.is_array()) return makeError(ErrorCode::kInvalidInput, "docker: /containers/json is not a list");
  std::vector<std::string> ids;
  for (const auto& item : list) {
    if (item.is_object()) {
      std::string id = stringAt(item, "Id");
      if (!id.empty()) ids.push_back(id);
    }
  }
  return ids;
}

std::optional<double> parseDockerTime(std::string_view text) {
  if (text.size() < 20 || text.substr(0, 4) == "0001") return std::nullopt;
  std::tm parts{};
  std::string head(text.substr(0, 19));
  if (!strptime(head.c_str(), "%Y-%m-%dT%H:%M:%S", &parts)) return std::nullopt;
  double seconds = static_cast<double>(timegm(&parts));
  std::size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    double scale = 0.1;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, scale /= 10) seconds += (text[i] - '0') * scale;
  }
  if (i < text.size() && (text[i] == '+' || text[i] == '-') && i + 6 <= text.size()) {
    int hours = std::atoi(std::string(text.substr(i + 1, 2)).c_str());
    int minutes = std::atoi(std::string(text.substr(i + 4, 2)).c_str());
    double offset = hours * 3600.0 + minutes * 60.0;
    seconds -= text[i] == '+' ? offset : -offset;
  }
  return seconds;
}

Result<ContainerInfo> parseContainerInspect(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) return makeError(ErrorCode::kInvalidInput, "docker: inspect answer is not an object");
  ContainerInfo info;
  info.id = stringAt(doc, "Id");
  info.name = stringAt(doc, "Name");
  if (!info.name.empty() && info.name[0] == '/') info.name.erase(0, 1);
  const json config = doc.value("Config", json::object());
  const json state = doc.value("State", json::object());
  const json hostConfig = doc.value("HostConfig", json::object());
  if (!config.is_object() || !state.is_object() || info.id.empty()) {
    return makeError(ErrorCode::kInvalidInput, "docker: inspect answer lacks Id, Config or State");
  }
  info.image = stringAt(config, "Image");
  if (auto labels = config.find("Labels"); labels != config.end() && labels->is_object()) {
    for (const auto& [key, value] : labels->items()) {
      if (value.is_string()) info.labels[key] = value.get<std::string>();
    }
  }
  if (!state.value("Running", false)) return makeError(ErrorCode::kNotFound, "docker: " + info.id + " is not running");
  info.pid = state.value("Pid", 0);
  info.createdAt = parseDockerTime(stringAt(doc, "Created")).value_or(0);
  info.startedAt = parseDockerTime(stringAt(state, "StartedAt")).value_or(info.createdAt);
  if (auto health = state.find("Health"); health != state.end() && health->is_object()) info.health = stringAt(*health, "Status");
  if (hostConfig.is_object()) info.networkMode = stringAt(hostConfig, "NetworkMode");
  return info;
}

std::optional<ContainerEvent> parseContainerEvent(std::string_view line) {
  json event = json::parse(line, nullptr, false);
  if (!event.is_object() || stringAt(event, "Type") != "container") return std::nullopt;
  std::string action = stringAt(event, "Action");
  std::string id;
  std::string service;
  if (auto actor = event.find("Actor"); actor != event.end() && actor->is_object()) {
    id = stringAt(*actor, "ID");
    if (auto attributes = actor->find("Attributes"); attributes != actor->end() && attributes->is_object()) {
      service = stringAt(*attributes, "io.cairn.service");
    }
  }
  if (id.empty()) id = stringAt(event, "id");
  if (action.empty() || id.empty()) return std::nullopt;
  auto time = event.find("timeNano");
  long long timeNano = time != event.end() && time->is_number_integer() ? time->get<long long>() : 0;
  return ContainerEvent{action, id, timeNano, service};
}

ContainerDirectory::ContainerDirectory(std::string dockerSocket, std::string procRoot, std::string sysRoot)
    : socket_(std::move(dockerSocket)), procRoot_(std::move(procRoot)), sysRoot_(std::move(sysRoot)) {}

std::vector<ContainerInfo> ContainerDirectory::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ContainerInfo> out;
  out.reserve(containers_.size());
  for (const auto& [id, info] : containers_) {
    out.push_back(info);
    auto oom = oomById_.find(id);
    if (oom != oomById_.end()) out.back().oomEvents = oom->second;
  }
  return out;
}

std::map<std::string, double> ContainerDirectory::exitsByService() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return exitsByService_;
}

host::HttpRequest ContainerDirectory::request(const std::string& path) const {
  host::HttpRequest request;
  request.url = "http://localhost" + path;
  request.unixSocket = socket_;
  request.timeout = std::chrono::milliseconds(5000);
  return request;
}

Result<ContainerInfo> ContainerDirectory::inspect(host::HttpClient& client, const std::string& id) {
  auto response = client.send(request("/containers/" + id + "/json"));
  if (!response) return response.error();
  if (response.value().status == 404) return makeError(ErrorCode::kNotFound, "docker: no container " + id);
  if (response.value().status != 200) {
    return makeError(ErrorCode::kUnavailable, "docker: inspect " + id + " answered " + std::to_string(response.value().status));
  }
  auto info = parseContainerInspect(response.value().body);
  if (!info) return info;
  if (info.value().pid > 0) {
    if (auto cgroupFile = readProcFile(procRoot_ + "/" + std::to_string(info.value().pid) + "/cgroup")) {
      info.value().cgroup = locateCgroup(*cgroupFile, sysRoot_);
    }
  }
  return info;
}

Status ContainerDirectory::refresh(host::HttpClient& client, bool full) {
  auto response = client.send(request("/containers/json"));
  if (!response || response.value().status != 200) {
    reachable_ = false;
    return response ? makeError(ErrorCode::kUnavailable, "docker: /containers/json answered " +
                                                             std::to_string(response.value().status))
                    : response.error();
  }
  auto ids = parseContainerIds(response.value().body);
  if (!ids) {
    reachable_ = false;
    return ids.error();
  }
  std::map<std::string, ContainerInfo> next;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& id : ids.value()) {
      auto known = containers_.find(id);
      if (known != containers_.end() && !full) next.emplace(id, known->second);
    }
  }
  for (const auto& id : ids.value()) {
    if (next.count(id)) continue;
    auto info = inspect(client, id);
    if (info) next.emplace(id, std::move(info).value());  // gone since the listing: skipped
  }
  std::lock_guard<std::mutex> lock(mutex_);
  containers_ = std::move(next);
  reachable_ = true;
  return {};
}

void ContainerDirectory::applyEvent(host::HttpClient& client, const ContainerEvent& event) {
  const std::string& action = event.action;
  const std::string& id = event.id;
  if (action == "oom") {
    std::lock_guard<std::mutex> lock(mutex_);
    oomById_[id] += 1;
  }
  if (action == "die") {
    // The event's own labels first: a listing taken after the exit no longer holds the container.
    std::lock_guard<std::mutex> lock(mutex_);
    std::string service = event.service;
    if (auto known = containers_.find(id); service.empty() && known != containers_.end()) {
      auto label = known->second.labels.find("io.cairn.service");
      if (label != known->second.labels.end()) service = label->second;
    }
    if (!service.empty()) exitsByService_[service] += 1;
  }
  if (action == "destroy") {
    std::lock_guard<std::mutex> lock(mutex_);
    containers_.erase(id);
    oomById_.erase(id);
    return;
  }
  // exec_* and top-style actions change nothing we export.
  if (action.rfind("exec_", 0) == 0 || action == "attach" || action == "resize" || action == "top") return;
  auto info = inspect(client, id);
  std::lock_guard<std::mutex> lock(mutex_);
  if (info) containers_[id] = std::move(info).value();
  else if (info.error().code == ErrorCode::kNotFound) containers_.erase(id);
}

void ContainerDirectory::watch(host::HttpClient& streamClient, host::HttpClient& queryClient,
                               const std::atomic<bool>& stop, std::chrono::milliseconds streamWindow,
                               std::chrono::milliseconds retryDelay) {
  auto& log = Poco::Logger::get("exporter.docker");
  bool wasReachable = true;
  while (!stop) {
    auto since = std::to_string(std::time(nullptr));
    auto refreshed = refresh(queryClient);
    if (refreshed.ok() != wasReachable) {
      // State changes only: one warning when Docker goes away, one notice when it is back.
      if (refreshed.ok()) log.information("docker=reachable socket=%s", socket_);
      else log.warning("docker=unreachable socket=%s error=\"%s\" (cairn_exporter_docker_up=0)", socket_, refreshed.error().message);
      wasReachable = refreshed.ok();
    }
    if (!refreshed) {
      for (auto waited = std::chrono::milliseconds(0); waited < retryDelay && !stop; waited += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      continue;
    }
    // Events from `since` on: nothing between the listing and the stream is missed.
    host::HttpRequest events = request("/events?since=" + since + "&filters=" +
                                       percentEncode(R"({"type":["container"]})"));
    events.timeout = streamWindow;
    std::string pending;
    (void)streamClient.stream(events, [&](std::string_view chunk) {
      pending.append(chunk);
      std::size_t newline;
      while ((newline = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, newline);
        pending.erase(0, newline + 1);
        auto event = parseContainerEvent(line);
        // Streams overlap by up to a second ("since" has second resolution): skip replays.
        if (!event || (event->timeNano != 0 && event->timeNano <= lastEventNano_)) continue;
        lastEventNano_ = std::max(lastEventNano_, event->timeNano);
        applyEvent(queryClient, *event);
      }
      return !stop.load();
    });
  }
}

}  // namespace cairn::exporter
