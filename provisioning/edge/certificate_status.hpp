#pragma once
// The certificate nginx serves, as the TLS step recorded it in kCertificateStatusFile, turned
// into the lines `cairnctl tls` prints (and `cairnctl status` may reuse). Pure.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace cairn::edge {

// Human-readable summary; says when acme mode still serves the self-signed certificate and how
// many days are left. `nowUnix` is the current time in seconds since the epoch.
std::string describeCertificate(const nlohmann::json& status, std::int64_t nowUnix);

}  // namespace cairn::edge
