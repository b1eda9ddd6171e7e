#pragma once
// LineSplitter: bytes in, complete '\n'-terminated lines out, with bounded memory. A line longer
// than the cap keeps only its first `maxLineBytes` bytes; the rest is skipped up to its '\n' and
// reported through `originalBytes` so the caller can mark the truncation. Not thread-safe.

#include <cstddef>
#include <string>

namespace cairn::logship {

struct SplitLine {
  std::string text;               // without the '\n'
  std::size_t consumedBytes = 0;  // input bytes this line spans, '\n' included
  std::size_t originalBytes = 0;  // its full length before the cap, '\n' excluded
};

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t maxLineBytes) : maxLineBytes_(maxLineBytes) {}

  void append(const char* data, std::size_t size);
  // The next complete line, if any.
  bool next(SplitLine& line);
  // The unterminated rest as a last line (for input that has ended for good).
  bool takeRest(SplitLine& line);
  void clear();
  // Bytes held that are not part of an emitted line.
  std::size_t pendingBytes() const { return buffer_.size() - start_ + oversizeConsumed_; }

 private:
  std::size_t maxLineBytes_;
  std::string buffer_;
  std::size_t start_ = 0;
  bool inOversize_ = false;
  std::string oversize_;            // first maxLineBytes_ bytes of the long line
  std::size_t oversizeConsumed_ = 0;
};

}  // namespace cairn::logship
