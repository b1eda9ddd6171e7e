#include "services/docker/api_version.hpp"

#include <cctype>

namespace cairn::docker {
namespace {

std::optional<int> parseNumber(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::optional<ApiVersion> parseApiVersion(std::string_view text) {
  std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto major = parseNumber(text.substr(0, dot));
  auto minor = parseNumber(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return ApiVersion{*major, *minor};
}

Result<ApiVersion> negotiateApiVersion(std::string_view daemonMaxHeader) {
  auto daemonMax = parseApiVersion(daemonMaxHeader);
  if (!daemonMax) {
    return makeError(ErrorCode::kInvalidInput,
                     "the Docker daemon did not announce its API version (Api-Version header: \"" +
                         std::string(daemonMaxHeader) + "\")");
  }
  if (*daemonMax < kMinimumApiVersion) {
    return makeError(ErrorCode::kUnavailable, "the Docker daemon speaks API " + daemonMax->text() +
                                                  " but cairn needs at least " + kMinimumApiVersion.text() +
                                                  " (Docker Engine 20.10 or newer)");
  }
  return *daemonMax < kPreferredApiVersion ? *daemonMax : kPreferredApiVersion;
}

}  // namespace cairn::docker
