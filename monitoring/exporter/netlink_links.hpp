#pragma once
// The host's network devices from one rtnetlink RTM_GETLINK dump, as node_exporter reads them:
// one request answers for every device what would otherwise be eight sysfs files each.

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

}  // namespace cairn::exporter
