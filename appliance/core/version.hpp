#pragma once

namespace cairn {

// The release this build belongs to; set by CMake from the project version.
inline const char* version() { return CAIRN_VERSION; }

}  // namespace cairn
