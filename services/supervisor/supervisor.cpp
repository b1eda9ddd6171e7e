#include "services/supervisor/supervisor.hpp"

#include <Poco/Logger.h>

#include <algorithm>
#include <cstdio>

#include "appliance/host/files.hpp"
#include "services/docker/parse.hpp"
#include "services/supervisor/create_body.hpp"
#include "services/supervisor/ready_exec.hpp"

namespace cairn::supervisor {
namespace {

using namespace std::chrono_literals;

Poco::Logger& log() { return Poco::Logger::get("supervisor"); }

std::chrono::milliseconds doubled(std::chrono::milliseconds delay, std::chrono::milliseconds cap) {
  return std::min(delay * 2, cap);
}

ObservedContainer observedFrom(const docker::ContainerInfo& container) {
  ObservedContainer item;
  item.id = container.id;
  item.name = container.name;
  auto label = [&](const char* key) {
    auto it = container.labels.find(key);
    return it == container.labels.end() ? std::string() : it->second;
  };
  item.service = label(kServiceLabel);
  item.specHash = label(kSpecHashLabel);
  item.status = container.state.status;
  item.health = container.state.health;
  item.exitCode = container.state.exitCode;
  item.everStarted = container.state.startedAt.has_value();
  item.image = container.image;
  item.oomKilled = container.state.oomKilled;
  item.startedAt = container.state.startedAt;
  return item;
}

std::int64_t runOf(const ObservedContainer& observed) {
  if (!observed.startedAt) return 0;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(observed.startedAt->time_since_epoch()).count();
}

bool isStopped(const ObservedContainer& observed) {
  return observed.everStarted && (observed.status == "exited" || observed.status == "dead");
}

int healthRank(const std::string& health) {
  if (health == "unhealthy") return 3;
  if (health == "starting") return 2;
  if (health == "healthy") return 1;
  return 0;
}

}  // namespace

Supervisor::Supervisor(SupervisorSettings settings, host::Clock& clock, HttpClientFactory httpFactory)
    : settings_(std::move(settings)), clock_(clock), httpFactory_(std::move(httpFactory)) {
  if (auto text = host::readFile(settings_.heldStateFile)) held_ = parseHeldState(text.value());
  status_.reconcile.down = held_.allDown;
}

Supervisor::~Supervisor() { stop(); }

void Supervisor::start() {
  stopping_ = false;
  worker_ = std::thread([this] { runWorker(); });
  eventReader_ = std::thread([this] { runEventReader(); });
}

void Supervisor::stop() {
  if (stopping_.exchange(true)) return;
  queueChanged_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (eventReader_.joinable()) eventReader_.join();
}

void Supervisor::push(Task task) {
  {
    std::lock_guard<std::mutex> lock(queueMutex_);
    queue_.push_back(std::move(task));
  }
  queueChanged_.notify_all();
}

SupervisorStatus Supervisor::status() const {
  std::lock_guard<std::mutex> lock(statusMutex_);
  return status_;
}

std::string Supervisor::metricsText() const {
  std::lock_guard<std::mutex> lock(statusMutex_);
  return renderMetrics(metrics_, status_);
}

docker::ApiVersion Supervisor::apiVersion() const {
  std::lock_guard<std::mutex> lock(statusMutex_);
  return apiVersion_;
}

Result<std::vector<std::string>> Supervisor::containersOf(const std::string& service) const {
  std::lock_guard<std::mutex> lock(statusMutex_);
  auto it = containersByService_.find(service);
  if (it == containersByService_.end()) return makeError(ErrorCode::kNotFound, "no service named \"" + service + "\"");
  return it->second;
}

Status Supervisor::runCommand(TaskKind kind, const std::string& service) {
  if (stopping_) return makeError(ErrorCode::kUnavailable, "the supervisor is stopping");
  auto done = std::make_shared<std::promise<Status>>();
  auto result = done->get_future();
  push(Task{kind, {}, service, done});
  return result.get();
}

Status Supervisor::restartService(const std::string& service) { return runCommand(TaskKind::kRestart, service); }
Status Supervisor::stopService(const std::string& service) { return runCommand(TaskKind::kStop, service); }
Status Supervisor::startService(const std::string& service) { return runCommand(TaskKind::kStart, service); }
Status Supervisor::down() { return runCommand(TaskKind::kDown, ""); }
Status Supervisor::up() { return runCommand(TaskKind::kUp, ""); }
Status Supervisor::requestReconcile() {
  push(Task{TaskKind::kReconcile, {}, "", nullptr});
  return {};
}

// ---- worker -------------------------------------------------------------------------------

bool Supervisor::connectDocker(docker::DockerClient& docker) {
  auto negotiated = docker.negotiate();
  if (!negotiated) {
    if (dockerConnected_ || status_.docker.error.empty()) {
      log().warning("docker=unreachable socket=%s error=\"%s\" action=retrying", settings_.dockerSocket,
                    negotiated.error().message);
    }
    dockerConnected_ = false;
    std::lock_guard<std::mutex> lock(statusMutex_);
    status_.docker.connected = false;
    status_.docker.error = negotiated.error().message;
    metrics_.dockerUp = false;
    return false;
  }
  auto version = docker.daemonVersion();
  dockerConnected_ = true;
  log().information("docker=connected socket=%s engine=%s api=%s", settings_.dockerSocket,
                    version ? version.value().version : std::string("?"), negotiated.value().text());
  std::lock_guard<std::mutex> lock(statusMutex_);
  apiVersion_ = negotiated.value();
  status_.docker.connected = true;
  status_.docker.error.clear();
  status_.docker.apiVersion = negotiated.value().text();
  if (version) status_.docker.version = version.value().version;
  metrics_.dockerUp = true;
  return true;
}

void Supervisor::noteDockerError(const Error& error) {
  if (error.code != ErrorCode::kUnavailable && error.code != ErrorCode::kTimeout) return;
  if (!dockerConnected_) return;
  // Only an unreachable daemon counts; a 5xx about one container does not disconnect us.
  if (error.message.find("Docker at ") == std::string::npos) return;
  dockerConnected_ = false;
  log().warning("docker=unreachable error=\"%s\"", error.message);
  std::lock_guard<std::mutex> lock(statusMutex_);
  status_.docker.connected = false;
  status_.docker.error = error.message;
  metrics_.dockerUp = false;
}

void Supervisor::retryFailedActionsNow(const std::string& service) {
  auto containers = containersByService_.find(service);
  for (auto& [name, runtime] : runtime_) {
    bool ofService = containers != containersByService_.end() &&
                     std::find(containers->second.begin(), containers->second.end(), name) != containers->second.end();
    if (!service.empty() && !ofService) continue;
    runtime.actionFailures = 0;
    runtime.actionRetryDue.reset();
  }
}

void Supervisor::loadDesired() {
  retryFailedActionsNow("");  // a new desired set (an apply, `up`) is tried at once
  auto text = host::readFile(settings_.containersFile);
  std::string problem;
  if (!text) {
    problem = text.error().code == ErrorCode::kNotFound
                  ? "no " + settings_.containersFile + " yet (run `cairnctl apply`)"
                  : "cannot read " + settings_.containersFile + ": " + text.error().message;
  } else {
    try {
      desired_ = parseDesiredSet(text.value());
    } catch (const DesiredSetError& error) {
      problem = error.what();
    }
  }
  if (!problem.empty()) log().warning("desired=unusable problem=\"%s\" action=keeping the previous set", problem);
  std::lock_guard<std::mutex> lock(statusMutex_);
  status_.reconcile.desiredError = problem;
  status_.reconcile.desiredLoaded = desired_.has_value();
  containersByService_.clear();
  if (desired_) {
    for (const auto& service : desired_->services) {
      for (const auto& container : service.containers) containersByService_[service.name].push_back(container.name);
    }
  }
}

bool Supervisor::observe(docker::DockerClient& docker) {
  auto listed = docker.listContainers({{"label", {std::string(kManagedLabel) + "=true"}}});
  if (!listed) {
    noteDockerError(listed.error());
    return false;
  }
  std::map<std::string, ObservedContainer> observed;
  for (const auto& summary : listed.value()) {
    auto scope = summary.labels.find(kScopeLabel);
    std::string scopeValue = scope == summary.labels.end() ? "" : scope->second;
    if (scopeValue != settings_.scope) continue;
    auto info = docker.inspectContainer(summary.id);
    if (!info) {
      if (info.error().code == ErrorCode::kNotFound) continue;  // removed meanwhile
      noteDockerError(info.error());
      return false;
    }
    ObservedContainer item = observedFrom(info.value());
    item.readyExecDone = readyExecDone(item);
    observed[item.name] = item;
  }
  observed_ = std::move(observed);
  return true;
}

Status Supervisor::ensureNetworkAndVolumes(docker::DockerClient& docker) {
  bool needsNetwork = false;
  for (const auto& service : desired_->services) {
    for (const auto& container : service.containers) needsNetwork = needsNetwork || container.networkMode != "host";
  }
  docker::Labels labels = {{kManagedLabel, "true"}};
  if (!settings_.scope.empty()) labels[kScopeLabel] = settings_.scope;
  if (needsNetwork) {
    auto network = docker.inspectNetwork(desired_->network);
    if (!network && network.error().code == ErrorCode::kNotFound) {
      auto created = docker.createNetwork(desired_->network, labels);
      if (!created && created.error().code != ErrorCode::kConflict) return created.error();
      log().information("network=%s action=created", desired_->network);
    } else if (!network) {
      return network.error();
    }
  }
  for (const auto& volume : desired_->volumes) {
    auto found = docker.inspectVolume(volume);
    if (found) continue;
    if (found.error().code != ErrorCode::kNotFound) return found.error();
    auto created = docker.createVolume(volume, labels);
    if (!created) return created.error();
    log().information("volume=%s action=created", volume);
  }
  return {};
}

Status Supervisor::ensureImage(docker::DockerClient& docker, const std::string& service, const std::string& image) {
  auto found = docker.inspectImage(image);
  if (found) return {};
  if (found.error().code != ErrorCode::kNotFound) return found.error();
  log().information("service=%s image=%s action=pulling", service, image);
  pulling_[service] = "";
  publishStatus();
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> layers;  // id → (current, total)
  auto lastShown = clock_.monotonic();
  auto pulled = docker.pullImage(image, [&](const docker::PullProgress& progress) {
    if (progress.layerId.empty() || progress.total <= 0) return;
    layers[progress.layerId] = {progress.current, progress.total};
    if (clock_.monotonic() - lastShown < 500ms) return;
    lastShown = clock_.monotonic();
    double current = 0, total = 0;
    for (const auto& [id, sizes] : layers) {
      current += static_cast<double>(sizes.first);
      total += static_cast<double>(sizes.second);
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.1f of %.1f MB", current / 1e6, total / 1e6);
    pulling_[service] = text;
    publishStatus();
  });
  pulling_.erase(service);
  if (!pulled) return makeError(pulled.error().code, "image " + image + " cannot be pulled: " + pulled.error().message);
  return {};
}

Status Supervisor::execute(docker::DockerClient& docker, const Action& action) {
  const DesiredContainer* container = desired_->container(action.container);
  switch (action.kind) {
    case ActionKind::kRemove: {
      markStopping(action.container);
      // A clean stop first (PostgreSQL checkpoints, Prometheus writes its head block); force
      // only removes what is left.
      auto current = observed_.find(action.container);
      if (current != observed_.end() && current->second.status == "running") {
        auto stopped = docker.stopContainer(action.containerId, container ? container->stopTimeoutSeconds : 10);
        if (!stopped && stopped.error().code != ErrorCode::kNotFound) return stopped;
      }
      auto removed = docker.removeContainer(action.containerId, true);
      if (!removed && removed.error().code != ErrorCode::kNotFound) return removed;
      observed_.erase(action.container);
      return {};
    }
    case ActionKind::kCreate: {
      if (auto image = ensureImage(docker, action.service, container->image); !image) return image;
      CreateContext context{desired_->network, settings_.root, settings_.scope, apiVersion()};
      auto created = docker.createContainer(container->name, containerCreateBody(*container, context));
      if (!created) {
        if (created.error().code == ErrorCode::kConflict) {
          return makeError(ErrorCode::kConflict, "a container named " + container->name +
                                                     " already exists and cairn does not manage it: " +
                                                     created.error().message);
        }
        return created.error();
      }
      ObservedContainer fresh;
      fresh.id = created.value();
      fresh.name = container->name;
      fresh.service = action.service;
      fresh.specHash = container->specHash;
      fresh.status = "created";
      fresh.image = container->image;
      observed_[container->name] = fresh;
      return {};
    }
    case ActionKind::kStart: {
      auto started = docker.startContainer(action.container);
      if (!started) return started;
      return {};
    }
    case ActionKind::kReadyExec: return runReadyExec(docker, action, *container);
    case ActionKind::kStop: {
      markStopping(action.container);
      runtime_[action.container].restartDue.reset();
      return docker.stopContainer(action.container, container ? container->stopTimeoutSeconds : 10);
    }
  }
  return {};
}

bool Supervisor::readyExecDone(const ObservedContainer& observed) const {
  auto runtime = runtime_.find(observed.name);
  return runtime != runtime_.end() && !observed.id.empty() && runtime->second.readyExecDoneIn == observed.id;
}

std::string Supervisor::readyExecFailure(const std::string& name) const {
  auto runtime = runtime_.find(name);
  auto found = observed_.find(name);
  if (runtime == runtime_.end() || found == observed_.end()) return "";
  const Runtime& state = runtime->second;
  if (state.readyExecTriedIn != found->second.id || state.readyExecDoneIn == found->second.id) return "";
  return state.readyExecError;
}

Status Supervisor::runReadyExec(docker::DockerClient& docker, const Action& action, const DesiredContainer& container) {
  Runtime& runtime = runtime_[container.name];
  if (runtime.readyExecTriedIn != action.containerId) {
    runtime.readyExecTriedIn = action.containerId;
    runtime.readyExecFailures = 0;
    runtime.readyExecError.clear();
  }
  runtime.readyExecRetryDue.reset();
  docker::ExecLimits limits;
  limits.timeout = std::chrono::seconds(container.readyExec->timeoutSeconds);
  auto ran = docker.runExec(action.containerId, docker::ExecSpec{container.readyExec->argv, container.readyExec->user, {}}, limits);
  std::string failure;
  if (!ran) {
    failure = "ready_exec could not run: " + redactEnvValues(ran.error().message, container.env);
  } else if (ran.value().exitCode != 0) {
    failure = describeReadyExecExit(ran.value().exitCode, ran.value().output, container.env);
  }
  if (failure.empty()) {
    runtime.readyExecDoneIn = action.containerId;
    runtime.readyExecFailures = 0;
    runtime.readyExecError.clear();
    if (auto found = observed_.find(container.name); found != observed_.end() && found->second.id == action.containerId) {
      found->second.readyExecDone = true;
    }
    log().information("service=%s container=%s ready_exec=succeeded", container.service, container.name);
    passWanted_ = true;
    return {};
  }
  if (!ran) noteDockerError(ran.error());
  ++runtime.readyExecFailures;
  auto delay = readyExecRetryDelay(settings_.restart, runtime.readyExecFailures);
  runtime.readyExecRetryDue = clock_.now() + delay;
  runtime.readyExecError = failure + " (failure " + std::to_string(runtime.readyExecFailures) + ", retrying in " +
                           std::to_string((delay.count() + 999) / 1000) + " s)";
  return makeError(ErrorCode::kFailed, runtime.readyExecError);
}

void Supervisor::reconcilePass(docker::DockerClient& docker) {
  passWanted_ = false;
  if (!desired_) return;
  if (!dockerConnected_ && !connectDocker(docker)) return;
  // Retry times that have come are spent: this pass tries again (or finds nothing left to retry).
  for (auto& [name, runtime] : runtime_) {
    if (runtime.actionRetryDue && *runtime.actionRetryDue <= clock_.now()) runtime.actionRetryDue.reset();
    if (runtime.readyExecRetryDue && *runtime.readyExecRetryDue <= clock_.now()) runtime.readyExecRetryDue.reset();
  }
  auto began = clock_.monotonic();
  std::map<std::string, std::string> errors;
  bool failedEarly = false;
  bool executed = false;
  if (auto ready = ensureNetworkAndVolumes(docker); !ready) {
    noteDockerError(ready.error());
    log().warning("reconcile=failed error=\"%s\"", ready.error().message);
    for (const auto& service : desired_->services) errors[service.name] = ready.error().message;
    failedEarly = true;
  }
  ReconcilePlan plan;
  if (!failedEarly && observe(docker)) {
    for (const auto& [name, item] : observed_) {
      if (isStopped(item) && desired_->container(name)) noteDeath(name);
    }
    std::vector<ObservedContainer> observed;
    for (const auto& [name, item] : observed_) observed.push_back(item);
    plan = planReconcile(*desired_, observed, currentHolds());
    std::set<std::string> failedServices;
    for (const auto& action : plan.actions) {
      if (failedServices.count(action.service)) continue;
      Runtime& runtime = runtime_[action.container];
      if (runtime.actionRetryDue && *runtime.actionRetryDue > clock_.now()) {
        failedServices.insert(action.service);
        errors[action.service] = runtime.actionError;
        continue;
      }
      log().information("service=%s container=%s action=%s reason=\"%s\"", action.service, action.container,
                        std::string(actionName(action.kind)), action.reason);
      auto done = execute(docker, action);
      if (done) {
        executed = true;
        runtime.actionFailures = 0;
        runtime.actionRetryDue.reset();
        continue;
      }
      noteDockerError(done.error());
      failedServices.insert(action.service);
      auto delay = restartDelay(settings_.restart, ++runtime.actionFailures);
      runtime.actionRetryDue = clock_.now() + delay;
      runtime.actionError = done.error().message;
      errors[action.service] = done.error().message;
      log().warning("service=%s container=%s action=%s error=\"%s\" retry_in_ms=%s", action.service, action.container,
                    std::string(actionName(action.kind)), done.error().message, std::to_string(delay.count()));
      std::lock_guard<std::mutex> lock(statusMutex_);
      ++metrics_.reconcileErrors;
    }
  }
  serviceErrors_ = errors;
  waiting_ = plan.waiting;
  double seconds = std::chrono::duration<double>(clock_.monotonic() - began).count();
  lastPass_ = clock_.now();
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    ++metrics_.reconcilePasses;
    metrics_.reconcileSecondsSum += seconds;
    metrics_.lastReconcileSeconds = seconds;
    status_.reconcile.passes = metrics_.reconcilePasses;
    status_.reconcile.lastDurationSeconds = seconds;
    status_.reconcile.converged = dockerConnected_ && plan.actions.empty() && errors.empty() &&
                                  std::all_of(plan.waiting.begin(), plan.waiting.end(),
                                              [](const auto& item) { return item.second == "stopped by the operator"; });
  }
  // Something was done: look again soon (events usually come first). Failed actions wait for
  // their retry time (nextWake).
  if (executed) passWanted_ = true;
  publishStatus();
}

Holds Supervisor::currentHolds() const {
  Holds holds;
  holds.allDown = held_.allDown;
  holds.stoppedServices = held_.stoppedServices;
  WallTime now = clock_.now();
  for (const auto& [name, runtime] : runtime_) {
    if (runtime.restartDue) holds.backingOff.insert(name);
    auto found = observed_.find(name);
    bool sameInstance = found != observed_.end() && found->second.id == runtime.readyExecTriedIn;
    if (sameInstance && runtime.readyExecRetryDue && *runtime.readyExecRetryDue > now) holds.readyExecBackingOff.insert(name);
  }
  return holds;
}

bool Supervisor::refreshObserved(docker::DockerClient& docker, const std::string& name) {
  auto info = docker.inspectContainer(name);
  if (!info) {
    if (info.error().code == ErrorCode::kNotFound) observed_.erase(name);
    noteDockerError(info.error());
    return false;
  }
  ObservedContainer item = observedFrom(info.value());
  item.readyExecDone = readyExecDone(item);
  if (!item.specHash.empty()) observed_[name] = item;
  return true;
}

void Supervisor::markStopping(const std::string& name) {
  auto found = observed_.find(name);
  if (found != observed_.end()) runtime_[name].handledRun = runOf(found->second);
}

void Supervisor::noteDeath(const std::string& name) {
  const DesiredContainer* container = desired_ ? desired_->container(name) : nullptr;
  auto found = observed_.find(name);
  if (!container || found == observed_.end() || !isStopped(found->second)) return;
  const ObservedContainer& observed = found->second;
  Runtime& runtime = runtime_[name];
  if (runtime.handledRun == runOf(observed)) return;
  runtime.handledRun = runOf(observed);
  if (held_.allDown || held_.stoppedServices.count(container->service)) return;
  if (container->oneShot && observed.exitCode == 0) {
    log().information("service=%s container=%s event=completed", container->service, name);
    passWanted_ = true;
    return;
  }
  recordFailure(name, observed.oomKilled ? "oom" : "exit " + std::to_string(observed.exitCode), observed.exitCode);
}

void Supervisor::handleEvent(docker::DockerClient& docker, const docker::Event& event) {
  if (event.type != "container") return;
  if (event.attribute(kScopeLabel) != settings_.scope) return;
  std::string name = event.attribute("name");
  if (name.empty() || !desired_) return;
  const DesiredContainer* container = desired_->container(name);
  auto found = observed_.find(name);
  // Events of a container that was since replaced (recreated under the same name) are history.
  bool current = found == observed_.end() || found->second.id == event.actorId;
  const std::string& action = event.action;

  if (action == "start" || action == "die") {
    if (current && refreshObserved(docker, name)) {
      if (action == "die") noteDeath(name);
    }
    passWanted_ = true;
  } else if (std::string health = docker::healthOfAction(action); !health.empty() && current) {
    if (found != observed_.end()) found->second.health = health;
    if (health == "healthy") passWanted_ = true;
    bool running = found != observed_.end() && found->second.status == "running";
    Runtime& runtime = runtime_[name];
    if (health == "unhealthy" && running && container && !runtime.restartDue && !held_.allDown &&
        !held_.stoppedServices.count(container->service)) {
      recordFailure(name, "unhealthy", std::nullopt);
      runtime_[name].restartAfterUnhealthy = true;
    }
  } else if (action == "destroy") {
    if (found != observed_.end() && found->second.id == event.actorId) observed_.erase(name);
    if (container) passWanted_ = true;
  }
  publishStatus();
}

void Supervisor::recordFailure(const std::string& name, const std::string& reason, std::optional<int> exitCode) {
  const DesiredContainer* container = desired_->container(name);
  Runtime& runtime = runtime_[name];
  auto found = observed_.find(name);
  std::optional<WallTime> startedAt = found == observed_.end() ? std::nullopt : found->second.startedAt;
  WallTime now = clock_.now();
  auto delay = runtime.tracker.recordFailure(settings_.restart, now, startedAt);
  runtime.restartDue = now + delay;
  runtime.restartAfterUnhealthy = false;
  runtime.lastExitReason = reason;
  if (exitCode) runtime.lastExitCode = exitCode;
  bool looping = runtime.tracker.crashLooping(settings_.restart, now);
  log().warning("service=%s container=%s failure=\"%s\" restart_in_ms=%s failures_in_window=%d%s", container->service, name,
                reason, std::to_string(delay.count()), runtime.tracker.failuresWithin(settings_.restart, now),
                std::string(looping ? " state=crash-looping" : ""));
  std::lock_guard<std::mutex> lock(statusMutex_);
  ++metrics_.failuresByService[container->service];
}

void Supervisor::runDueRestarts(docker::DockerClient& docker) {
  WallTime now = clock_.now();
  for (auto& [name, runtime] : runtime_) {
    if (!runtime.restartDue || *runtime.restartDue > now) continue;
    runtime.restartDue.reset();
    const DesiredContainer* container = desired_ ? desired_->container(name) : nullptr;
    if (!container || held_.allDown || held_.stoppedServices.count(container->service)) continue;
    if (runtime.restartAfterUnhealthy) {
      markStopping(name);
      if (auto stopped = docker.stopContainer(name, container->stopTimeoutSeconds); !stopped) noteDockerError(stopped.error());
    }
    runtime.restartAfterUnhealthy = false;
    auto started = docker.startContainer(name);
    if (!started) {
      noteDockerError(started.error());
      log().warning("service=%s container=%s action=restart error=\"%s\"", container->service, name, started.error().message);
      if (started.error().code == ErrorCode::kNotFound) {
        passWanted_ = true;  // removed behind our back: the next pass recreates it
      } else if (dockerConnected_) {
        recordFailure(name, "start failed: " + started.error().message, std::nullopt);
      }
      continue;
    }
    ++runtime.restarts;
    log().information("service=%s container=%s action=restarted restarts=%d", container->service, name, runtime.restarts);
    std::lock_guard<std::mutex> lock(statusMutex_);
    ++metrics_.restartsByService[container->service];
  }
  publishStatus();
}

Status Supervisor::stopContainers(docker::DockerClient& docker, const DesiredService& service) {
  for (auto container = service.containers.rbegin(); container != service.containers.rend(); ++container) {
    Runtime& runtime = runtime_[container->name];
    runtime.restartDue.reset();
    auto found = observed_.find(container->name);
    if (found == observed_.end() || found->second.status != "running") continue;
    markStopping(container->name);
    log().information("service=%s container=%s action=stop", service.name, container->name);
    auto stopped = docker.stopContainer(container->name, container->stopTimeoutSeconds);
    if (!stopped && stopped.error().code != ErrorCode::kNotFound) return stopped;
    found->second.status = "exited";
  }
  return {};
}

Status Supervisor::handleCommand(docker::DockerClient& docker, const Task& task) {
  if (task.kind == TaskKind::kUp) loadDesired();
  if (!desired_) return makeError(ErrorCode::kFailed, status().reconcile.desiredError);
  const DesiredService* service = task.service.empty() ? nullptr : desired_->service(task.service);
  if (!task.service.empty() && !service) return makeError(ErrorCode::kNotFound, "no service named \"" + task.service + "\"");
  if (!dockerConnected_ && !connectDocker(docker)) {
    return makeError(ErrorCode::kUnavailable, "Docker is unreachable: " + status().docker.error);
  }
  Status result;
  switch (task.kind) {
    case TaskKind::kRestart: {
      // An operator's restart is not a failure: no backoff, no crash count.
      retryFailedActionsNow(service->name);
      held_.stoppedServices.erase(service->name);
      saveHolds();
      if (!observe(docker)) return makeError(ErrorCode::kUnavailable, "Docker is unreachable");
      result = stopContainers(docker, *service);
      if (result) passWanted_ = true;
      break;
    }
    case TaskKind::kStop:
      held_.stoppedServices.insert(service->name);
      saveHolds();
      if (!observe(docker)) return makeError(ErrorCode::kUnavailable, "Docker is unreachable");
      result = stopContainers(docker, *service);
      break;
    case TaskKind::kStart:
      retryFailedActionsNow(service->name);
      held_.stoppedServices.erase(service->name);
      saveHolds();
      passWanted_ = true;
      break;
    case TaskKind::kDown: {
      held_.allDown = true;
      saveHolds();
      if (!observe(docker)) return makeError(ErrorCode::kUnavailable, "Docker is unreachable");
      for (auto item = desired_->services.rbegin(); item != desired_->services.rend(); ++item) {
        if (auto stopped = stopContainers(docker, *item); !stopped && result) result = stopped;
      }
      break;
    }
    case TaskKind::kUp:
      held_ = HeldState{};
      saveHolds();
      passWanted_ = true;
      break;
    default:
      break;
  }
  publishStatus();
  return result;
}

void Supervisor::saveHolds() {
  if (auto saved = saveHeldState(settings_.heldStateFile, held_); !saved) {
    log().warning("held_state=unsaved path=%s error=\"%s\"", settings_.heldStateFile, saved.error().message);
  }
}

bool Supervisor::retryDue(WallTime now) const {
  return std::any_of(runtime_.begin(), runtime_.end(), [&](const auto& entry) {
    const Runtime& runtime = entry.second;
    return (runtime.actionRetryDue && *runtime.actionRetryDue <= now) ||
           (runtime.readyExecRetryDue && *runtime.readyExecRetryDue <= now);
  });
}

std::optional<WallTime> Supervisor::nextWake() const {
  std::optional<WallTime> wake;
  for (const auto& [name, runtime] : runtime_) {
    if (runtime.restartDue && (!wake || *runtime.restartDue < *wake)) wake = runtime.restartDue;
    if (runtime.readyExecRetryDue && (!wake || *runtime.readyExecRetryDue < *wake)) wake = runtime.readyExecRetryDue;
    if (runtime.actionRetryDue && (!wake || *runtime.actionRetryDue < *wake)) wake = runtime.actionRetryDue;
  }
  WallTime now = clock_.now();
  WallTime poll = now + (waiting_.empty() && dockerConnected_ ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                     settings_.resyncEvery)
                                                               : settings_.pollWhileWaiting);
  if (!wake || poll < *wake) wake = poll;
  return wake;
}

void Supervisor::publishStatus() {
  SupervisorStatus snapshot;
  WallTime now = clock_.now();
  if (desired_) {
    for (const auto& service : desired_->services) {
      ServiceStatus item;
      item.name = service.name;
      item.image = service.containers.front().image;
      bool allReady = true;
      bool anyRunning = false;
      bool anyBackoff = false;
      bool looping = false;
      bool anyMissing = false;
      std::string execFailure;
      std::optional<WallTime> lastFailure;
      for (const auto& container : service.containers) {
        ContainerStatus entry{container.name, "", container.image, "missing", "none", 0};
        auto found = observed_.find(container.name);
        const ObservedContainer* observed = found == observed_.end() ? nullptr : &found->second;
        if (observed) {
          entry = {container.name, observed->id.substr(0, 12), container.image, observed->status, observed->health,
                   observed->exitCode};
          if (observed->status == "running") {
            anyRunning = true;
            if (observed->startedAt) {
              double up = std::chrono::duration<double>(now - *observed->startedAt).count();
              if (item.uptimeSeconds == 0 || up < item.uptimeSeconds) item.uptimeSeconds = std::max(0.0, up);
            }
          }
          if (healthRank(observed->health) > healthRank(item.health)) item.health = observed->health;
        } else {
          anyMissing = true;
        }
        if (item.health.empty()) item.health = "none";
        allReady = allReady && containerReady(container, observed);
        auto runtime = runtime_.find(container.name);
        if (runtime != runtime_.end()) {
          item.restarts += runtime->second.restarts;
          anyBackoff = anyBackoff || runtime->second.restartDue.has_value();
          looping = looping || runtime->second.tracker.crashLooping(settings_.restart, now);
          if (!runtime->second.lastExitReason.empty()) {
            item.lastExitReason = runtime->second.lastExitReason;
            item.lastExitCode = runtime->second.lastExitCode;
          }
        }
        if (std::string failure = readyExecFailure(container.name); !failure.empty()) execFailure = failure;
        item.containers.push_back(entry);
      }
      (void)lastFailure;
      bool held = held_.allDown || held_.stoppedServices.count(service.name);
      auto error = serviceErrors_.find(service.name);
      auto waiting = waiting_.find(service.name);
      if (error != serviceErrors_.end()) {
        item.state = "failed";
        item.message = error->second;
      } else if (!execFailure.empty() && !held) {
        item.state = "failed";
        item.message = execFailure;
      } else if (held) {
        item.state = "stopped";
        item.message = "stopped by the operator";
      } else if (looping) {
        item.state = "crash-looping";
        item.message = "failed " + std::to_string(settings_.restart.crashLoopFailures) + " times or more within " +
                       std::to_string(settings_.restart.crashLoopWindow.count()) + " s; restarting with backoff";
      } else if (anyBackoff) {
        item.state = "restarting";
      } else if (pulling_.count(service.name)) {
        item.state = "pulling";
        const std::string& progress = pulling_.at(service.name);
        item.message = "pulling " + item.image + (progress.empty() ? "" : ": " + progress);
      } else if (allReady) {
        item.state = service.oneShot() ? "completed" : "running";
      } else if (waiting != waiting_.end()) {
        item.state = "waiting";
        item.message = waiting->second;
      } else if (anyMissing) {
        item.state = "missing";
      } else if (anyRunning) {
        item.state = item.health == "unhealthy" ? "unhealthy" : "starting";
      } else {
        item.state = "exited";
      }
      if (item.state != "running" && item.state != "starting" && item.state != "unhealthy") item.uptimeSeconds = 0;
      snapshot.services.push_back(std::move(item));
    }
  }
  std::lock_guard<std::mutex> lock(statusMutex_);
  snapshot.docker = status_.docker;
  snapshot.reconcile = status_.reconcile;
  snapshot.reconcile.down = held_.allDown;
  status_ = std::move(snapshot);
}

void Supervisor::runWorker() {
  auto http = httpFactory_();
  docker::DockerClient docker(*http, settings_.dockerSocket);
  loadDesired();
  publishStatus();
  auto retry = 100ms;
  while (!stopping_ && !connectDocker(docker)) {
    std::unique_lock<std::mutex> lock(queueMutex_);
    queueChanged_.wait_for(lock, retry, [this] { return stopping_.load(); });
    retry = doubled(retry, 5000ms);
    // Answer commands meanwhile.
    while (!queue_.empty()) {
      Task task = std::move(queue_.front());
      queue_.pop_front();
      if (task.done) task.done->set_value(makeError(ErrorCode::kUnavailable, "Docker is unreachable: " + status().docker.error));
    }
  }
  if (stopping_) return;
  reconcilePass(docker);

  while (!stopping_) {
    std::deque<Task> tasks;
    {
      std::unique_lock<std::mutex> lock(queueMutex_);
      auto wake = nextWake();
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*wake - clock_.now());
      if (passWanted_) wait = 0ms;
      if (wait > 0ms) queueChanged_.wait_for(lock, wait, [this] { return stopping_ || !queue_.empty(); });
      tasks.swap(queue_);
    }
    if (stopping_) break;
    bool reload = false;
    bool fullPass = false;
    for (auto& task : tasks) {
      switch (task.kind) {
        case TaskKind::kEvent: handleEvent(docker, task.event); break;
        case TaskKind::kReconcile: reload = true; break;
        case TaskKind::kResync:
          if (!dockerConnected_) connectDocker(docker);
          fullPass = true;
          break;
        case TaskKind::kDockerLost:
          noteDockerError(makeError(ErrorCode::kUnavailable, "Docker at " + settings_.dockerSocket + " went away"));
          break;
        default: {
          Status result = handleCommand(docker, task);
          if (task.done) task.done->set_value(result);
        }
      }
    }
    runDueRestarts(docker);
    if (reload) loadDesired();
    WallTime now = clock_.now();
    bool pollDue = now - lastPass_ >= (waiting_.empty() ? std::chrono::duration_cast<WallTime::duration>(settings_.resyncEvery)
                                                        : std::chrono::duration_cast<WallTime::duration>(settings_.pollWhileWaiting));
    if (reload || fullPass || passWanted_ || pollDue || retryDue(now) || !dockerConnected_) {
      if (!dockerConnected_ && !connectDocker(docker)) {
        passWanted_ = false;
        lastPass_ = now;
        continue;
      }
      reconcilePass(docker);
    }
  }
}

// ---- event reader -------------------------------------------------------------------------

void Supervisor::runEventReader() {
  auto http = httpFactory_();
  std::int64_t sinceNano =
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count() - 1'000'000'000;
  std::set<std::string> seenAtLast;  // events already passed on at timestamp sinceNano
  bool broken = true;
  bool everConnected = false;
  auto retry = 100ms;
  while (!stopping_) {
    docker::DockerClient docker(*http, settings_.dockerSocket, apiVersion());
    if (broken) {
      auto negotiated = docker.negotiate();
      if (!negotiated) {
        clock_.sleepFor(retry);
        retry = doubled(retry, 5000ms);
        continue;
      }
      broken = false;
      retry = 100ms;
      if (everConnected) {
        log().information("events=reconnected action=resync");
        std::lock_guard<std::mutex> lock(statusMutex_);
        ++metrics_.eventStreamReconnects;
      }
      everConnected = true;
      push(Task{TaskKind::kResync, {}, "", nullptr});
    }
    docker::EventFilter filter;
    filter.labels = {std::string(kManagedLabel) + "=true"};
    filter.sinceNano = sinceNano;
    filter.timeout = settings_.eventsRollover;
    auto streamed = docker.events(filter, [&](const docker::Event& event) {
      std::string key = event.actorId + "/" + event.action;
      if (event.timeNano < sinceNano || (event.timeNano == sinceNano && seenAtLast.count(key))) return !stopping_.load();
      if (event.timeNano > sinceNano) seenAtLast.clear();
      sinceNano = event.timeNano;
      seenAtLast.insert(key);
      if (event.action.rfind("exec_", 0) != 0) push(Task{TaskKind::kEvent, event, "", nullptr});
      return !stopping_.load();
    });
    if (!streamed && streamed.error().code != ErrorCode::kTimeout && !stopping_) {
      log().warning("events=broken error=\"%s\" action=reconnecting", streamed.error().message);
      push(Task{TaskKind::kDockerLost, {}, "", nullptr});
      broken = true;
    }
  }
}

}  // namespace cairn::supervisor
