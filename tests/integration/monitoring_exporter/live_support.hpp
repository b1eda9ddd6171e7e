#pragma once
// Helpers for the live exporter tests: child processes that are always stopped, loopback ports
// chosen by the kernel, HTTP GETs, and a small parser of the text exposition.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cairn::testing {

// A child process started with argv, stdout/stderr to `logFile`; SIGTERM then SIGKILL on destruction.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& logFile);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  pid_t pid() const { return pid_; }
  bool running();
  void stop();

 private:
  pid_t pid_ = -1;
};

// A port on 127.0.0.1 that was free a moment ago (bound to 0, read, closed).
int freeLoopbackPort();

// GET http://127.0.0.1:port/path; status 0 when nothing answers.
struct Fetched {
  int status = 0;
  std::string body;
  std::string contentType;
};
Fetched httpGet(int port, const std::string& path);

// Polls `condition` every 100 ms until it holds or `deadline` passes.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds deadline);

struct Series {
  std::map<std::string, std::string> labels;  // empty values dropped, as Prometheus does
  double value = 0;
};
struct Exposition {
  std::map<std::string, std::string> types;                  // family → counter|gauge|untyped|...
  std::map<std::string, std::vector<Series>> samples;        // metric name → series
};
Exposition parseExposition(const std::string& text);

// The content of a log file, "" while it does not exist yet.
std::string logOf(const std::string& path);

// Runs a shell command, returns its exit status and stdout.
int runCommand(const std::string& command, std::string* output = nullptr);

}  // namespace cairn::testing
