#define BOOST_TEST_MODULE services_catalog
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "services/catalog/catalog.hpp"
#include "services/catalog/services.hpp"
#include "tests/unit/services_catalog/catalog_fixtures.hpp"

namespace cairn::catalog {
namespace {

using testing::defaultSpec;
using testing::fullSpec;
using testing::testSecrets;

// Compares `actual` with the golden file; CAIRN_UPDATE_GOLDEN=1 rewrites the file instead.
void checkGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(CAIRN_CATALOG_GOLDEN_DIR) + "/" + name;
  if (const char* update = std::getenv("CAIRN_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream file(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(file, "missing golden file " << path << " (run with CAIRN_UPDATE_GOLDEN=1)");
  std::stringstream expected;
  expected << file.rdbuf();
  BOOST_TEST(actual == expected.str(), "rendered output differs from " << path);
}

std::string renderedContainers(const spec::Spec& spec) {
  bundle::Bundle rendered = renderCatalog(spec, testSecrets());
  const bundle::BundleFile* file = rendered.find(kContainersPath);
  BOOST_REQUIRE(file != nullptr);
  return file->content;
}

BOOST_AUTO_TEST_CASE(default_spec_renders_the_golden_containers_json) {
  checkGolden("containers_default.json", renderedContainers(defaultSpec()));
}

BOOST_AUTO_TEST_CASE(spec_with_every_setting_changed_renders_the_golden_containers_json) {
  checkGolden("containers_full.json", renderedContainers(fullSpec()));
}

BOOST_AUTO_TEST_CASE(postgres_init_script_matches_its_golden_file) {
  checkGolden("10-cairn-databases.sh", postgresInitScript());
}

BOOST_AUTO_TEST_CASE(containers_json_has_the_contract_envelope) {
  auto document = nlohmann::json::parse(renderedContainers(defaultSpec()));
  BOOST_TEST(document["version"] == 1);
  BOOST_TEST(document["network"] == "cairn");
  BOOST_TEST(document["volumes"].is_array());
  BOOST_TEST(document["services"].is_array());
  const std::vector<std::string> keys = {
      "name",        "image",     "entrypoint", "command",    "user",          "env",
      "mounts",      "ports",     "network_mode", "aliases",  "memory_bytes",  "nano_cpus",
      "pids_limit",  "cap_drop",  "cap_add",    "no_new_privileges", "read_only_rootfs", "log",
      "stop_timeout_s", "one_shot", "labels"};
  for (const auto& service : document["services"]) {
    BOOST_TEST(service["depends_on"].is_array());
    for (const auto& container : service["containers"]) {
      for (const auto& key : keys) BOOST_TEST(container.contains(key), container["name"] << " lacks " << key);
      for (const auto& mount : container["mounts"]) {
        BOOST_TEST((mount["type"] == "volume" || mount["type"] == "bind"));
        BOOST_TEST(mount.contains("read_only"));
      }
    }
  }
}

}  // namespace
}  // namespace cairn::catalog
