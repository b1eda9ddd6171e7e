#include "appliance/core/result.hpp"

namespace cairn {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInvalidInput: return "invalid-input";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kPermission: return "permission";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kFailed: return "failed";
  }
  return "failed";
}

}  // namespace cairn
