#pragma once
// Starts tests/support/keycloak_standin/keycloak_standin.py on a port the kernel picks and stops
// it again; helpers for its test controls. Tests only.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "appliance/host/files.hpp"
#include "appliance/host/http_client.hpp"
#include "tests/support/temp_dir.hpp"

#ifndef CAIRN_KEYCLOAK_STANDIN
#error "CAIRN_KEYCLOAK_STANDIN must name keycloak_standin.py"
#endif

namespace cairn::testing {

class KeycloakStandin {
 public:
  struct Options {
    std::string clientSecret = "standin-admin-secret";
    int tokenLifetimeSeconds = 60;
    int delayMs = 0;
  };

  explicit KeycloakStandin(Options options) : options_(std::move(options)) {
    std::string portFile = dir_ / "port";
    std::vector<std::string> argv = {
        "python3",          CAIRN_KEYCLOAK_STANDIN,
        "--port-file",      portFile,
        "--client-secret",  options_.clientSecret,
        "--token-lifetime", std::to_string(options_.tokenLifetimeSeconds),
        "--delay-ms",       std::to_string(options_.delayMs)};
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a test that crashed
      std::vector<char*> args;
      for (auto& arg : argv) args.push_back(arg.data());
      args.push_back(nullptr);
      ::execvp("python3", args.data());
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!host::pathExists(portFile)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("the Keycloak stand-in exited at start");
      }
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("the Keycloak stand-in did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    port_ = std::stoi(host::readFile(portFile).value());
  }

  ~KeycloakStandin() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  KeycloakStandin(const KeycloakStandin&) = delete;
  KeycloakStandin& operator=(const KeycloakStandin&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string healthUrl() const { return url() + "/health/ready"; }
  const std::string& clientSecret() const { return options_.clientSecret; }

  nlohmann::json control(const std::string& method, const std::string& what,
                         const nlohmann::json& body = nullptr) {
    host::HttpRequest request;
    request.method = method;
    request.url = url() + "/_standin/" + what;
    if (!body.is_null()) request.body = body.dump();
    auto response = http_.send(request);
    if (!response || response.value().status >= 300)
      throw std::runtime_error("stand-in control " + what + " failed");
    return response.value().body.empty() ? nlohmann::json()
                                         : nlohmann::json::parse(response.value().body);
  }
  nlohmann::json log() { return control("GET", "log"); }
  void clearLog() { control("POST", "log/clear"); }
  nlohmann::json state() { return control("GET", "state"); }

  // Calls of the Admin API (not the token endpoint) with a method other than GET.
  static std::vector<std::string> writes(const nlohmann::json& log) {
    std::vector<std::string> found;
    for (const auto& entry : log) {
      std::string path = entry["path"];
      if (entry["method"] != "GET" && path.rfind("/admin/", 0) == 0)
        found.push_back(entry["method"].get<std::string>() + " " + path);
    }
    return found;
  }
  static int tokenRequests(const nlohmann::json& log) {
    int count = 0;
    for (const auto& entry : log)
      count += entry["path"].get<std::string>().find("/openid-connect/token") != std::string::npos;
    return count;
  }

 private:
  Options options_;
  TempDir dir_;
  host::CurlHttpClient http_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace cairn::testing
