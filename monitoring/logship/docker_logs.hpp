#pragma once
// Finding the json-file logs of the managed containers through the Docker Engine API (list by
// label, inspect for LogPath), written here over the HttpClient seam. Parsers are pure.

#include <string>
#include <vector>

#include "appliance/core/result.hpp"
#include "appliance/host/http_client.hpp"

namespace cairn::logship {

struct ContainerLog {
  std::string id;
  std::string name;     // without the leading '/'
  std::string service;  // value of the service label; the name when absent
  std::string logPath;  // empty when the container does not log to a file
};

// GET /containers/json body → id, name, service of each container.
Result<std::vector<ContainerLog>> parseContainerList(const std::string& body, const std::string& serviceLabel);
// GET /containers/{id}/json body → its LogPath ("" when another log driver is used).
Result<std::string> parseLogPath(const std::string& body);

class DockerLogFinder {
 public:
  DockerLogFinder(host::HttpClient& http, std::string socket, std::string label, std::string serviceLabel);
  // Every container (running or not) carrying the label, with its log path.
  Result<std::vector<ContainerLog>> list();
  // Blocks streaming /events for the label until `onEvent` returns false or the stream ends
  // (after at most `timeout`).
  Status watchEvents(const std::function<bool()>& onEvent, std::chrono::milliseconds timeout);

 private:
  host::HttpClient& http_;
  std::string socket_;
  std::string label_;
  std::string serviceLabel_;
};

}  // namespace cairn::logship
