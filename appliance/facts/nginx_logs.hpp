#pragma once
// Where nginx writes its logs on the appliance: the edge renders nginx's configuration to write
// them there, and cairn-logshipd follows them. One home so that the two cannot drift apart.

namespace cairn::facts {

// One JSON object a line, in the edge's `cairn_json` format.
inline constexpr const char* kNginxAccessLog = "/var/log/nginx/cairn-access.log";
// nginx's own error log (Debian's /etc/nginx/nginx.conf sets it; cairn does not move it).
inline constexpr const char* kNginxErrorLog = "/var/log/nginx/error.log";

}  // namespace cairn::facts
