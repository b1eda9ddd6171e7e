#include "services/docker/streams.hpp"

#include <cstdint>

namespace cairn::docker {

bool LineSplitter::feed(std::string_view chunk, const std::function<bool(std::string_view)>& onLine) {
  buffer_.append(chunk);
  std::size_t start = 0;
  bool keepGoing = true;
  while (keepGoing) {
    std::size_t end = buffer_.find('\n', start);
    if (end == std::string::npos) break;
    std::string_view line(buffer_.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) keepGoing = onLine(line);
    start = end + 1;
  }
  buffer_.erase(0, start);
  return keepGoing;
}

bool LogFrameDecoder::feed(std::string_view chunk, const std::function<bool(const LogChunk&)>& onChunk) {
  constexpr std::size_t kHeader = 8;
  buffer_.append(chunk);
  std::size_t at = 0;
  bool keepGoing = true;
  while (keepGoing && buffer_.size() - at >= kHeader) {
    const auto* header = reinterpret_cast<const unsigned char*>(buffer_.data() + at);
    std::uint32_t size = (std::uint32_t{header[4]} << 24) | (std::uint32_t{header[5]} << 16) |
                         (std::uint32_t{header[6]} << 8) | std::uint32_t{header[7]};
    if (buffer_.size() - at - kHeader < size) break;
    LogChunk piece;
    piece.stream = header[0] == 2 ? LogStream::kStderr : header[0] == 0 ? LogStream::kStdin : LogStream::kStdout;
    piece.text.assign(buffer_, at + kHeader, size);
    at += kHeader + size;
    keepGoing = onChunk(piece);
  }
  buffer_.erase(0, at);
  return keepGoing;
}

}  // namespace cairn::docker
