#include "services/supervisor/restart_policy.hpp"

namespace cairn::supervisor {

std::chrono::milliseconds restartDelay(const RestartPolicy& policy, int consecutiveFailures) {
  std::chrono::milliseconds delay = policy.firstDelay;
  for (int i = 1; i < consecutiveFailures && delay < policy.maxDelay; ++i) delay *= 2;
  return delay < policy.maxDelay ? delay : policy.maxDelay;
}

std::chrono::milliseconds RestartTracker::recordFailure(const RestartPolicy& policy, WallTime now,
                                                        std::optional<WallTime> runStartedAt) {
  if (runStartedAt && now - *runStartedAt >= policy.stableAfter) consecutive_ = 0;
  ++consecutive_;
  failures_.push_back(now);
  while (!failures_.empty() && now - failures_.front() > policy.crashLoopWindow) failures_.pop_front();
  return restartDelay(policy, consecutive_);
}

int RestartTracker::failuresWithin(const RestartPolicy& policy, WallTime now) const {
  int count = 0;
  for (const auto& at : failures_) {
    if (now - at <= policy.crashLoopWindow) ++count;
  }
  return count;
}

bool RestartTracker::crashLooping(const RestartPolicy& policy, WallTime now) const {
  return failuresWithin(policy, now) >= policy.crashLoopFailures;
}

}  // namespace cairn::supervisor
