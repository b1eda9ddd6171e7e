#include <boost/test/unit_test.hpp>

#include "appliance/host/files.hpp"
#include "monitoring/logship/positions.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn::logship;

BOOST_AUTO_TEST_SUITE(positions)

BOOST_AUTO_TEST_CASE(positions_round_trip_through_the_file) {
  cairn::testing::TempDir dir;
  PositionStore store(dir / "positions.json");
  PositionMap map;
  FilePosition file;
  file.device = 2049;
  file.inode = 123456789012ULL;
  file.offset = 42;
  file.headBytes = 3;
  file.headHash = 99;
  map["file:/var/log/a"].file = file;
  map["journal"].cursor = "s=abc;i=9";
  BOOST_REQUIRE(store.save(map));
  auto loaded = store.load();
  BOOST_REQUIRE(loaded);
  BOOST_TEST(loaded.value().at("file:/var/log/a").file->inode == 123456789012ULL);
  BOOST_TEST(loaded.value().at("file:/var/log/a").file->offset == 42u);
  BOOST_TEST(loaded.value().at("file:/var/log/a").file->headHash == 99u);
  BOOST_TEST(loaded.value().at("journal").cursor == "s=abc;i=9");
  BOOST_TEST(!loaded.value().at("journal").file);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_empty_start) {
  cairn::testing::TempDir dir;
  auto loaded = PositionStore(dir / "none.json").load();
  BOOST_REQUIRE(loaded);
  BOOST_TEST(loaded.value().empty());
}

BOOST_AUTO_TEST_CASE(a_corrupt_file_is_set_aside_and_reported) {
  cairn::testing::TempDir dir;
  cairn::testing::writeFile(dir / "positions.json", "{\"version\":1,\"positions\":{\"x\":{\"offset\":-1");
  auto loaded = PositionStore(dir / "positions.json").load();
  BOOST_REQUIRE(!loaded);
  BOOST_TEST(cairn::host::pathExists(dir / "positions.json.corrupt"));
  BOOST_TEST(!parsePositions(R"({"version":1,"positions":{"x":{"device":1,"inode":2}}})"));
}

BOOST_AUTO_TEST_CASE(temporaries_left_by_a_crash_during_save_are_removed) {
  cairn::testing::TempDir dir;
  cairn::testing::writeFile(dir / ".positions.json.tmp-AbC123", "{\"version\":1");
  cairn::testing::writeFile(dir / ".positions.json.tmp-xyz", "");
  cairn::testing::writeFile(dir / ".other.json.tmp-AbC123", "kept");
  PositionStore store(dir / "positions.json");
  BOOST_REQUIRE(store.save({}));
  BOOST_TEST(store.removeLeftoverTemporaries() == 2u);
  BOOST_TEST(!cairn::host::pathExists(dir / ".positions.json.tmp-AbC123"));
  BOOST_TEST(cairn::host::pathExists(dir / ".other.json.tmp-AbC123"));
  BOOST_TEST(cairn::host::pathExists(dir / "positions.json"));
}

BOOST_AUTO_TEST_CASE(stamps_keep_one_segment_per_batch_in_flight_in_order) {
  StampMap stamps;
  SourcePosition at4;
  at4.file = FilePosition{};
  at4.file->device = 1;
  at4.file->inode = 2;
  at4.file->offset = 4;
  stamps["file:a"] = {BatchStamp{std::nullopt, 100}, BatchStamp{at4, 200}};
  stamps["journal"] = {BatchStamp{SourcePosition{std::nullopt, "s=abc"}, 300}};
  auto parsed = parseStamps(renderStamps(stamps));
  BOOST_REQUIRE(parsed);
  const auto& a = parsed.value().at("file:a");
  BOOST_REQUIRE(a.size() == 2u);
  BOOST_TEST(!a[0].from.has_value());
  BOOST_TEST(a[0].anchorNs == 100);
  BOOST_TEST(samePosition(a[1].from, at4));
  BOOST_TEST(a[1].anchorNs == 200);
  BOOST_TEST(parsed.value().at("journal")[0].from->cursor == "s=abc");
}

BOOST_AUTO_TEST_CASE(bad_stamps_are_refused_naming_the_segment) {
  auto wrongVersion = parseStamps(R"({"version":1,"stamps":{"a":{"anchor_ns":1}}})");
  BOOST_REQUIRE(!wrongVersion);
  auto notAList = parseStamps(R"({"version":2,"stamps":{"a":{"anchor_ns":1}}})");
  BOOST_REQUIRE(!notAList);
  BOOST_TEST(notAList.error().message.find("stamps.a is not an array") != std::string::npos);
  auto badAnchor = parseStamps(R"({"version":2,"stamps":{"a":[{"anchor_ns":1},{"anchor_ns":"x"}]}})");
  BOOST_REQUIRE(!badAnchor);
  BOOST_TEST(badAnchor.error().message.find("stamps.a[1].anchor_ns") != std::string::npos);
  auto badFrom = parseStamps(R"({"version":2,"stamps":{"a":[{"anchor_ns":1,"from":{"device":1}}]}})");
  BOOST_REQUIRE(!badFrom);
  BOOST_TEST(badFrom.error().message.find("stamps.a[0].from") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
