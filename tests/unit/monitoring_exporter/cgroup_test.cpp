#include <boost/test/unit_test.hpp>

#include "monitoring/exporter/cgroup.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn::exporter;

BOOST_AUTO_TEST_SUITE(cgroup)

BOOST_AUTO_TEST_CASE(v1_hierarchies_resolve_per_controller_including_joined_mounts) {
  cairn::testing::TempDir root;
  cairn::testing::writeFile(root / "fs/cgroup/cpu,cpuacct/docker/abc/cpuacct.stat", "user 1\n");
  cairn::testing::writeFile(root / "fs/cgroup/memory/docker/abc/memory.stat", "");
  auto location = locateCgroup("12:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/docker/abc\n", root.path());
  BOOST_REQUIRE(location);
  BOOST_TEST(!location->unified);
  BOOST_TEST(location->path == "/docker/abc");
  BOOST_TEST(location->directory("cpuacct") == root / "fs/cgroup/cpu,cpuacct/docker/abc");
  BOOST_TEST(location->directory("memory") == root / "fs/cgroup/memory/docker/abc");
}

BOOST_AUTO_TEST_CASE(a_v2_only_process_uses_the_unified_tree_and_hybrid_hosts_its_unified_mount) {
  cairn::testing::TempDir hybrid;
  cairn::testing::writeFile(hybrid / "fs/cgroup/unified/cgroup.controllers", "");
  auto location = locateCgroup("0::/system.slice/docker-x.scope\n", hybrid.path());
  BOOST_REQUIRE(location);
  BOOST_TEST(location->unified);
  BOOST_TEST(location->directory("memory") == hybrid / "fs/cgroup/unified/system.slice/docker-x.scope");
}

BOOST_AUTO_TEST_CASE(no_usable_hierarchy_gives_nothing) {
  cairn::testing::TempDir empty;
  BOOST_TEST(!locateCgroup("7:memory:/docker/abc\n", empty.path()));
  BOOST_TEST(!locateCgroup("garbage", empty.path()));
}

BOOST_AUTO_TEST_CASE(blkio_and_io_stat_formats_parse_per_device) {
  bool complete = true;
  auto blkio = parseBlkio("8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 1\n8:0 Total 12288\nTotal 12288\n", complete);
  BOOST_TEST(complete);
  BOOST_TEST(blkio["8:0"].first == 4096);
  BOOST_TEST(blkio["8:0"].second == 8192);
  auto io = parseIoStat("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n", complete);
  BOOST_REQUIRE_EQUAL(io.size(), 1u);
  BOOST_TEST(io[0].writes == 4);
  parseIoStat("8:0 rbytes=x\n", complete);
  BOOST_TEST(!complete);
}

BOOST_AUTO_TEST_CASE(limits_accept_max_and_reject_garbage) {
  bool ok = true;
  BOOST_TEST(!parseLimit("max\n", ok));
  BOOST_TEST(ok);
  BOOST_TEST(*parseLimit("1024\n", ok) == 1024);
  parseLimit("lots", ok);
  BOOST_TEST(!ok);
}

BOOST_AUTO_TEST_CASE(a_vanished_cgroup_reads_as_incomplete_without_values) {
  CgroupLocation gone;
  gone.unified = true;
  gone.directories[""] = "/nonexistent/cgroup";
  ProcFileReader reader;
  CgroupStats stats = readCgroupStats(gone, reader);
  BOOST_TEST(!stats.complete);
  BOOST_TEST(!stats.memoryUsage);
  BOOST_TEST(stats.cpuUsage.empty());
}

BOOST_AUTO_TEST_SUITE_END()
