#pragma once
// Runs the real cairn-logshipd binary with a config written for the test, and the small tools
// the integration tests share: RSS, metrics scraping, log writers.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/loopback_port.hpp"

namespace cairn::testing {

class LogshipdProcess {
 public:
  // `config` is written to <dir>/logship.json; metrics_listen and positions_file are filled in
  // when absent.
  LogshipdProcess(std::string dir, nlohmann::json config);
  ~LogshipdProcess();
  LogshipdProcess(const LogshipdProcess&) = delete;
  LogshipdProcess& operator=(const LogshipdProcess&) = delete;

  void start();
  void kill9();
  // SIGTERM and wait; returns the exit status.
  int stop();
  bool running() const;
  // Waits for the process to end by itself; returns its wait status (-1 on timeout).
  int waitExit(std::chrono::milliseconds deadline);
  pid_t pid() const { return pid_; }
  // Resident set size in KiB (VmRSS), 0 when not running.
  long rssKb() const;
  // Value of the first sample of `name` whose labels contain `labelText` (e.g. reason="rejected").
  double metric(const std::string& name, const std::string& labelText = "") const;
  const std::string& positionsFile() const { return positions_; }

 private:
  std::string dir_;
  std::string configPath_;
  std::string positions_;
  int metricsPort_ = 0;
  pid_t pid_ = -1;
};

// Appends Docker json-file records and rotates like Docker's json-file driver (rename to .1,
// shift older ones, delete beyond maxFiles).
class DockerLogWriter {
 public:
  DockerLogWriter(std::string path, std::size_t maxBytes, int maxFiles);
  ~DockerLogWriter();
  void write(const std::string& text, const std::string& stream);
  void rotate();

 private:
  std::string path_;
  std::size_t maxBytes_;
  int maxFiles_;
  int fd_ = -1;
  std::size_t size_ = 0;
  std::int64_t nextTimeNs_;
};

}  // namespace cairn::testing
