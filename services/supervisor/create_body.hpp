#pragma once
// A desired container → the body of Docker's POST /containers/create. Pure.

#include <string>

#include <nlohmann/json.hpp>

#include "services/docker/api_version.hpp"
#include "services/supervisor/desired.hpp"

namespace cairn::supervisor {

inline constexpr const char* kManagedLabel = "io.cairn.managed";
inline constexpr const char* kServiceLabel = "io.cairn.service";
inline constexpr const char* kSpecHashLabel = "io.cairn.spec-hash";
// Set only when the supervisor runs under --root: several test supervisors share one engine and
// each sees only its own containers.
inline constexpr const char* kScopeLabel = "io.cairn.scope";

struct CreateContext {
  std::string network;  // the user-defined bridge network
  std::string root;     // --root DIR prefixed to bind-mount sources ("" on the real system)
  std::string scope;    // value of io.cairn.scope ("" = no such label)
  docker::ApiVersion apiVersion = docker::kMinimumApiVersion;
};

// The labels cairn puts on `container` (its own labels plus the io.cairn.* ones).
std::map<std::string, std::string> containerLabels(const DesiredContainer& container, const CreateContext& context);

nlohmann::json containerCreateBody(const DesiredContainer& container, const CreateContext& context);

}  // namespace cairn::supervisor
