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
      pusher_(pusher),
      store_(store),
      acknowledged_(std::move(acknowledged)),
      clock_(clock),
      registry_(registry),
      sourcesGauge_(registry.gauge("cairn_logship_sources", "Sources being shipped.")),
      positionSaveFailures_(registry.counter("cairn_logship_position_save_failures_total",
                                             "Failed writes of the positions file (retried with the next batch).")) {
  replayStamps_ = store_.loadStamps();
}

std::int64_t Shipper::stampFor(const std::string& key) {
  auto [anchor, fresh] = anchors_.try_emplace(key);
  if (fresh) {
    BatchStamp& stamp = batchStamps_[key];
    const auto acked = acknowledged_.find(key);
    if (acked != acknowledged_.end()) stamp.from = acked->second;
    stamp.anchorNs = toNs(clock_.now());
    const auto replay = replayStamps_.find(key);
    if (replay != replayStamps_.end()) {
      if (samePosition(replay->second.from, stamp.from)) stamp.anchorNs = replay->second.anchorNs;
      replayStamps_.erase(replay);
    }
    anchor->second.anchorNs = stamp.anchorNs;
  }
  return anchor->second.anchorNs + anchor->second.next++;
}

void Shipper::saveStamps() {
  if (batchStamps_.empty()) return;
  auto saved = store_.saveStamps(batchStamps_);
  if (!saved) Poco::Logger::get("logship.positions").warning("cannot save batch stamps: %s", saved.error().message);
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
    if (flush() == Delivery::kStopped) return false;
  }
  retireFinished();
  return readSomething;
}

Delivery Shipper::flush() {
  if (batch_.empty()) return Delivery::kDelivered;
  std::vector<DroppedEntry> dropped;
  saveStamps();
  if (pusher_.deliver(batch_, dropped) == Delivery::kStopped) {
    stopped_ = true;
    return Delivery::kStopped;
  }
  acknowledge(dropped);
  return Delivery::kDelivered;
}

void Shipper::acknowledge(const std::vector<DroppedEntry>& dropped) {
  const std::int64_t nowNs = toNs(clock_.now());
  for (const auto& drop : dropped) {
    registry_.counter("cairn_logship_lines_dropped_total", "Entries dropped, by reason.",
                      {{"source", "loki"}, {"reason", drop.reason}}).inc();
  }
  for (auto& [key, pending] : batchSources_) {
    acknowledged_[key] = pending.position;
    const metrics::Labels labels = {{"source", pending.name}};
    registry_.counter("cairn_logship_lines_sent_total", "Lines acknowledged by Loki per source.", labels)
        .inc(static_cast<double>(pending.lines));
    registry_.counter("cairn_logship_bytes_sent_total", "Line bytes acknowledged by Loki per source.", labels)
        .inc(static_cast<double>(pending.bytes));
    registry_.gauge("cairn_logship_lag_seconds", "Age of the newest acknowledged entry per source when it was acknowledged.", labels)
        .set(static_cast<double>(std::max<std::int64_t>(0, nowNs - pending.newestNs)) / 1e9);
  }
  batch_.clear();
  batchSources_.clear();
  batchStamps_.clear();
  anchors_.clear();
  batchStarted_.reset();
  auto saved = store_.save(acknowledged_);
  if (!saved) {
    positionSaveFailures_.inc();
    Poco::Logger::get("logship.positions").warning("cannot save positions: %s", saved.error().message);
  }
}

void Shipper::retireFinished() {
  if (retiring_.empty() || !batch_.empty() || carry_) return;
  bool changed = false;
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    const auto source = std::find_if(sources_.begin(), sources_.end(), [&](const auto& s) { return s->key() == *it; });
    if (source == sources_.end()) {
      it = retiring_.erase(it);
      continue;
    }
    if (!(*source)->finished()) {
      ++it;
      continue;
    }
    Poco::Logger::get("logship").information("source finished: %s", (*source)->name());
    acknowledged_.erase((*source)->key());
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
