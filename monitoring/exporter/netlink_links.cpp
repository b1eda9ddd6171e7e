#include "monitoring/exporter/netlink_links.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cairn::exporter {
namespace {

std::string hardwareAddress(const unsigned char* bytes, std::size_t length) {
  static const char* kHex = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < length; ++i) {
    if (i) text += ':';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 15];
  }
  return text;
}

const char* operstateName(unsigned char state) {
  switch (state) {
    case IF_OPER_NOTPRESENT: return "notpresent";
    case IF_OPER_DOWN: return "down";
    case IF_OPER_LOWERLAYERDOWN: return "lowerlayerdown";
    case IF_OPER_TESTING: return "testing";
    case IF_OPER_DORMANT: return "dormant";
    case IF_OPER_UP: return "up";
    default: return "unknown";
  }
}

}  // namespace

std::vector<NetClassDevice> parseLinkDump(std::string_view messages, bool& complete) {
  std::vector<NetClassDevice> devices;
  std::size_t offset = 0;
  while (offset + sizeof(nlmsghdr) <= messages.size()) {
    nlmsghdr header;
    std::memcpy(&header, messages.data() + offset, sizeof header);
    if (header.nlmsg_len < sizeof header || offset + header.nlmsg_len > messages.size()) {
      complete = false;
      break;
    }
    std::string_view message = messages.substr(offset, header.nlmsg_len);
    offset += NLMSG_ALIGN(header.nlmsg_len);
    if (header.nlmsg_type == NLMSG_DONE) break;
    if (header.nlmsg_type == NLMSG_ERROR) {
      complete = false;
      break;
    }
    if (header.nlmsg_type != RTM_NEWLINK || message.size() < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
    NetClassDevice device;
    std::size_t at = NLMSG_LENGTH(sizeof(ifinfomsg));
    at = NLMSG_ALIGN(at);
    while (at + sizeof(rtattr) <= message.size()) {
      rtattr attribute;
      std::memcpy(&attribute, message.data() + at, sizeof attribute);
      if (attribute.rta_len < sizeof attribute || at + attribute.rta_len > message.size()) {
        complete = false;
        break;
      }
      const auto* payload = reinterpret_cast<const unsigned char*>(message.data() + at + RTA_LENGTH(0));
      std::size_t length = attribute.rta_len - RTA_LENGTH(0);
      auto number = [&](const char* name) {
        if (length < sizeof(std::uint32_t)) return;
        std::uint32_t value;
        std::memcpy(&value, payload, sizeof value);
        device.attributes[name] = std::to_string(value);
      };
      switch (attribute.rta_type) {
        case IFLA_IFNAME: device.device.assign(reinterpret_cast<const char*>(payload), strnlen(reinterpret_cast<const char*>(payload), length)); break;
        case IFLA_ADDRESS: device.attributes["address"] = hardwareAddress(payload, length); break;
        case IFLA_BROADCAST: device.attributes["broadcast"] = hardwareAddress(payload, length); break;
        case IFLA_OPERSTATE: if (length >= 1) device.attributes["operstate"] = operstateName(payload[0]); break;
        case IFLA_MTU: number("mtu"); break;
        case IFLA_TXQLEN: number("tx_queue_len"); break;
        case IFLA_CARRIER_CHANGES: number("carrier_changes"); break;
        case IFLA_CARRIER: if (length >= 1) device.attributes["carrier"] = std::to_string(payload[0]); break;
        case IFLA_IFALIAS:
          device.attributes["ifalias"].assign(reinterpret_cast<const char*>(payload), strnlen(reinterpret_cast<const char*>(payload), length));
          break;
        default: break;
      }
      at += RTA_ALIGN(attribute.rta_len);
    }
    if (device.device.empty()) {
      complete = false;
      continue;
    }
    // sysfs cannot read carrier of a device that is down; node_exporter then has no series.
    auto state = device.attributes.find("operstate");
    if (state != device.attributes.end() && state->second == "down") device.attributes.erase("carrier");
    devices.push_back(std::move(device));
  }
  return devices;
}

std::optional<std::string> dumpLinks() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return std::nullopt;
  struct {
    nlmsghdr header;
    ifinfomsg link;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.link.ifi_family = AF_UNSPEC;
  if (::send(fd, &request, sizeof request, 0) < 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::string answer;
  std::vector<char> buffer(65536);
  bool done = false;
  while (!done) {
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n <= 0) break;
    // Each datagram holds whole messages; the dump ends with NLMSG_DONE.
    std::size_t at = 0;
    while (at + sizeof(nlmsghdr) <= static_cast<std::size_t>(n)) {
      nlmsghdr header;
      std::memcpy(&header, buffer.data() + at, sizeof header);
      if (header.nlmsg_type == NLMSG_DONE || header.nlmsg_type == NLMSG_ERROR || header.nlmsg_len == 0) done = true;
      if (header.nlmsg_len == 0) break;
      at += NLMSG_ALIGN(header.nlmsg_len);
    }
    answer.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!done) return std::nullopt;
  return answer;
}

LinkTable::LinkTable() {
  announcements_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (announcements_ < 0) return;
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = RTMGRP_LINK;
  if (::bind(announcements_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(announcements_);
    announcements_ = -1;
  }
}

LinkTable::~LinkTable() {
  if (announcements_ >= 0) ::close(announcements_);
}

bool LinkTable::drainAnnouncements() {
  if (announcements_ < 0) return true;  // cannot listen: dump every time
  bool any = false;
  char buffer[8192];
  while (true) {
    ssize_t n = ::recv(announcements_, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      any = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // ENOBUFS: announcements were dropped, so something changed.
    return any || (n < 0 && errno == ENOBUFS) || n == 0;
  }
}

std::shared_ptr<const LinkTableSnapshot> LinkTable::current() {
  std::lock_guard<std::mutex> lock(mutex_);
  // Subscribed before the first dump, so a change during a dump is heard and dumped next time.
  if (!drainAnnouncements() && cached_) return cached_;
  auto dump = dumpLinks();
  if (!dump) {
    cached_.reset();
    return nullptr;
  }
  auto snapshot = std::make_shared<LinkTableSnapshot>();
  snapshot->devices = parseLinkDump(*dump, snapshot->complete);
  cached_ = std::move(snapshot);
  return cached_;
}

}  // namespace cairn::exporter
