#pragma once
// Whether the host has IPv6, so that nginx listens on [::] only where it can bind it (a kernel
// booted with ipv6.disable=1 refuses the socket, and nginx then refuses to start).

#include <optional>
#include <string>

namespace cairn::edge {

inline constexpr const char* kIfInet6File = "/proc/net/if_inet6";
inline constexpr const char* kDisableIpv6File = "/proc/sys/net/ipv6/conf/all/disable_ipv6";

// Pure. `ifInet6` is the content of kIfInet6File and `disableIpv6` that of kDisableIpv6File,
// nullopt when the file is missing. IPv6 is there when the kernel lists at least one IPv6
// address (::1 counts) and has not been told to disable it on every interface. A missing
// if_inet6 means the kernel has no IPv6 at all; a missing disable_ipv6 alone decides nothing.
bool ipv6Available(const std::optional<std::string>& ifInet6,
                   const std::optional<std::string>& disableIpv6);

// Reads both files under `root` ("" or "/" for the real system; tests pass a fixture tree).
// An unreadable file counts as missing. Never throws.
bool hostHasIpv6(const std::string& root);

}  // namespace cairn::edge
