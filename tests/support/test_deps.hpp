#pragma once
// The real servers the tests fetch once per machine (tests/support/deps/README.md).

#include <string>

namespace cairn::testing {

// $CAIRN_TEST_DEPS (default ~/.cache/cairn-test-deps) + "/" + relativePath when that is an
// executable; throws naming `bash tests/support/deps/<script>` otherwise.
std::string testDependency(const std::string& relativePath, const std::string& script);

}  // namespace cairn::testing
