// Commands served by cairn-supervisord over its control socket: status, up, down, restart, logs.

#include "provisioning/cli/commands_supervisor.hpp"

#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "appliance/host/files.hpp"
#include "appliance/host/http_client.hpp"
#include "services/supervisor/status.hpp"

namespace cairn::cli {
namespace {

using namespace std::chrono_literals;

class SupervisorSocket {
 public:
  explicit SupervisorSocket(const CliContext& context) : path_(context.paths.supervisorSocket()) {}

  bool present() const { return host::pathExists(path_); }
  const std::string& path() const { return path_; }

  Result<host::HttpResponse> call(const std::string& method, const std::string& path,
                                  std::chrono::milliseconds timeout = 30s) {
    host::HttpRequest request;
    request.method = method;
    request.url = "http://supervisor" + path;
    request.unixSocket = path_;
    request.timeout = timeout;
    return http_.send(request);
  }
  Result<host::HttpResponse> stream(const std::string& path, const host::BodyChunkHandler& onChunk) {
    host::HttpRequest request;
    request.url = "http://supervisor" + path;
    request.unixSocket = path_;
    request.timeout = 0ms;
    return http_.stream(request, onChunk);
  }

 private:
  std::string path_;
  host::CurlHttpClient http_;
};

int notRunning(const std::string& command, const SupervisorSocket& socket, CliContext& context) {
  context.err << "cairnctl " << command << ": cairn-supervisord is not running (no control socket at " << socket.path()
              << ")\n";
  return kExitFailed;
}

std::string errorOf(const host::HttpResponse& response) {
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) return body["error"].get<std::string>();
  return "HTTP " + std::to_string(response.status);
}

// The answer of a call, or nullopt after telling the user (exit code in `code`).
std::optional<host::HttpResponse> checked(const std::string& command, Result<host::HttpResponse> response,
                                          CliContext& context, int& code) {
  if (!response) {
    context.err << "cairnctl " << command << ": cannot reach cairn-supervisord: " << response.error().message << "\n";
    code = kExitFailed;
    return std::nullopt;
  }
  if (response.value().status >= 300) {
    context.err << "cairnctl " << command << ": " << errorOf(response.value()) << "\n";
    code = response.value().status == 404 ? kExitBadInput : kExitFailed;
    return std::nullopt;
  }
  return response.value();
}

std::optional<nlohmann::json> statusBody(const host::HttpResponse& response, CliContext& context, int& code) {
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) {
    context.err << "cairnctl: cairn-supervisord sent a malformed status\n";
    code = kExitFailed;
    return std::nullopt;
  }
  return body;
}

std::optional<supervisor::SupervisorStatus> fetchStatus(SupervisorSocket& socket, CliContext& context, int& code) {
  auto response = checked("status", socket.call("GET", "/v1/status"), context, code);
  if (!response) return std::nullopt;
  auto body = statusBody(*response, context, code);
  if (!body) return std::nullopt;
  return supervisor::statusFromJson(*body);
}

bool settledGood(const supervisor::ServiceStatus& service) {
  return service.state == "running" || service.state == "completed";
}
bool settledBad(const supervisor::ServiceStatus& service) {
  return service.state == "failed" || service.state == "crash-looping";
}

std::string describe(const supervisor::ServiceStatus& service) {
  std::string text = service.state;
  if (service.state == "running" && service.health != "none") text += " (" + service.health + ")";
  if (!service.message.empty()) text += ": " + service.message;
  return text;
}

}  // namespace

// The containers come from cairn-supervisord; the certificate nginx serves is read from disk, so
// it is shown (and the exit code still says the supervisor is missing) when the supervisor is not.
int statusCommand(const ParsedArgs& args, CliContext& context) {
  SupervisorSocket socket(context);
  int code = kExitOk;
  std::optional<nlohmann::json> body;
  if (!socket.present()) {
    code = notRunning("status", socket, context);
  } else if (auto response = checked("status", socket.call("GET", "/v1/status"), context, code)) {
    body = statusBody(*response, context, code);
  }
  if (args.has("--json")) {
    nlohmann::json status = body ? *body : nlohmann::json{{"supervisor", {{"available", false}}}};
    status["tls"] = tlsStatusJson(context);
    context.out << status.dump(2) << "\n";
    return code;
  }
  if (body) context.out << supervisor::formatStatusTable(supervisor::statusFromJson(*body)) << "\n";
  context.out << tlsStatusText(context);
  return code;
}

int upCommand(const ParsedArgs&, CliContext& context) {
  SupervisorSocket socket(context);
  if (!socket.present()) return notRunning("up", socket, context);
  int code = kExitOk;
  if (!checked("up", socket.call("POST", "/v1/up"), context, code)) return code;
  context.out << "Starting every service in dependency order...\n";
  std::map<std::string, std::string> shown;
  auto deadline = std::chrono::steady_clock::now() + 15min;
  int badPolls = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto status = fetchStatus(socket, context, code);
    if (!status) return code;
    bool allGood = !status->services.empty() && status->docker.connected;
    bool anyBad = false;
    for (const auto& service : status->services) {
      std::string line = describe(service);
      if (shown[service.name] != line) {
        context.out << "  " << service.name << ": " << line << "\n";
        context.out.flush();
        shown[service.name] = line;
      }
      allGood = allGood && settledGood(service);
      anyBad = anyBad || settledBad(service);
    }
    if (allGood) {
      context.out << "Every service is up.\n";
      return kExitOk;
    }
    // A failure may be passing (a dependency still starting); give it a few polls.
    badPolls = anyBad ? badPolls + 1 : 0;
    if (badPolls >= 10) {
      context.err << "cairnctl up: some services did not come up; see `cairnctl status` and `cairnctl logs SERVICE`\n";
      return kExitFailed;
    }
    std::this_thread::sleep_for(500ms);
  }
  context.err << "cairnctl up: gave up waiting after 15 minutes; see `cairnctl status`\n";
  return kExitFailed;
}

int downCommand(const ParsedArgs&, CliContext& context) {
  SupervisorSocket socket(context);
  if (!socket.present()) return notRunning("down", socket, context);
  int code = kExitOk;
  context.out << "Stopping every service in reverse dependency order...\n";
  if (!checked("down", socket.call("POST", "/v1/down", 30min), context, code)) return code;
  context.out << "Every service is stopped; data volumes are kept. `cairnctl up` starts them again.\n";
  return kExitOk;
}

int restartCommand(const ParsedArgs& args, CliContext& context) {
  SupervisorSocket socket(context);
  if (!socket.present()) return notRunning("restart", socket, context);
  const std::string& service = args.args.at(0);
  int code = kExitOk;
  if (!checked("restart", socket.call("POST", "/v1/services/" + host::urlEncode(service) + "/restart", 10min), context,
               code)) {
    return code;
  }
  context.out << "Restarted " << service << ".\n";
  return kExitOk;
}

int logsCommand(const ParsedArgs& args, CliContext& context) {
  SupervisorSocket socket(context);
  if (!socket.present()) return notRunning("logs", socket, context);
  std::string tail = args.get("--tail", "100");
  if (tail != "all" && (tail.empty() || tail.find_first_not_of("0123456789") != std::string::npos)) {
    context.err << "cairnctl logs: --tail takes a number of lines or \"all\", not \"" << tail << "\"\n";
    return kExitBadInput;
  }
  std::string path = "/v1/services/" + host::urlEncode(args.args.at(0)) + "/logs?tail=" + (tail == "all" ? "-1" : tail);
  if (args.has("--follow")) path += "&follow=1";
  if (args.has("--container")) path += "&container=" + host::urlEncode(args.get("--container"));
  std::string head;
  bool isError = false;
  auto response = socket.stream(path, [&](std::string_view chunk) {
    if (head.empty() && !chunk.empty() && chunk.front() == '{') isError = true;
    if (isError) {
      head.append(chunk);
      return true;
    }
    head = "-";
    context.out << chunk;
    context.out.flush();
    return context.out.good();
  });
  if (!response) {
    context.err << "cairnctl logs: cannot reach cairn-supervisord: " << response.error().message << "\n";
    return kExitFailed;
  }
  if (response.value().status >= 300) {
    host::HttpResponse failed = response.value();
    failed.body = head;
    context.err << "cairnctl logs: " << errorOf(failed) << "\n";
    return failed.status == 404 || failed.status == 400 ? kExitBadInput : kExitFailed;
  }
  return kExitOk;
}

void notifySupervisorAfterApply(CliContext& context) {
  SupervisorSocket socket(context);
  if (!socket.present()) {
    context.out << "cairn-supervisord is not running; it will start the containers when it starts.\n";
    return;
  }
  auto response = socket.call("POST", "/v1/reconcile", 5s);
  if (!response || response.value().status >= 300) {
    context.err << "cairnctl: the containers were not reconciled: "
                << (response ? errorOf(response.value()) : response.error().message) << "\n";
    return;
  }
  context.out << "Asked cairn-supervisord to reconcile the containers; follow it with `cairnctl status`.\n";
}

}  // namespace cairn::cli
