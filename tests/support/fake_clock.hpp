#pragma once
// FakeClock: time moves only when a test (or sleepFor) advances it.

#include "appliance/host/clock.hpp"

namespace cairn::testing {

class FakeClock final : public host::Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return wall_; }
  std::chrono::steady_clock::time_point monotonic() const override { return steady_; }
  void sleepFor(std::chrono::milliseconds duration) override {
    slept_.push_back(duration);
    advance(duration);
  }
  void advance(std::chrono::milliseconds duration) {
    wall_ += duration;
    steady_ += duration;
  }
  const std::vector<std::chrono::milliseconds>& sleeps() const { return slept_; }

 private:
  std::chrono::system_clock::time_point wall_ = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  std::chrono::steady_clock::time_point steady_{};
  std::vector<std::chrono::milliseconds> slept_;
};

}  // namespace cairn::testing
