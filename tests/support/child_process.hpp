#pragma once
// Processes for the integration tests: a child that is always stopped, a shell command run to
// completion, and polling for an outcome with a deadline.

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cairn::testing {

// A child process started with argv in a process group of its own, stdout/stderr appended to
// `logFile`; SIGTERM then SIGKILL on destruction.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& logFile);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal`, waits up to 5 s for the exit (then SIGKILL); returns the status as waitpid
  // reports it (0 when it had already ended).
  int stop(int signal = SIGTERM);

 private:
  pid_t pid_ = -1;
};

// Polls `condition` every `every` until it holds or `deadline` passes (a condition that runs
// commands in containers polls less often).
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds deadline,
             std::chrono::milliseconds every = std::chrono::milliseconds(100));

// The content of a log file, "" while it does not exist yet.
std::string logOf(const std::string& path);

// Runs a shell command, returns its exit status and stdout.
int runCommand(const std::string& command, std::string* output = nullptr);

}  // namespace cairn::testing
