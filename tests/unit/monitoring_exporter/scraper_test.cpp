#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <thread>

#include "monitoring/exporter/collector.hpp"

using namespace cairn;
using namespace cairn::exporter;

namespace {

class FixedCollector final : public Collector {
 public:
  enum class Outcome { kSucceeds, kFails, kThrows };
  FixedCollector(std::string name, Outcome outcome) : name_(std::move(name)), outcome_(outcome) {}
  std::string name() const override { return name_; }
  bool collect(std::vector<MetricFamily>& out) override {
    MetricFamily family = makeFamily("test_" + name_, "From " + name_ + ".", MetricType::kGauge);
    addSample(family, {{"collector", name_}}, 1);
    out.push_back(std::move(family));
    if (outcome_ == Outcome::kThrows) throw std::runtime_error("broken");
    return outcome_ == Outcome::kSucceeds;
  }

 private:
  std::string name_;
  Outcome outcome_;
};

std::vector<std::unique_ptr<Collector>> collectors() {
  std::vector<std::unique_ptr<Collector>> list;
  list.push_back(std::make_unique<FixedCollector>("a", FixedCollector::Outcome::kSucceeds));
  list.push_back(std::make_unique<FixedCollector>("b", FixedCollector::Outcome::kFails));
  list.push_back(std::make_unique<FixedCollector>("c", FixedCollector::Outcome::kThrows));
  list.push_back(std::make_unique<FixedCollector>("d", FixedCollector::Outcome::kSucceeds));
  return list;
}

// The text without the durations, which differ from run to run.
std::string withoutDurations(std::vector<MetricFamily> families) {
  for (auto& family : families) {
    if (family.name != "node_scrape_collector_duration_seconds") continue;
    for (auto& sample : family.samples) sample.value = 0;
  }
  return metrics::renderText(families);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scraper)

BOOST_DATA_TEST_CASE(collectors_on_several_threads_give_the_sequential_output, boost::unit_test::data::make({1, 2, 4}),
                     threads) {
  std::string expected = withoutDurations(scrape(collectors()));
  BOOST_TEST(expected.find("node_scrape_collector_success{collector=\"c\"} 0") != std::string::npos);
  BOOST_TEST(expected.find("test_c") == std::string::npos);
  Scraper scraper(collectors(), static_cast<std::size_t>(threads));
  for (int round = 0; round < 3; ++round) BOOST_TEST(withoutDurations(scraper.scrape()) == expected);
}

BOOST_AUTO_TEST_CASE(concurrent_scrapes_share_the_workers) {
  std::string expected = withoutDurations(scrape(collectors()));
  Scraper scraper(collectors(), 2);
  std::vector<std::thread> scrapes;
  std::vector<std::string> texts(8);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    scrapes.emplace_back([&, i] {
      for (int round = 0; round < 20; ++round) texts[i] = withoutDurations(scraper.scrape());
    });
  }
  for (auto& thread : scrapes) thread.join();
  for (const auto& text : texts) BOOST_TEST(text == expected);
}

BOOST_AUTO_TEST_SUITE_END()
