#pragma once
// Pure text helpers of the shipper: JSON string escaping that repairs invalid UTF-8, the Docker
// json-file record parser, and timestamp parsing. No I/O, no logging.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::logship {

// Appends `text` as a JSON string literal (with quotes) to `out`. Control characters (NUL
// included) are escaped; every byte that is not part of valid UTF-8 becomes U+FFFD, so the
// result is always valid JSON whatever the input. Returns the number of bytes replaced.
std::size_t appendJsonString(std::string& out, std::string_view text);

// One record of Docker's json-file driver: {"log":"...","stream":"stdout","time":"RFC3339Nano"}.
struct DockerRecord {
  std::string log;     // unescaped, including its trailing '\n' unless it is a partial record
  std::string stream;  // "stdout" or "stderr"
  std::int64_t timeNs = 0;
  bool partial() const { return log.empty() || log.back() != '\n'; }
};

// Parses one physical line of a json-file log. nullopt when the line is not such a record
// (malformed JSON, missing "log", bad time): the caller ships it raw.
std::optional<DockerRecord> parseDockerRecord(std::string_view line);

// "2026-11-21T21:45:06.123456789Z" or with a numeric offset → ns since the epoch.
std::optional<std::int64_t> parseRfc3339Nanos(std::string_view text);

// nginx JSON access log line: the timestamp of its "msec" ("1700000000.123") or "time_iso8601"
// field; nullopt when neither is present or the line is not a JSON object.
std::optional<std::int64_t> nginxAccessTimestamp(std::string_view line);

// Cuts `line` so that, with a marker saying how many bytes were cut appended, it holds at most
// `maxBytes` (never cutting inside a UTF-8 sequence). `originalBytes` is its length before any cap.
// Returns false when the line was short enough and is left as it is.
bool truncateLine(std::string& line, std::size_t maxBytes, std::size_t originalBytes);

// Removes one trailing "\n" (and a "\r" before it).
std::string_view withoutLineEnd(std::string_view line);

}  // namespace cairn::logship
