#pragma once
// Docker Engine API versions and their negotiation (GET /_ping answers the daemon's maximum in
// the Api-Version header). Pure.

#include <optional>
#include <string>
#include <string_view>

#include "appliance/core/result.hpp"

namespace cairn::docker {

struct ApiVersion {
  int major = 1;
  int minor = 41;

  std::string text() const { return std::to_string(major) + "." + std::to_string(minor); }
  bool atLeast(int wantMajor, int wantMinor) const {
    return major > wantMajor || (major == wantMajor && minor >= wantMinor);
  }
  friend bool operator<(const ApiVersion& a, const ApiVersion& b) {
    return a.major != b.major ? a.major < b.major : a.minor < b.minor;
  }
  friend bool operator==(const ApiVersion& a, const ApiVersion& b) { return a.major == b.major && a.minor == b.minor; }
};

// The oldest API this client speaks (Engine 20.10) and the newest it asks for (Engine 25+; 29.0
// refuses anything older than 1.44).
inline constexpr ApiVersion kMinimumApiVersion{1, 41};
inline constexpr ApiVersion kPreferredApiVersion{1, 44};

// "1.41" → {1, 41}; nullopt for anything else.
std::optional<ApiVersion> parseApiVersion(std::string_view text);

// min(preferred, daemon maximum); kUnavailable naming both versions when the daemon is older
// than kMinimumApiVersion, kInvalidInput when the header is missing or malformed.
Result<ApiVersion> negotiateApiVersion(std::string_view daemonMaxHeader);

}  // namespace cairn::docker
