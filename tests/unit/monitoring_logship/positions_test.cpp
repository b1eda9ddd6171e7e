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

BOOST_AUTO_TEST_SUITE_END()
