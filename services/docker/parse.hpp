#pragma once
// Docker Engine API response bodies → values. Pure. Every parser checks types field by field and
// fails with kInvalidInput (naming what was malformed) instead of throwing; missing optional
// fields keep their defaults.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/core/result.hpp"
#include "services/docker/types.hpp"

namespace cairn::docker {

Result<VersionInfo> parseVersion(std::string_view body);
Result<std::vector<ContainerSummary>> parseContainerList(std::string_view body);
Result<ContainerInfo> parseContainerInfo(std::string_view body);
Result<ImageInfo> parseImageInfo(std::string_view body);
Result<NetworkInfo> parseNetworkInfo(std::string_view body);
Result<VolumeInfo> parseVolumeInfo(std::string_view body);
Result<Event> parseEvent(std::string_view line);
// The Id of a 201 create answer.
Result<std::string> parseCreatedId(std::string_view body);
// GET /exec/{id}/json; kInvalidInput without an ID or with an ExitCode that is not a number.
// ExitCode null (running, or not started yet) leaves exitCode empty.
Result<ExecInfo> parseExecInfo(std::string_view body);
// StatusCode of POST /containers/{id}/wait.
Result<int> parseWaitStatus(std::string_view body);

// One line of a pull/load progress stream: the progress, or the error Docker reported inside a
// 200 answer (kFailed with Docker's message).
Result<PullProgress> parseProgressLine(std::string_view line);

// Docker's {"message": "..."}; the raw text (shortened) when the body is not that.
std::string errorMessageOf(std::string_view body);

// RFC 3339 with optional fraction ("2026-11-21T21:50:00.123456789Z", "+01:00" offsets too);
// nullopt for malformed text and for Docker's zero time "0001-01-01T00:00:00Z".
std::optional<std::chrono::system_clock::time_point> parseDockerTime(std::string_view text);

// "health_status: unhealthy" → "unhealthy"; "" for actions that are not health changes.
std::string healthOfAction(std::string_view action);

}  // namespace cairn::docker
