// The shipper against a real store of Loki's push API: cairn-logshipd pushes a file's lines to
// VictoriaLogs (tests/support/victorialogs.hpp), which must store every one of them, byte for
// byte, with the stream's labels as fields. The stand-in receiver of the other tests checks the
// protocol's corners; this one shows a real server accepts what the shipper sends.
#define BOOST_TEST_MODULE monitoring_logship_victorialogs
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <fstream>

#include "tests/integration/monitoring_logship/logshipd_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/victorialogs.hpp"

using namespace cairn::testing;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(every_line_of_a_file_is_stored_by_victorialogs_byte_for_byte) {
  TempDir dir;
  VictoriaLogsServer store(dir.path());
  // Numbered lines, among them the text a JSON encoder must get right: quotes, backslashes,
  // tabs, UTF-8, and a long line.
  std::vector<std::string> lines;
  for (int i = 0; i < 20000; ++i) lines.push_back("line " + std::to_string(i) + " status=200 path=/api/v1/dags");
  lines.push_back(R"(quotes "a" and back\slash and	tab)");
  lines.push_back("UTF-8: grüße, 日本語, emoji 🙂");
  lines.push_back("long " + std::string(10000, 'x'));
  {
    std::ofstream out(dir / "app.log", std::ios::binary);
    for (const auto& line : lines) out << line << "\n";
  }
  const nlohmann::json config = {
      {"loki", {{"url", store.pushUrl()}, {"min_backoff_ms", 50}, {"max_backoff_ms", 1000}}},
      {"batch_bytes", 65536},
      {"batch_wait_ms", 200},
      {"docker", {{"enabled", false}}},
      {"files", {{{"path", dir / "app.log"}, {"format", "raw"}, {"labels", {{"job", "victorialogs-test"}}}}}}};
  LogshipdProcess shipper(dir.path(), config);
  shipper.start();
  BOOST_REQUIRE_MESSAGE(waitFor([&] { return shipper.metric("cairn_logship_lines_sent_total") >= static_cast<double>(lines.size()); }, 120s),
                        "not every line was acknowledged");
  BOOST_TEST(shipper.metric("cairn_logship_lines_dropped_total") == 0.0);
  // Acknowledged is stored: VictoriaLogs makes what it took searchable within a second or so.
  long stored = -1;
  BOOST_TEST(waitFor([&] { return (stored = store.count("job:victorialogs-test")) == static_cast<long>(lines.size()); }, 60s),
             stored << " of " << lines.size() << " stored");
  auto received = store.messages("job:victorialogs-test", static_cast<int>(lines.size()) + 10);
  std::sort(received.begin(), received.end());
  std::sort(lines.begin(), lines.end());
  BOOST_TEST(received == lines);
  shipper.stop();
}
