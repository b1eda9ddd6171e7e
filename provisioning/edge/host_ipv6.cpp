#include "provisioning/edge/host_ipv6.hpp"

#include "appliance/host/files.hpp"

namespace cairn::edge {
namespace {

std::optional<std::string> readIfPresent(const std::string& path) {
  auto text = host::readFile(path);
  if (!text) return std::nullopt;
  return text.value();
}

}  // namespace

bool ipv6Available(const std::optional<std::string>& ifInet6,
                   const std::optional<std::string>& disableIpv6) {
  if (!ifInet6 || ifInet6->find_first_not_of(" \t\n") == std::string::npos) return false;
  if (!disableIpv6) return true;
  auto first = disableIpv6->find_first_not_of(" \t\n");
  return first == std::string::npos || (*disableIpv6)[first] != '1';
}

bool hostHasIpv6(const std::string& root) {
  return ipv6Available(readIfPresent(host::underRoot(root, kIfInet6File)),
                       readIfPresent(host::underRoot(root, kDisableIpv6File)));
}

}  // namespace cairn::edge
