#pragma once
// DockerClient: the Docker Engine API over a unix socket, through the HttpClient seam.
//
// Every call is one HTTP request on `http`; a DockerClient is therefore used by one thread at a
// time (give each thread its own HttpClient and DockerClient; they may share the negotiated
// ApiVersion). Errors come back as Error values whose message names the request, Docker's HTTP
// status and Docker's own message ("POST /containers/create: 409: Conflict. The container name
// ..."); codes: kNotFound (404), kConflict (409), kInvalidInput (400 or a malformed answer),
// kPermission (401/403), kUnavailable (5xx or the daemon unreachable), kTimeout, kFailed.
// 304 answers (start a running container, stop a stopped one) are successes.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/host/http_client.hpp"
#include "services/docker/api_version.hpp"
#include "services/docker/types.hpp"

namespace cairn::docker {

struct LogOptions {
  int tail = -1;  // last N lines; -1 = all
  bool follow = false;
  bool timestamps = false;
  bool tty = false;  // the container has a TTY: the body is raw, not multiplexed
  std::string since;  // only lines from this time on: unix seconds with an optional fraction
  // End a followed stream after this long (kTimeout; resume with `since`); 0 = never.
  std::chrono::milliseconds followTimeout{0};
};

struct ExecLimits {
  std::chrono::milliseconds timeout{60'000};  // for the command's output to end
  std::size_t keptOutputBytes = 64 * 1024;    // the end of the output is kept
  // The output can end a moment before Docker records the exit code: inspect for this long.
  std::chrono::milliseconds exitCodeWait{5'000};
};

// Events of one type, limited to containers carrying `labels` ("key=value" or "key").
struct EventFilter {
  std::vector<std::string> types{"container"};
  std::vector<std::string> labels;
  std::int64_t sinceNano = 0;  // replay what happened since then (0: only new events)
  std::chrono::milliseconds timeout{0};  // end the stream after this long (0: never); kTimeout then
};

class DockerClient {
 public:
  DockerClient(host::HttpClient& http, std::string socketPath, ApiVersion version = kMinimumApiVersion);

  // GET /_ping, then min(preferred, daemon max); refuses daemons older than API 1.41.
  // Changes version() on success.
  Result<ApiVersion> negotiate();
  ApiVersion version() const { return version_; }
  const std::string& socketPath() const { return socket_; }

  Result<VersionInfo> daemonVersion();

  // Containers. `filters` is Docker's map of filter name → values (label, name, status...).
  Result<std::vector<ContainerSummary>> listContainers(const std::map<std::string, std::vector<std::string>>& filters,
                                                       bool all = true);
  Result<ContainerInfo> inspectContainer(const std::string& idOrName);
  // `body` is Docker's create body (Config + HostConfig + NetworkingConfig). Returns the id.
  Result<std::string> createContainer(const std::string& name, const nlohmann::json& body);
  Status startContainer(const std::string& idOrName);
  Status stopContainer(const std::string& idOrName, int timeoutSeconds);
  Status killContainer(const std::string& idOrName, const std::string& signal = "KILL");
  Status removeContainer(const std::string& idOrName, bool force);
  // Blocks until the condition (not-running, next-exit, removed); returns the exit code.
  Result<int> waitContainer(const std::string& idOrName, const std::string& condition = "not-running");
  // Streams the demultiplexed log of a container to `onChunk` (return false to stop).
  Status containerLogs(const std::string& idOrName, const LogOptions& options,
                       const std::function<bool(const LogChunk&)>& onChunk);

  // Exec: a command inside a running container (stdout and stderr attached; no stdin, no TTY).
  // POST /containers/{id}/exec → the exec id; kConflict when the container is not running
  // (Docker's 409), kNotFound when there is no such container.
  Result<std::string> createExec(const std::string& container, const ExecSpec& spec);
  // POST /exec/{id}/start, attached: streams the demultiplexed output to `onChunk` (return false
  // to stop reading) until the command ends. kTimeout after `timeout`; the command then keeps
  // running inside the container (Docker cannot stop an exec).
  Status startExec(const std::string& execId, std::chrono::milliseconds timeout,
                   const std::function<bool(const LogChunk&)>& onChunk);
  Result<ExecInfo> inspectExec(const std::string& execId);
  // create + start + inspect: the exit code and the end of the output (see ExecLimits); kTimeout
  // when the command outlives limits.timeout or Docker records no exit code in time.
  Result<ExecResult> runExec(const std::string& container, const ExecSpec& spec, const ExecLimits& limits);

  // Networks and volumes (never removed by cairn, so there is no remove).
  Result<NetworkInfo> inspectNetwork(const std::string& name);
  Result<std::string> createNetwork(const std::string& name, const Labels& labels);
  Result<VolumeInfo> inspectVolume(const std::string& name);
  Result<VolumeInfo> createVolume(const std::string& name, const Labels& labels);

  // Images.
  Result<ImageInfo> inspectImage(const std::string& reference);
  // Pulls `reference` ("repo:tag"; a missing tag means "latest"). Errors reported inside the
  // 200 stream come back as kFailed with Docker's message.
  Status pullImage(const std::string& reference, const std::function<void(const PullProgress&)>& onProgress);
  // POST /images/load with a `docker save` tarball.
  Status loadImage(const std::string& tarball);

  // Streams events until `onEvent` returns false (success), the daemon closes the stream
  // (kUnavailable: it went away), or filter.timeout passes (kTimeout).
  Status events(const EventFilter& filter, const std::function<bool(const Event&)>& onEvent);

 private:
  host::HttpRequest request(const std::string& method, const std::string& pathAndQuery) const;
  Result<host::HttpResponse> send(const std::string& method, const std::string& pathAndQuery,
                                  const std::string& body = "", std::chrono::milliseconds timeout = std::chrono::seconds(30));

  host::HttpClient& http_;
  std::string socket_;
  ApiVersion version_;
};

// "POST /containers/x/start: 404: No such container: x" as an Error with the matching code.
Error dockerError(const std::string& what, int status, std::string_view body);

// Docker's filters query value: URL-encoded JSON of name → values.
std::string encodeFilters(const std::map<std::string, std::vector<std::string>>& filters);

// "repo:tag" → {"repo", "tag"} ("latest" when absent; a ":" inside a registry host:port is not a tag).
std::pair<std::string, std::string> splitImageReference(const std::string& reference);

}  // namespace cairn::docker
