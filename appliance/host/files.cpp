#include "appliance/host/files.hpp"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cairn::host {

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int error = errno;
    if (error == ENOENT) return makeError(ErrorCode::kNotFound, path + ": no such file");
    if (error == EACCES) return makeError(ErrorCode::kPermission, path + ": permission denied");
    return makeError(ErrorCode::kIo, path + ": " + std::strerror(error));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return makeError(ErrorCode::kIo, path + ": read failed");
  return content.str();
}

std::optional<FileInfo> statFile(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  return FileInfo{static_cast<mode_t>(info.st_mode & 07777), info.st_uid, info.st_gid};
}

bool pathExists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

Status makeDirectories(const std::string& path, mode_t mode) {
  if (path.empty() || path == "/" || path == ".") return {};
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return {};
    return makeError(ErrorCode::kIo, path + " exists and is not a directory");
  }
  if (auto parent = makeDirectories(parentDirectory(path), mode); !parent) return parent;
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return makeError(errno == EACCES ? ErrorCode::kPermission : ErrorCode::kIo,
                     "cannot create " + path + ": " + std::strerror(errno));
  }
  return {};
}

Status removeTree(const std::string& path) {
  if (!pathExists(path)) return {};
  auto removeOne = [](const char* entry, const struct stat*, int, FTW*) { return ::remove(entry); };
  if (::nftw(path.c_str(), removeOne, 16, FTW_DEPTH | FTW_PHYS) != 0) {
    return makeError(ErrorCode::kIo, "cannot remove " + path + ": " + std::strerror(errno));
  }
  return {};
}

std::string parentDirectory(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string underRoot(const std::string& root, const std::string& absolute) {
  if (root.empty() || root == "/") return absolute;
  std::string base = root.back() == '/' ? root.substr(0, root.size() - 1) : root;
  return absolute.empty() || absolute.front() != '/' ? base + "/" + absolute : base + absolute;
}

}  // namespace cairn::host
