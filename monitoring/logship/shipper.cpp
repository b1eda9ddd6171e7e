#include "monitoring/logship/shipper.hpp"

#include <Poco/Logger.h>

#include <algorithm>

namespace cairn::logship {
namespace {

constexpr std::size_t kEntriesPerTurn = 4096;

std::int64_t toNs(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

}  // namespace

Shipper::Shipper(ShipperSettings settings, LokiPusher& pusher, const PositionStore& store, PositionMap acknowledged,
                 host::Clock& clock, metrics::Registry& registry)
    : settings_(settings),
      store_(store),
      acknowledged_(std::move(acknowledged)),
      clock_(clock),
      registry_(registry),
      sourcesGauge_(registry.gauge("cairn_logship_sources", "Sources being shipped.")),
      inFlightGauge_(registry.gauge("cairn_logship_batches_in_flight", "Sealed batches not yet acknowledged by Loki.")),
      positionSaveFailures_(registry.counter("cairn_logship_position_save_failures_total",
                                             "Failed writes of the positions file (retried with the next batch).")),
      lane_(pusher, store) {
  settings_.batchesInFlight = std::max<std::size_t>(1, settings_.batchesInFlight);
  replayStamps_ = store_.loadStamps();
}

// Where the source's next entry starts: after its last entry batched, sealed or acknowledged.
std::optional<SourcePosition> Shipper::readPosition(const std::string& key) const {
  if (const auto batched = batchSources_.find(key); batched != batchSources_.end()) return batched->second.position;
  if (const auto read = readPositions_.find(key); read != readPositions_.end()) return read->second;
  if (const auto acked = acknowledged_.find(key); acked != acknowledged_.end()) return acked->second;
  return std::nullopt;
}

// The anchor the last run gave the lines from `from` on, if it sent them. Segments passed over
// go; so do all of them when the source's first stamped line matches none (they are stale).
std::optional<std::int64_t> Shipper::replayedAnchor(const std::string& key, const std::optional<SourcePosition>& from) {
  const auto replay = replayStamps_.find(key);
  if (replay == replayStamps_.end()) return std::nullopt;
  auto& segments = replay->second;
  const auto match = std::find_if(segments.begin(), segments.end(), [&](const BatchStamp& s) { return samePosition(s.from, from); });
  std::optional<std::int64_t> anchor;
  if (match != segments.end()) {
    anchor = match->anchorNs;
    segments.erase(segments.begin(), match + 1);
  } else if (!readPositions_.count(key) && !batchSources_.count(key)) {
    segments.clear();
  } else if (from && from->file) {
    segments.erase(std::remove_if(segments.begin(), segments.end(),
                                  [&](const BatchStamp& s) {
                                    return s.from && s.from->file && s.from->file->device == from->file->device &&
                                           s.from->file->inode == from->file->inode && s.from->file->offset < from->file->offset;
                                  }),
                   segments.end());
  }
  if (segments.empty()) replayStamps_.erase(replay);
  return anchor;
}

std::int64_t Shipper::stampFor(const std::string& key) {
  auto [anchor, fresh] = anchors_.try_emplace(key);
  if (fresh || (!replayStamps_.empty() && replayStamps_.count(key))) {
    const auto from = readPosition(key);
    const auto replayed = replayedAnchor(key, from);
    if (replayed || fresh) {
      anchor->second = {replayed ? *replayed : toNs(clock_.now()), 0};
      batchStamps_[key].push_back({from, anchor->second.anchorNs});
    }
  }
  return anchor->second.anchorNs + anchor->second.next++;
}

void Shipper::addSource(std::unique_ptr<Source> source) {
  sources_.push_back(std::move(source));
  sourcesGauge_.set(static_cast<double>(sources_.size()));
}

bool Shipper::hasSource(const std::string& key) const {
  return std::any_of(sources_.begin(), sources_.end(), [&](const auto& s) { return s->key() == key; });
}

void Shipper::retireWhenFinished(const std::string& key) {
  if (std::find(retiring_.begin(), retiring_.end(), key) == retiring_.end()) retiring_.push_back(key);
}

std::vector<std::string> Shipper::sourceKeys() const {
  std::vector<std::string> keys;
  for (const auto& source : sources_) keys.push_back(source->key());
  return keys;
}

std::optional<SourcePosition> Shipper::acknowledgedPosition(const std::string& key) const {
  const auto it = acknowledged_.find(key);
  if (it == acknowledged_.end()) return std::nullopt;
  return it->second;
}

void Shipper::addToBatch(std::size_t sourceIndex, LogEntry&& entry) {
  if (entry.stampedAtRead) entry.timestampNs = stampFor(sources_[sourceIndex]->key());
  // Loki wants each stream in time order; a line stamped earlier than the one before it in its
  // stream (clock steps, mixed sources) takes that one's time.
  auto [newest, inserted] = newestPerStream_.try_emplace(*entry.labels, entry.timestampNs);
  if (!inserted) {
    if (entry.timestampNs < newest->second) entry.timestampNs = newest->second;
    newest->second = entry.timestampNs;
  }
  const Source& source = *sources_[sourceIndex];
  PendingSource& pending = batchSources_[source.key()];
  pending.key = source.key();
  pending.name = source.name();
  pending.position = std::move(entry.after);
  pending.lines += 1;
  pending.bytes += entry.line.size();
  pending.newestNs = std::max(pending.newestNs, entry.timestampNs);
  if (batch_.empty()) batchStarted_ = clock_.monotonic();
  batch_.add(*entry.labels, entry.timestampNs, std::move(entry.line));
}

bool Shipper::step() {
  if (!collect(false)) return false;
  const std::int64_t nowNs = toNs(clock_.now());
  bool readSomething = false;
  bool full = false;
  if (carry_) {
    addToBatch(carry_->first, std::move(carry_->second));
    carry_.reset();
    readSomething = true;
  }
  for (std::size_t turn = 0; turn < sources_.size() && !full; ++turn) {
    const std::size_t index = (nextSource_ + turn) % sources_.size();
    LogEntry entry;
    for (std::size_t n = 0; n < kEntriesPerTurn; ++n) {
      if (!sources_[index]->next(entry, nowNs)) break;
      readSomething = true;
      if (!batch_.empty() && batch_.bytes() + entry.line.size() > settings_.batchBytes) {
        carry_.emplace(index, std::move(entry));
        full = true;
        break;
      }
      addToBatch(index, std::move(entry));
    }
  }
  if (!sources_.empty()) nextSource_ = (nextSource_ + 1) % sources_.size();
  const bool old = batchStarted_ && clock_.monotonic() - *batchStarted_ >= std::chrono::milliseconds(settings_.batchWaitMs);
  if (!batch_.empty() && (full || old || batch_.bytes() >= settings_.batchBytes)) {
    if (!seal()) return false;
  }
  retireFinished();
  return readSomething;
}

// Hands the batch to the lane, first waiting for a free place in it.
bool Shipper::seal() {
  while (lane_.size() >= settings_.batchesInFlight) {
    if (!collect(true)) return false;
  }
  auto push = std::make_unique<Push>();
  push->batch = std::move(batch_);
  batch_.clear();
  for (const auto& [key, pending] : batchSources_) readPositions_[key] = pending.position;
  sealed_.push_back({std::move(batchSources_), std::move(batchStamps_)});
  batchSources_.clear();
  batchStamps_.clear();
  anchors_.clear();
  batchStarted_.reset();
  if (!sealed_.back().stamps.empty()) {
    StampMap unacknowledged;
    for (const auto& sealed : sealed_) {
      for (const auto& [key, segments] : sealed.stamps) {
        auto& all = unacknowledged[key];
        all.insert(all.end(), segments.begin(), segments.end());
      }
    }
    push->stamps = std::move(unacknowledged);
  }
  lane_.submit(std::move(push));
  inFlightGauge_.set(static_cast<double>(sealed_.size()));
  return true;
}

// Takes back the pushes the lane finished and acknowledges them, oldest first. False once one
// ended kStopped (the ones after it end so too, unsent).
bool Shipper::collect(bool wait) {
  auto finished = lane_.takeFinished(wait);
  bool acknowledgedAny = false;
  for (const auto& push : finished) {
    const Sealed sealed = std::move(sealed_.front());
    sealed_.pop_front();
    if (push->outcome == Delivery::kStopped) {
      stopped_ = true;
      continue;
    }
    acknowledge(sealed, push->dropped);
    acknowledgedAny = true;
  }
  if (acknowledgedAny) savePositions();
  if (!finished.empty()) inFlightGauge_.set(static_cast<double>(sealed_.size()));
  return !stopped_;
}

Delivery Shipper::settle() {
  while (lane_.size() > 0) collect(true);
  return stopped_ ? Delivery::kStopped : Delivery::kDelivered;
}

Delivery Shipper::flush() {
  if (!batch_.empty() && !stopped_) (void)seal();
  return settle();
}

void Shipper::acknowledge(const Sealed& sealed, const std::vector<DroppedEntry>& dropped) {
  const std::int64_t nowNs = toNs(clock_.now());
  for (const auto& drop : dropped) {
    registry_.counter("cairn_logship_lines_dropped_total", "Entries dropped, by reason.",
                      {{"source", "loki"}, {"reason", drop.reason}}).inc();
  }
  for (const auto& [key, pending] : sealed.sources) {
    acknowledged_[key] = pending.position;
    const metrics::Labels labels = {{"source", pending.name}};
    registry_.counter("cairn_logship_lines_sent_total", "Lines acknowledged by Loki per source.", labels)
        .inc(static_cast<double>(pending.lines));
    registry_.counter("cairn_logship_bytes_sent_total", "Line bytes acknowledged by Loki per source.", labels)
        .inc(static_cast<double>(pending.bytes));
    registry_.gauge("cairn_logship_lag_seconds", "Age of the newest acknowledged entry per source when it was acknowledged.", labels)
        .set(static_cast<double>(std::max<std::int64_t>(0, nowNs - pending.newestNs)) / 1e9);
  }
}

void Shipper::savePositions() {
  auto saved = store_.save(acknowledged_);
  if (!saved) {
    positionSaveFailures_.inc();
    Poco::Logger::get("logship.positions").warning("cannot save positions: %s", saved.error().message);
  }
}

bool Shipper::inFlight(const std::string& key) const {
  return batchSources_.count(key) ||
         std::any_of(sealed_.begin(), sealed_.end(), [&](const Sealed& sealed) { return sealed.sources.count(key) > 0; });
}

void Shipper::retireFinished() {
  if (retiring_.empty() || carry_) return;  // carry_ holds an index into sources_
  bool changed = false;
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    const auto source = std::find_if(sources_.begin(), sources_.end(), [&](const auto& s) { return s->key() == *it; });
    if (source == sources_.end()) {
      it = retiring_.erase(it);
      continue;
    }
    if (!(*source)->finished() || inFlight(*it)) {
      ++it;
      continue;
    }
    Poco::Logger::get("logship").information("source finished: %s", (*source)->name());
    acknowledged_.erase(*it);
    readPositions_.erase(*it);
    sources_.erase(source);
    it = retiring_.erase(it);
    changed = true;
  }
  if (changed) {
    nextSource_ = 0;
    sourcesGauge_.set(static_cast<double>(sources_.size()));
    (void)store_.save(acknowledged_);
  }
}

}  // namespace cairn::logship
