#include "tests/integration/monitoring_logship/logshipd_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "appliance/host/http_client.hpp"
#include "monitoring/logship/log_text.hpp"

#ifndef CAIRN_LOGSHIPD
#error "CAIRN_LOGSHIPD must name the cairn-logshipd binary"
#endif

namespace cairn::testing {

LogshipdProcess::LogshipdProcess(std::string dir, nlohmann::json config)
    : dir_(std::move(dir)), configPath_(dir_ + "/logship.json") {
  if (!config.contains("positions_file")) config["positions_file"] = dir_ + "/positions.json";
  if (!config.contains("metrics_listen")) {
    metricsPort_ = freeLoopbackPort();
    config["metrics_listen"] = "127.0.0.1:" + std::to_string(metricsPort_);
  }
  positions_ = config["positions_file"].get<std::string>();
  std::ofstream(configPath_) << config.dump(2);
}

LogshipdProcess::~LogshipdProcess() {
  if (running()) kill9();
}

void LogshipdProcess::start() {
  pid_ = ::fork();
  if (pid_ == 0) {
    const std::string log = dir_ + "/logshipd.log";
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) ::dup2(fd, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    // CAIRN_LOGSHIPD_UNDER_TEST runs the same tests against another build (an older one, to
    // see a test fail without its fix).
    const char* other = std::getenv("CAIRN_LOGSHIPD_UNDER_TEST");
    const char* binary = other && *other ? other : CAIRN_LOGSHIPD;
    ::execl(binary, binary, "--config", configPath_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (metricsPort_ > 0) {
    waitFor([&] { return metric("cairn_logship_sources") >= 0; }, std::chrono::seconds(20));
  }
}

int LogshipdProcess::waitExit(std::chrono::milliseconds deadline) {
  int status = -1;
  const bool ended = waitFor([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, deadline);
  if (!ended) return -1;
  pid_ = -1;
  return status;
}

bool LogshipdProcess::running() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }

void LogshipdProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int LogshipdProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

long LogshipdProcess::rssKb() const {
  if (pid_ <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

double LogshipdProcess::metric(const std::string& name, const std::string& labelText) const {
  host::CurlHttpClient http;
  host::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(metricsPort_) + "/metrics";
  request.timeout = std::chrono::milliseconds(2000);
  auto response = http.send(request);
  if (!response || response.value().status != 200) return -1;
  std::istringstream lines(response.value().body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    const char next = line[name.size()];
    if (next != ' ' && next != '{') continue;
    if (!labelText.empty() && line.find(labelText) == std::string::npos) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

DockerLogWriter::DockerLogWriter(std::string path, std::size_t maxBytes, int maxFiles)
    : path_(std::move(path)),
      maxBytes_(maxBytes),
      maxFiles_(maxFiles),
      nextTimeNs_(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count()) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

DockerLogWriter::~DockerLogWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void DockerLogWriter::write(const std::string& text, const std::string& stream) {
  // Distinct, increasing times, as Docker's (nanosecond) stamps are in practice.
  const std::int64_t ns = nextTimeNs_;
  nextTimeNs_ += 1000;
  const std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char stamp[64];
  std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(ns % 1'000'000'000));
  std::string record = "{\"log\":";
  logship::appendJsonString(record, text + "\n");
  record += ",\"stream\":\"" + stream + "\",\"time\":\"" + stamp + "\"}\n";
  if (size_ + record.size() > maxBytes_) rotate();
  if (::write(fd_, record.data(), record.size()) != static_cast<ssize_t>(record.size())) {
    throw std::runtime_error("short write to " + path_);
  }
  size_ += record.size();
}

void DockerLogWriter::rotate() {
  ::close(fd_);
  std::remove((path_ + "." + std::to_string(maxFiles_ - 1)).c_str());
  for (int i = maxFiles_ - 2; i >= 1; --i) {
    std::rename((path_ + "." + std::to_string(i)).c_str(), (path_ + "." + std::to_string(i + 1)).c_str());
  }
  std::rename(path_.c_str(), (path_ + ".1").c_str());
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  size_ = 0;
}

}  // namespace cairn::testing
