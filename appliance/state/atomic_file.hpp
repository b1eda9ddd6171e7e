#pragma once
// Files replaced atomically: a reader sees the old content or the new, never a mix, and a crash
// at any moment leaves one of the two whole on disk.

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "appliance/core/result.hpp"

namespace cairn::state {

// A new version of `path` being written to a temporary file in the same directory. Nothing is
// visible at `path` until commit(); destroying an uncommitted PendingFile removes the temporary.
class PendingFile {
 public:
  static Result<PendingFile> create(const std::string& path, mode_t mode);
  PendingFile(PendingFile&& other) noexcept;
  PendingFile& operator=(PendingFile&&) = delete;
  PendingFile(const PendingFile&) = delete;
  ~PendingFile();

  Status write(const std::string& content);
  // fsync the file, rename it over `path`, fsync the directory.
  Status commit();
  const std::string& temporaryPath() const { return temporary_; }

 private:
  PendingFile(std::string path, std::string temporary, int fd);
  std::string path_;
  std::string temporary_;
  int fd_ = -1;
  bool committed_ = false;
};

// create + write + commit. `mode` is applied exactly (the umask does not narrow it).
Status writeFileAtomic(const std::string& path, const std::string& content, mode_t mode);

// Removes `path` (if present) and fsyncs its directory.
Status removeFileDurably(const std::string& path);

// Removes the temporary files of PendingFile that a crash left beside `path` (their names are
// ".<name>.tmp-*" in its directory); returns how many.
std::size_t removeLeftoverTemporaries(const std::string& path);

}  // namespace cairn::state
