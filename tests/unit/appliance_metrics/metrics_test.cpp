#define BOOST_TEST_MODULE appliance_metrics
#include <zlib.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <thread>

#include "appliance/metrics/metrics.hpp"

using namespace cairn::metrics;
namespace bdata = boost::unit_test::data;

namespace {

std::string gunzip(const std::string& compressed) {
  z_stream stream{};
  inflateInit2(&stream, 15 + 16);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&stream, Z_FINISH);
  inflateEnd(&stream);
  BOOST_REQUIRE(rc == Z_STREAM_END);
  out.resize(stream.total_out);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(label_values_escape_backslash_quote_and_newline_and_help_only_backslash_and_newline) {
  MetricFamily family{"x_total", "a \\ \"b\"\nc", MetricType::kCounter, {{{{"path", "C:\\a \"q\"\nz"}}, 1, std::nullopt}}, {}};
  BOOST_TEST(renderText({family}) ==
             "# HELP x_total a \\\\ \"b\"\\nc\n# TYPE x_total counter\nx_total{path=\"C:\\\\a \\\"q\\\"\\nz\"} 1\n");
}

BOOST_DATA_TEST_CASE(values_use_go_spellings,
                     bdata::make({std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity(), 0.0, -1.0, 0.25, 1e300}) ^
                         bdata::make({"NaN", "+Inf", "-Inf", "0", "-1", "0.25", "1e+300"}),
                     value, text) {
  BOOST_TEST(formatValue(value) == text);
}

BOOST_AUTO_TEST_CASE(values_read_back_exactly) {
  for (double value : {0.1, 1.0 / 3, 123456.789, 1.795297966207511e9, 5e-324}) {
    BOOST_TEST(std::strtod(formatValue(value).c_str(), nullptr) == value);
  }
}

BOOST_AUTO_TEST_CASE(families_with_one_name_merge_into_the_first_with_one_help_and_type) {
  MetricFamily a{"m", "first", MetricType::kGauge, {{{{"k", "1"}}, 1, std::nullopt}}, {}};
  MetricFamily other{"o", "other", MetricType::kGauge, {{{}, 3, 1234}}, {}};
  MetricFamily b{"m", "second", MetricType::kGauge, {{{{"k", "2"}}, 2, std::nullopt}}, {}};
  BOOST_TEST(renderText({a, other, b}) ==
             "# HELP m first\n# TYPE m gauge\nm{k=\"1\"} 1\nm{k=\"2\"} 2\n# HELP o other\n# TYPE o gauge\no 3 1234\n");
}

BOOST_AUTO_TEST_CASE(histograms_are_cumulative_with_an_inf_bucket_sum_and_count) {
  Registry registry;
  Histogram& h = registry.histogram("lat_seconds", "Latency.", {0.1, 1}, {{"op", "get"}});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  BOOST_TEST(renderText(registry.collect()) ==
             "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n"
             "lat_seconds_bucket{op=\"get\",le=\"0.1\"} 1\nlat_seconds_bucket{op=\"get\",le=\"1\"} 2\n"
             "lat_seconds_bucket{op=\"get\",le=\"+Inf\"} 3\nlat_seconds_sum{op=\"get\"} 5.55\nlat_seconds_count{op=\"get\"} 3\n");
}

BOOST_AUTO_TEST_CASE(registry_returns_one_series_per_labels_and_counts_across_threads) {
  Registry registry;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) registry.counter("c_total", "C.", {{"a", "b"}}).inc();
    });
  }
  for (auto& thread : threads) thread.join();
  BOOST_TEST(registry.counter("c_total", "C.", {{"a", "b"}}).value() == 4000);
  registry.counter("c_total", "C.").inc(-5);  // counters never go down
  BOOST_TEST(registry.collect()[0].samples.size() == 2u);
  BOOST_CHECK_THROW(registry.gauge("c_total", "C."), std::logic_error);
}

BOOST_AUTO_TEST_CASE(gzip_round_trips) {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += "node_cpu_seconds_total{cpu=\"" + std::to_string(i) + "\"} 1\n";
  std::string compressed = gzip(body);
  BOOST_TEST(compressed.size() < body.size() / 4);
  BOOST_TEST(gunzip(compressed) == body);
  BOOST_TEST(gunzip(gzip("")).empty());
}

BOOST_DATA_TEST_CASE(accept_encoding_is_negotiated,
                     bdata::make({"gzip", "deflate, gzip;q=0.5", "*", " br , gzip", "identity", "gzip;q=0", "", "gzipx"}) ^
                         bdata::make({true, true, true, true, false, false, false, false}),
                     header, expected) {
  BOOST_TEST(acceptsGzip(header) == expected);
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

BOOST_AUTO_TEST_CASE(counters_never_go_down_and_a_name_keeps_its_type) {
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
