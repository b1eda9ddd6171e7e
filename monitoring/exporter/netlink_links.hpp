#pragma once
// The host's network devices from one rtnetlink RTM_GETLINK dump, as node_exporter reads them:
// one request answers for every device what would otherwise be eight sysfs files each.

#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "monitoring/exporter/node_parsers.hpp"

namespace cairn::exporter {

// Pure: the RTM_NEWLINK messages of a dump → devices with the attributes address, broadcast,
// operstate, mtu, carrier, carrier_changes, tx_queue_len and ifalias (sysfs spellings).
std::vector<NetClassDevice> parseLinkDump(std::string_view messages, bool& complete);

// Sends the dump request on a NETLINK_ROUTE socket of this process's network namespace and
// returns the raw answer; nullopt when netlink is unavailable.
std::optional<std::string> dumpLinks();

struct LinkTableSnapshot {
  std::vector<NetClassDevice> devices;  // as parseLinkDump gives them
  bool complete = true;
};

// The devices of the last dump, dumped again only when the kernel announced a change: a
// socket subscribed to RTNLGRP_LINK hears every RTM_NEWLINK/RTM_DELLINK (a device added or
// removed, carrier, operstate, MTU, address or queue length changed). Statistics change
// without an announcement, and so does the alias of a device that is down: callers that need
// the alias read it elsewhere (sysfs). Thread-safe.
class LinkTable {
 public:
  LinkTable();
  ~LinkTable();
  LinkTable(const LinkTable&) = delete;
  LinkTable& operator=(const LinkTable&) = delete;

  // nullptr when netlink is unavailable (then tried again next time).
  std::shared_ptr<const LinkTableSnapshot> current();

 private:
  // Reads every pending announcement; true when there was one, or when some were lost.
  bool drainAnnouncements();

  std::mutex mutex_;
  int announcements_ = -1;  // NETLINK_ROUTE socket bound to RTMGRP_LINK, non-blocking
  std::shared_ptr<const LinkTableSnapshot> cached_;
};

}  // namespace cairn::exporter
