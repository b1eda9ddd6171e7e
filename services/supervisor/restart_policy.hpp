#pragma once
// When to restart a container that died or turned unhealthy, and when to call it crash-looping.
// Pure: times are passed in.

#include <chrono>
#include <deque>
#include <optional>

namespace cairn::supervisor {

using WallTime = std::chrono::system_clock::time_point;

struct RestartPolicy {
  std::chrono::milliseconds firstDelay{100};     // first retry well within 1 s
  std::chrono::milliseconds maxDelay{300'000};   // doubling up to 5 minutes
  std::chrono::seconds stableAfter{600};         // a run this long resets the doubling
  int crashLoopFailures = 5;                     // this many failures...
  std::chrono::seconds crashLoopWindow{600};     // ...within this window: crash-looping
};

// One container's failure history. Not thread-safe (owned by the supervisor's worker).
class RestartTracker {
 public:
  // Records a failure at `now` of a run that started at `runStartedAt` (nullopt: unknown) and
  // returns how long to wait before starting it again.
  std::chrono::milliseconds recordFailure(const RestartPolicy& policy, WallTime now, std::optional<WallTime> runStartedAt);
  bool crashLooping(const RestartPolicy& policy, WallTime now) const;
  int failuresWithin(const RestartPolicy& policy, WallTime now) const;
  int consecutiveFailures() const { return consecutive_; }

 private:
  std::deque<WallTime> failures_;
  int consecutive_ = 0;
};

// firstDelay × 2^(consecutive − 1), capped at maxDelay (consecutive ≥ 1).
std::chrono::milliseconds restartDelay(const RestartPolicy& policy, int consecutiveFailures);

}  // namespace cairn::supervisor
