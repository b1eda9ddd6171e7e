#define BOOST_TEST_MODULE monitoring_exporter
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "monitoring/exporter/node_parsers.hpp"

using namespace cairn::exporter;
namespace bdata = boost::unit_test::data;

namespace {

std::string render(const std::vector<MetricFamily>& families) { return cairn::metrics::renderText(families); }

}  // namespace

BOOST_AUTO_TEST_SUITE(node_parsers)

BOOST_AUTO_TEST_CASE(per_cpu_lines_become_seconds_by_mode_and_the_aggregate_line_is_dropped) {
  ProcStat stat = parseProcStat("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 100 0 50 1000 2 0 1 0 30 4\nbtime 17\nctxt 9\n");
  BOOST_TEST(stat.complete);
  BOOST_REQUIRE_EQUAL(stat.cpus.size(), 1u);
  std::string text = render(cpuFamilies(stat.cpus));
  BOOST_TEST(text.find("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1\n") != std::string::npos);
  BOOST_TEST(text.find("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 10\n") != std::string::npos);
  BOOST_TEST(text.find("node_cpu_guest_seconds_total{cpu=\"0\",mode=\"user\"} 0.3\n") != std::string::npos);
  BOOST_TEST(text.find("node_cpu_guest_seconds_total{cpu=\"0\",mode=\"nice\"} 0.04\n") != std::string::npos);
  BOOST_TEST(text.find("cpu=\"\"") == std::string::npos);
  BOOST_TEST(*stat.bootTime == 17);
  BOOST_TEST(*stat.contextSwitches == 9);
}

BOOST_AUTO_TEST_CASE(cpu_counters_never_go_backwards_unless_idle_drops_by_three_seconds) {
  CpuCounterGuard guard;
  CpuTimes first{"0", 10, 0, 5, 100, 0, 0, 0, 0, 0, 0};
  guard.apply({first});
  CpuTimes lower = first;
  lower.user = 9;
  BOOST_TEST(guard.apply({lower})[0].user == 10);
  CpuTimes hotplugged{"0", 1, 0, 1, 2, 0, 0, 0, 0, 0, 0};
  BOOST_TEST(guard.apply({hotplugged})[0].user == 1);
}

BOOST_AUTO_TEST_CASE(meminfo_keeps_kernel_case_maps_parentheses_and_units) {
  std::vector<MetricFamily> out;
  BOOST_TEST(parseMeminfo("MemTotal: 2 kB\nActive(anon): 1 kB\nHugePages_Total: 3\n", out));
  std::string text = render(out);
  BOOST_TEST(text.find("node_memory_MemTotal_bytes 2048\n") != std::string::npos);
  BOOST_TEST(text.find("node_memory_Active_anon_bytes 1024\n") != std::string::npos);
  BOOST_TEST(text.find("node_memory_HugePages_Total 3\n") != std::string::npos);
  BOOST_TEST(text.find("# TYPE node_memory_MemTotal_bytes gauge\n") != std::string::npos);
}

BOOST_DATA_TEST_CASE(malformed_meminfo_lines_are_skipped_and_reported,
                     bdata::make({"MemTotal: x kB\n", "MemTotal 12 kB\n", "MemTotal: 1 MB\n", "MemTotal: 1 kB extra\n"}),
                     text) {
  std::vector<MetricFamily> out;
  BOOST_TEST(!parseMeminfo(text, out));
  BOOST_TEST(out.empty());
}

BOOST_DATA_TEST_CASE(ignored_disks_follow_node_exporter_defaults,
                     bdata::make({"sda1", "vda2", "xvdb3", "hdc1", "nvme0n1p1", "loop7", "ram0", "zram0", "fd0"}),
                     device) {
  BOOST_TEST(isIgnoredDisk(device));
}

BOOST_DATA_TEST_CASE(whole_disks_and_mapper_devices_are_kept,
                     bdata::make({"sda", "vda", "nvme0n1", "dm-0", "md127", "sr0", "mmcblk0"}), device) {
  BOOST_TEST(!isIgnoredDisk(device));
}

BOOST_AUTO_TEST_CASE(diskstats_converts_sectors_and_milliseconds_and_skips_discards_when_absent) {
  std::vector<MetricFamily> out;
  BOOST_TEST(parseDiskstats("8 0 sda 1 2 3 4000 5 6 7 8000 9 10000 11000\n", out));
  std::string text = render(out);
  BOOST_TEST(text.find("node_disk_read_bytes_total{device=\"sda\"} 1536\n") != std::string::npos);
  BOOST_TEST(text.find("node_disk_read_time_seconds_total{device=\"sda\"} 4\n") != std::string::npos);
  BOOST_TEST(text.find("node_disk_io_now{device=\"sda\"} 9\n") != std::string::npos);
  BOOST_TEST(text.find("node_disk_discards_completed_total") == std::string::npos);
  BOOST_TEST(text.find("node_disk_info{device=\"sda\",major=\"8\",minor=\"0\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(netdev_reads_every_interface_including_loopback) {
  std::vector<MetricFamily> out;
  BOOST_TEST(parseNetDev("h|\nh|\n lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\neth0:17 0 0 0 0 0 0 0 18 0 0 0 0 0 0 0\n", out));
  std::string text = render(out);
  BOOST_TEST(text.find("node_network_receive_bytes_total{device=\"lo\"} 1\n") != std::string::npos);
  BOOST_TEST(text.find("node_network_transmit_colls_total{device=\"lo\"} 14\n") != std::string::npos);
  BOOST_TEST(text.find("node_network_receive_bytes_total{device=\"eth0\"} 17\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(mountinfo_unescapes_paths_and_applies_the_default_exclusions) {
  bool complete = true;
  auto mounts = reportedMounts(parseMountinfo(
      "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "2 1 0:5 / /dev rw - devtmpfs udev rw\n"
      "3 1 0:6 / /run rw shared:1 - tmpfs tmpfs rw\n"
      "4 1 8:2 / /srv/my\\040data ro,relatime - xfs /dev/sdb rw\n"
      "5 1 0:7 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw\n",
      complete));
  BOOST_TEST(complete);
  BOOST_REQUIRE_EQUAL(mounts.size(), 3u);
  BOOST_TEST(mounts[2].mountPoint == "/srv/my data");
  std::string text = render(filesystemFamilies({{mounts[2], FilesystemStats{4096, 1024, 512, 10, 5}}, {mounts[1], std::nullopt}}));
  BOOST_TEST(text.find("node_filesystem_readonly{device=\"/dev/sdb\",device_error=\"\",fstype=\"xfs\",mountpoint=\"/srv/my data\"} 1\n") !=
             std::string::npos);
  BOOST_TEST(text.find("node_filesystem_device_error{device=\"tmpfs\",device_error=\"\",fstype=\"tmpfs\",mountpoint=\"/run\"} 1\n") !=
             std::string::npos);
  BOOST_TEST(text.find("mountpoint=\"/run\"} 4096") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(pressure_maps_some_and_full_to_waiting_and_stalled) {
  std::vector<MetricFamily> out;
  BOOST_TEST(parsePressure("io", "some avg10=0 total=1500000\nfull avg10=0 total=500000\n", out));
  BOOST_TEST(parsePressure("cpu", "some avg10=0 total=2000000\nfull avg10=0 total=0\n", out));
  BOOST_TEST(parsePressure("irq", "full avg10=0 total=7\n", out));
  std::string text = render(out);
  BOOST_TEST(text.find("node_pressure_io_waiting_seconds_total 1.5\n") != std::string::npos);
  BOOST_TEST(text.find("node_pressure_io_stalled_seconds_total 0.5\n") != std::string::npos);
  BOOST_TEST(text.find("node_pressure_cpu_waiting_seconds_total 2\n") != std::string::npos);
  BOOST_TEST(text.find("node_pressure_cpu_stalled") == std::string::npos);
  BOOST_TEST(text.find("node_pressure_irq_stalled_seconds_total 7e-06\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(vmstat_exports_only_the_default_fields_untyped) {
  std::vector<MetricFamily> out;
  BOOST_TEST(parseVmstat("nr_free_pages 1\npgfault 2\npgmajfault 3\npgpgin 4\npswpout 5\noom_kill 6\npgsteal 7\n", out));
  std::string text = render(out);
  BOOST_TEST(text.find("# TYPE node_vmstat_pgfault untyped\nnode_vmstat_pgfault 2\n") != std::string::npos);
  BOOST_TEST(text.find("node_vmstat_oom_kill 6") != std::string::npos);
  BOOST_TEST(text.find("nr_free_pages") == std::string::npos);
  BOOST_TEST(text.find("pgsteal") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(conntrack_reports_entries_and_limit) {
  std::vector<MetricFamily> out;
  BOOST_TEST(parseConntrack("1176\n", "262144\n", out));
  BOOST_TEST(render(out).find("node_nf_conntrack_entries 1176\n") != std::string::npos);
  BOOST_TEST(render(out).find("node_nf_conntrack_entries_limit 262144\n") != std::string::npos);
  out.clear();
  BOOST_TEST(!parseConntrack("lots\n", "262144\n", out));
  BOOST_TEST(out.empty());
}

BOOST_DATA_TEST_CASE(short_or_garbled_single_line_files_are_rejected,
                     bdata::make({"", "0.1 0.2\n", "a b c 1/2 3\n"}), text) {
  std::vector<MetricFamily> out;
  BOOST_TEST(!parseLoadavg(text, out));
  BOOST_TEST(!parseFileNr(text, out));
  BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_SUITE_END()
