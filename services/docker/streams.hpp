#pragma once
// Incremental decoders for Docker's streamed bodies, fed chunk by chunk as they arrive. Pure.

#include <functional>
#include <string>
#include <string_view>

#include "services/docker/types.hpp"

namespace cairn::docker {

// Splits a stream of newline-terminated lines (events, pull progress). Empty lines are skipped.
class LineSplitter {
 public:
  // Calls `onLine` for each complete line; returns false as soon as onLine does.
  bool feed(std::string_view chunk, const std::function<bool(std::string_view)>& onLine);
  // What is left without a newline at the end of the stream.
  const std::string& rest() const { return buffer_; }

 private:
  std::string buffer_;
};

// Decodes the multiplexed log framing of a container without a TTY: an 8-byte header
// [stream, 0, 0, 0, size as big-endian uint32] and `size` bytes of payload.
class LogFrameDecoder {
 public:
  bool feed(std::string_view chunk, const std::function<bool(const LogChunk&)>& onChunk);
  bool midFrame() const { return !buffer_.empty(); }

 private:
  std::string buffer_;
};

}  // namespace cairn::docker
