#pragma once
// Supervisor: keeps the desired containers (containers.json) running on the Docker engine.
//
// Two threads of its own: the worker, which alone changes containers (reconcile passes, restarts
// after failures, operator commands, one at a time from a queue), and the event reader, which
// follows GET /events (container events of managed containers) and queues them for the worker.
// When the stream breaks it reconnects with backoff and queues a resync (a full re-list).
// Every public method is thread-safe; commands block until the worker has done them.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "appliance/host/clock.hpp"
#include "appliance/host/http_client.hpp"
#include "services/docker/docker_client.hpp"
#include "services/supervisor/desired.hpp"
#include "services/supervisor/held_state.hpp"
#include "services/supervisor/plan.hpp"
#include "services/supervisor/restart_policy.hpp"
#include "services/supervisor/settings.hpp"
#include "services/supervisor/status.hpp"

namespace cairn::supervisor {

using HttpClientFactory = std::function<std::unique_ptr<host::HttpClient>()>;

class Supervisor {
 public:
  Supervisor(SupervisorSettings settings, host::Clock& clock, HttpClientFactory httpFactory);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void start();
  // Stops the threads; containers keep running.
  void stop();

  SupervisorStatus status() const;
  std::string metricsText() const;

  // Operator commands. kNotFound for an unknown service.
  Status restartService(const std::string& service);
  Status stopService(const std::string& service);
  Status startService(const std::string& service);
  // Stops every service in reverse dependency order and holds them down; data volumes stay.
  Status down();
  // Releases every hold and reconciles (re-reading containers.json); returns at once.
  Status up();
  // Re-reads containers.json and reconciles; returns at once.
  Status requestReconcile();

  // For the log endpoint, which talks to Docker on its own thread.
  Result<std::vector<std::string>> containersOf(const std::string& service) const;
  const std::string& dockerSocket() const { return settings_.dockerSocket; }
  docker::ApiVersion apiVersion() const;

 private:
  enum class TaskKind { kEvent, kReconcile, kResync, kDockerLost, kRestart, kStop, kStart, kDown, kUp };
  struct Task {
    TaskKind kind;
    docker::Event event;
    std::string service;
    std::shared_ptr<std::promise<Status>> done;
  };
  struct Runtime {
    RestartTracker tracker;
    std::optional<WallTime> restartDue;
    bool restartAfterUnhealthy = false;
    // The run (its StartedAt in ns) whose end is already accounted for: counted as a failure,
    // or stopped on purpose by the supervisor. A death is seen by its die event or by a pass,
    // whichever comes first, and must count once.
    std::int64_t handledRun = -1;
    int restarts = 0;
    std::optional<int> lastExitCode;
    std::string lastExitReason;
    // ready_exec: the container instance (id) it succeeded in, and failures in `readyExecTriedIn`.
    std::string readyExecDoneIn;
    std::string readyExecTriedIn;
    int readyExecFailures = 0;
    std::optional<WallTime> readyExecRetryDue;
    std::string readyExecError;  // redacted
    // A create/start/pull that failed is retried after a growing pause, not on every pass.
    int actionFailures = 0;
    std::optional<WallTime> actionRetryDue;
    std::string actionError;
  };

  void push(Task task);
  // Whether a failed action or ready_exec waits for a retry time that has come.
  bool retryDue(WallTime now) const;
  // Forgets the retry pauses of failed actions of `service` ("" = every service).
  void retryFailedActionsNow(const std::string& service);
  Status runCommand(TaskKind kind, const std::string& service);
  void runWorker();
  void runEventReader();

  // Worker-only.
  bool connectDocker(docker::DockerClient& docker);
  void loadDesired();
  void reconcilePass(docker::DockerClient& docker);
  bool observe(docker::DockerClient& docker);
  Status ensureNetworkAndVolumes(docker::DockerClient& docker);
  Status ensureImage(docker::DockerClient& docker, const std::string& service, const std::string& image);
  Status execute(docker::DockerClient& docker, const Action& action);
  Status runReadyExec(docker::DockerClient& docker, const Action& action, const DesiredContainer& container);
  bool readyExecDone(const ObservedContainer& observed) const;
  // The failure of the current instance's ready_exec that waits for its retry ("" when none).
  std::string readyExecFailure(const std::string& name) const;
  void handleEvent(docker::DockerClient& docker, const docker::Event& event);
  bool refreshObserved(docker::DockerClient& docker, const std::string& name);
  void noteDeath(const std::string& name);
  void markStopping(const std::string& name);
  void recordFailure(const std::string& container, const std::string& reason, std::optional<int> exitCode);
  void runDueRestarts(docker::DockerClient& docker);
  Status handleCommand(docker::DockerClient& docker, const Task& task);
  Status stopContainers(docker::DockerClient& docker, const DesiredService& service);
  void saveHolds();
  Holds currentHolds() const;
  void publishStatus();
  std::optional<WallTime> nextWake() const;
  void noteDockerError(const Error& error);

  SupervisorSettings settings_;
  host::Clock& clock_;
  HttpClientFactory httpFactory_;

  std::atomic<bool> stopping_{false};
  std::thread worker_;
  std::thread eventReader_;
  mutable std::mutex queueMutex_;
  std::condition_variable queueChanged_;
  std::deque<Task> queue_;

  // Owned by the worker thread.
  std::optional<DesiredSet> desired_;
  std::map<std::string, ObservedContainer> observed_;  // by container name
  std::map<std::string, Runtime> runtime_;             // by container name
  std::map<std::string, std::string> serviceErrors_;   // service → what failed in the last pass
  std::map<std::string, std::string> waiting_;         // service → why it waits
  std::map<std::string, std::string> pulling_;         // service → pull progress ("12.0 of 80.5 MB")
  HeldState held_;
  bool passWanted_ = false;
  bool dockerConnected_ = false;
  WallTime lastPass_{};

  // Shared snapshot for readers.
  mutable std::mutex statusMutex_;
  SupervisorStatus status_;
  SupervisorMetrics metrics_;
  docker::ApiVersion apiVersion_ = docker::kMinimumApiVersion;
  std::map<std::string, std::vector<std::string>> containersByService_;
};

}  // namespace cairn::supervisor
