#include "monitoring/logship/source.hpp"

#include <Poco/Logger.h>

#include "monitoring/logship/log_text.hpp"

namespace cairn::logship {
namespace {

bool isIndented(const std::string& text) { return !text.empty() && (text[0] == ' ' || text[0] == '\t'); }

bool startsTraceback(const std::string& text) {
  return text.rfind("Traceback (most recent call last):", 0) == 0;
}

void bump(metrics::Counter* counter, double amount = 1) {
  if (counter && amount > 0) counter->inc(amount);
}

}  // namespace

std::string labelsJson(const std::map<std::string, std::string>& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    appendJsonString(out, name);
    out += ':';
    appendJsonString(out, value);
  }
  out += '}';
  return out;
}

SourceMetrics registerSourceMetrics(metrics::Registry& registry, const std::string& sourceName) {
  const metrics::Labels source = {{"source", sourceName}};
  const auto event = [&](const char* name) {
    return &registry.counter("cairn_logship_file_events_total", "Rotations, truncations and losses seen per source.",
                             {{"source", sourceName}, {"event", name}});
  };
  SourceMetrics m;
  m.linesRead = &registry.counter("cairn_logship_lines_read_total", "Lines read per source.", source);
  m.bytesRead = &registry.counter("cairn_logship_bytes_read_total", "Bytes read per source.", source);
  m.malformed = &registry.counter("cairn_logship_lines_malformed_total",
                                  "Lines that were not valid records of their format, shipped raw.", source);
  m.truncated = &registry.counter("cairn_logship_lines_truncated_total",
                                  "Lines cut to the maximum line size and marked.", source);
  m.rotations = event("rotation");
  m.truncations = event("truncation");
  m.lostFiles = event("lost_file");
  m.unreadable = event("unreadable");
  m.recoveredCopies = event("recovered_copy");
  m.dropped = &registry.counter("cairn_logship_lines_dropped_total", "Entries dropped, by reason.",
                                {{"source", sourceName}, {"reason", "unparsable"}});
  // Present at 0 from the start, so that the first loss is an increase an alert sees.
  for (const char* reason : {"deleted", "truncated"}) {
    const metrics::Labels labels = {{"source", sourceName}, {"reason", reason}};
    m.losses[reason] = {
        &registry.counter("cairn_logship_losses_total",
                          "Times lines were lost for good: a file gone or truncated before it was read.", labels),
        &registry.counter("cairn_logship_bytes_lost_total",
                          "Bytes known to be lost (a lost file of unknown size counts 0).", labels)};
  }
  return m;
}

std::optional<FileFormat> fileFormatFromName(const std::string& name) {
  if (name == "docker") return FileFormat::kDocker;
  if (name == "nginx_access") return FileFormat::kNginxAccess;
  if (name == "nginx_error") return FileFormat::kNginxError;
  if (name == "raw") return FileFormat::kRaw;
  return std::nullopt;
}

FileSource::FileSource(std::string key, std::string name, const std::string& path, FileFormat format,
                       std::map<std::string, std::string> labels, FileSourceOptions options,
                       const std::optional<FilePosition>& saved, SourceMetrics metrics)
    : key_(std::move(key)),
      name_(std::move(name)),
      format_(format),
      options_(options),
      // A json-file record escapes its text; leave room for that before the cap applies.
      tailer_(path, format == FileFormat::kDocker ? options.maxLineBytes * 2 + 64 * 1024 : options.maxLineBytes,
              format == FileFormat::kDocker ? RotateWait{0, 0, options.rotateWait.wallNowNs} : options.rotateWait),
      metrics_(metrics) {
  if (format_ == FileFormat::kDocker) {
    labels["stream"] = "stdout";
    streams_[0].labels = std::make_shared<const std::string>(labelsJson(labels));
    labels["stream"] = "stderr";
    streams_[1].labels = std::make_shared<const std::string>(labelsJson(labels));
  } else {
    streams_[0].labels = streams_[1].labels = std::make_shared<const std::string>(labelsJson(labels));
  }
  // Without a saved position (first start, or the positions file was lost or corrupt) the
  // uncompressed rotated files are read too: a line is rather sent twice than never.
  tailer_.resume(saved, /*withRotatedHistory=*/true);
  reportNotices();
  if (saved) lastAfter_ = *saved;
}

bool FileSource::next(LogEntry& entry, std::int64_t nowNs) {
  for (;;) {
    if (!ready_.empty()) {
      entry = std::move(ready_.front());
      ready_.pop_front();
      return true;
    }
    SplitLine line;
    FilePosition after;
    if (!tailer_.next(line, after)) {
      syncMetrics();
      flushStale(nowNs, tailer_.drainedAndGone());
      if (ready_.empty()) return false;
      continue;
    }
    if (after.inode != lastAfter_.inode || after.device != lastAfter_.device) {
      // A new file: nothing joins across files.
      flushStale(nowNs, true);
      lastAfter_ = after;
      lastAfter_.offset = after.offset - line.consumedBytes;
    }
    accept(line, after, nowNs);
    lastAfter_ = after;
  }
}

bool FileSource::finished() const {
  return tailer_.drainedAndGone() && ready_.empty() && !streams_[0].partial.active && !streams_[0].logical.active &&
         !streams_[1].partial.active && !streams_[1].logical.active;
}

void FileSource::accept(SplitLine& line, const FilePosition& after, std::int64_t nowNs) {
  bump(metrics_.linesRead);
  bump(metrics_.bytesRead, static_cast<double>(line.consumedBytes));
  const bool cut = line.originalBytes > line.text.size();
  Pending piece;
  piece.start = lastAfter_;
  piece.after = after;
  piece.sinceNs = nowNs;
  if (format_ == FileFormat::kDocker && !cut) {
    if (auto record = parseDockerRecord(line.text)) {
      const std::size_t stream = record->stream == "stderr" ? 1 : 0;
      Pending& partial = streams_[stream].partial;
      if (!partial.active) {
        partial = piece;
        partial.active = true;
        partial.timestampNs = record->timeNs;
      }
      partial.after = after;
      partial.originalBytes += record->log.size();
      const std::size_t room = options_.maxLineBytes + 1 > partial.text.size() ? options_.maxLineBytes + 1 - partial.text.size() : 0;
      partial.text.append(record->log, 0, std::min(room, record->log.size()));
      if (record->partial()) return;
      Pending complete = std::move(partial);
      partial = Pending{};
      if (!complete.text.empty() && complete.text.back() == '\n') complete.text.pop_back();
      if (complete.originalBytes > 0) --complete.originalBytes;
      completeLine(stream, std::move(complete));
      return;
    }
    bump(metrics_.malformed);
  } else if (format_ == FileFormat::kDocker) {
    bump(metrics_.malformed);
  }
  piece.active = true;
  piece.originalBytes = line.originalBytes;
  piece.text = std::string(withoutLineEnd(line.text));
  piece.timestampNs = nowNs;
  piece.stampedAtRead = true;
  if (format_ == FileFormat::kNginxAccess && !cut) {
    if (auto ts = nginxAccessTimestamp(piece.text)) {
      piece.timestampNs = *ts;
      piece.stampedAtRead = false;
    }
  }
  completeLine(0, std::move(piece));
}

void FileSource::completeLine(std::size_t stream, Pending&& line) {
  Pending& logical = streams_[stream].logical;
  if (!options_.joinContinuations) {
    emit(stream, std::move(line));
    return;
  }
  if (logical.active) {
    const bool continuation = isIndented(line.text) || logical.inTraceback;
    if (continuation && logical.text.size() < options_.maxLineBytes) {
      logical.text += '\n';
      logical.text += line.text;
      logical.originalBytes += line.originalBytes + 1;
      logical.after = line.after;
      if (logical.inTraceback && !isIndented(line.text)) {
        // The exception line ends a traceback.
        emit(stream, std::move(logical));
        logical = Pending{};
      }
      return;
    }
    emit(stream, std::move(logical));
    logical = Pending{};
  }
  logical = std::move(line);
  logical.active = true;
  logical.inTraceback = startsTraceback(logical.text);
}

FilePosition FileSource::safePosition(const FilePosition& after) const {
  FilePosition safe = after;
  for (const auto& state : streams_) {
    for (const Pending* pending : {&state.partial, &state.logical}) {
      if (pending->active && pending->start.inode == safe.inode && pending->start.offset < safe.offset) {
        safe = pending->start;
      }
    }
  }
  return safe;
}

void FileSource::emit(std::size_t stream, Pending&& pending) {
  LogEntry entry;
  entry.labels = streams_[stream].labels;
  entry.timestampNs = pending.timestampNs;
  entry.stampedAtRead = pending.stampedAtRead;
  entry.line = std::move(pending.text);
  if (truncateLine(entry.line, options_.maxLineBytes, std::max(pending.originalBytes, entry.line.size()))) {
    bump(metrics_.truncated);
  }
  const FilePosition after = pending.after;
  pending.active = false;
  entry.after.file = safePosition(after);
  ready_.push_back(std::move(entry));
}

void FileSource::flushStale(std::int64_t nowNs, bool all) {
  for (std::size_t stream = 0; stream < 2; ++stream) {
    StreamState& state = streams_[stream];
    if (state.partial.active && (all || nowNs - state.partial.sinceNs >= options_.flushAfterNs)) {
      Pending complete = std::move(state.partial);
      state.partial = Pending{};
      completeLine(stream, std::move(complete));
    }
    if (state.logical.active && (all || nowNs - state.logical.sinceNs >= options_.flushAfterNs)) {
      Pending complete = std::move(state.logical);
      state.logical = Pending{};
      emit(stream, std::move(complete));
    }
  }
}

void FileSource::reportNotices() {
  auto& log = Poco::Logger::get("logship.files");
  for (const auto& notice : tailer_.takeNotices()) {
    if (notice.kind == TailerNotice::Kind::kUnreadable) {
      log.warning("cannot read source=%s file=%s: %s (retried until it is a readable file)", name_, notice.file,
                  notice.reason);
      continue;
    }
    const std::string end = notice.toOffset ? std::to_string(*notice.toOffset) : std::string("end");
    log.warning("lines lost source=%s file=%s reason=%s bytes=%s-%s", name_, notice.file, notice.reason,
                std::to_string(notice.fromOffset), end);
    const auto loss = metrics_.losses.find(notice.reason);
    if (loss == metrics_.losses.end()) continue;  // metrics not registered (a test's source)
    bump(loss->second.times, 1);
    bump(loss->second.bytes, notice.toOffset ? static_cast<double>(*notice.toOffset - notice.fromOffset) : 0.0);
  }
}

void FileSource::syncMetrics() {
  reportNotices();
  const TailerEvents& now = tailer_.events();
  bump(metrics_.rotations, static_cast<double>(now.rotations - seenEvents_.rotations));
  bump(metrics_.truncations, static_cast<double>(now.truncations - seenEvents_.truncations));
  bump(metrics_.lostFiles, static_cast<double>(now.lostFiles - seenEvents_.lostFiles));
  bump(metrics_.unreadable, static_cast<double>(now.unreadable - seenEvents_.unreadable));
  bump(metrics_.recoveredCopies, static_cast<double>(now.recoveredCopies - seenEvents_.recoveredCopies));
  seenEvents_ = now;
}

}  // namespace cairn::logship
