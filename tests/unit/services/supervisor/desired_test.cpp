#define BOOST_TEST_MODULE services_supervisor
#include <boost/test/unit_test.hpp>

#include "services/supervisor/desired.hpp"
#include "tests/unit/services/supervisor/fixtures.hpp"

using namespace cairn::supervisor;

namespace {

std::vector<std::string> problemsOf(const std::string& text) {
  try {
    parseDesiredSet(text);
  } catch (const DesiredSetError& error) {
    return error.problems();
  }
  return {};
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& problem : problems) {
    if (problem.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(desired)

BOOST_AUTO_TEST_CASE(the_contract_example_parses_into_services_in_order) {
  DesiredSet set = parseDesiredSet(cairn::testing::threeTierContainersJson());
  BOOST_TEST(set.network == "cairn");
  BOOST_REQUIRE(set.services.size() == 4u);
  BOOST_TEST(set.services[3].dependsOn.size() == 2u);
  const DesiredContainer* postgres = set.container("cairn-postgres");
  BOOST_REQUIRE(postgres);
  BOOST_TEST(postgres->service == "postgres");
  BOOST_REQUIRE(postgres->healthcheck.has_value());
  BOOST_TEST(postgres->healthcheck->retries == 5);
  BOOST_TEST(postgres->mounts.size() == 2u);
  BOOST_TEST(postgres->stopTimeoutSeconds == 30);
  BOOST_TEST(set.service("init")->oneShot());
  BOOST_TEST(!set.service("web")->oneShot());
  BOOST_TEST(postgres->specHash.size() == 64u);
}

BOOST_AUTO_TEST_CASE(the_spec_hash_ignores_key_order_and_follows_content) {
  auto a = parseDesiredSet(R"({"services":[{"name":"s","containers":[{"name":"c1","image":"i","env":{"A":"1"}}]}]})");
  auto b = parseDesiredSet(R"({"services":[{"name":"s","containers":[{"env":{"A":"1"},"image":"i","name":"c1"}]}]})");
  auto c = parseDesiredSet(R"({"services":[{"name":"s","containers":[{"name":"c1","image":"i","env":{"A":"2"}}]}]})");
  BOOST_TEST(a.services[0].containers[0].specHash == b.services[0].containers[0].specHash);
  BOOST_TEST(a.services[0].containers[0].specHash != c.services[0].containers[0].specHash);
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_with_its_json_path) {
  auto problems = problemsOf(R"({"services":[
    {"name":"a","depends_on":["later"],"containers":[{"name":"-bad","image":3,"mounts":[{"type":"bind","source":"rel","target":"/x"}]}]},
    {"name":"a","containers":[{"name":"dup","image":"i","network_mode":"bridge","labels":{"io.cairn.service":"x"}},
                              {"name":"dup","image":"i","ports":[{"container_port":0}]}]}]})");
  BOOST_TEST(mentions(problems, "$.services[0].depends_on: \"later\" is not a service listed before"));
  BOOST_TEST(mentions(problems, "$.services[0].containers[0].name"));
  BOOST_TEST(mentions(problems, "$.services[0].containers[0].image: must be a string"));
  BOOST_TEST(mentions(problems, "$.services[0].containers[0].mounts[0].source"));
  BOOST_TEST(mentions(problems, "$.services[1].name: service \"a\" is listed twice"));
  BOOST_TEST(mentions(problems, "$.services[1].containers[0].network_mode"));
  BOOST_TEST(mentions(problems, "$.services[1].containers[0].labels.io.cairn.service"));
  BOOST_TEST(mentions(problems, "container \"dup\" is listed twice"));
  BOOST_TEST(mentions(problems, "$.services[1].containers[1].ports[0].container_port"));
}

BOOST_AUTO_TEST_CASE(a_ready_exec_parses_with_its_user_and_timeout) {
  auto set = parseDesiredSet(R"({"services":[{"name":"s","containers":[{"name":"c1","image":"i",
    "ready_exec":{"argv":["/bin/sh","-c","true"],"user":"postgres","timeout_s":30}},{"name":"c2","image":"i"}]}]})");
  const DesiredContainer* c1 = set.container("c1");
  BOOST_REQUIRE(c1->readyExec.has_value());
  BOOST_TEST(c1->readyExec->argv == (std::vector<std::string>{"/bin/sh", "-c", "true"}), boost::test_tools::per_element());
  BOOST_TEST(c1->readyExec->user == "postgres");
  BOOST_TEST(c1->readyExec->timeoutSeconds == 30);
  BOOST_TEST(!set.container("c2")->readyExec.has_value());
}

BOOST_AUTO_TEST_CASE(a_ready_exec_without_a_program_with_a_bad_timeout_or_on_a_one_shot_is_refused) {
  auto problems = problemsOf(R"({"services":[{"name":"s","containers":[
    {"name":"c1","image":"i","ready_exec":{"argv":[],"timeout_s":0}},
    {"name":"c2","image":"i","one_shot":true,"ready_exec":{"argv":["true"],"user":7}},
    {"name":"c3","image":"i","ready_exec":["true"]}]}]})");
  BOOST_TEST(mentions(problems, "$.services[0].containers[0].ready_exec.argv: must name the program"));
  BOOST_TEST(mentions(problems, "$.services[0].containers[0].ready_exec.timeout_s: must be 1-3600"));
  BOOST_TEST(mentions(problems, "$.services[0].containers[1].ready_exec: a one_shot container"));
  BOOST_TEST(mentions(problems, "$.services[0].containers[1].ready_exec.user: must be a string"));
  BOOST_TEST(mentions(problems, "$.services[0].containers[2].ready_exec: must be an object"));
}

BOOST_AUTO_TEST_CASE(text_that_is_not_json_is_one_clear_problem) {
  auto problems = problemsOf("{ nope");
  BOOST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0] == "$: is not valid JSON");
}

BOOST_AUTO_TEST_SUITE_END()
