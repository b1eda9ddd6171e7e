#pragma once
// ProcessRunner: runs a program to completion and captures what it printed. Used for validators
// (nginx -t, promtool, nft -c) and reload actions. No shell is involved unless argv asks for one.

#include <chrono>
#include <string>
#include <vector>

#include "appliance/core/result.hpp"

namespace cairn::host {

struct ProcessResult {
  int exitCode = 0;    // the exit status, or 128 + signal number when killed by a signal
  std::string output;  // stdout and stderr, interleaved as written
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Errors: kIo when the program cannot be started, kTimeout when it outlives `timeout` (it is
  // then killed). A program that runs and fails is a value with a non-zero exitCode.
  virtual Result<ProcessResult> run(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) = 0;
};

class LocalProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessResult> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) override;
};

}  // namespace cairn::host
