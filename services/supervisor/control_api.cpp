#include "services/supervisor/control_api.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/URI.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/socket.h>

#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "appliance/host/files.hpp"
#include "appliance/metrics/metrics.hpp"
#include "services/docker/parse.hpp"

namespace cairn::supervisor {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

std::vector<std::string> pathParts(const std::string& path) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(path);
  while (std::getline(in, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

void sendJson(HTTPServerResponse& response, int status, const nlohmann::json& body) {
  response.setStatus(static_cast<HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json");
  std::string text = body.dump() + "\n";
  response.setContentLength(static_cast<std::streamsize>(text.size()));
  response.send() << text;
}

void sendError(HTTPServerResponse& response, int status, const std::string& message) {
  sendJson(response, status, {{"error", message}});
}

std::map<std::string, std::string> queryOf(const std::string& uri) {
  std::map<std::string, std::string> query;
  try {
    for (const auto& [name, value] : Poco::URI(uri).getQueryParameters()) query[name] = value;
  } catch (const Poco::Exception&) {
  }
  return query;
}

// One container's log, followed in rounds of a second, each resuming after the last line sent
// (by its timestamp) so that no line is sent twice.
class FollowedLog {
 public:
  FollowedLog(std::string name, docker::LogOptions options) : name_(std::move(name)), options_(std::move(options)) {
    options_.follow = true;
    options_.timestamps = true;
    options_.followTimeout = std::chrono::seconds(1);
  }

  // Sends each complete line (without its timestamp) to `emit` (false: stop). Success when
  // Docker ended the stream (the container stopped), kTimeout when the round is over.
  Status round(docker::DockerClient& docker, const std::function<bool(const std::string&)>& emit) {
    auto roundStart = std::chrono::system_clock::now();
    auto streamed = docker.containerLogs(name_, options_, [&](const docker::LogChunk& chunk) {
      partial_ += chunk.text;
      std::size_t end;
      while ((end = partial_.find('\n')) != std::string::npos) {
        auto [timestamp, text] = splitLogTimestamp(partial_.substr(0, end));
        partial_.erase(0, end + 1);
        auto time = docker::parseDockerTime(timestamp);
        if (time && lastLine_ && *time <= *lastLine_) continue;  // already sent in an earlier round
        if (time) lastLine_ = time;
        if (!emit(text)) return false;
      }
      return true;
    });
    options_.tail = -1;
    options_.since = sinceOf(lastLine_ ? *lastLine_ : roundStart);
    return streamed;
  }

 private:
  std::string name_;
  docker::LogOptions options_;
  std::optional<std::chrono::system_clock::time_point> lastLine_;
  std::string partial_;
};

class ApiHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  ApiHandler(Supervisor& supervisor, HttpClientFactory& factory, bool metricsOnly,
             std::shared_ptr<std::atomic<bool>> stopping)
      : supervisor_(supervisor), factory_(factory), metricsOnly_(metricsOnly), stopping_(std::move(stopping)) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    std::string path = request.getURI().substr(0, request.getURI().find('?'));
    Route route = routeOf(request.getMethod(), path);
    if (metricsOnly_ && route.kind != RouteKind::kMetrics) route.kind = RouteKind::kNotFound;
    switch (route.kind) {
      case RouteKind::kStatus: sendJson(response, 200, toJson(supervisor_.status())); return;
      case RouteKind::kMetrics: {
        std::string text = supervisor_.metricsText();
        if (metrics::acceptsGzip(request.get("Accept-Encoding", ""))) {
          text = metrics::gzip(text);
          response.set("Content-Encoding", "gzip");
        }
        response.setContentType(metrics::kTextContentType);
        response.setContentLength(static_cast<std::streamsize>(text.size()));
        response.send() << text;
        return;
      }
      case RouteKind::kReconcile: reply(response, supervisor_.requestReconcile(), 202); return;
      case RouteKind::kUp: reply(response, supervisor_.up(), 202); return;
      case RouteKind::kDown: reply(response, supervisor_.down(), 200); return;
      case RouteKind::kServiceAction: {
        Status result = route.action == "restart" ? supervisor_.restartService(route.service)
                        : route.action == "stop"  ? supervisor_.stopService(route.service)
                                                  : supervisor_.startService(route.service);
        reply(response, result, 200);
        return;
      }
      case RouteKind::kLogs: logs(route.service, request, response); return;
      case RouteKind::kNotFound: sendError(response, 404, "no such endpoint: " + request.getMethod() + " " + path); return;
    }
  }

 private:
  void reply(HTTPServerResponse& response, const Status& result, int okStatus) {
    if (result) {
      sendJson(response, okStatus, {{"ok", true}});
    } else {
      sendError(response, httpStatusOf(result.error()), result.error().message);
    }
  }

  void logs(const std::string& service, HTTPServerRequest& request, HTTPServerResponse& response) {
    auto containers = supervisor_.containersOf(service);
    if (!containers) return sendError(response, 404, containers.error().message);
    auto query = queryOf(request.getURI());
    docker::LogOptions options;
    options.follow = query["follow"] == "1" || query["follow"] == "true";
    if (!query["tail"].empty()) {
      try {
        options.tail = std::stoi(query["tail"]);
      } catch (const std::exception&) {
        return sendError(response, 400, "tail must be a number, not \"" + query["tail"] + "\"");
      }
    }
    std::vector<std::string> names = containers.value();
    if (!query["container"].empty()) {
      if (std::find(names.begin(), names.end(), query["container"]) == names.end()) {
        return sendError(response, 404, "service " + service + " has no container " + query["container"]);
      }
      names = {query["container"]};
    }
    if (options.follow && names.size() > 1) return followAll(names, options, request, response);
    auto http = factory_();
    docker::DockerClient docker(*http, supervisor_.dockerSocket(), supervisor_.apiVersion());
    response.setChunkedTransferEncoding(true);
    response.setContentType("text/plain; charset=utf-8");
    std::ostream& out = response.send();
    for (const auto& name : names) {
      std::string prefix = names.size() > 1 ? name + " | " : "";
      auto streamed = options.follow ? follow(docker, name, options, out) : copyLogs(docker, name, options, prefix, out);
      if (!streamed && out.good()) out << "[cairn-supervisord: " << streamed.error().message << "]\n";
    }
  }

  static Status copyLogs(docker::DockerClient& docker, const std::string& name, const docker::LogOptions& options,
                         const std::string& prefix, std::ostream& out) {
    bool atLineStart = true;
    return docker.containerLogs(name, options, [&](const docker::LogChunk& chunk) {
      for (char c : chunk.text) {
        if (atLineStart) out << prefix;
        out << c;
        atLineStart = c == '\n';
      }
      out.flush();
      return out.good();
    });
  }

  // Follows in rounds of a second so that a stopping server never waits on a quiet container;
  // ends when the container stops (Docker ends the stream).
  Status follow(docker::DockerClient& docker, const std::string& name, const docker::LogOptions& options, std::ostream& out) {
    FollowedLog log(name, options);
    while (!stopping_->load() && out.good()) {
      auto streamed = log.round(docker, [&](const std::string& line) {
        out << line << "\n";
        out.flush();
        return out.good() && !stopping_->load();
      });
      if (streamed) return {};
      if (streamed.error().code != ErrorCode::kTimeout) return streamed;
    }
    return {};
  }

  // Follows several containers at once, one thread each; every line goes out whole, prefixed
  // with its container's name, so the lines of one container keep their order. Unlike a single
  // container's follow, a container that stops (or is recreated) is followed again when it
  // returns: the stream ends only when the client goes away or the supervisor stops.
  void followAll(const std::vector<std::string>& names, const docker::LogOptions& options, HTTPServerRequest& request,
                 HTTPServerResponse& response) {
    response.setChunkedTransferEncoding(true);
    response.setContentType("text/plain; charset=utf-8");
    std::ostream& out = response.send();
    out.flush();
    std::mutex writing;
    std::atomic<bool> done{false};
    auto writeLine = [&](const std::string& line) {
      std::lock_guard<std::mutex> lock(writing);
      if (!out.good()) return false;
      out << line << "\n";
      out.flush();
      return out.good();
    };
    std::vector<std::thread> followers;
    for (const auto& name : names) {
      followers.emplace_back([&, name] { followUntilDone(name, options, writeLine, done); });
    }
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      bool outGood;
      {
        std::lock_guard<std::mutex> lock(writing);
        outGood = out.good();
      }
      if (stopping_->load() || !outGood || clientGone(request)) done = true;
    }
    for (auto& follower : followers) follower.join();
  }

  void followUntilDone(const std::string& name, const docker::LogOptions& options,
                       const std::function<bool(const std::string&)>& writeLine, const std::atomic<bool>& done) {
    auto http = factory_();
    docker::DockerClient docker(*http, supervisor_.dockerSocket(), supervisor_.apiVersion());
    FollowedLog log(name, options);
    const std::string prefix = name + " | ";
    std::string lastError;
    while (!done) {
      auto streamed = log.round(docker, [&](const std::string& line) { return writeLine(prefix + line) && !done.load(); });
      if (!streamed && streamed.error().code == ErrorCode::kTimeout) continue;
      if (!streamed && streamed.error().message != lastError) {
        lastError = streamed.error().message;
        writeLine(prefix + "[cairn-supervisord: " + lastError + "]");
      }
      if (streamed) lastError.clear();
      // Stopped or missing: look again in a second.
      for (int i = 0; i < 10 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // The client closed its end: the socket reads as end-of-file.
  static bool clientGone(HTTPServerRequest& request) {
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
    if (!impl) return false;
    char byte;
    return ::recv(impl->socket().impl()->sockfd(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }

  Supervisor& supervisor_;
  HttpClientFactory& factory_;
  bool metricsOnly_;
  std::shared_ptr<std::atomic<bool>> stopping_;
};

class ApiHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  ApiHandlerFactory(Supervisor& supervisor, HttpClientFactory& factory, bool metricsOnly,
                    std::shared_ptr<std::atomic<bool>> stopping)
      : supervisor_(supervisor), factory_(factory), metricsOnly_(metricsOnly), stopping_(std::move(stopping)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new ApiHandler(supervisor_, factory_, metricsOnly_, stopping_);
  }

 private:
  Supervisor& supervisor_;
  HttpClientFactory& factory_;
  bool metricsOnly_;
  std::shared_ptr<std::atomic<bool>> stopping_;
};

Poco::Net::HTTPServerParams::Ptr serverParams(int threads) {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(64);
  params->setKeepAlive(false);
  return params;
}

}  // namespace

std::pair<std::string, std::string> splitLogTimestamp(const std::string& line) {
  std::size_t space = line.find(' ');
  if (space == std::string::npos || space < 20 || line[4] != '-' || line[10] != 'T') return {"", line};
  return {line.substr(0, space), line.substr(space + 1)};
}

std::string sinceOf(std::chrono::system_clock::time_point time) {
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  std::string fraction = std::to_string(nanos % 1'000'000'000);
  return std::to_string(nanos / 1'000'000'000) + "." + std::string(9 - fraction.size(), '0') + fraction;
}

Route routeOf(const std::string& method, const std::string& path) {
  auto parts = pathParts(path);
  Route route;
  if (parts.size() == 1 && parts[0] == "metrics" && method == "GET") route.kind = RouteKind::kMetrics;
  if (parts.size() < 2 || parts[0] != "v1") return route;
  if (parts.size() == 2) {
    if (parts[1] == "status" && method == "GET") route.kind = RouteKind::kStatus;
    if (parts[1] == "reconcile" && method == "POST") route.kind = RouteKind::kReconcile;
    if (parts[1] == "up" && method == "POST") route.kind = RouteKind::kUp;
    if (parts[1] == "down" && method == "POST") route.kind = RouteKind::kDown;
    return route;
  }
  if (parts.size() == 4 && parts[1] == "services") {
    route.service = parts[2];
    if (method == "GET" && parts[3] == "logs") {
      route.kind = RouteKind::kLogs;
    } else if (method == "POST" && (parts[3] == "restart" || parts[3] == "stop" || parts[3] == "start")) {
      route.kind = RouteKind::kServiceAction;
      route.action = parts[3];
    }
  }
  return route;
}

int httpStatusOf(const Error& error) {
  switch (error.code) {
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kInvalidInput: return 400;
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout: return 503;
    case ErrorCode::kConflict: return 409;
    default: return 500;
  }
}

ControlServer::ControlServer(Supervisor& supervisor, HttpClientFactory httpFactory)
    : supervisor_(supervisor), httpFactory_(std::move(httpFactory)) {}

ControlServer::~ControlServer() { stop(); }

void ControlServer::listenUnix(const std::string& path) {
  if (auto made = host::makeDirectories(host::parentDirectory(path), 0755); !made) {
    throw std::runtime_error("cannot create the directory of " + path + ": " + made.error().message);
  }
  ::unlink(path.c_str());
  try {
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path), false);
    socket.listen(64);
    ::chmod(path.c_str(), 0660);
    control_ = std::make_unique<Poco::Net::HTTPServer>(new ApiHandlerFactory(supervisor_, httpFactory_, false, stopping_), socket,
                                                       serverParams(8));
    control_->start();
    socketPath_ = path;
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("cannot listen on " + path + ": " + error.displayText());
  }
}

void ControlServer::listenMetrics(const std::string& addressAndPort) {
  try {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(addressAndPort), 64);
    metricsPort_ = socket.address().port();
    metrics_ = std::make_unique<Poco::Net::HTTPServer>(new ApiHandlerFactory(supervisor_, httpFactory_, true, stopping_), socket,
                                                       serverParams(2));
    metrics_->start();
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("cannot listen for metrics on " + addressAndPort + ": " + error.displayText());
  }
}

void ControlServer::stop() {
  stopping_->store(true);
  if (control_) {
    control_->stopAll(true);
    control_.reset();
    ::unlink(socketPath_.c_str());
  }
  if (metrics_) {
    metrics_->stopAll(true);
    metrics_.reset();
  }
}

}  // namespace cairn::supervisor
