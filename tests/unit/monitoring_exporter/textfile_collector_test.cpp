#include <boost/test/unit_test.hpp>

#include "monitoring/exporter/textfile_collector.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn;
using namespace cairn::exporter;

namespace {

const char* kCertificateFile =
    "# HELP cairn_tls_certificate_expiry_timestamp_seconds When the certificate nginx serves expires.\n"
    "# TYPE cairn_tls_certificate_expiry_timestamp_seconds gauge\n"
    "cairn_tls_certificate_expiry_timestamp_seconds{mode=\"acme\",source=\"self-signed\"} 1.8e+09\n"
    "# TYPE cairn_tls_certificate_fallback gauge\n"
    "cairn_tls_certificate_fallback{mode=\"acme\"} 1\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(textfile_collector)

BOOST_AUTO_TEST_CASE(the_edge_certificate_file_is_re_exposed_as_written) {
  std::vector<MetricFamily> out;
  BOOST_REQUIRE(parseTextfile(kCertificateFile, out));
  BOOST_TEST(metrics::renderText(out) ==
             "# HELP cairn_tls_certificate_expiry_timestamp_seconds When the certificate nginx serves expires.\n"
             "# TYPE cairn_tls_certificate_expiry_timestamp_seconds gauge\n"
             "cairn_tls_certificate_expiry_timestamp_seconds{mode=\"acme\",source=\"self-signed\"} 1800000000\n"
             "# TYPE cairn_tls_certificate_fallback gauge\n"
             "cairn_tls_certificate_fallback{mode=\"acme\"} 1\n");
}

BOOST_AUTO_TEST_CASE(escaped_label_values_are_read_back) {
  std::vector<MetricFamily> out;
  BOOST_REQUIRE(parseTextfile("x{a=\"q\\\"b\\\\c\"} 2\n", out));
  BOOST_TEST(out.at(0).samples.at(0).labels.at(0).second == "q\"b\\c");
}

BOOST_AUTO_TEST_CASE(a_malformed_file_appends_nothing) {
  for (const char* bad : {"x{a=\"b\" 1\n", "x 1 2 3\n", "x abc\n", "# TYPE x histogram\nx 1\n", "{a=\"b\"} 1\n"}) {
    std::vector<MetricFamily> out;
    BOOST_TEST(!parseTextfile(std::string("ok 1\n") + bad, out), bad);
    BOOST_TEST(out.empty(), bad);
  }
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_skipped_and_a_malformed_one_fails_the_collector) {
  testing::TempDir dir;
  std::vector<MetricFamily> out;
  TextfileCollector missing({dir / "absent.prom"});
  BOOST_TEST(missing.collect(out));
  BOOST_TEST(out.empty());
  testing::writeFile(dir / "good.prom", kCertificateFile);
  testing::writeFile(dir / "bad.prom", "x{\n");
  TextfileCollector both({dir / "good.prom", dir / "bad.prom"});
  BOOST_TEST(!both.collect(out));
  BOOST_TEST(out.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
