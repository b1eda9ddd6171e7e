#include "tests/support/temp_dir.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "appliance/host/files.hpp"

namespace cairn::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/cairn-test-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (!::mkdtemp(name.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = name.data();
}

TempDir::~TempDir() { (void)host::removeTree(path_); }

void writeFile(const std::string& path, const std::string& content, unsigned mode) {
  if (!host::makeDirectories(host::parentDirectory(path))) throw std::runtime_error("cannot create dir for " + path);
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw std::runtime_error("cannot write " + path);
  std::fwrite(content.data(), 1, content.size(), file);
  std::fclose(file);
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

std::string readFile(const std::string& path) {
  auto content = host::readFile(path);
  if (!content) throw std::runtime_error(content.error().message);
  return content.value();
}

}  // namespace cairn::testing
