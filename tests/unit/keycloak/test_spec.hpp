#pragma once
// A spec and secrets with fixed values for the keycloak tests (unit and integration).

#include <string>

#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/load.hpp"

namespace cairn::testing {

inline const char* kKeycloakTestSpec = R"({
  "version": 1,
  "domain": "example.com",
  "sso": {"realm": "cairn", "session_idle": "30m", "session_max": "10h"},
  "users": [
    {"username": "alice", "email": "alice@example.com", "first_name": "Alice", "last_name": "Admin", "roles": ["admin"]},
    {"username": "bob", "email": "bob@example.com", "roles": ["operator", "viewer"]}
  ],
  "routes": [
    {"host": "jupyter.example.com", "upstream": "http://127.0.0.1:8888", "roles": ["operator"]},
    {"host": "public.example.com", "upstream": "http://127.0.0.1:9999", "auth": "none"}
  ]
})";

inline spec::Spec keycloakTestSpec(const std::string& text = kKeycloakTestSpec) {
  return spec::loadSpec(text);
}

// Every secret, from a counter instead of the kernel, so that rendered files are stable.
inline secrets::Secrets keycloakTestSecrets() {
  unsigned char next = 0;
  secrets::RandomSource counter = [&next](unsigned char* buffer, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) buffer[i] = next++;
  };
  secrets::Secrets secrets;
  secrets.fillMissing(counter, "2026-01-01T00:00:00Z");
  return secrets;
}

}  // namespace cairn::testing
