#define BOOST_TEST_MODULE provisioning_edge_unit
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "appliance/bundle/bundle.hpp"
#include "appliance/spec/load.hpp"
#include "provisioning/edge/edge.hpp"
#include "tests/support/temp_dir.hpp"

// The rendered edge for golden/appliance.json is compared file by file with golden/rendered/
// (the bundle's files) and golden/commands.json (its commands). Regenerate after a deliberate
// change with CAIRN_UPDATE_GOLDEN=1 and review the diff like code.

namespace {

const std::string kGolden = CAIRN_EDGE_GOLDEN_DIR;

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool updating() { return std::getenv("CAIRN_UPDATE_GOLDEN") != nullptr; }

void compare(const std::string& goldenPath, const std::string& actual) {
  if (updating()) {
    cairn::testing::writeFile(goldenPath, actual);
    return;
  }
  BOOST_TEST_CONTEXT(goldenPath) { BOOST_TEST(readText(goldenPath) == actual); }
}

cairn::bundle::Bundle goldenBundle() {
  auto spec = cairn::spec::loadSpec(readText(kGolden + "/appliance.json"));
  return cairn::edge::renderEdge(spec);
}

}  // namespace

BOOST_AUTO_TEST_CASE(rendered_files_match_the_golden_files) {
  auto bundle = goldenBundle();
  BOOST_TEST(bundle.files.size() >= 12u);
  for (const auto& file : bundle.files) compare(kGolden + "/rendered" + file.path, file.content);
}

BOOST_AUTO_TEST_CASE(commands_match_the_golden_file) {
  auto bundle = goldenBundle();
  nlohmann::json commands = cairn::bundle::bundleToJson(bundle);
  for (auto& file : commands["files"]) file.erase("content");
  compare(kGolden + "/commands.json", commands.dump(2) + "\n");
}

BOOST_AUTO_TEST_CASE(rendering_is_deterministic) {
  auto first = cairn::bundle::bundleToJson(goldenBundle());
  auto second = cairn::bundle::bundleToJson(goldenBundle());
  BOOST_TEST(first == second);
}

BOOST_AUTO_TEST_CASE(every_path_is_unique_and_absolute) {
  std::set<std::string> paths;
  for (const auto& file : goldenBundle().files) {
    BOOST_TEST(file.path.front() == '/');
    BOOST_TEST(paths.insert(file.path).second, file.path << " is rendered twice");
  }
}
