#pragma once
// Shipper: the loop that moves entries from the sources into batches and batches into Loki.
// One thread drives it; sealed batches go to a DeliveryLane, which pushes them in order on its
// own thread while this one reads the next. At most batchesInFlight sealed batches wait for Loki
// (then reading waits: the source files are the buffer, so memory stays bounded), and a
// source's position is saved only after Loki acknowledged every entry before it. Lines without
// a time of their own are stamped anchor + 0, 1, 2, ... ns per source and batch; the anchors of
// every batch not yet acknowledged are saved before its push (PositionStore::saveStamps) and
// reused after a restart from the position each one started at, so lines sent again after a
// crash keep their first time.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "appliance/host/clock.hpp"
#include "appliance/metrics/metrics.hpp"
#include "monitoring/logship/batch.hpp"
#include "monitoring/logship/delivery_lane.hpp"
#include "monitoring/logship/positions.hpp"
#include "monitoring/logship/pusher.hpp"
#include "monitoring/logship/source.hpp"

namespace cairn::logship {

struct ShipperSettings {
  std::size_t batchBytes = 1024 * 1024;
  std::int64_t batchWaitMs = 1000;
  std::size_t batchesInFlight = 2;  // sealed, not yet acknowledged
};

class Shipper {
 public:
  Shipper(ShipperSettings settings, LokiPusher& pusher, const PositionStore& store, PositionMap acknowledged,
          host::Clock& clock, metrics::Registry& registry);

  void addSource(std::unique_ptr<Source> source);
  bool hasSource(const std::string& key) const;
  // The source may go once it is finished and its entries were acknowledged; its position is
  // then forgotten.
  void retireWhenFinished(const std::string& key);
  std::vector<std::string> sourceKeys() const;
  std::optional<SourcePosition> acknowledgedPosition(const std::string& key) const;

  // Acknowledges the batches Loki took, reads what the sources have into the batch and seals the
  // batch for delivery when it is full or its oldest entry waited batchWait. Returns true when
  // something was read (call again at once). kStopped from the pusher ends the step early;
  // stopped() tells.
  bool step();
  // Waits until every sealed batch is delivered and acknowledged.
  Delivery settle();
  // Seals what is batched now and settles (at shutdown).
  Delivery flush();
  bool stopped() const { return stopped_; }

 private:
  struct PendingSource {
    std::string key;
    std::string name;
    SourcePosition position;
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    std::int64_t newestNs = 0;
  };
  struct Anchor {
    std::int64_t anchorNs = 0;
    std::int64_t next = 0;
  };
  // A batch handed to the lane, in the lane's order.
  struct Sealed {
    std::map<std::string, PendingSource> sources;
    StampMap stamps;
  };
  void addToBatch(std::size_t sourceIndex, LogEntry&& entry);
  std::int64_t stampFor(const std::string& key);
  std::optional<SourcePosition> readPosition(const std::string& key) const;
  std::optional<std::int64_t> replayedAnchor(const std::string& key, const std::optional<SourcePosition>& from);
  bool seal();
  bool collect(bool wait);
  void acknowledge(const Sealed& sealed, const std::vector<DroppedEntry>& dropped);
  void savePositions();
  bool inFlight(const std::string& key) const;
  void retireFinished();

  ShipperSettings settings_;
  const PositionStore& store_;
  PositionMap acknowledged_;
  PositionMap readPositions_;  // after the last entry sealed, per source
  host::Clock& clock_;
  metrics::Registry& registry_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<std::string> retiring_;
  Batch batch_;
  std::map<std::string, PendingSource> batchSources_;
  std::optional<std::chrono::steady_clock::time_point> batchStarted_;
  std::optional<std::pair<std::size_t, LogEntry>> carry_;  // read but did not fit the batch
  std::unordered_map<std::string, std::int64_t> newestPerStream_;
  StampMap replayStamps_;  // of the batches in flight when the last run ended
  StampMap batchStamps_;   // of the batch being built
  std::map<std::string, Anchor> anchors_;
  std::deque<Sealed> sealed_;  // in step with the lane
  std::size_t nextSource_ = 0;
  bool stopped_ = false;
  metrics::Gauge& sourcesGauge_;
  metrics::Gauge& inFlightGauge_;
  metrics::Counter& positionSaveFailures_;
  DeliveryLane lane_;  // last: its sender stops before anything it was given goes
};

}  // namespace cairn::logship
