#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <cmath>
#include <limits>
#include <thread>

#include "appliance/metrics/metrics.hpp"

using namespace cairn::metrics;

namespace {

std::string gunzip(const std::string& compressed) {
  z_stream stream{};
  inflateInit2(&stream, 15 + 16);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(values_use_the_text_format_spelling) {
  BOOST_TEST(formatValue(1) == "1");
  BOOST_TEST(formatValue(0.25) == "0.25");
  BOOST_TEST(formatValue(-3) == "-3");
  BOOST_TEST(formatValue(0.1) == "0.1");
  BOOST_TEST(formatValue(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  BOOST_TEST(formatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  BOOST_TEST(formatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  BOOST_TEST(std::stod(formatValue(1.5e300)) == 1.5e300);
}

BOOST_AUTO_TEST_CASE(families_render_with_help_type_escaping_and_timestamps) {
  MetricFamily family{"node_uname_info", "Labeled system information.\nSecond \\ line", MetricType::kGauge,
                      {{{{"nodename", "a\"b\\c\nd"}}, 1, 1700000000000}}, {}};
  std::string text = renderText({family});
  BOOST_TEST(text ==
             "# HELP node_uname_info Labeled system information.\\nSecond \\\\ line\n"
             "# TYPE node_uname_info gauge\n"
             "node_uname_info{nodename=\"a\\\"b\\\\c\\nd\"} 1 1700000000000\n");
}

BOOST_AUTO_TEST_CASE(families_with_one_name_are_merged_into_the_first) {
  MetricFamily a{"x_total", "X.", MetricType::kCounter, {{{{"k", "1"}}, 1, std::nullopt}}, {}};
  MetricFamily b{"y", "Y.", MetricType::kGauge, {{{}, 2, std::nullopt}}, {}};
  MetricFamily c{"x_total", "X.", MetricType::kCounter, {{{{"k", "2"}}, 3, std::nullopt}}, {}};
  BOOST_TEST(renderText({a, b, c}) ==
             "# HELP x_total X.\n# TYPE x_total counter\nx_total{k=\"1\"} 1\nx_total{k=\"2\"} 3\n"
             "# HELP y Y.\n# TYPE y gauge\ny 2\n");
}

BOOST_AUTO_TEST_CASE(histograms_render_cumulative_buckets_sum_and_count) {
  Registry registry;
  Histogram& h = registry.histogram("req_seconds", "Latency.", {0.1, 1}, {{"path", "/"}});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(3);
  BOOST_TEST(renderText(registry.collect()) ==
             "# HELP req_seconds Latency.\n# TYPE req_seconds histogram\n"
             "req_seconds_bucket{path=\"/\",le=\"0.1\"} 1\n"
             "req_seconds_bucket{path=\"/\",le=\"1\"} 2\n"
             "req_seconds_bucket{path=\"/\",le=\"+Inf\"} 3\n"
             "req_seconds_sum{path=\"/\"} 3.55\n"
             "req_seconds_count{path=\"/\"} 3\n");
}

BOOST_AUTO_TEST_CASE(registry_returns_the_same_series_for_the_same_labels) {
  Registry registry;
  registry.counter("c_total", "C.", {{"s", "a"}}).inc();
  registry.counter("c_total", "C.", {{"s", "a"}}).inc(2);
  registry.counter("c_total", "C.", {{"s", "b"}}).inc(-5);  // ignored: counters never go down
  registry.gauge("g", "G.").set(4);
  registry.gauge("g", "G.").dec();
  auto families = registry.collect();
  BOOST_REQUIRE(families.size() == 2u);
  BOOST_TEST(families[0].samples.at(0).value == 3);
  BOOST_TEST(families[0].samples.at(1).value == 0);
  BOOST_TEST(families[1].samples.at(0).value == 3);
  BOOST_CHECK_THROW(registry.gauge("c_total", "C."), std::logic_error);
}

BOOST_AUTO_TEST_CASE(concurrent_increments_are_not_lost) {
  Registry registry;
  Counter& counter = registry.counter("n_total", "N.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { for (int i = 0; i < 10000; ++i) counter.inc(); });
  for (auto& thread : threads) thread.join();
  BOOST_TEST(counter.value() == 40000);
}

BOOST_AUTO_TEST_CASE(gzip_round_trips_and_accept_encoding_is_honoured) {
  std::string body(10000, 'm');
  std::string compressed = gzip(body);
  BOOST_TEST(compressed.size() < body.size());
  BOOST_TEST(gunzip(compressed) == body);
  BOOST_TEST(acceptsGzip("gzip"));
  BOOST_TEST(acceptsGzip("deflate, gzip;q=0.5"));
  BOOST_TEST(!acceptsGzip("gzip;q=0"));
  BOOST_TEST(!acceptsGzip("identity"));
  BOOST_TEST(!acceptsGzip(""));
}

BOOST_AUTO_TEST_CASE(names_are_checked_and_label_names_sanitized) {
  BOOST_TEST(isValidMetricName("node_cpu_seconds_total"));
  BOOST_TEST(isValidMetricName("a:b"));
  BOOST_TEST(!isValidMetricName("9x"));
  BOOST_TEST(isValidLabelName("container_label_io_cairn_service"));
  BOOST_TEST(!isValidLabelName("a:b"));
  BOOST_TEST(sanitizeLabelName("io.cairn.service") == "io_cairn_service");
  BOOST_TEST(sanitizeLabelName("1x") == "_1x");
}

BOOST_AUTO_TEST_SUITE_END()
