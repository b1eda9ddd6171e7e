#pragma once
// FakeProcessRunner: records every argv it is asked to run and answers from a script.

#include <functional>
#include <string>
#include <vector>

#include "appliance/host/process_runner.hpp"

namespace cairn::testing {

class FakeProcessRunner final : public host::ProcessRunner {
 public:
  // Decides the result of each run; the default succeeds with no output.
  std::function<Result<host::ProcessResult>(const std::vector<std::string>&)> respond =
      [](const std::vector<std::string>&) { return Result<host::ProcessResult>(host::ProcessResult{0, ""}); };
  std::vector<std::vector<std::string>> calls;

  Result<host::ProcessResult> run(const std::vector<std::string>& argv, std::chrono::milliseconds) override {
    calls.push_back(argv);
    return respond(argv);
  }
};

}  // namespace cairn::testing
