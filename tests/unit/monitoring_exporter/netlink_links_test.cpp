#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <boost/test/unit_test.hpp>

#include <cstring>

#include "monitoring/exporter/netlink_links.hpp"

using namespace cairn::exporter;

namespace {

// One RTM_NEWLINK message built the way the kernel lays it out.
class LinkMessage {
 public:
  LinkMessage() : bytes_(NLMSG_ALIGN(NLMSG_LENGTH(sizeof(ifinfomsg))), '\0') {}
  LinkMessage& attribute(unsigned short type, const void* data, std::size_t length) {
    rtattr header{static_cast<unsigned short>(RTA_LENGTH(length)), type};
    std::string encoded(RTA_SPACE(length), '\0');
    std::memcpy(encoded.data(), &header, sizeof header);
    std::memcpy(encoded.data() + RTA_LENGTH(0), data, length);
    bytes_ += encoded;
    return *this;
  }
  LinkMessage& text(unsigned short type, const std::string& value) { return attribute(type, value.c_str(), value.size() + 1); }
  LinkMessage& number(unsigned short type, std::uint32_t value) { return attribute(type, &value, sizeof value); }
  std::string done(unsigned short messageType = RTM_NEWLINK) const {
    std::string message = bytes_;
    nlmsghdr header{static_cast<std::uint32_t>(message.size()), messageType, NLM_F_MULTI, 1, 0};
    std::memcpy(message.data(), &header, sizeof header);
    return message;
  }

 private:
  std::string bytes_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(netlink_links)

BOOST_AUTO_TEST_CASE(a_link_dump_gives_sysfs_spelled_attributes) {
  const unsigned char mac[] = {0x52, 0x54, 0x00, 0x12, 0x34, 0xab};
  const unsigned char broadcast[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  const unsigned char up = IF_OPER_UP, down = IF_OPER_DOWN, carrier = 1;
  std::string dump = LinkMessage()
                         .text(IFLA_IFNAME, "eth0")
                         .attribute(IFLA_ADDRESS, mac, sizeof mac)
                         .attribute(IFLA_BROADCAST, broadcast, sizeof broadcast)
                         .attribute(IFLA_OPERSTATE, &up, 1)
                         .number(IFLA_MTU, 1500)
                         .number(IFLA_TXQLEN, 1000)
                         .number(IFLA_CARRIER_CHANGES, 3)
                         .attribute(IFLA_CARRIER, &carrier, 1)
                         .text(IFLA_IFALIAS, "uplink")
                         .done() +
                     LinkMessage().text(IFLA_IFNAME, "ifb0").attribute(IFLA_OPERSTATE, &down, 1).attribute(IFLA_CARRIER, &carrier, 1).done() +
                     LinkMessage().done(NLMSG_DONE);
  bool complete = true;
  auto devices = parseLinkDump(dump, complete);
  BOOST_TEST(complete);
  BOOST_REQUIRE_EQUAL(devices.size(), 2u);
  BOOST_TEST(devices[0].device == "eth0");
  BOOST_TEST(devices[0].attributes.at("address") == "52:54:00:12:34:ab");
  BOOST_TEST(devices[0].attributes.at("broadcast") == "ff:ff:ff:ff:ff:ff");
  BOOST_TEST(devices[0].attributes.at("operstate") == "up");
  BOOST_TEST(devices[0].attributes.at("mtu") == "1500");
  BOOST_TEST(devices[0].attributes.at("tx_queue_len") == "1000");
  BOOST_TEST(devices[0].attributes.at("carrier_changes") == "3");
  BOOST_TEST(devices[0].attributes.at("carrier") == "1");
  BOOST_TEST(devices[0].attributes.at("ifalias") == "uplink");
  BOOST_TEST(devices[1].attributes.count("carrier") == 0u);  // unreadable in sysfs while down
}

BOOST_AUTO_TEST_CASE(a_truncated_dump_is_incomplete_and_keeps_what_was_whole) {
  std::string whole = LinkMessage().text(IFLA_IFNAME, "lo").done();
  std::string cut = LinkMessage().text(IFLA_IFNAME, "eth0").done();
  bool complete = true;
  auto devices = parseLinkDump(whole + cut.substr(0, cut.size() - 3), complete);
  BOOST_TEST(!complete);
  BOOST_REQUIRE_EQUAL(devices.size(), 1u);
  BOOST_TEST(devices[0].device == "lo");
}

BOOST_AUTO_TEST_CASE(this_hosts_dump_has_the_loopback_device) {
  auto dump = dumpLinks();
  BOOST_REQUIRE(dump);
  bool complete = true;
  auto devices = parseLinkDump(*dump, complete);
  BOOST_TEST(complete);
  BOOST_TEST(std::any_of(devices.begin(), devices.end(), [](const NetClassDevice& d) { return d.device == "lo"; }));
}

BOOST_AUTO_TEST_SUITE_END()
