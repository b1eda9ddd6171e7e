#pragma once
// Desired realm vs what Keycloak has → the ordered write calls that close the gap. Pure.
//
// Only what the desired state lists is compared and changed: fields cairn does not set, roles,
// groups, clients and users it does not own, and memberships in groups it does not own are never
// touched, and nothing is ever deleted except a spec user's membership in one of cairn's own
// role groups when the spec no longer gives that user the role.
//
// Objects are referred to by placeholders that the executor resolves to Keycloak ids when it
// sends the call: {role:NAME}, {group:NAME}, {client:CLIENT_ID}, {user:USERNAME},
// {mapper:CLIENT_ID/MAPPER_NAME}. Ids of existing objects come from the read; ids of created
// objects from the Location header of Keycloak's 201 answer.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cairn::keycloak {

struct ActualGroup {
  nlohmann::json representation;        // GroupRepresentation (with id)
  std::vector<std::string> realmRoles;  // names
};

struct ActualUser {
  nlohmann::json representation;    // UserRepresentation (with id)
  std::vector<std::string> groups;  // names of the groups the user is a direct member of
};

// What Keycloak has of the objects the desired state names.
struct ActualRealm {
  bool exists = false;
  nlohmann::json realm;                         // RealmRepresentation
  std::map<std::string, nlohmann::json> roles;  // name → RoleRepresentation
  std::map<std::string, ActualGroup> groups;    // top-level groups by name
  std::map<std::string, nlohmann::json>
      clients;  // clientId → ClientRepresentation (with protocolMappers)
  std::map<std::string, ActualUser> users;  // username → user
};

// How the executor finds an object's id again when Keycloak answers 409 to its creation:
// GET `path`, then the id of the object (or of the array element) whose `field` is `name`.
struct IdLookup {
  std::string path;
  std::string field;
  std::string name;
};

struct Step {
  std::string object;       // "client oauth2-proxy", "user alice", "group admin"
  std::string description;  // "create client grafana", "update client oauth2-proxy: redirectUris"
  std::string method;       // POST, PUT or DELETE
  std::string path;         // "/admin/realms/cairn/clients/{client:oauth2-proxy}"
  nlohmann::json body;      // null: no body
  std::string creates;  // placeholder key the new id is stored under ("client:grafana"); "" if none
  IdLookup lookup;      // for creates: how to find the id after a 409
  std::string initialPasswordFor;  // a user creation: the executor adds a temporary password
  bool idInLocation = true;        // false where Keycloak's Location names the object (roles)
};

using Plan = std::vector<Step>;

// True if every field of `desired` has the same value in `actual`. Objects are compared on the
// desired keys only; arrays of strings as sets; everything else exactly.
bool covers(const nlohmann::json& desired, const nlohmann::json& actual);

// The top-level keys of `desired` (minus `ignored`) whose value `actual` does not cover.
std::vector<std::string> driftedFields(const nlohmann::json& desired, const nlohmann::json& actual,
                                       const std::vector<std::string>& ignored);

// The steps, in dependency order: realm, roles, groups and their roles, clients and their
// mappers, users and their group memberships. `desired` has passed validateDesiredRealm().
Plan planRealm(const nlohmann::json& desired, const ActualRealm& actual);

// One line per step: "  3. create client grafana  (POST /admin/realms/cairn/clients)".
std::string describePlan(const Plan& plan);

}  // namespace cairn::keycloak
