#pragma once
// Where the Docker daemon listens. Only unix sockets are spoken.

#include <string>

#include "appliance/core/result.hpp"

namespace cairn::docker {

inline constexpr const char* kDefaultDockerSocket = "/var/run/docker.sock";

// The socket path: `explicitPath` when given, else DOCKER_HOST's unix://PATH (`dockerHost` is the
// variable's value or nullptr), else kDefaultDockerSocket. kInvalidInput for a DOCKER_HOST that is
// not unix:// (tcp:// and ssh:// are not supported).
Result<std::string> resolveDockerSocket(const std::string& explicitPath, const char* dockerHost);

}  // namespace cairn::docker
