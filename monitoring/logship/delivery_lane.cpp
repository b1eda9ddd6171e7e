#include "monitoring/logship/delivery_lane.hpp"

#include <Poco/Logger.h>

namespace cairn::logship {

DeliveryLane::DeliveryLane(LokiPusher& pusher, const PositionStore& store)
    : pusher_(pusher), store_(store), sender_([this] { run(); }) {}

DeliveryLane::~DeliveryLane() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  sender_.join();
}

void DeliveryLane::submit(std::unique_ptr<Push> push) {
  {
    std::lock_guard lock(mutex_);
    pushes_.push_back(std::move(push));
  }
  changed_.notify_all();
}

std::size_t DeliveryLane::size() const {
  std::lock_guard lock(mutex_);
  return pushes_.size();
}

std::vector<std::unique_ptr<Push>> DeliveryLane::takeFinished(bool wait) {
  std::unique_lock lock(mutex_);
  if (wait) changed_.wait(lock, [&] { return finished_ > 0 || pushes_.empty(); });
  std::vector<std::unique_ptr<Push>> finished;
  for (; finished_ > 0; --finished_) {
    finished.push_back(std::move(pushes_.front()));
    pushes_.pop_front();
  }
  return finished;
}

void DeliveryLane::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return closing_ || finished_ < pushes_.size(); });
    if (closing_) return;
    Push& push = *pushes_[finished_];  // stays put: only the front finished ones are taken
    const bool stoppedBefore = stopped_;
    lock.unlock();
    if (stoppedBefore) {
      push.outcome = Delivery::kStopped;
    } else {
      if (push.stamps) {
        auto saved = store_.saveStamps(*push.stamps);
        if (!saved) Poco::Logger::get("logship.positions").warning("cannot save batch stamps: %s", saved.error().message);
      }
      push.outcome = pusher_.deliver(push.batch, push.dropped);
    }
    push.batch = Batch{};  // its memory goes now, not when the shipper takes the push back
    lock.lock();
    if (push.outcome == Delivery::kStopped) stopped_ = true;
    ++finished_;
    changed_.notify_all();
  }
}

}  // namespace cairn::logship
