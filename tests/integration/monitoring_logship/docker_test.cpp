#define BOOST_TEST_MODULE monitoring_logship_docker
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>

#include "tests/integration/monitoring_logship/logshipd_process.hpp"
#include "tests/support/loki_standin/loki_standin.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kImage = "logship-test-busybox:1";

std::string run(const std::string& command) {
  std::string output;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " < /dev/null 2>&1").c_str(), "r"), ::pclose);
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof(buffer), pipe.get())) output += buffer;
  return output;
}

// A tiny image from Debian's static busybox, built once and kept by tag.
void ensureImage(const TempDir& dir) {
  if (std::system((std::string("docker image inspect ") + kImage + " < /dev/null > /dev/null 2>&1").c_str()) == 0) return;
  const std::string root = dir / "rootfs";
  const std::string script = "set -e; mkdir -p " + root + "/bin; cp /bin/busybox " + root + "/bin/busybox; " +
                             "for a in sh echo sleep usleep seq; do ln -sf busybox " + root + "/bin/$a; done; " +
                             "tar -C " + root + " -c . | docker import - " + kImage;
  BOOST_REQUIRE_MESSAGE(std::system(script.c_str()) == 0, "cannot build " << kImage);
}

}  // namespace

BOOST_AUTO_TEST_CASE(lines_from_real_containers_arrive_with_service_container_and_stream_labels) {
  TempDir dir;
  ensureImage(dir);
  LokiStandin loki(dir.path(), {true, "", 256 * 1024});
  const std::string token = std::to_string(::getpid());
  const std::string name = "logship-test-echo-" + token;
  // Only labels of this part's own: other parts' tests clean up containers by cairn's labels.
  const std::string selector = "io.cairn.logship-test=" + token;
  json config = {{"loki", {{"url", loki.pushUrl()}, {"min_backoff_ms", 50}}},
                 {"batch_wait_ms", 200},
                 {"poll_ms", 20},
                 {"docker", {{"enabled", true}, {"label", selector}, {"service_label", "io.cairn.logship-test.service"},
                             {"rescan_ms", 1000}}}};
  LogshipdProcess shipper(dir.path(), config);
  shipper.start();
  // Small log files so that Docker rotates them (about four times) while the container writes;
  // enough of them are kept that a shipper starved of CPU on a busy machine can still find them.
  const std::string started = run(std::string("docker run -d --name ") + name + " --label " + selector +
                                  " --label io.cairn.logship-test.service=echoer --log-driver json-file --log-opt max-size=40k" +
                                  " --log-opt max-file=8 " + kImage +
                                  " sh -c 'for i in $(seq 0 999); do echo \"out $i\"; echo \"err $i\" >&2; usleep 2000; done; sleep 600'");
  BOOST_TEST_MESSAGE("docker run: " << started);
  const auto countFor = [&](const std::string& stream) {
    std::vector<int> numbers;
    for (const auto& entry : loki.recorded()) {
      if (entry.labels.count("stream") && entry.labels.at("stream") == stream) numbers.push_back(std::stoi(entry.line.substr(4)));
    }
    return numbers;
  };
  const bool arrived = waitFor([&] { return countFor("stdout").size() >= 1000 && countFor("stderr").size() >= 1000; }, 120s);
  const std::string dockerLogs = run("docker logs " + name);
  const auto logs = std::count(dockerLogs.begin(), dockerLogs.end(), '\n');
  run("docker rm -f " + name);
  BOOST_REQUIRE_MESSAGE(arrived, "stdout " << countFor("stdout").size() << " stderr " << countFor("stderr").size()
                                            << " lost files " << shipper.metric("cairn_logship_file_events_total", "lost_file")
                                            << " docker logs lines " << logs);
  for (const std::string stream : {"stdout", "stderr"}) {
    const auto numbers = countFor(stream);
    std::vector<int> expected(1000);
    for (int i = 0; i < 1000; ++i) expected[i] = i;
    BOOST_TEST((numbers == expected), stream << " lines missing or out of order");
  }
  const auto entries = loki.recorded();
  BOOST_REQUIRE(!entries.empty());
  const auto& labels = entries.front().labels;
  BOOST_TEST(labels.at("service") == "echoer");
  BOOST_TEST(labels.at("container") == name);
  BOOST_TEST(labels.at("job") == "containers");
  BOOST_TEST((entries.front().line.rfind("out ", 0) == 0 || entries.front().line.rfind("err ", 0) == 0));
  // A removed container's source is finished and dropped.
  BOOST_TEST(waitFor([&] { return shipper.metric("cairn_logship_sources") == 0; }, 30s));
  BOOST_TEST(shipper.stop() == 0);
}
