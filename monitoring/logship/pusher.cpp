#include "monitoring/logship/pusher.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <sstream>

namespace cairn::logship {
namespace {

std::string basicAuth(const std::string& user, const std::string& password) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << user << ':' << password;
  encoder.close();
  return "Basic " + out.str();
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::chrono::milliseconds backoffDelay(int attempt, std::chrono::milliseconds min, std::chrono::milliseconds max,
                                       double jitter) {
  double delay = static_cast<double>(min.count());
  for (int i = 0; i < attempt && delay < static_cast<double>(max.count()); ++i) delay *= 2;
  delay = std::min(delay, static_cast<double>(max.count()));
  jitter = std::clamp(jitter, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay * (0.5 + 0.5 * jitter)));
}

std::string rejectionReason(const std::string& body) {
  const std::string text = lower(body);
  if (text.find("line_too_long") != std::string::npos || text.find("line too long") != std::string::npos ||
      text.find("exceeds max line") != std::string::npos) {
    return "line_too_long";
  }
  if (text.find("too far behind") != std::string::npos || text.find("out of order") != std::string::npos) {
    return "too_far_behind";
  }
  if (text.find("too old") != std::string::npos || text.find("greater_than_max_sample_age") != std::string::npos) {
    return "too_old";
  }
  if (text.find("too far in future") != std::string::npos || text.find("too_far_in_future") != std::string::npos) {
    return "too_far_in_future";
  }
  if (text.find("label") != std::string::npos) return "invalid_labels";
  if (text.find("too large") != std::string::npos) return "too_large";
  return "rejected";
}

LokiPusher::LokiPusher(PushSettings settings, host::HttpClient& http, host::Clock& clock, metrics::Registry& registry,
                       std::function<bool()> stopRequested)
    : settings_(std::move(settings)),
      http_(http),
      clock_(clock),
      stopRequested_(std::move(stopRequested)),
      random_(std::random_device{}()),
      registry_(registry),
      duration_(registry.histogram("cairn_logship_push_duration_seconds", "Time of one push request to Loki.",
                                   {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})),
      invalidUtf8_(registry.counter("cairn_logship_invalid_utf8_bytes_total",
                                    "Bytes that were not valid UTF-8, replaced by U+FFFD before sending.")),
      sentBytesCompressed_(registry.counter("cairn_logship_push_body_bytes_total",
                                            "Compressed push body bytes sent to Loki (retries included).")) {}

Delivery LokiPusher::deliver(const Batch& batch, std::vector<DroppedEntry>& dropped) {
  if (batch.empty()) return Delivery::kDelivered;
  return deliverRange(batch, 0, batch.size(), dropped);
}

Delivery LokiPusher::deliverRange(const Batch& batch, std::size_t begin, std::size_t end,
                                  std::vector<DroppedEntry>& dropped) {
  int retries = 0;
  for (;;) {
    std::string rejection;
    switch (attempt(batch, begin, end, rejection)) {
      case Answer::kAccepted: return Delivery::kDelivered;
      case Answer::kRejected: {
        if (end - begin == 1) {
          dropped.push_back({begin, rejectionReason(rejection)});
          Poco::Logger::get("logship.push").warning("dropped entry rejected by Loki: reason=%s answer=%s",
                                                     dropped.back().reason, rejection.substr(0, 200));
          return Delivery::kDelivered;
        }
        // Loki keeps the valid entries of a rejected request; re-sending them is deduplicated.
        const std::size_t middle = begin + (end - begin) / 2;
        if (deliverRange(batch, begin, middle, dropped) == Delivery::kStopped) return Delivery::kStopped;
        return deliverRange(batch, middle, end, dropped);
      }
      case Answer::kRetry:
        if (!waitBeforeRetry(retries++)) return Delivery::kStopped;
        break;
    }
  }
}

LokiPusher::Answer LokiPusher::attempt(const Batch& batch, std::size_t begin, std::size_t end, std::string& rejection) {
  std::size_t replaced = 0;
  host::HttpRequest request;
  request.method = "POST";
  request.url = settings_.url;
  request.timeout = settings_.timeout;
  request.body = gzipFast(batch.encodeJson(begin, end, &replaced));
  request.headers = {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}};
  if (!settings_.tenant.empty()) request.headers.emplace_back("X-Scope-OrgID", settings_.tenant);
  if (!settings_.username.empty()) request.headers.emplace_back("Authorization", basicAuth(settings_.username, settings_.password));
  sentBytesCompressed_.inc(static_cast<double>(request.body.size()));
  const auto started = clock_.monotonic();
  auto response = http_.send(request);
  duration_.observe(std::chrono::duration<double>(clock_.monotonic() - started).count());
  const auto retry = [&](const std::string& reason, const std::string& detail) {
    registry_.counter("cairn_logship_push_retries_total", "Push attempts that failed and are retried, by reason.",
                      {{"reason", reason}}).inc();
    ++failedAttempts_;
    if (reason != failingReason_) {
      // Once per change of state, not per attempt: the backoff may retry for hours.
      Poco::Logger::get("logship.push").warning("Loki does not take pushes: reason=%s %s; retrying with backoff, lines wait in their files",
                                                 reason, detail);
      failingReason_ = reason;
    }
    return Answer::kRetry;
  };
  if (!response) {
    return retry(response.error().code == ErrorCode::kTimeout ? "timeout" : "connection", response.error().message);
  }
  const int status = response.value().status;
  registry_.counter("cairn_logship_push_requests_total", "Push requests by HTTP status.", {{"code", std::to_string(status)}}).inc();
  if (status >= 200 && status < 300) {
    if (begin == 0 && replaced > 0) invalidUtf8_.inc(static_cast<double>(replaced));
    if (!failingReason_.empty()) {
      Poco::Logger::get("logship.push").information("Loki takes pushes again after %s failed attempts",
                                                     std::to_string(failedAttempts_));
      failingReason_.clear();
      failedAttempts_ = 0;
    }
    return Answer::kAccepted;
  }
  if (status == 400 || status == 413) {
    rejection = response.value().body;
    return Answer::kRejected;
  }
  std::string answer = "answer=" + std::to_string(status) + " " + response.value().body.substr(0, 200);
  while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r')) answer.pop_back();
  if (status == 429) return retry("429", answer);
  if (status >= 500) return retry("5xx", answer);
  // 401/403/404 and the like are configuration problems: keep the lines and keep trying.
  return retry("other", answer);
}

bool LokiPusher::waitBeforeRetry(int attemptNumber) {
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  auto remaining = backoffDelay(attemptNumber, settings_.minBackoff, settings_.maxBackoff, jitter(random_));
  const std::chrono::milliseconds slice{100};
  while (remaining.count() > 0) {
    if (stopRequested_()) return false;
    const auto step = std::min(remaining, slice);
    clock_.sleepFor(step);
    remaining -= step;
  }
  return !stopRequested_();
}

}  // namespace cairn::logship
