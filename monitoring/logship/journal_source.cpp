#include "monitoring/logship/journal_source.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <Poco/Logger.h>

#include <nlohmann/json.hpp>

#include "monitoring/logship/log_text.hpp"

namespace cairn::logship {

std::optional<JournalEntry> parseJournalEntry(std::string_view line) {
  const auto json = nlohmann::json::parse(withoutLineEnd(line), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  const auto cursor = json.find("__CURSOR");
  if (cursor == json.end() || !cursor->is_string()) return std::nullopt;
  JournalEntry entry;
  entry.cursor = cursor->get<std::string>();
  for (const char* field : {"_SYSTEMD_UNIT", "UNIT", "SYSLOG_IDENTIFIER"}) {
    const auto it = json.find(field);
    if (it != json.end() && it->is_string()) {
      entry.unit = it->get<std::string>();
      break;
    }
  }
  const auto message = json.find("MESSAGE");
  if (message != json.end()) {
    if (message->is_string()) {
      entry.message = message->get<std::string>();
    } else if (message->is_array()) {
      for (const auto& byte : *message) {
        if (byte.is_number_unsigned() || byte.is_number_integer()) entry.message.push_back(static_cast<char>(byte.get<int>()));
      }
    }
  }
  const auto realtime = json.find("__REALTIME_TIMESTAMP");
  if (realtime != json.end() && realtime->is_string()) {
    try {
      entry.timestampNs = std::stoll(realtime->get<std::string>()) * 1000;
    } catch (const std::exception&) {
      entry.timestampNs = 0;
    }
  }
  return entry;
}

std::vector<std::string> journalCommand(const std::vector<std::string>& command, const std::vector<std::string>& units,
                                        const std::string& cursor, const std::string& sinceWhenNew) {
  std::vector<std::string> argv = command;
  for (const char* option : {"--output=json", "--follow", "--all", "--no-pager", "--quiet"}) argv.emplace_back(option);
  if (!cursor.empty()) {
    argv.push_back("--after-cursor=" + cursor);
  } else {
    argv.push_back("--since=" + sinceWhenNew);
  }
  for (const auto& unit : units) argv.push_back("--unit=" + unit);
  return argv;
}

JournalSource::JournalSource(JournalOptions options, std::map<std::string, std::string> labels,
                             std::string savedCursor, SourceMetrics metrics, metrics::Counter* restarts)
    : options_(std::move(options)),
      baseLabels_(std::move(labels)),
      cursor_(std::move(savedCursor)),
      metrics_(metrics),
      restarts_(restarts),
      splitter_(options_.maxLineBytes * 2 + 64 * 1024),
      chunk_(64 * 1024) {}

JournalSource::~JournalSource() { stop(); }

std::shared_ptr<const std::string> JournalSource::labelsFor(const std::string& unit) {
  auto it = unitLabels_.find(unit);
  if (it != unitLabels_.end()) return it->second;
  auto labels = baseLabels_;
  labels["unit"] = unit.empty() ? "unknown" : unit;
  auto text = std::make_shared<const std::string>(labelsJson(labels));
  unitLabels_.emplace(unit, text);
  return text;
}

bool JournalSource::start() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  const auto argv = journalCommand(options_.command, options_.units, cursor_, options_.sinceWhenNew);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
    }
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  child_ = pid;
  pipe_ = fds[0];
  splitter_.clear();
  return true;
}

void JournalSource::stop() {
  if (pipe_ >= 0) ::close(pipe_);
  pipe_ = -1;
  if (child_ > 0) {
    ::kill(child_, SIGTERM);
    ::waitpid(child_, nullptr, 0);
  }
  child_ = -1;
}

bool JournalSource::next(LogEntry& entry, std::int64_t nowNs) {
  for (;;) {
    if (pipe_ < 0) {
      if (nowNs < nextStartNs_) return false;
      if (!start()) {
        nextStartNs_ = nowNs + options_.restartAfterNs;
        return false;
      }
    }
    SplitLine line;
    if (splitter_.next(line)) {
      if (metrics_.linesRead) metrics_.linesRead->inc();
      if (metrics_.bytesRead) metrics_.bytesRead->inc(static_cast<double>(line.consumedBytes));
      auto parsed = line.originalBytes > line.text.size() ? std::nullopt : parseJournalEntry(line.text);
      if (!parsed) {
        if (metrics_.dropped) metrics_.dropped->inc();
        continue;
      }
      cursor_ = parsed->cursor;
      warned_ = false;
      entry.labels = labelsFor(parsed->unit);
      entry.timestampNs = parsed->timestampNs > 0 ? parsed->timestampNs : nowNs;
      entry.line = std::move(parsed->message);
      if (truncateLine(entry.line, options_.maxLineBytes, entry.line.size()) && metrics_.truncated) metrics_.truncated->inc();
      entry.after.file.reset();
      entry.after.cursor = cursor_;
      return true;
    }
    const ssize_t n = ::read(pipe_, chunk_.data(), chunk_.size());
    if (n > 0) {
      splitter_.append(chunk_.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
    // journalctl ended (or could not run): start it again later from the last cursor.
    stop();
    if (!warned_) {
      Poco::Logger::get("logship.journal").warning(options_.command.front() + " ended; starting it again every " +
                                                   std::to_string(options_.restartAfterNs / 1'000'000'000) + " s");
      warned_ = true;
    }
    if (restarts_) restarts_->inc();
    nextStartNs_ = nowNs + options_.restartAfterNs;
    return false;
  }
}

}  // namespace cairn::logship
