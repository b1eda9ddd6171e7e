#pragma once
// Paths of the edge on the target system. Rendered files use these absolute paths as bundle
// paths. Inside the nginx configuration every path is relative: files read while loading the
// configuration (includes, certificates) to nginx's configuration directory (/etc/nginx), files
// used while serving (webroots, logs) to nginx's prefix (/usr/share/nginx on Debian and Ubuntu).
// The same bytes therefore work in the staged tree, under --root DIR (nginx -p DIR/usr/share/nginx/
// -c DIR/etc/nginx/nginx.conf) and on the real system.

#include <cassert>
#include <string>

#include "appliance/facts/nginx_logs.hpp"

namespace cairn::edge {

// "/etc/cairn/x" → "../cairn/x", as nginx resolves it from /etc/nginx.
inline std::string fromConfigDir(const std::string& absolute) {
  assert(absolute.rfind("/etc/", 0) == 0);
  return "../" + absolute.substr(5);
}
// "/var/lib/x" → "../../../var/lib/x", as nginx resolves it from /usr/share/nginx.
inline std::string fromPrefix(const std::string& absolute) { return "../../.." + absolute; }

// The first line of every rendered configuration file.
inline constexpr const char* kRenderedHeader =
    "# Rendered by cairn from /etc/cairn/appliance.json; `cairnctl apply` overwrites any edit.\n";

inline constexpr const char* kNginxIncludeFile = "/etc/nginx/conf.d/cairn.conf";
inline constexpr const char* kNginxDir = "/etc/cairn/rendered/nginx";
inline constexpr const char* kStatusPageDir = "/etc/cairn/rendered/nginx/status";
inline constexpr const char* kTlsDir = "/etc/cairn/rendered/tls";
inline constexpr const char* kTlsScript = "/etc/cairn/rendered/tls/prepare.sh";
inline constexpr const char* kTlsRenewHook = "/etc/cairn/rendered/tls/renew-hook.sh";
inline constexpr const char* kLiveCertificate = "/etc/cairn/rendered/tls/live/fullchain.pem";
inline constexpr const char* kLiveKey = "/etc/cairn/rendered/tls/live/privkey.pem";
inline constexpr const char* kCertificateStatusFile = "/etc/cairn/rendered/tls/certificate.json";
inline constexpr const char* kCertificateMetricsFile = "/etc/cairn/rendered/tls/cairn_tls.prom";
inline constexpr const char* kNftablesFile = "/etc/cairn/rendered/nftables/cairn.nft";
inline constexpr const char* kAcmeWebroot = "/var/lib/cairn/acme";
inline constexpr const char* kAccessLog = facts::kNginxAccessLog;
// Answers the configuration generation on every server, to loopback only.
inline constexpr const char* kProbePath = "/.well-known/cairn-edge";

}  // namespace cairn::edge
