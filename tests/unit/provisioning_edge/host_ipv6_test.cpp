#include "provisioning/edge/host_ipv6.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace edge = cairn::edge;
namespace data = boost::unit_test::data;

namespace {

// Lines of /proc/net/if_inet6 as a Debian host with IPv6 shows them.
const std::string kLoopbackOnly = "00000000000000000000000000000001 01 80 10 80       lo\n";
const std::string kLoopbackAndEth =
    "fe800000000000005054fffe12345678 02 40 20 80     eth0\n" + kLoopbackOnly;

struct Case {
  const char* name;
  std::optional<std::string> ifInet6;
  std::optional<std::string> disableIpv6;
  bool expected;
};
std::ostream& operator<<(std::ostream& out, const Case& c) { return out << c.name; }

const Case kCases[] = {
    {"addresses and not disabled", kLoopbackAndEth, std::string("0\n"), true},
    {"loopback only", kLoopbackOnly, std::string("0\n"), true},
    {"addresses, no sysctl file", kLoopbackAndEth, std::nullopt, true},
    {"kernel without IPv6 (ipv6.disable=1)", std::nullopt, std::nullopt, false},
    {"disabled on every interface", std::string(""), std::string("1\n"), false},
    {"disabled, addresses not yet gone", kLoopbackOnly, std::string("1\n"), false},
    {"no address at all", std::string("\n"), std::string("0\n"), false},
};

}  // namespace

BOOST_DATA_TEST_CASE(ipv6_is_there_when_the_kernel_lists_an_address_and_does_not_disable_it,
                     data::make(kCases), c) {
  BOOST_TEST(edge::ipv6Available(c.ifInet6, c.disableIpv6) == c.expected);
}

BOOST_AUTO_TEST_CASE(the_files_are_read_under_the_root) {
  cairn::testing::TempDir root;
  BOOST_TEST(!edge::hostHasIpv6(root.path()));
  cairn::testing::writeFile(root.path() + edge::kIfInet6File, kLoopbackAndEth);
  BOOST_TEST(edge::hostHasIpv6(root.path()));
  cairn::testing::writeFile(root.path() + edge::kDisableIpv6File, "1\n");
  BOOST_TEST(!edge::hostHasIpv6(root.path()));
  cairn::testing::writeFile(root.path() + edge::kDisableIpv6File, "0\n");
  BOOST_TEST(edge::hostHasIpv6(root.path()));
}
