#include "services/supervisor/plan.hpp"

#include <algorithm>

namespace cairn::supervisor {
namespace {

const ObservedContainer* findObserved(const std::vector<ObservedContainer>& observed, const std::string& name) {
  for (const auto& item : observed) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

bool isRunning(const ObservedContainer& observed) {
  return observed.status == "running" || observed.status == "restarting" || observed.status == "paused";
}

bool needsStart(const DesiredContainer& container, const ObservedContainer& observed) {
  if (observed.status == "created") return true;
  bool stopped = observed.status == "exited" || observed.status == "dead";
  if (container.oneShot) return stopped && observed.exitCode != 0;
  return stopped;
}

bool runningAndHealthy(const DesiredContainer& container, const ObservedContainer& observed) {
  if (observed.status != "running") return false;
  return !container.healthcheck || observed.health == "healthy";
}

bool serviceReady(const DesiredService& service, const std::vector<ObservedContainer>& observed) {
  for (const auto& container : service.containers) {
    if (!containerReady(container, findObserved(observed, container.name))) return false;
  }
  return true;
}

// Every container runs healthy and only a ready_exec keeps the service from being ready.
bool onlyReadyExecPending(const DesiredService& service, const std::vector<ObservedContainer>& observed) {
  for (const auto& container : service.containers) {
    const ObservedContainer* current = findObserved(observed, container.name);
    if (!current || current->specHash != container.specHash || !runningAndHealthy(container, *current)) return false;
  }
  return true;
}

}  // namespace

const char* actionName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kRemove: return "remove";
    case ActionKind::kCreate: return "create";
    case ActionKind::kStart: return "start";
    case ActionKind::kStop: return "stop";
    case ActionKind::kReadyExec: return "ready-exec";
  }
  return "?";
}

bool containerReady(const DesiredContainer& container, const ObservedContainer* observed) {
  if (!observed || observed->specHash != container.specHash) return false;
  if (container.oneShot) return observed->status == "exited" && observed->exitCode == 0 && observed->everStarted;
  if (!runningAndHealthy(container, *observed)) return false;
  return !container.readyExec || observed->readyExecDone;
}

ReconcilePlan planReconcile(const DesiredSet& desired, const std::vector<ObservedContainer>& observed,
                            const Holds& holds) {
  ReconcilePlan plan;
  std::set<std::string> retryingExec;
  for (const auto& item : observed) {
    if (!desired.container(item.name)) {
      plan.actions.push_back({ActionKind::kRemove, item.service, item.name, item.id, "no longer desired"});
    }
  }
  // Held services stop in reverse dependency order.
  for (auto service = desired.services.rbegin(); service != desired.services.rend(); ++service) {
    if (!holds.held(service->name)) continue;
    for (auto container = service->containers.rbegin(); container != service->containers.rend(); ++container) {
      const ObservedContainer* current = findObserved(observed, container->name);
      if (current && current->specHash == container->specHash && isRunning(*current)) {
        plan.actions.push_back({ActionKind::kStop, service->name, container->name, current->id, "held down"});
      }
    }
  }
  for (const auto& service : desired.services) {
    std::set<std::string> fresh;
    for (const auto& container : service.containers) {
      const ObservedContainer* current = findObserved(observed, container.name);
      if (current && current->specHash != container.specHash) {
        plan.actions.push_back({ActionKind::kRemove, service.name, container.name, current->id, "spec changed"});
        plan.actions.push_back({ActionKind::kCreate, service.name, container.name, "", "spec changed"});
        fresh.insert(container.name);
      } else if (!current) {
        plan.actions.push_back({ActionKind::kCreate, service.name, container.name, "", "missing"});
        fresh.insert(container.name);
      }
    }
    if (holds.held(service.name)) {
      plan.waiting[service.name] = "stopped by the operator";
      continue;
    }
    for (const auto& container : service.containers) {
      const ObservedContainer* current = findObserved(observed, container.name);
      if (!container.readyExec || fresh.count(container.name) || !current || current->readyExecDone ||
          !runningAndHealthy(container, *current)) {
        continue;
      }
      if (holds.readyExecBackingOff.count(container.name)) {
        retryingExec.insert(service.name);
      } else {
        plan.actions.push_back({ActionKind::kReadyExec, service.name, container.name, current->id, "running and healthy"});
      }
    }
    for (const auto& dependency : service.dependsOn) {
      const DesiredService* needed = desired.service(dependency);
      if (needed && !serviceReady(*needed, observed)) {
        plan.waiting[service.name] = "waiting for " + dependency +
                                     (needed->oneShot()                          ? " to complete"
                                      : onlyReadyExecPending(*needed, observed) ? " to finish its ready_exec"
                                                                                 : " to be healthy");
        break;
      }
    }
    if (plan.waiting.count(service.name)) continue;
    for (const auto& container : service.containers) {
      if (holds.backingOff.count(container.name)) {
        plan.waiting[service.name] = "restart delayed (backoff)";
        continue;
      }
      const ObservedContainer* current = findObserved(observed, container.name);
      if (fresh.count(container.name) || (current && needsStart(container, *current))) {
        plan.actions.push_back({ActionKind::kStart, service.name, container.name, "", fresh.count(container.name) ? "new" : "not running"});
      }
    }
  }
  for (const auto& service : retryingExec) plan.waiting.emplace(service, "ready_exec failed; retrying (backoff)");
  return plan;
}

}  // namespace cairn::supervisor
