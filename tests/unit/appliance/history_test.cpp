#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "appliance/state/history.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn;
using cairn::testing::TempDir;

namespace {

bundle::Bundle bundleWith(const std::string& content) {
  bundle::Bundle b;
  b.files.push_back({"/etc/x", content, 0600, "", true, {"reload-x"}});
  b.reloadActions.push_back({"reload-x", {"true"}, 5});
  b.validators.push_back({"check", {"test", "-f", "{stage}/etc/x"}, 5});
  return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(history)

BOOST_AUTO_TEST_CASE(empty_history_has_no_latest) {
  TempDir dir;
  state::History history(dir / "history", 3);
  auto latest = history.latest();
  BOOST_REQUIRE(latest.ok());
  BOOST_TEST(!latest.value().has_value());
}

BOOST_AUTO_TEST_CASE(records_round_trip_and_only_the_newest_are_kept) {
  TempDir dir;
  state::History history(dir / "history", 3);
  for (int i = 1; i <= 5; ++i) BOOST_REQUIRE(history.record(bundleWith("v" + std::to_string(i))).ok());
  auto entries = history.entries();
  BOOST_TEST(entries == (std::vector<long>{3, 4, 5}), boost::test_tools::per_element());
  auto latest = history.latest();
  BOOST_REQUIRE(latest.ok());
  const auto& file = latest.value()->files.at(0);
  BOOST_TEST(file.content == "v5");
  BOOST_TEST(file.mode == 0600u);
  BOOST_TEST(file.sensitive);
  BOOST_TEST(file.reload.at(0) == "reload-x");
  BOOST_TEST(latest.value()->validators.at(0).argv.at(2) == "{stage}/etc/x");
  struct stat info {};
  ::stat((dir / "history").c_str(), &info);
  BOOST_TEST((info.st_mode & 0777) == 0700u);
}

BOOST_AUTO_TEST_CASE(drop_latest_makes_the_previous_entry_current) {
  TempDir dir;
  state::History history(dir / "history", 5);
  BOOST_REQUIRE(history.record(bundleWith("one")).ok());
  BOOST_REQUIRE(history.record(bundleWith("two")).ok());
  BOOST_REQUIRE(history.dropLatest().ok());
  BOOST_TEST(history.latest().value()->files.at(0).content == "one");
}

BOOST_AUTO_TEST_CASE(a_corrupt_entry_is_an_error_naming_the_file) {
  TempDir dir;
  state::History history(dir / "history", 5);
  BOOST_REQUIRE(history.record(bundleWith("one")).ok());
  testing::writeFile(dir / "history/00000001.json", "{\"files\": 3}");
  auto latest = history.latest();
  BOOST_REQUIRE(!latest.ok());
  BOOST_TEST(latest.error().message.find("00000001.json") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
