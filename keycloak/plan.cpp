#include "keycloak/plan.hpp"

#include <algorithm>
#include <set>

#include "appliance/host/http_client.hpp"

namespace cairn::keycloak {

using nlohmann::json;

namespace {

bool isStringArray(const json& value) {
  return value.is_array() &&
         std::all_of(value.begin(), value.end(), [](const json& item) { return item.is_string(); });
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

json without(json object, const std::vector<std::string>& keys) {
  for (const auto& key : keys) object.erase(key);
  return object;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Builds the steps for one realm; keeps the realm's path prefix in one place.
class Planner {
 public:
  Planner(const json& desired, const ActualRealm& actual)
      : desired_(desired),
        actual_(actual),
        realm_(desired["realm"]["realm"].get<std::string>()),
        base_("/admin/realms/" + realm_) {}

  Plan build() {
    planRealmSettings();
    planRoles();
    planGroups();
    planClients();
    planUsers();
    return std::move(plan_);
  }

 private:
  void add(Step step) { plan_.push_back(std::move(step)); }

  void planRealmSettings() {
    const json& settings = desired_["realm"];
    if (!actual_.exists) {
      add({"realm " + realm_,
           "create realm " + realm_,
           "POST",
           "/admin/realms",
           settings,
           "",
           {},
           ""});
      return;
    }
    auto drifted = driftedFields(settings, actual_.realm, {});
    if (drifted.empty()) return;
    add({"realm " + realm_,
         "update realm " + realm_ + ": " + joinNames(drifted),
         "PUT",
         base_,
         settings,
         "",
         {},
         ""});
  }

  void planRoles() {
    for (const json& role : desired_["roles"]) {
      std::string name = role["name"];
      auto found = actual_.roles.find(name);
      if (found == actual_.roles.end()) {
        add({"role " + name,
             "create role " + name,
             "POST",
             base_ + "/roles",
             role,
             "role:" + name,
             {base_ + "/roles/" + host::urlEncode(name), "name", name},
             "",
             false});
        continue;
      }
      auto drifted = driftedFields(role, found->second, {});
      if (drifted.empty()) continue;
      json body = found->second;
      body.merge_patch(role);
      add({"role " + name,
           "update role " + name + ": " + joinNames(drifted),
           "PUT",
           base_ + "/roles/" + host::urlEncode(name),
           body,
           "",
           {},
           ""});
    }
  }

  void planGroups() {
    for (const json& group : desired_["groups"]) {
      std::string name = group["name"];
      auto found = actual_.groups.find(name);
      std::vector<std::string> haveRoles;
      if (found == actual_.groups.end()) {
        add({"group " + name,
             "create group " + name,
             "POST",
             base_ + "/groups",
             {{"name", name}},
             "group:" + name,
             {base_ + "/groups?search=" + host::urlEncode(name) + "&exact=true", "name", name},
             ""});
      } else {
        haveRoles = found->second.realmRoles;
      }
      json missing = json::array();
      std::vector<std::string> missingNames;
      for (const json& role : group.value("realmRoles", json::array())) {
        std::string roleName = role;
        if (contains(haveRoles, roleName)) continue;
        missing.push_back({{"id", "{role:" + roleName + "}"}, {"name", roleName}});
        missingNames.push_back(roleName);
      }
      if (missing.empty()) continue;
      add({"group " + name,
           "grant realm role " + joinNames(missingNames) + " to group " + name,
           "POST",
           base_ + "/groups/{group:" + name + "}/role-mappings/realm",
           missing,
           "",
           {},
           ""});
    }
  }

  void planClients() {
    static const std::vector<std::string> kCreateOnly = {"protocolMappers", "defaultClientScopes"};
    for (const json& client : desired_["clients"]) {
      std::string clientId = client["clientId"];
      std::string object = "client " + clientId;
      std::string ref = "{client:" + clientId + "}";
      auto found = actual_.clients.find(clientId);
      if (found == actual_.clients.end()) {
        add({object,
             "create " + object,
             "POST",
             base_ + "/clients",
             client,
             "client:" + clientId,
             {base_ + "/clients?clientId=" + host::urlEncode(clientId), "clientId", clientId},
             ""});
        continue;
      }
      const json& have = found->second;
      auto drifted = driftedFields(client, have, kCreateOnly);
      if (!drifted.empty()) {
        json body = have;
        body.erase("protocolMappers");
        body.merge_patch(without(client, kCreateOnly));
        add({object,
             "update " + object + ": " + joinNames(drifted),
             "PUT",
             base_ + "/clients/" + ref,
             body,
             "",
             {},
             ""});
      }
      planMappers(client, have, clientId);
    }
  }

  void planMappers(const json& client, const json& have, const std::string& clientId) {
    std::string mappersPath = base_ + "/clients/{client:" + clientId + "}/protocol-mappers/models";
    json haveMappers = have.value("protocolMappers", json::array());
    for (const json& mapper : client.value("protocolMappers", json::array())) {
      std::string name = mapper["name"];
      std::string object = "mapper " + name + " of client " + clientId;
      auto match = std::find_if(haveMappers.begin(), haveMappers.end(),
                                [&](const json& m) { return m.value("name", "") == name; });
      if (match == haveMappers.end()) {
        add({object,
             "create " + object,
             "POST",
             mappersPath,
             mapper,
             "mapper:" + clientId + "/" + name,
             {mappersPath, "name", name},
             ""});
        continue;
      }
      auto drifted = driftedFields(mapper, *match, {});
      if (drifted.empty()) continue;
      json body = *match;
      body.merge_patch(mapper);
      add({object,
           "update " + object + ": " + joinNames(drifted),
           "PUT",
           mappersPath + "/{mapper:" + clientId + "/" + name + "}",
           body,
           "",
           {},
           ""});
    }
  }

  std::vector<std::string> ownedGroups() const {
    std::vector<std::string> names;
    for (const json& group : desired_["groups"]) names.push_back(group["name"]);
    return names;
  }

  void planUsers() {
    std::vector<std::string> owned = ownedGroups();
    for (const json& user : desired_["users"]) {
      std::string username = user["username"];
      std::string object = "user " + username;
      std::string userPath = base_ + "/users/{user:" + username + "}";
      json fields = without(user, {"groups"});
      std::vector<std::string> haveGroups;
      auto found = actual_.users.find(username);
      if (found == actual_.users.end()) {
        add({object,
             "create " + object,
             "POST",
             base_ + "/users",
             fields,
             "user:" + username,
             {base_ + "/users?username=" + host::urlEncode(username) + "&exact=true", "username",
              username},
             username});
      } else {
        haveGroups = found->second.groups;
        auto drifted = driftedFields(fields, found->second.representation, {});
        if (!drifted.empty()) {
          json body = found->second.representation;
          body.merge_patch(fields);
          add({object,
               "update " + object + ": " + joinNames(drifted),
               "PUT",
               userPath,
               body,
               "",
               {},
               ""});
        }
      }
      std::vector<std::string> wanted;
      for (const json& group : user.value("groups", json::array())) wanted.push_back(group);
      for (const auto& group : wanted) {
        if (contains(haveGroups, group)) continue;
        add({object,
             "add " + object + " to group " + group,
             "PUT",
             userPath + "/groups/{group:" + group + "}",
             nullptr,
             "",
             {},
             ""});
      }
      for (const auto& group : haveGroups) {
        if (!contains(owned, group) || contains(wanted, group)) continue;
        add({object,
             "remove " + object + " from group " + group,
             "DELETE",
             userPath + "/groups/{group:" + group + "}",
             nullptr,
             "",
             {},
             ""});
      }
    }
  }

  const json& desired_;
  const ActualRealm& actual_;
  std::string realm_;
  std::string base_;
  Plan plan_;
};

}  // namespace

bool covers(const json& desired, const json& actual) {
  if (desired.is_object()) {
    if (!actual.is_object()) return false;
    for (const auto& [key, value] : desired.items()) {
      auto it = actual.find(key);
      if (it == actual.end() || !covers(value, *it)) return false;
    }
    return true;
  }
  if (isStringArray(desired) && isStringArray(actual)) {
    std::multiset<std::string> want(desired.begin(), desired.end()),
        have(actual.begin(), actual.end());
    return want == have;
  }
  return desired == actual;
}

std::vector<std::string> driftedFields(const json& desired, const json& actual,
                                       const std::vector<std::string>& ignored) {
  std::vector<std::string> drifted;
  for (const auto& [key, value] : desired.items()) {
    if (contains(ignored, key)) continue;
    auto it = actual.find(key);
    if (it == actual.end() || !covers(value, *it)) drifted.push_back(key);
  }
  return drifted;
}

Plan planRealm(const json& desired, const ActualRealm& actual) {
  return Planner(desired, actual).build();
}

std::string describePlan(const Plan& plan) {
  if (plan.empty()) return "Keycloak already matches the desired realm: nothing to do.\n";
  std::string text = "Keycloak needs " + std::to_string(plan.size()) +
                     (plan.size() == 1 ? " change" : " changes") + ":\n";
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const Step& step = plan[i];
    text += "  " + std::to_string(i + 1) + ". " + step.description + "  (" + step.method + " " +
            step.path + ")\n";
  }
  return text;
}

}  // namespace cairn::keycloak
