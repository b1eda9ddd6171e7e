#include "services/docker/docker_client.hpp"

#include <algorithm>
#include <thread>

#include "services/docker/parse.hpp"
#include "services/docker/streams.hpp"

namespace cairn::docker {
namespace {

bool isSuccess(int status) { return status >= 200 && status < 300; }

// Collects the first bytes of a streamed body so that an error answer can still be reported.
struct StreamHead {
  std::string text;
  void keep(std::string_view chunk) {
    constexpr std::size_t kKept = 4096;
    if (text.size() < kKept) text.append(chunk.substr(0, kKept - text.size()));
  }
};

}  // namespace

Error dockerError(const std::string& what, int status, std::string_view body) {
  ErrorCode code = ErrorCode::kFailed;
  if (status == 404) code = ErrorCode::kNotFound;
  else if (status == 409) code = ErrorCode::kConflict;
  else if (status == 400) code = ErrorCode::kInvalidInput;
  else if (status == 401 || status == 403) code = ErrorCode::kPermission;
  else if (status >= 500) code = ErrorCode::kUnavailable;
  return makeError(code, what + ": " + std::to_string(status) + ": " + errorMessageOf(body));
}

std::string encodeFilters(const std::map<std::string, std::vector<std::string>>& filters) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, values] : filters) object[name] = values;
  return host::urlEncode(object.dump());
}

std::pair<std::string, std::string> splitImageReference(const std::string& reference) {
  std::string name = reference;
  if (auto at = name.find('@'); at != std::string::npos) return {name.substr(0, at), name.substr(at + 1)};
  std::size_t colon = name.rfind(':');
  std::size_t slash = name.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {name, "latest"};
  return {name.substr(0, colon), name.substr(colon + 1)};
}

DockerClient::DockerClient(host::HttpClient& http, std::string socketPath, ApiVersion version)
    : http_(http), socket_(std::move(socketPath)), version_(version) {}

host::HttpRequest DockerClient::request(const std::string& method, const std::string& pathAndQuery) const {
  host::HttpRequest out;
  out.method = method;
  out.unixSocket = socket_;
  out.url = "http://docker/v" + version_.text() + pathAndQuery;
  return out;
}

Result<host::HttpResponse> DockerClient::send(const std::string& method, const std::string& pathAndQuery,
                                              const std::string& body, std::chrono::milliseconds timeout) {
  host::HttpRequest out = request(method, pathAndQuery);
  out.body = body;
  out.timeout = timeout;
  if (!body.empty()) out.headers.emplace_back("Content-Type", "application/json");
  auto response = http_.send(out);
  if (!response) {
    return makeError(response.error().code, "Docker at " + socket_ + " (" + method + " " + pathAndQuery +
                                                "): " + response.error().message);
  }
  return response;
}

Result<ApiVersion> DockerClient::negotiate() {
  host::HttpRequest ping;
  ping.unixSocket = socket_;
  ping.url = "http://docker/_ping";
  ping.timeout = std::chrono::seconds(5);
  auto response = http_.send(ping);
  if (!response) return makeError(response.error().code, "Docker at " + socket_ + " does not answer: " + response.error().message);
  if (!isSuccess(response.value().status)) return dockerError("GET /_ping", response.value().status, response.value().body);
  auto negotiated = negotiateApiVersion(response.value().header("api-version"));
  if (negotiated) version_ = negotiated.value();
  return negotiated;
}

Result<VersionInfo> DockerClient::daemonVersion() {
  auto response = send("GET", "/version");
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) return dockerError("GET /version", response.value().status, response.value().body);
  return parseVersion(response.value().body);
}

Result<std::vector<ContainerSummary>> DockerClient::listContainers(
    const std::map<std::string, std::vector<std::string>>& filters, bool all) {
  std::string path = std::string("/containers/json?all=") + (all ? "true" : "false");
  if (!filters.empty()) path += "&filters=" + encodeFilters(filters);
  auto response = send("GET", path);
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) return dockerError("GET /containers/json", response.value().status, response.value().body);
  return parseContainerList(response.value().body);
}

Result<ContainerInfo> DockerClient::inspectContainer(const std::string& idOrName) {
  std::string path = "/containers/" + host::urlEncode(idOrName) + "/json";
  auto response = send("GET", path);
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) return dockerError("GET " + path, response.value().status, response.value().body);
  return parseContainerInfo(response.value().body);
}

Result<std::string> DockerClient::createContainer(const std::string& name, const nlohmann::json& body) {
  auto response = send("POST", "/containers/create?name=" + host::urlEncode(name), body.dump());
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) {
    return dockerError("creating container " + name, response.value().status, response.value().body);
  }
  return parseCreatedId(response.value().body);
}

Status DockerClient::startContainer(const std::string& idOrName) {
  auto response = send("POST", "/containers/" + host::urlEncode(idOrName) + "/start");
  if (!response) return response.error();
  int status = response.value().status;
  if (isSuccess(status) || status == 304) return {};
  return dockerError("starting container " + idOrName, status, response.value().body);
}

Status DockerClient::stopContainer(const std::string& idOrName, int timeoutSeconds) {
  auto response = send("POST", "/containers/" + host::urlEncode(idOrName) + "/stop?t=" + std::to_string(timeoutSeconds), "",
                       std::chrono::seconds(timeoutSeconds + 30));
  if (!response) return response.error();
  int status = response.value().status;
  if (isSuccess(status) || status == 304) return {};
  return dockerError("stopping container " + idOrName, status, response.value().body);
}

Status DockerClient::killContainer(const std::string& idOrName, const std::string& signal) {
  auto response = send("POST", "/containers/" + host::urlEncode(idOrName) + "/kill?signal=" + host::urlEncode(signal));
  if (!response) return response.error();
  if (isSuccess(response.value().status)) return {};
  return dockerError("killing container " + idOrName, response.value().status, response.value().body);
}

Status DockerClient::removeContainer(const std::string& idOrName, bool force) {
  // v=false: anonymous volumes survive too; cairn never removes data.
  auto response = send("DELETE", "/containers/" + host::urlEncode(idOrName) + "?v=false&force=" + (force ? "true" : "false"),
                       "", std::chrono::seconds(60));
  if (!response) return response.error();
  if (isSuccess(response.value().status)) return {};
  return dockerError("removing container " + idOrName, response.value().status, response.value().body);
}

Result<int> DockerClient::waitContainer(const std::string& idOrName, const std::string& condition) {
  auto response = send("POST", "/containers/" + host::urlEncode(idOrName) + "/wait?condition=" + host::urlEncode(condition),
                       "", std::chrono::milliseconds(0));
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) {
    return dockerError("waiting for container " + idOrName, response.value().status, response.value().body);
  }
  return parseWaitStatus(response.value().body);
}

Status DockerClient::containerLogs(const std::string& idOrName, const LogOptions& options,
                                   const std::function<bool(const LogChunk&)>& onChunk) {
  std::string path = "/containers/" + host::urlEncode(idOrName) + "/logs?stdout=1&stderr=1";
  path += "&follow=" + std::string(options.follow ? "1" : "0");
  path += "&timestamps=" + std::string(options.timestamps ? "1" : "0");
  path += "&tail=" + (options.tail < 0 ? std::string("all") : std::to_string(options.tail));
  if (!options.since.empty()) path += "&since=" + host::urlEncode(options.since);
  host::HttpRequest out = request("GET", path);
  out.timeout = options.follow ? options.followTimeout : std::chrono::milliseconds(60'000);

  StreamHead head;
  LogFrameDecoder frames;
  bool raw = options.tty;
  bool sawHeader = false;
  bool stoppedByReader = false;
  auto response = http_.stream(out, [&](std::string_view chunk) {
    head.keep(chunk);
    if (!sawHeader) {
      sawHeader = true;
      // From 1.42 the content type says which framing is used; before, only the TTY flag does.
      // An error answer is JSON and is reported after the stream.
      if (!raw && !chunk.empty() && chunk.front() == '{') return true;
    }
    bool keepGoing = raw ? onChunk(LogChunk{LogStream::kStdout, std::string(chunk)}) : frames.feed(chunk, onChunk);
    if (!keepGoing) stoppedByReader = true;
    return keepGoing;
  });
  if (!response) {
    if (stoppedByReader) return {};
    return makeError(response.error().code, "logs of " + idOrName + ": " + response.error().message);
  }
  if (!isSuccess(response.value().status)) return dockerError("logs of " + idOrName, response.value().status, head.text);
  return {};
}

Result<std::string> DockerClient::createExec(const std::string& container, const ExecSpec& spec) {
  nlohmann::json body = {{"AttachStdin", false}, {"AttachStdout", true}, {"AttachStderr", true},
                         {"Tty", false},         {"Cmd", spec.argv}};
  if (!spec.user.empty()) body["User"] = spec.user;
  if (!spec.env.empty()) body["Env"] = spec.env;
  auto response = send("POST", "/containers/" + host::urlEncode(container) + "/exec", body.dump());
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) {
    return dockerError("exec in container " + container, response.value().status, response.value().body);
  }
  return parseCreatedId(response.value().body);
}

Status DockerClient::startExec(const std::string& execId, std::chrono::milliseconds timeout,
                               const std::function<bool(const LogChunk&)>& onChunk) {
  host::HttpRequest out = request("POST", "/exec/" + host::urlEncode(execId) + "/start");
  out.body = nlohmann::json{{"Detach", false}, {"Tty", false}}.dump();
  out.headers.emplace_back("Content-Type", "application/json");
  out.timeout = timeout;
  StreamHead head;
  LogFrameDecoder frames;
  bool framed = true;
  bool sawData = false;
  bool stoppedByReader = false;
  auto response = http_.stream(out, [&](std::string_view chunk) {
    head.keep(chunk);
    if (!sawData && !chunk.empty()) {
      sawData = true;
      // A frame starts with its stream number (0-2); an error answer is JSON.
      framed = static_cast<unsigned char>(chunk.front()) <= 2;
    }
    if (!framed) return true;
    bool keepGoing = frames.feed(chunk, onChunk);
    if (!keepGoing) stoppedByReader = true;
    return keepGoing;
  });
  if (!response) {
    if (stoppedByReader) return {};
    return makeError(response.error().code, "exec " + execId + ": " + response.error().message);
  }
  if (!isSuccess(response.value().status)) return dockerError("starting exec " + execId, response.value().status, head.text);
  if (!framed) return makeError(ErrorCode::kInvalidInput, "exec " + execId + ": Docker sent unframed output: " + head.text.substr(0, 200));
  return {};
}

Result<ExecInfo> DockerClient::inspectExec(const std::string& execId) {
  std::string path = "/exec/" + host::urlEncode(execId) + "/json";
  auto response = send("GET", path);
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) return dockerError("GET " + path, response.value().status, response.value().body);
  return parseExecInfo(response.value().body);
}

Result<ExecResult> DockerClient::runExec(const std::string& container, const ExecSpec& spec, const ExecLimits& limits) {
  auto id = createExec(container, spec);
  if (!id) return id.error();
  ExecResult result;
  auto started = startExec(id.value(), limits.timeout, [&](const LogChunk& chunk) {
    result.output += chunk.text;
    if (result.output.size() > limits.keptOutputBytes) {
      result.output.erase(0, result.output.size() - limits.keptOutputBytes);
      result.outputTruncated = true;
    }
    return true;
  });
  if (!started) return started.error();
  auto pause = std::chrono::milliseconds(10);
  auto waited = std::chrono::milliseconds(0);
  while (true) {
    auto info = inspectExec(id.value());
    if (!info) return info.error();
    if (!info.value().running && info.value().exitCode) {
      result.exitCode = *info.value().exitCode;
      return result;
    }
    if (waited >= limits.exitCodeWait) break;
    std::this_thread::sleep_for(pause);
    waited += pause;
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
  return makeError(ErrorCode::kTimeout, "exec " + id.value() + " in container " + container +
                                            ": the output ended but Docker reports no exit code");
}

Result<NetworkInfo> DockerClient::inspectNetwork(const std::string& name) {
  std::string path = "/networks/" + host::urlEncode(name);
  auto response = send("GET", path);
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) return dockerError("network " + name, response.value().status, response.value().body);
  return parseNetworkInfo(response.value().body);
}

Result<std::string> DockerClient::createNetwork(const std::string& name, const Labels& labels) {
  nlohmann::json body = {{"Name", name}, {"Driver", "bridge"}, {"Attachable", false}, {"Labels", labels}};
  // Before 1.44 a duplicate name is only refused when asked to.
  if (!version_.atLeast(1, 44)) body["CheckDuplicate"] = true;
  auto response = send("POST", "/networks/create", body.dump());
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) return dockerError("creating network " + name, response.value().status, response.value().body);
  return parseCreatedId(response.value().body);
}

Result<VolumeInfo> DockerClient::inspectVolume(const std::string& name) {
  auto response = send("GET", "/volumes/" + host::urlEncode(name));
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) return dockerError("volume " + name, response.value().status, response.value().body);
  return parseVolumeInfo(response.value().body);
}

Result<VolumeInfo> DockerClient::createVolume(const std::string& name, const Labels& labels) {
  nlohmann::json body = {{"Name", name}, {"Driver", "local"}, {"Labels", labels}};
  auto response = send("POST", "/volumes/create", body.dump());
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) return dockerError("creating volume " + name, response.value().status, response.value().body);
  return parseVolumeInfo(response.value().body);
}

Result<ImageInfo> DockerClient::inspectImage(const std::string& reference) {
  auto response = send("GET", "/images/" + reference + "/json");
  if (!response) return response.error();
  if (!isSuccess(response.value().status)) return dockerError("image " + reference, response.value().status, response.value().body);
  return parseImageInfo(response.value().body);
}

Status DockerClient::pullImage(const std::string& reference, const std::function<void(const PullProgress&)>& onProgress) {
  auto [repository, tag] = splitImageReference(reference);
  std::string path = "/images/create?fromImage=" + host::urlEncode(repository) + "&tag=" + host::urlEncode(tag);
  host::HttpRequest out = request("POST", path);
  out.timeout = std::chrono::milliseconds(0);
  StreamHead head;
  LineSplitter lines;
  std::optional<Error> streamError;
  auto response = http_.stream(out, [&](std::string_view chunk) {
    head.keep(chunk);
    // Read to the end even after an error line: closing early can cancel the pull.
    lines.feed(chunk, [&](std::string_view line) {
      auto progress = parseProgressLine(line);
      if (!progress) {
        if (!streamError && progress.error().code == ErrorCode::kFailed) streamError = progress.error();
      } else if (onProgress) {
        onProgress(progress.value());
      }
      return true;
    });
    return true;
  });
  if (!response) return makeError(response.error().code, "pulling " + reference + ": " + response.error().message);
  if (!isSuccess(response.value().status)) return dockerError("pulling " + reference, response.value().status, head.text);
  if (!lines.rest().empty()) {
    auto last = parseProgressLine(lines.rest());
    if (!last && last.error().code == ErrorCode::kFailed && !streamError) streamError = last.error();
  }
  if (streamError) return makeError(ErrorCode::kFailed, "pulling " + reference + ": " + streamError->message);
  return {};
}

Status DockerClient::loadImage(const std::string& tarball) {
  host::HttpRequest out = request("POST", "/images/load?quiet=1");
  out.body = tarball;
  out.timeout = std::chrono::minutes(10);
  out.headers.emplace_back("Content-Type", "application/x-tar");
  auto response = http_.send(out);
  if (!response) return makeError(response.error().code, "loading an image: " + response.error().message);
  if (!isSuccess(response.value().status)) return dockerError("loading an image", response.value().status, response.value().body);
  std::optional<Error> streamError;
  LineSplitter lines;
  lines.feed(response.value().body + "\n", [&](std::string_view line) {
    auto progress = parseProgressLine(line);
    if (!progress && progress.error().code == ErrorCode::kFailed) streamError = progress.error();
    return !streamError;
  });
  if (streamError) return makeError(ErrorCode::kFailed, "loading an image: " + streamError->message);
  return {};
}

Status DockerClient::events(const EventFilter& filter, const std::function<bool(const Event&)>& onEvent) {
  std::map<std::string, std::vector<std::string>> filters;
  if (!filter.types.empty()) filters["type"] = filter.types;
  if (!filter.labels.empty()) filters["label"] = filter.labels;
  std::string path = "/events?filters=" + encodeFilters(filters);
  if (filter.sinceNano > 0) {
    std::string nanos = std::to_string(filter.sinceNano % 1'000'000'000);
    path += "&since=" + std::to_string(filter.sinceNano / 1'000'000'000) + "." + std::string(9 - nanos.size(), '0') + nanos;
  }
  host::HttpRequest out = request("GET", path);
  out.timeout = filter.timeout;
  StreamHead head;
  LineSplitter lines;
  bool stoppedByReader = false;
  auto response = http_.stream(out, [&](std::string_view chunk) {
    head.keep(chunk);
    bool keepGoing = lines.feed(chunk, [&](std::string_view line) {
      auto event = parseEvent(line);
      if (!event) return true;  // one malformed message does not end the stream
      return onEvent(event.value());
    });
    if (!keepGoing) stoppedByReader = true;
    return keepGoing;
  });
  if (!response) {
    if (stoppedByReader) return {};
    return makeError(response.error().code, "the event stream of " + socket_ + " broke: " + response.error().message);
  }
  if (!isSuccess(response.value().status)) return dockerError("GET /events", response.value().status, head.text);
  if (stoppedByReader) return {};
  return makeError(ErrorCode::kUnavailable, "the Docker daemon at " + socket_ + " closed the event stream");
}

}  // namespace cairn::docker
