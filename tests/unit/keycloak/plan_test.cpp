#include "keycloak/plan.hpp"

#include <boost/test/unit_test.hpp>

#include "keycloak/desired_realm.hpp"
#include "tests/unit/keycloak/test_spec.hpp"

using cairn::keycloak::ActualRealm;
using cairn::keycloak::Plan;
using cairn::keycloak::planRealm;
using nlohmann::json;

namespace {

// What Keycloak holds once it has everything `desired` asks for, plus fields and objects of its
// own.
ActualRealm convergedActual(const json& desired) {
  ActualRealm actual;
  actual.exists = true;
  actual.realm = desired["realm"];
  actual.realm["id"] = "realm-id";
  actual.realm["otpPolicyType"] = "totp";
  for (const json& role : desired["roles"]) {
    json have = role;
    have["id"] = "role-" + role["name"].get<std::string>();
    have["composite"] = false;
    actual.roles[role["name"]] = have;
  }
  for (const json& group : desired["groups"]) {
    std::vector<std::string> roles = group["realmRoles"];
    actual.groups[group["name"]] = {
        {{"id", "group-" + group["name"].get<std::string>()}, {"name", group["name"]}}, roles};
  }
  actual.groups["external"] = {{{"id", "group-external"}, {"name", "external"}}, {}};
  for (const json& client : desired["clients"]) {
    json have = client;
    have["id"] = "client-" + client["clientId"].get<std::string>();
    have["attributes"]["backchannel.logout.session.required"] = "true";
    json reversed = json::array();
    for (auto it = client["redirectUris"].rbegin(); it != client["redirectUris"].rend(); ++it)
      reversed.push_back(*it);
    have["redirectUris"] = reversed;  // Keycloak keeps them as a set
    for (json& mapper : have["protocolMappers"])
      mapper["id"] = "mapper-" + mapper["name"].get<std::string>();
    actual.clients[client["clientId"]] = have;
  }
  for (const json& user : desired["users"]) {
    json have = user;
    have.erase("groups");
    have["id"] = "user-" + user["username"].get<std::string>();
    have["createdTimestamp"] = 1;
    std::vector<std::string> groups = user["groups"];
    actual.users[user["username"]] = {have, groups};
  }
  return actual;
}

struct Fixture {
  json desired = cairn::keycloak::desiredRealm(cairn::testing::keycloakTestSpec(),
                                               cairn::testing::keycloakTestSecrets());
  ActualRealm actual = convergedActual(desired);
};

json clientFromDesired(const json& desired) { return desired["clients"][0]; }

std::vector<std::string> descriptions(const Plan& plan) {
  std::vector<std::string> found;
  for (const auto& step : plan) found.push_back(step.description);
  return found;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(plan, Fixture)

BOOST_AUTO_TEST_CASE(fresh_realm_is_created_in_dependency_order) {
  Plan plan = planRealm(desired, ActualRealm{});
  std::vector<std::string> expected = {"create realm cairn",
                                       "create role admin",
                                       "create role operator",
                                       "create role viewer",
                                       "create group admin",
                                       "grant realm role admin to group admin",
                                       "create group operator",
                                       "grant realm role operator to group operator",
                                       "create group viewer",
                                       "grant realm role viewer to group viewer",
                                       "create client oauth2-proxy",
                                       "create client grafana",
                                       "create client airflow",
                                       "create user alice",
                                       "add user alice to group admin",
                                       "create user bob",
                                       "add user bob to group operator",
                                       "add user bob to group viewer"};
  BOOST_TEST(descriptions(plan) == expected, boost::test_tools::per_element());
  BOOST_TEST(plan[0].method == "POST");
  BOOST_TEST(plan[0].path == "/admin/realms");
  BOOST_TEST(plan[5].path == "/admin/realms/cairn/groups/{group:admin}/role-mappings/realm");
  BOOST_TEST(plan[5].body == json::parse(R"([{"id": "{role:admin}", "name": "admin"}])"));
  BOOST_TEST(plan[10].creates == "client:oauth2-proxy");
  BOOST_TEST(plan[13].initialPasswordFor == "alice");
  BOOST_TEST(!plan[13].body.contains("groups"));
  BOOST_TEST(plan[14].method == "PUT");
  BOOST_TEST(plan[14].path == "/admin/realms/cairn/users/{user:alice}/groups/{group:admin}");
}

BOOST_AUTO_TEST_CASE(converged_realm_needs_no_step_even_with_foreign_objects_and_fields) {
  actual.clients["someone-elses-app"] = {{"id", "x"}, {"clientId", "someone-elses-app"}};
  actual.users["carol"] = {{{"id", "user-carol"}, {"username", "carol"}}, {"admin"}};
  actual.roles["custom"] = {{"id", "role-custom"}, {"name", "custom"}};
  actual.users["alice"].groups.push_back("external");
  BOOST_TEST(planRealm(desired, actual).empty());
}

BOOST_AUTO_TEST_CASE(changed_redirect_uri_updates_only_that_client_and_keeps_its_other_fields) {
  json& client = actual.clients["oauth2-proxy"];
  client["redirectUris"][0] = "https://evil.example.net/oauth2/callback";
  client["description"] = "set by hand";
  Plan plan = planRealm(desired, actual);
  BOOST_REQUIRE_EQUAL(plan.size(), 1u);
  BOOST_TEST(plan[0].description == "update client oauth2-proxy: redirectUris");
  BOOST_TEST(plan[0].method == "PUT");
  BOOST_TEST(plan[0].path == "/admin/realms/cairn/clients/{client:oauth2-proxy}");
  BOOST_TEST(plan[0].body["redirectUris"] == clientFromDesired(desired)["redirectUris"]);
  BOOST_TEST(plan[0].body["description"] == "set by hand");
  BOOST_TEST(!plan[0].body.contains("protocolMappers"));
}

BOOST_AUTO_TEST_CASE(removed_group_membership_is_added_back_alone) {
  actual.users["bob"].groups = {"operator"};
  Plan plan = planRealm(desired, actual);
  BOOST_REQUIRE_EQUAL(plan.size(), 1u);
  BOOST_TEST(plan[0].method == "PUT");
  BOOST_TEST(plan[0].path == "/admin/realms/cairn/users/{user:bob}/groups/{group:viewer}");
}

BOOST_AUTO_TEST_CASE(role_taken_away_in_the_spec_leaves_the_role_group_but_not_foreign_groups) {
  actual.users["alice"].groups = {"admin", "viewer", "external"};
  Plan plan = planRealm(desired, actual);
  BOOST_REQUIRE_EQUAL(plan.size(), 1u);
  BOOST_TEST(plan[0].method == "DELETE");
  BOOST_TEST(plan[0].path == "/admin/realms/cairn/users/{user:alice}/groups/{group:viewer}");
}

BOOST_AUTO_TEST_CASE(drifted_user_realm_group_role_and_mapper_are_updated_in_place) {
  actual.users["alice"].representation["emailVerified"] = false;
  actual.realm["registrationAllowed"] = true;
  actual.groups["operator"].realmRoles.clear();
  actual.roles["viewer"]["description"] = "old";
  actual.clients["grafana"]["protocolMappers"][0]["config"]["included.client.audience"] = "account";
  std::vector<std::string> expected = {
      "update realm cairn: registrationAllowed", "update role viewer: description",
      "grant realm role operator to group operator",
      "update mapper audience of client grafana: config", "update user alice: emailVerified"};
  Plan plan = planRealm(desired, actual);
  BOOST_TEST(descriptions(plan) == expected, boost::test_tools::per_element());
  BOOST_TEST(plan[3].path ==
             "/admin/realms/cairn/clients/{client:grafana}/protocol-mappers/models/{mapper:grafana/"
             "audience}");
  BOOST_TEST(plan[4].body["id"] == "user-alice");
  BOOST_TEST(plan[4].body["emailVerified"] == true);
}

BOOST_AUTO_TEST_CASE(missing_mapper_is_created_without_touching_the_client) {
  actual.clients["airflow"]["protocolMappers"].erase(1);
  Plan plan = planRealm(desired, actual);
  BOOST_REQUIRE_EQUAL(plan.size(), 1u);
  BOOST_TEST(plan[0].description == "create mapper groups of client airflow");
  BOOST_TEST(plan[0].creates == "mapper:airflow/groups");
}

BOOST_AUTO_TEST_CASE(covers_compares_desired_keys_only_and_string_arrays_as_sets) {
  using cairn::keycloak::covers;
  BOOST_TEST(covers(json::parse(R"({"a": 1, "b": {"c": "x"}})"),
                    json::parse(R"({"a": 1, "b": {"c": "x", "d": 2}, "e": 3})")));
  BOOST_TEST(!covers(json::parse(R"({"a": 1})"), json::parse(R"({"b": 1})")));
  BOOST_TEST(covers(json::parse(R"(["x", "y"])"), json::parse(R"(["y", "x"])")));
  BOOST_TEST(!covers(json::parse(R"(["x", "y"])"), json::parse(R"(["x", "y", "z"])")));
  BOOST_TEST(!covers(json(true), json("true")));
}

BOOST_AUTO_TEST_CASE(plan_text_numbers_the_steps_and_shows_the_calls) {
  actual.users["bob"].groups = {"operator"};
  std::string text = cairn::keycloak::describePlan(planRealm(desired, actual));
  BOOST_TEST(text.find("1. add user bob to group viewer  (PUT "
                       "/admin/realms/cairn/users/{user:bob}/groups/{group:viewer})") !=
             std::string::npos);
  BOOST_TEST(cairn::keycloak::describePlan({}).find("nothing to do") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
