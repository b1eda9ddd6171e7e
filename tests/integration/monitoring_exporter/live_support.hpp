#pragma once
// Helpers for the live exporter tests: loopback ports chosen by the kernel, HTTP GETs, and a
// small parser of the text exposition (child processes: tests/support/child_process.hpp).

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/loopback_port.hpp"

namespace cairn::testing {

// GET http://127.0.0.1:port/path; status 0 when nothing answers.
struct Fetched {
  int status = 0;
  std::string body;
  std::string contentType;
};
Fetched httpGet(int port, const std::string& path);

struct Series {
  std::map<std::string, std::string> labels;  // empty values dropped, as Prometheus does
  double value = 0;
};
struct Exposition {
  std::map<std::string, std::string> types;                  // family → counter|gauge|untyped|...
  std::map<std::string, std::vector<Series>> samples;        // metric name → series
};
Exposition parseExposition(const std::string& text);

}  // namespace cairn::testing
