#pragma once
// DeliveryLane: one sender thread that pushes sealed batches to Loki in the order they were
// submitted, one request at a time, so every stream reaches Loki in time order, while the
// shipper's thread goes on reading the next batch. Before each push the lane writes the text the
// batch came with to the stamps file (the stamps of every batch not yet acknowledged), so the
// fsync is off the reading thread too. The caller bounds how many batches are in the lane.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "monitoring/logship/batch.hpp"
#include "monitoring/logship/positions.hpp"
#include "monitoring/logship/pusher.hpp"

namespace cairn::logship {

struct Push {
  Batch batch;
  std::optional<StampMap> stamps;  // to write before the push, when the batch has stamped lines
  Delivery outcome = Delivery::kDelivered;
  std::vector<DroppedEntry> dropped;
};

class DeliveryLane {
 public:
  DeliveryLane(LokiPusher& pusher, const PositionStore& store);
  // Finishes the push under way (a stop request makes that quick) and abandons the rest, as a
  // crash would: nothing not acknowledged counts as delivered.
  ~DeliveryLane();
  DeliveryLane(const DeliveryLane&) = delete;
  DeliveryLane& operator=(const DeliveryLane&) = delete;

  void submit(std::unique_ptr<Push> push);
  // Batches in the lane, pushed or not, until taken back.
  std::size_t size() const;
  // The finished pushes at the front, oldest first. With `wait`, blocks until at least one is
  // finished (unless the lane is empty). After a push ends kStopped, every later one ends
  // kStopped without being sent.
  std::vector<std::unique_ptr<Push>> takeFinished(bool wait);

 private:
  void run();

  LokiPusher& pusher_;
  const PositionStore& store_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Push>> pushes_;
  std::size_t finished_ = 0;  // at the front of pushes_
  bool stopped_ = false;
  bool closing_ = false;
  std::thread sender_;
};

}  // namespace cairn::logship
