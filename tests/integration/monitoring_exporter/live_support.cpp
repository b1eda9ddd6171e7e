#include "tests/integration/monitoring_exporter/live_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <thread>

#include "appliance/host/http_client.hpp"

namespace cairn::testing {

Fetched httpGet(int port, const std::string& path) {
  host::CurlHttpClient client;
  host::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + path;
  request.timeout = std::chrono::milliseconds(10000);
  auto response = client.send(request);
  if (!response) return {};
  return {response.value().status, response.value().body, response.value().header("content-type")};
}

Exposition parseExposition(const std::string& text) {
  Exposition exposition;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.rfind("# TYPE ", 0) == 0) {
      auto space = line.find(' ', 7);
      exposition.types[line.substr(7, space - 7)] = line.substr(space + 1);
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    Series series;
    std::size_t nameEnd = line.find_first_of("{ ");
    std::string name = line.substr(0, nameEnd);
    std::size_t position = nameEnd;
    if (line[position] == '{') {
      ++position;
      while (position < line.size() && line[position] != '}') {
        std::size_t equals = line.find('=', position);
        std::string label = line.substr(position, equals - position);
        std::string value;
        position = equals + 2;
        while (position < line.size() && line[position] != '"') {
          if (line[position] == '\\' && position + 1 < line.size()) {
            char escaped = line[++position];
            value += escaped == 'n' ? '\n' : escaped;
          } else {
            value += line[position];
          }
          ++position;
        }
        ++position;  // closing quote
        if (position < line.size() && line[position] == ',') ++position;
        if (!value.empty()) series.labels[label] = value;
      }
      ++position;  // '}'
    }
    std::string rest = line.substr(position);
    series.value = std::strtod(rest.c_str(), nullptr);
    exposition.samples[name].push_back(series);
  }
  return exposition;
}

}  // namespace cairn::testing
