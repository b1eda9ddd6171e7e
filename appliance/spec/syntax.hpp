#pragma once
// Pure checks for the scalar formats the spec accepts. None of them throws.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/spec/spec.hpp"

namespace cairn::spec {

// RFC 1123 host name: dot-separated labels of [a-z0-9-], 1-63 chars, no leading or trailing
// hyphen, 253 chars at most. Upper case is rejected so that hosts compare byte for byte.
bool isValidHostname(std::string_view host);

// local@domain with a plausible local part and a valid host name as domain.
bool isValidEmail(std::string_view email);

// "250ms", "15s", "5m", "2h", "15d", "1w".
std::optional<Duration> parseDuration(std::string_view text);

// "512MiB", "10GiB", "1MB", "100B" (binary and decimal units).
std::optional<Size> parseSize(std::string_view text);

// Docker image reference: [registry[:port]/]path[:tag][@sha256:digest].
bool isValidImageReference(std::string_view image);

struct UpstreamUrl {
  std::string scheme;  // http or https
  std::string host;
  int port = 0;
  std::string path;  // "" or starting with '/'
};
// http(s)://host[:port][/path]; host may be a name or an IPv4 address.
std::optional<UpstreamUrl> parseUpstreamUrl(std::string_view url);

// A CSP frame-ancestors source the spec accepts: 'self', 'none', * or https://host[:port], where
// host is a host name, optionally starting with "*.". Nothing else reaches the rendered header.
bool isValidFrameAncestor(std::string_view source);

// "ADDR:PORT" with an IPv4 address.
bool isValidListenAddress(std::string_view listen);

// Keycloak realm name: letters, digits, '-' and '_', 1-36 chars, not "master".
bool isValidRealmName(std::string_view realm);

// Username as Keycloak and Linux tools accept it: [a-z0-9._-], starting with a letter or digit.
bool isValidUsername(std::string_view username);

// A host folder for Airflow's DAGs: absolute, normalized (no "//", ".", ".." or trailing '/'),
// of printable characters without a ':' or ',' (Docker's mount syntax), not "/" and not under a
// system tree (/etc, /proc, /sys, /dev, /run, /boot, /usr, /bin, /sbin, /lib).
bool isValidDagsFolder(std::string_view path);

// A Git URL the Airflow containers can fetch: https://, http://, ssh://, git:// with a host, or
// scp-like user@host:path; no spaces or control characters. Local paths and file:// are refused
// (the containers do not see the host's files).
bool isValidGitUrl(std::string_view url);

// A branch, tag or commit name as git check-ref-format allows it (one level or more).
bool isValidGitRef(std::string_view ref);

// A relative path inside a repository: no leading or trailing /, no empty, . or .. parts.
bool isValidRepositorySubfolder(std::string_view path);

// The candidate nearest to `word` by edit distance, if it is close enough to be a likely typo.
std::optional<std::string> closestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace cairn::spec
