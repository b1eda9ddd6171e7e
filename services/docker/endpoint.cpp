#include "services/docker/endpoint.hpp"

namespace cairn::docker {

Result<std::string> resolveDockerSocket(const std::string& explicitPath, const char* dockerHost) {
  if (!explicitPath.empty()) return explicitPath;
  if (dockerHost == nullptr || *dockerHost == '\0') return std::string(kDefaultDockerSocket);
  std::string value(dockerHost);
  const std::string scheme = "unix://";
  if (value.rfind(scheme, 0) != 0 || value.size() == scheme.size()) {
    return makeError(ErrorCode::kInvalidInput,
                     "DOCKER_HOST=" + value + " is not supported: cairn talks to Docker over a unix socket (unix:///path)");
  }
  return value.substr(scheme.size());
}

}  // namespace cairn::docker
