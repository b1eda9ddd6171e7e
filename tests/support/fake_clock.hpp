#pragma once
// FakeClock: time moves only when a test (or sleepFor) advances it. Safe to share with the
// threads of the code under test (the shipper's delivery lane sleeps on it).

#include <mutex>
#include <vector>

#include "appliance/host/clock.hpp"

namespace cairn::testing {

class FakeClock final : public host::Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    std::lock_guard lock(mutex_);
    return wall_;
  }
  std::chrono::steady_clock::time_point monotonic() const override {
    std::lock_guard lock(mutex_);
    return steady_;
  }
  void sleepFor(std::chrono::milliseconds duration) override {
    std::lock_guard lock(mutex_);
    slept_.push_back(duration);
    wall_ += duration;
    steady_ += duration;
  }
  void advance(std::chrono::milliseconds duration) {
    std::lock_guard lock(mutex_);
    wall_ += duration;
    steady_ += duration;
  }
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard lock(mutex_);
    return slept_;
  }

 private:
  mutable std::mutex mutex_;
  std::chrono::system_clock::time_point wall_ = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  std::chrono::steady_clock::time_point steady_{};
  std::vector<std::chrono::milliseconds> slept_;
};

}  // namespace cairn::testing
