#include "monitoring/logship/line_splitter.hpp"

#include <cstring>

namespace cairn::logship {

void LineSplitter::append(const char* data, std::size_t size) {
  if (start_ > 0 && start_ * 2 >= buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(data, size);
}

bool LineSplitter::next(SplitLine& line) {
  const std::size_t available = buffer_.size() - start_;
  const char* begin = buffer_.data() + start_;
  const void* found = available ? std::memchr(begin, '\n', available) : nullptr;
  if (inOversize_) {
    if (!found) {
      oversizeConsumed_ += available;
      buffer_.clear();
      start_ = 0;
      return false;
    }
    const std::size_t length = static_cast<std::size_t>(static_cast<const char*>(found) - begin);
    line.text = std::move(oversize_);
    line.consumedBytes = oversizeConsumed_ + length + 1;
    line.originalBytes = oversizeConsumed_ + length;
    start_ += length + 1;
    inOversize_ = false;
    oversize_.clear();
    oversizeConsumed_ = 0;
    return true;
  }
  if (!found) {
    if (available > maxLineBytes_) {
      inOversize_ = true;
      oversize_.assign(begin, maxLineBytes_);
      oversizeConsumed_ = available;
      buffer_.clear();
      start_ = 0;
    }
    return false;
  }
  const std::size_t length = static_cast<std::size_t>(static_cast<const char*>(found) - begin);
  line.text.assign(begin, std::min(length, maxLineBytes_));
  line.consumedBytes = length + 1;
  line.originalBytes = length;
  start_ += length + 1;
  return true;
}

bool LineSplitter::takeRest(SplitLine& line) {
  if (inOversize_) {
    line.text = std::move(oversize_);
    line.consumedBytes = oversizeConsumed_ + buffer_.size() - start_;
    line.originalBytes = line.consumedBytes;
    clear();
    return true;
  }
  const std::size_t available = buffer_.size() - start_;
  if (available == 0) return false;
  line.text.assign(buffer_.data() + start_, std::min(available, maxLineBytes_));
  line.consumedBytes = available;
  line.originalBytes = available;
  clear();
  return true;
}

void LineSplitter::clear() {
  buffer_.clear();
  start_ = 0;
  inOversize_ = false;
  oversize_.clear();
  oversizeConsumed_ = 0;
}

}  // namespace cairn::logship
