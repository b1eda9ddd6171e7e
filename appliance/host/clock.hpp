#pragma once
// Clock: the one seam for time, so that backoff, expiry and timeouts are tested without waiting.

#include <chrono>

namespace cairn::host {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  virtual std::chrono::steady_clock::time_point monotonic() const = 0;
  virtual void sleepFor(std::chrono::milliseconds duration) = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point monotonic() const override { return std::chrono::steady_clock::now(); }
  void sleepFor(std::chrono::milliseconds duration) override;
};

}  // namespace cairn::host
