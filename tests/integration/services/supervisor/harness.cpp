#include "tests/integration/services/supervisor/harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "appliance/host/files.hpp"

namespace cairn::testing {

std::string uniquePrefix() {
  static std::atomic<int> counter{0};
  return "cairnsup-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds deadline,
               std::chrono::milliseconds poll) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

nlohmann::json standinContainer(const std::string& name, const nlohmann::json& env, bool withHealthcheck) {
  nlohmann::json environment = env;
  environment["STANDIN_NAME"] = name;
  nlohmann::json container = {{"name", name},
                              {"image", kStandinImage},
                              {"env", environment},
                              {"aliases", {name}},
                              {"stop_timeout_s", 2},
                              {"pids_limit", 64},
                              {"memory_bytes", 64 * 1024 * 1024},
                              {"cap_drop", {"ALL"}},
                              {"no_new_privileges", true},
                              {"log", {{"max_size", "1m"}, {"max_file", "2"}}}};
  if (withHealthcheck) {
    container["healthcheck"] = {{"test", {"CMD-SHELL", "test ! -e /tmp/unhealthy && wget -q -O /dev/null http://127.0.0.1:8080/"}},
                                {"interval_ms", 300},
                                {"timeout_ms", 2000},
                                {"retries", 2},
                                {"start_period_ms", 0}};
  }
  return container;
}

nlohmann::json service(const std::string& name, const std::vector<std::string>& dependsOn,
                       const std::vector<nlohmann::json>& containers) {
  return {{"name", name}, {"depends_on", dependsOn}, {"containers", containers}};
}

nlohmann::json dbAndWeb(const std::string& prefix) {
  return {{"version", 1},
          {"network", prefix + "-net"},
          {"services",
           {service("db", {}, {standinContainer(prefix + "-db")}),
            service("web", {"db"}, {standinContainer(prefix + "-web", nlohmann::json::object(), false)})}}};
}

void deleteDockerObject(host::HttpClient& http, const docker::DockerClient& docker, const std::string& kind,
                        const std::string& name) {
  host::HttpRequest request;
  request.method = "DELETE";
  request.unixSocket = docker.socketPath();
  request.url = "http://docker/v" + docker.version().text() + "/" + kind + "/" + host::urlEncode(name);
  (void)http.send(request);
}

std::int64_t epochMillis(const std::optional<std::chrono::system_clock::time_point>& time) {
  if (!time) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(time->time_since_epoch()).count();
}

SupervisedRoot::SupervisedRoot(std::string dockerSocket)
    : prefix_(uniquePrefix()),
      dockerSocket_(std::move(dockerSocket)),
      http_(std::make_unique<host::CurlHttpClient>()),
      dockerHttp_(std::make_unique<host::CurlHttpClient>()),
      docker_(std::make_unique<docker::DockerClient>(*dockerHttp_, dockerSocket_)) {
  (void)docker_->negotiate();
}

SupervisedRoot::~SupervisedRoot() {
  if (supervisor_ > 0) {
    signalSupervisor(SIGKILL);
    waitSupervisorExit();
  }
  removeEverything();
}

void SupervisedRoot::removeEverything() {
  (void)docker_->negotiate();
  for (const auto& container : containers()) (void)docker_->removeContainer(container.id, true);
  for (const auto& network : networks_) deleteDockerObject(*dockerHttp_, *docker_, "networks", network);
  for (const auto& volume : volumes_) deleteDockerObject(*dockerHttp_, *docker_, "volumes", volume);
}

void SupervisedRoot::writeContainers(const nlohmann::json& containers) {
  std::string network = containers.value("network", "cairn");
  if (std::find(networks_.begin(), networks_.end(), network) == networks_.end()) networks_.push_back(network);
  for (const auto& volume : containers.value("volumes", nlohmann::json::array())) {
    if (std::find(volumes_.begin(), volumes_.end(), volume.get<std::string>()) == volumes_.end()) {
      volumes_.push_back(volume.get<std::string>());
    }
  }
  std::string path = dir_ / "etc/cairn/rendered/containers.json";
  writeFile(path + ".tmp", containers.dump(2), 0600);
  if (::rename((path + ".tmp").c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path);
}

void SupervisedRoot::writeSettings(const nlohmann::json& settings) {
  writeFile(dir_ / "etc/cairn/rendered/supervisor.json", settings.dump(2));
}

void SupervisedRoot::startSupervisor() {
  std::string logPath = dir_ / "supervisord.log";
  std::string socket = dir_ / "run/cairn/supervisor.sock";
  ::unlink(socket.c_str());
  pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::string root = "--root=" + dir_.path();
    std::string dockerSocket = "--docker-socket=" + dockerSocket_;
    const char* argv[] = {CAIRN_SUPERVISORD, root.c_str(), dockerSocket.c_str(), "--metrics-listen=127.0.0.1:0", nullptr};
    ::execv(CAIRN_SUPERVISORD, const_cast<char* const*>(argv));
    ::_exit(127);
  }
  supervisor_ = child;
  bool listening = waitUntil([&] { return host::pathExists(socket) && call("GET", "/v1/status").ok(); },
                             std::chrono::seconds(10));
  if (!listening) throw std::runtime_error("cairn-supervisord did not open its socket; log:\n" + supervisorLog());
}

void SupervisedRoot::signalSupervisor(int signal) {
  if (supervisor_ > 0) ::kill(supervisor_, signal);
}

void SupervisedRoot::waitSupervisorExit() {
  if (supervisor_ <= 0) return;
  int status = 0;
  ::waitpid(supervisor_, &status, 0);
  supervisor_ = -1;
}

std::string SupervisedRoot::supervisorLog() const {
  auto text = host::readFile(dir_ / "supervisord.log");
  return text ? text.value() : std::string();
}

Result<host::HttpResponse> SupervisedRoot::call(const std::string& method, const std::string& path,
                                                std::chrono::milliseconds timeout) {
  host::HttpRequest request;
  request.method = method;
  request.unixSocket = dir_ / "run/cairn/supervisor.sock";
  request.url = "http://supervisor" + path;
  request.timeout = timeout;
  return http_->send(request);
}

supervisor::SupervisorStatus SupervisedRoot::status() {
  auto response = call("GET", "/v1/status");
  if (!response || response.value().status != 200) return {};
  auto json = nlohmann::json::parse(response.value().body, nullptr, false);
  return json.is_object() ? supervisor::statusFromJson(json) : supervisor::SupervisorStatus{};
}

const supervisor::ServiceStatus* SupervisedRoot::findService(const supervisor::SupervisorStatus& status,
                                                             const std::string& name) {
  for (const auto& item : status.services) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

bool SupervisedRoot::serviceIn(const std::string& service, const std::string& state) {
  auto current = status();
  const auto* item = findService(current, service);
  return item && item->state == state;
}

bool SupervisedRoot::converged() {
  auto current = status();
  if (current.services.empty() || !current.reconcile.converged) return false;
  for (const auto& item : current.services) {
    if (item.state != "running" && item.state != "completed") return false;
  }
  return true;
}

std::vector<docker::ContainerSummary> SupervisedRoot::containers() {
  auto listed = docker_->listContainers({{"label", {"io.cairn.scope=" + dir_.path()}}});
  return listed ? listed.value() : std::vector<docker::ContainerSummary>{};
}

docker::ContainerInfo SupervisedRoot::inspect(const std::string& name) {
  auto info = docker_->inspectContainer(name);
  return info ? info.value() : docker::ContainerInfo{};
}

EventRecorder::EventRecorder(const std::string& dockerSocket, const std::string& scope) {
  std::int64_t since = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  std::atomic<bool> subscribed{false};
  thread_ = std::thread([this, dockerSocket, scope, since, &subscribed] {
    host::CurlHttpClient http;
    docker::DockerClient client(http, dockerSocket);
    (void)client.negotiate();
    subscribed = true;
    std::set<std::string> seen;
    std::int64_t from = since;
    while (!stopping_) {
      docker::EventFilter filter;
      filter.labels = {"io.cairn.scope=" + scope};
      filter.sinceNano = from;
      filter.timeout = std::chrono::milliseconds(1000);
      (void)client.events(filter, [&](const docker::Event& event) {
        std::string key = std::to_string(event.timeNano) + event.actorId + event.action;
        if (seen.insert(key).second && event.action.rfind("exec_", 0) != 0) {
          std::lock_guard<std::mutex> lock(mutex_);
          events_.push_back(event);
        }
        from = std::max(from, event.timeNano);
        return !stopping_.load();
      });
    }
  });
  while (!subscribed) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

EventRecorder::~EventRecorder() {
  stopping_ = true;
  thread_.join();
}

std::vector<docker::Event> EventRecorder::events() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return events_;
}

std::vector<std::int64_t> EventRecorder::all(const std::string& container, const std::string& action) const {
  std::vector<std::int64_t> times;
  for (const auto& event : events()) {
    if (event.attribute("name") == container && event.action == action) times.push_back(event.timeNano);
  }
  std::sort(times.begin(), times.end());
  return times;
}

std::int64_t EventRecorder::first(const std::string& container, const std::string& action) const {
  auto times = all(container, action);
  return times.empty() ? 0 : times.front();
}

}  // namespace cairn::testing
