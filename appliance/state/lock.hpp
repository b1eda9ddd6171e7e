#pragma once
// An exclusive advisory lock (flock) held for the lifetime of the object. Every mutating
// cairnctl command holds it, so two applies never interleave.

#include <string>

#include "appliance/core/result.hpp"

namespace cairn::state {

class FileLock {
 public:
  enum class Wait { kBlock, kFailAtOnce };

  // Creates the lock file if needed. With kFailAtOnce a held lock gives kConflict and a message
  // naming the holder's pid.
  static Result<FileLock> acquire(const std::string& path, Wait wait);

  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cairn::state
