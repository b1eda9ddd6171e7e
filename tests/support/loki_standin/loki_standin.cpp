#include "tests/support/loki_standin/loki_standin.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "appliance/host/http_client.hpp"

#ifndef CAIRN_LOKI_STANDIN_SCRIPT
#error "CAIRN_LOKI_STANDIN_SCRIPT must name tests/support/loki_standin/loki_standin.py"
#endif

namespace cairn::testing {

LokiStandin::LokiStandin(const std::string& workDir, StandinOptions options) : record_(workDir + "/standin-record.jsonl") {
  {
    // A stand-in killed while recording leaves a partial last line; the next one starts a new line
    // so that its first entry is not glued to it.
    std::ifstream last(record_, std::ios::binary | std::ios::ate);
    if (last && last.tellg() > 0) {
      last.seekg(-1, std::ios::end);
      if (last.get() != '\n') std::ofstream(record_, std::ios::app | std::ios::binary) << '\n';
    }
  }
  const std::string portFile = workDir + "/standin.port";
  ::unlink(portFile.c_str());
  std::vector<std::string> argv = {"/usr/bin/python3", CAIRN_LOKI_STANDIN_SCRIPT, "--port-file", portFile,
                                   "--record", record_, "--max-line-size", std::to_string(options.maxLineSize)};
  if (options.port > 0) {
    argv.push_back("--port");
    argv.push_back(std::to_string(options.port));
  }
  if (options.strictOrder) argv.push_back("--strict-order");
  if (!options.rejectMarker.empty()) {
    argv.push_back("--reject-marker");
    argv.push_back(options.rejectMarker);
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(portFile);
    if (in >> port_ && port_ > 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("the Loki stand-in did not start");
}

LokiStandin::~LokiStandin() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void LokiStandin::setMode(const std::string& mode) {
  host::CurlHttpClient http;
  host::HttpRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:" + std::to_string(port_) + "/standin/mode";
  request.body = mode;
  auto response = http.send(request);
  if (!response || response.value().status != 200) throw std::runtime_error("cannot set the stand-in's mode");
}

nlohmann::json LokiStandin::stats() {
  host::CurlHttpClient http;
  host::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port_) + "/standin/stats";
  auto response = http.send(request);
  if (!response || response.value().status != 200) throw std::runtime_error("cannot read the stand-in's stats");
  return nlohmann::json::parse(response.value().body);
}

std::vector<RecordedEntry> LokiStandin::recorded() const {
  std::vector<RecordedEntry> entries;
  std::ifstream in(record_);
  std::string text;
  while (std::getline(in, text)) {
    const auto item = nlohmann::json::parse(text, nullptr, false);
    if (item.is_discarded() || !item.is_array() || item.size() != 3) continue;  // a line being written
    RecordedEntry entry;
    entry.labels = item[0].get<std::map<std::string, std::string>>();
    entry.timestampNs = std::stoll(item[1].get<std::string>());
    entry.line = item[2].get<std::string>();
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace cairn::testing
