#include "appliance/host/clock.hpp"

#include <thread>

namespace cairn::host {

void SystemClock::sleepFor(std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); }

}  // namespace cairn::host
