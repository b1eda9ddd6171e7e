#pragma once
// The supervisor's control API: HTTP/JSON on a unix socket (/run/cairn/supervisor.sock), and
// its metrics on a loopback TCP port. Routes:
//   GET  /v1/status                          docker, reconcile and per-service status (JSON)
//   POST /v1/reconcile                       re-read containers.json and reconcile (202)
//   POST /v1/up                              release every hold and reconcile (202)
//   POST /v1/down                            stop everything in reverse order (200 when done)
//   POST /v1/services/NAME/{restart|stop|start}
//   GET  /v1/services/NAME/logs?tail=N&follow=1[&container=C]   text, streamed when following;
//        lines are prefixed "CONTAINER | " when the service has several containers. Following one
//        container ends when it stops; following several ends only when the client disconnects
//        or the server stops (a container that stops is picked up again when it returns).
//   GET  /metrics                            Prometheus text format (also on the TCP listener)
// Errors: JSON {"error": "..."} with 400 (bad request), 404 (unknown service or route),
// 503 (Docker unreachable) or 500.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "services/supervisor/supervisor.hpp"

namespace Poco::Net {
class HTTPServer;
}

namespace cairn::supervisor {

enum class RouteKind { kStatus, kReconcile, kUp, kDown, kServiceAction, kLogs, kMetrics, kNotFound };

struct Route {
  RouteKind kind = RouteKind::kNotFound;
  std::string service;
  std::string action;  // restart | stop | start
};

// Pure: one line of a log read with timestamps=1 → {timestamp, the line without it}; the
// timestamp is "" when the line has none.
std::pair<std::string, std::string> splitLogTimestamp(const std::string& line);
// A time as Docker's since= wants it: unix seconds with nine decimals.
std::string sinceOf(std::chrono::system_clock::time_point time);

// Pure: method + path (without the query) → route.
Route routeOf(const std::string& method, const std::string& path);

// HTTP status for an Error of a command.
int httpStatusOf(const Error& error);

class ControlServer {
 public:
  ControlServer(Supervisor& supervisor, HttpClientFactory httpFactory);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Listens on the unix socket `path` (a stale socket file is replaced; mode 0660). Throws
  // std::runtime_error naming the path when it cannot.
  void listenUnix(const std::string& path);
  // Serves GET /metrics on "ADDRESS:PORT" (port 0: the kernel picks). Throws on failure.
  void listenMetrics(const std::string& addressAndPort);
  int metricsPort() const { return metricsPort_; }
  void stop();

 private:
  Supervisor& supervisor_;
  HttpClientFactory httpFactory_;
  std::unique_ptr<Poco::Net::HTTPServer> control_;
  std::unique_ptr<Poco::Net::HTTPServer> metrics_;
  std::string socketPath_;
  int metricsPort_ = 0;
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace cairn::supervisor
