#include <boost/test/unit_test.hpp>

#include "monitoring/exporter/mount_table.hpp"
#include "monitoring/exporter/proc_files.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn;
using namespace cairn::exporter;
using cairn::testing::TempDir;

namespace {

const char* kRoot = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n";
const char* kData = "40 22 254:16 / /data rw,relatime shared:2 - ext4 /dev/vdb rw\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(mount_table)

BOOST_AUTO_TEST_CASE(a_file_that_cannot_signal_changes_is_read_every_time) {
  TempDir dir;
  testing::writeFile(dir / "mountinfo", kRoot);
  MountTable table({dir / "absent", dir / "mountinfo"});
  auto first = table.current();
  BOOST_REQUIRE(first);
  BOOST_TEST(first->reported.size() == 1u);
  testing::writeFile(dir / "mountinfo", std::string(kRoot) + kData);
  auto second = table.current();
  BOOST_REQUIRE(second);
  BOOST_REQUIRE_EQUAL(second->reported.size(), 2u);
  BOOST_TEST(second->reported[1].mountPoint == "/data");
  BOOST_TEST(second->complete);
}

BOOST_AUTO_TEST_CASE(no_readable_candidate_gives_no_table) {
  TempDir dir;
  MountTable table({dir / "absent"});
  BOOST_TEST(!table.current());
}

BOOST_AUTO_TEST_CASE(procfs_mountinfo_is_kept_until_the_kernel_signals_a_change) {
  MountTable table({"/proc/self/mountinfo"});
  auto first = table.current();
  BOOST_REQUIRE(first);
  bool complete = true;
  auto direct = reportedMounts(parseMountinfo(*readProcFile("/proc/self/mountinfo"), complete));
  BOOST_TEST(first->reported.size() == direct.size());
  // Without a mount in between, the same parsed table comes back. Containers started by
  // other tests mount in this namespace too, so a few tries are allowed.
  bool kept = false;
  for (int attempt = 0; attempt < 5 && !kept; ++attempt) {
    auto before = table.current();
    kept = table.current() == before;
  }
  BOOST_TEST(kept);
}

BOOST_AUTO_TEST_SUITE_END()
