#pragma once
// Deciding a reconcile pass: desired containers vs the ones Docker has (by label) → the actions
// that move one step closer. Pure.
//
// One pass creates what is missing, recreates what changed (spec hash), removes managed orphans,
// and starts the services whose dependencies are ready (healthy, or exited 0 for one-shot
// services). Services that must wait are listed with the reason; the supervisor runs another
// pass when something changes (a start, a health change, an exit). A pass over a converged
// system has no actions, so running it again changes nothing.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/supervisor/desired.hpp"

namespace cairn::supervisor {

struct ObservedContainer {
  std::string id;
  std::string name;
  std::string service;   // io.cairn.service
  std::string specHash;  // io.cairn.spec-hash
  std::string status;    // Docker's State.Status
  std::string health = "none";
  int exitCode = 0;
  bool everStarted = false;
  bool readyExecDone = false;  // its ready_exec succeeded in this container instance
  // Not used by the plan; kept for status.
  std::string image;
  bool oomKilled = false;
  std::optional<std::chrono::system_clock::time_point> startedAt;
};

struct Holds {
  bool allDown = false;                      // `cairnctl down`: nothing runs until `up`
  std::set<std::string> stoppedServices;     // stopped one by one by the operator
  std::set<std::string> backingOff;          // containers waiting for their restart delay
  std::set<std::string> readyExecBackingOff; // containers waiting to retry a failed ready_exec
  bool held(const std::string& service) const { return allDown || stoppedServices.count(service) > 0; }
};

// kReadyExec: run the container's ready_exec (it is running, healthy, and has not run it yet).
enum class ActionKind { kRemove, kCreate, kStart, kStop, kReadyExec };

struct Action {
  ActionKind kind;
  std::string service;
  std::string container;  // the container's name
  std::string containerId;  // for kRemove: the observed container (the name may be reused)
  std::string reason;
};

struct ReconcilePlan {
  std::vector<Action> actions;
  std::map<std::string, std::string> waiting;  // service → why it was not started in this pass
};

// Whether `container` counts as ready for its dependents: running and healthy (or exited 0 for
// a one-shot), and its ready_exec, if any, done.
bool containerReady(const DesiredContainer& container, const ObservedContainer* observed);

ReconcilePlan planReconcile(const DesiredSet& desired, const std::vector<ObservedContainer>& observed,
                            const Holds& holds);

const char* actionName(ActionKind kind);

}  // namespace cairn::supervisor
