#pragma once
// LokiPusher: delivers a Batch to Loki's /loki/api/v1/push and never drops an entry for a
// reason that may pass: connection errors, timeouts, 429, 5xx and unexpected answers are retried
// with exponential backoff and jitter until Loki accepts or a stop is requested. A 400 (or 413)
// means some entry is bad: the batch is split in halves until the bad entries are isolated;
// only those are dropped and reported. Not thread-safe; one pusher per shipper thread.

#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "appliance/host/clock.hpp"
#include "appliance/host/http_client.hpp"
#include "appliance/metrics/metrics.hpp"
#include "monitoring/logship/batch.hpp"

namespace cairn::logship {

struct PushSettings {
  std::string url;
  std::string tenant;    // X-Scope-OrgID; empty: single-tenant
  std::string username;  // basic auth when not empty
  std::string password;
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds minBackoff{500};
  std::chrono::milliseconds maxBackoff{30'000};
};

struct DroppedEntry {
  std::size_t index = 0;  // in the batch
  std::string reason;     // "line_too_long", "too_far_behind", ... from Loki's answer
};

// Delay before retry number `attempt` (0 first): min * 2^attempt capped at max, scaled by a
// jitter factor in [0.5, 1] given by `jitter` in [0, 1].
std::chrono::milliseconds backoffDelay(int attempt, std::chrono::milliseconds min, std::chrono::milliseconds max,
                                       double jitter);

// A reason label from the text of Loki's 400 answer.
std::string rejectionReason(const std::string& body);

enum class Delivery { kDelivered, kStopped };

class LokiPusher {
 public:
  LokiPusher(PushSettings settings, host::HttpClient& http, host::Clock& clock, metrics::Registry& registry,
             std::function<bool()> stopRequested);

  // Everything in `batch` is acknowledged except `dropped`, or kStopped when a stop was
  // requested before that (nothing is then known to be delivered).
  Delivery deliver(const Batch& batch, std::vector<DroppedEntry>& dropped);

 private:
  enum class Answer { kAccepted, kRejected, kRetry };
  Delivery deliverRange(const Batch& batch, std::size_t begin, std::size_t end, std::vector<DroppedEntry>& dropped);
  Answer attempt(const Batch& batch, std::size_t begin, std::size_t end, std::string& rejection);
  bool waitBeforeRetry(int attemptNumber);

  PushSettings settings_;
  host::HttpClient& http_;
  host::Clock& clock_;
  std::function<bool()> stopRequested_;
  std::mt19937 random_;
  metrics::Registry& registry_;
  metrics::Histogram& duration_;
  metrics::Counter& invalidUtf8_;
  metrics::Counter& sentBytesCompressed_;
  std::string failingReason_;  // of the last failed attempt; empty while pushes are accepted
  std::uint64_t failedAttempts_ = 0;
};

}  // namespace cairn::logship
