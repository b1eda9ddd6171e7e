#include "services/supervisor/ready_exec.hpp"

#include <algorithm>
#include <vector>

namespace cairn::supervisor {

std::string redactEnvValues(std::string text, const std::map<std::string, std::string>& env) {
  // Longest first, so that a secret containing a shorter one is replaced whole.
  std::vector<std::string> values;
  for (const auto& [name, value] : env) {
    if (value.size() >= kRedactedMinLength) values.push_back(value);
  }
  std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& value : values) {
    for (std::size_t at = text.find(value); at != std::string::npos; at = text.find(value, at + std::string(kRedacted).size())) {
      text.replace(at, value.size(), kRedacted);
    }
  }
  return text;
}

std::string outputTail(const std::string& output, std::size_t maxLines, std::size_t maxBytes) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
    start = end + 1;
  }
  std::string tail;
  std::size_t first = lines.size() > maxLines ? lines.size() - maxLines : 0;
  for (std::size_t i = first; i < lines.size(); ++i) tail += (tail.empty() ? "" : " | ") + lines[i];
  if (tail.size() > maxBytes) tail = "..." + tail.substr(tail.size() - maxBytes);
  return tail;
}

std::string describeReadyExecExit(int exitCode, const std::string& output, const std::map<std::string, std::string>& env) {
  std::string tail = outputTail(redactEnvValues(output, env));
  return "ready_exec exited " + std::to_string(exitCode) + (tail.empty() ? " with no output" : ": " + tail);
}

std::chrono::milliseconds readyExecRetryDelay(const RestartPolicy& policy, int failures) {
  RestartPolicy slower = policy;
  slower.firstDelay = std::max(policy.firstDelay, std::chrono::milliseconds(1000));
  return restartDelay(slower, failures);
}

}  // namespace cairn::supervisor
