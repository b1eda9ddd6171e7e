#include <boost/test/unit_test.hpp>

#include "provisioning/apply/plan.hpp"

using namespace cairn;
using namespace cairn::apply;

namespace {

bundle::BundleFile file(const std::string& path, const std::string& content, mode_t mode = 0644) {
  return bundle::BundleFile{path, content, mode, "", false, {"reload-" + path}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plan)

BOOST_AUTO_TEST_CASE(files_matching_the_disk_give_an_empty_plan) {
  bundle::Bundle desired;
  desired.files = {file("/a", "x")};
  Plan plan = planChanges(desired, {}, {{"/a", CurrentFile{"x", 0644}}});
  BOOST_TEST(plan.empty());
  BOOST_TEST(describePlan(plan) == "No changes.\n");
}

BOOST_AUTO_TEST_CASE(create_update_chmod_and_remove_are_told_apart) {
  bundle::Bundle previous, desired;
  previous.files = {file("/gone", "old"), file("/same", "s")};
  desired.files = {file("/new", "n"), file("/changed", "2"), file("/mode", "m", 0600), file("/same", "s")};
  std::map<std::string, std::optional<CurrentFile>> disk = {
      {"/new", std::nullopt},          {"/changed", CurrentFile{"1", 0644}}, {"/mode", CurrentFile{"m", 0644}},
      {"/same", CurrentFile{"s", 0644}}, {"/gone", CurrentFile{"old", 0644}}};
  Plan plan = planChanges(desired, previous, disk);
  BOOST_REQUIRE(plan.changes.size() == 4u);
  BOOST_TEST(static_cast<int>(plan.changes[0].kind) == static_cast<int>(ChangeKind::kCreate));
  BOOST_TEST(static_cast<int>(plan.changes[1].kind) == static_cast<int>(ChangeKind::kUpdate));
  BOOST_TEST(static_cast<int>(plan.changes[2].kind) == static_cast<int>(ChangeKind::kModeOnly));
  BOOST_TEST(static_cast<int>(plan.changes[3].kind) == static_cast<int>(ChangeKind::kRemove));
  BOOST_TEST(plan.changes[3].reload.at(0) == "reload-/gone");
}

BOOST_AUTO_TEST_CASE(sensitive_files_never_show_their_content) {
  bundle::Bundle desired;
  desired.files = {bundle::BundleFile{"/etc/cairn/rendered/containers.json", "PASSWORD=hunter2", 0600, "", true, {}}};
  std::string text = describePlan(planChanges(desired, {}, {{"/etc/cairn/rendered/containers.json", CurrentFile{"PASSWORD=previous-value", 0600}}}));
  BOOST_TEST(text.find("hunter2") == std::string::npos);
  BOOST_TEST(text.find("previous-value") == std::string::npos);
  BOOST_TEST(text.find("contents hidden") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
