#pragma once
// Small reads and checks on the local filesystem. Writes that must not be torn go through
// state/atomic_file.hpp instead.

#include <sys/types.h>

#include <optional>
#include <string>

#include "appliance/core/result.hpp"

namespace cairn::host {

// The whole file. kNotFound when it does not exist, kPermission/kIo otherwise.
Result<std::string> readFile(const std::string& path);

struct FileInfo {
  mode_t mode = 0;  // permission bits only
  uid_t uid = 0;
  gid_t gid = 0;
};
// Mode and owner of a regular file, or nullopt if there is none at `path`.
std::optional<FileInfo> statFile(const std::string& path);

bool pathExists(const std::string& path);

// mkdir -p with `mode` for the directories it creates.
Status makeDirectories(const std::string& path, mode_t mode = 0755);

// rm -rf: removes `path` and everything below it; absent is fine.
Status removeTree(const std::string& path);

// "/a/b/c" → "/a/b"; "c" → ".".
std::string parentDirectory(const std::string& path);

// root + "/" + absolute, with exactly one slash between ("/" as root gives the path itself).
std::string underRoot(const std::string& root, const std::string& absolute);

}  // namespace cairn::host
