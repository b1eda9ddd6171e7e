#include "services/docker/parse.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

namespace cairn::docker {
namespace {

using nlohmann::json;

std::optional<json> parseJson(std::string_view body) {
  json parsed = json::parse(body.begin(), body.end(), nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

Error malformed(const std::string& what, std::string_view body) {
  std::string excerpt(body.substr(0, 200));
  return makeError(ErrorCode::kInvalidInput, "Docker sent a malformed " + what + ": " + excerpt);
}

const json* field(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const json& object, const char* key) {
  const json* value = field(object, key);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

std::int64_t number(const json& object, const char* key) {
  const json* value = field(object, key);
  if (!value) return 0;
  if (value->is_number_integer()) return value->get<std::int64_t>();
  if (value->is_number_float()) return static_cast<std::int64_t>(value->get<double>());
  return 0;
}

bool flag(const json& object, const char* key) {
  const json* value = field(object, key);
  return value && value->is_boolean() && value->get<bool>();
}

Labels stringMap(const json& object, const char* key) {
  Labels labels;
  const json* value = field(object, key);
  if (!value || !value->is_object()) return labels;
  for (const auto& [name, item] : value->items()) {
    if (item.is_string()) labels[name] = item.get<std::string>();
  }
  return labels;
}

std::string withoutSlash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

int digits(std::string_view text, std::size_t at, std::size_t count, bool& ok) {
  int value = 0;
  if (at + count > text.size()) {
    ok = false;
    return 0;
  }
  for (std::size_t i = at; i < at + count; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') ok = false;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::string errorMessageOf(std::string_view body) {
  if (auto parsed = parseJson(body)) {
    std::string message = text(*parsed, "message");
    if (!message.empty()) return message;
  }
  std::string raw(body.substr(0, 300));
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.pop_back();
  return raw.empty() ? "(no message)" : raw;
}

std::optional<std::chrono::system_clock::time_point> parseDockerTime(std::string_view value) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  bool ok = value.size() >= 20 && value[4] == '-' && value[7] == '-' && value[10] == 'T' && value[13] == ':' &&
            value[16] == ':';
  if (!ok) return std::nullopt;
  std::tm parts{};
  parts.tm_year = digits(value, 0, 4, ok) - 1900;
  parts.tm_mon = digits(value, 5, 2, ok) - 1;
  parts.tm_mday = digits(value, 8, 2, ok);
  parts.tm_hour = digits(value, 11, 2, ok);
  parts.tm_min = digits(value, 14, 2, ok);
  parts.tm_sec = digits(value, 17, 2, ok);
  if (!ok || parts.tm_year + 1900 <= 1) return std::nullopt;
  std::size_t at = 19;
  std::int64_t nanos = 0;
  if (at < value.size() && value[at] == '.') {
    ++at;
    int scale = 0;
    while (at < value.size() && value[at] >= '0' && value[at] <= '9') {
      if (scale < 9) {
        nanos = nanos * 10 + (value[at] - '0');
        ++scale;
      }
      ++at;
    }
    for (; scale < 9; ++scale) nanos *= 10;
  }
  long offsetSeconds = 0;
  if (at < value.size() && (value[at] == '+' || value[at] == '-')) {
    int sign = value[at] == '-' ? -1 : 1;
    int hours = digits(value, at + 1, 2, ok);
    int minutes = digits(value, at + 4, 2, ok);
    if (!ok) return std::nullopt;
    offsetSeconds = sign * (hours * 3600L + minutes * 60L);
  } else if (at >= value.size() || value[at] != 'Z') {
    return std::nullopt;
  }
  std::time_t seconds = timegm(&parts) - offsetSeconds;
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(seconds) +
                                                                      std::chrono::nanoseconds(nanos)));
}

std::string healthOfAction(std::string_view action) {
  constexpr std::string_view kPrefix = "health_status:";
  if (action.substr(0, kPrefix.size()) != kPrefix) return "";
  std::string_view rest = action.substr(kPrefix.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return std::string(rest);
}

Result<VersionInfo> parseVersion(std::string_view body) {
  auto parsed = parseJson(body);
  if (!parsed || !parsed->is_object()) return malformed("version answer", body);
  VersionInfo info;
  info.version = text(*parsed, "Version");
  info.apiVersion = text(*parsed, "ApiVersion");
  info.minApiVersion = text(*parsed, "MinAPIVersion");
  info.os = text(*parsed, "Os");
  info.arch = text(*parsed, "Arch");
  if (info.apiVersion.empty()) return malformed("version answer (no ApiVersion)", body);
  return info;
}

Result<std::vector<ContainerSummary>> parseContainerList(std::string_view body) {
  auto parsed = parseJson(body);
  if (!parsed || !parsed->is_array()) return malformed("container list", body);
  std::vector<ContainerSummary> containers;
  for (const auto& item : *parsed) {
    ContainerSummary summary;
    summary.id = text(item, "Id");
    if (summary.id.empty()) continue;
    if (const json* names = field(item, "Names"); names && names->is_array() && !names->empty() &&
                                                  names->front().is_string()) {
      summary.name = withoutSlash(names->front().get<std::string>());
    }
    summary.image = text(item, "Image");
    summary.state = text(item, "State");
    summary.status = text(item, "Status");
    summary.labels = stringMap(item, "Labels");
    containers.push_back(std::move(summary));
  }
  return containers;
}

Result<ContainerInfo> parseContainerInfo(std::string_view body) {
  auto parsed = parseJson(body);
  if (!parsed || !parsed->is_object()) return malformed("container inspection", body);
  ContainerInfo info;
  info.id = text(*parsed, "Id");
  if (info.id.empty()) return malformed("container inspection (no Id)", body);
  info.name = withoutSlash(text(*parsed, "Name"));
  info.imageId = text(*parsed, "Image");
  info.restartCount = static_cast<int>(number(*parsed, "RestartCount"));
  if (const json* config = field(*parsed, "Config")) {
    info.image = text(*config, "Image");
    info.labels = stringMap(*config, "Labels");
  }
  if (const json* state = field(*parsed, "State")) {
    ContainerState& out = info.state;
    out.status = text(*state, "Status");
    out.oomKilled = flag(*state, "OOMKilled");
    out.pid = static_cast<int>(number(*state, "Pid"));
    out.exitCode = static_cast<int>(number(*state, "ExitCode"));
    out.error = text(*state, "Error");
    out.startedAt = parseDockerTime(text(*state, "StartedAt"));
    out.finishedAt = parseDockerTime(text(*state, "FinishedAt"));
    out.health = "none";
    if (const json* health = field(*state, "Health")) {
      std::string status = text(*health, "Status");
      if (!status.empty()) out.health = status;
      out.failingStreak = static_cast<int>(number(*health, "FailingStreak"));
      if (const json* log = field(*health, "Log"); log && log->is_array() && !log->empty()) {
        out.lastHealthOutput = text(log->back(), "Output");
      }
    }
  }
  return info;
}

Result<ImageInfo> parseImageInfo(std::string_view body) {
  auto parsed = parseJson(body);
  if (!parsed || !parsed->is_object()) return malformed("image inspection", body);
  ImageInfo info;
  info.id = text(*parsed, "Id");
  if (const json* tags = field(*parsed, "RepoTags"); tags && tags->is_array()) {
    for (const auto& tag : *tags) {
      if (tag.is_string()) info.repoTags.push_back(tag.get<std::string>());
    }
  }
  return info;
}

Result<NetworkInfo> parseNetworkInfo(std::string_view body) {
  auto parsed = parseJson(body);
  if (!parsed || !parsed->is_object()) return malformed("network inspection", body);
  return NetworkInfo{text(*parsed, "Id"), text(*parsed, "Name"), text(*parsed, "Driver"), stringMap(*parsed, "Labels")};
}

Result<VolumeInfo> parseVolumeInfo(std::string_view body) {
  auto parsed = parseJson(body);
  if (!parsed || !parsed->is_object()) return malformed("volume inspection", body);
  return VolumeInfo{text(*parsed, "Name"), text(*parsed, "Mountpoint"), stringMap(*parsed, "Labels")};
}

Result<Event> parseEvent(std::string_view line) {
  auto parsed = parseJson(line);
  if (!parsed || !parsed->is_object()) return malformed("event", line);
  Event event;
  event.type = text(*parsed, "Type");
  event.action = text(*parsed, "Action");
  if (const json* actor = field(*parsed, "Actor")) {
    event.actorId = text(*actor, "ID");
    event.attributes = stringMap(*actor, "Attributes");
  }
  event.timeNano = number(*parsed, "timeNano");
  if (event.timeNano == 0) event.timeNano = number(*parsed, "time") * 1'000'000'000;
  if (event.action.empty()) return malformed("event (no Action)", line);
  return event;
}

Result<std::string> parseCreatedId(std::string_view body) {
  auto parsed = parseJson(body);
  std::string id = parsed ? text(*parsed, "Id") : std::string();
  if (id.empty()) return malformed("create answer", body);
  return id;
}

Result<ExecInfo> parseExecInfo(std::string_view body) {
  auto parsed = parseJson(body);
  if (!parsed || !parsed->is_object()) return malformed("exec inspection", body);
  ExecInfo info;
  info.id = text(*parsed, "ID");
  if (info.id.empty()) return malformed("exec inspection (no ID)", body);
  info.containerId = text(*parsed, "ContainerID");
  info.running = flag(*parsed, "Running");
  info.pid = static_cast<int>(number(*parsed, "Pid"));
  if (const json* code = field(*parsed, "ExitCode")) {
    if (!code->is_number_integer()) return malformed("exec inspection (ExitCode is not a number)", body);
    info.exitCode = code->get<int>();
  }
  return info;
}

Result<int> parseWaitStatus(std::string_view body) {
  auto parsed = parseJson(body);
  if (!parsed || !parsed->is_object() || !field(*parsed, "StatusCode")) return malformed("wait answer", body);
  if (const json* error = field(*parsed, "Error")) {
    std::string message = text(*error, "Message");
    if (!message.empty()) return makeError(ErrorCode::kFailed, "waiting for the container failed: " + message);
  }
  return static_cast<int>(number(*parsed, "StatusCode"));
}

Result<PullProgress> parseProgressLine(std::string_view line) {
  auto parsed = parseJson(line);
  if (!parsed || !parsed->is_object()) return malformed("progress line", line);
  std::string error = text(*parsed, "error");
  if (const json* detail = field(*parsed, "errorDetail"); detail && error.empty()) error = text(*detail, "message");
  if (!error.empty()) return makeError(ErrorCode::kFailed, error);
  PullProgress progress;
  progress.status = text(*parsed, "status");
  if (progress.status.empty()) progress.status = text(*parsed, "stream");
  progress.layerId = text(*parsed, "id");
  if (const json* detail = field(*parsed, "progressDetail")) {
    progress.current = number(*detail, "current");
    progress.total = number(*detail, "total");
  }
  return progress;
}

}  // namespace cairn::docker
