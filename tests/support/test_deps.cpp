#include "tests/support/test_deps.hpp"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace cairn::testing {

std::string testDependency(const std::string& relativePath, const std::string& script) {
  const char* deps = std::getenv("CAIRN_TEST_DEPS");
  const char* home = std::getenv("HOME");
  const std::string root = deps && *deps ? deps : std::string(home ? home : "") + "/.cache/cairn-test-deps";
  const std::string path = root + "/" + relativePath;
  if (::access(path.c_str(), X_OK) != 0) {
    throw std::runtime_error(path + " is missing; build it with `bash tests/support/deps/" + script + "`");
  }
  return path;
}

}  // namespace cairn::testing
