#include "keycloak/reconciler.hpp"

#include "appliance/host/http_client.hpp"

namespace cairn::keycloak {

using nlohmann::json;

namespace {

const json* findBy(const json& items, const std::string& field, const std::string& value) {
  if (items.is_object()) return items.value(field, "") == value ? &items : nullptr;
  if (!items.is_array()) return nullptr;
  for (const json& item : items) {
    if (item.is_object() && item.value(field, "") == value) return &item;
  }
  return nullptr;
}

std::vector<std::string> names(const json& items, const char* field) {
  std::vector<std::string> found;
  if (!items.is_array()) return found;
  for (const json& item : items) {
    if (item.is_object() && item.contains(field) && item[field].is_string())
      found.push_back(item[field]);
  }
  return found;
}

}  // namespace

std::string idFromLocation(const std::string& location) {
  std::string trimmed = location.substr(0, location.find('?'));
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  std::size_t slash = trimmed.rfind('/');
  return slash == std::string::npos ? std::string() : trimmed.substr(slash + 1);
}

Reconciler::Reconciler(AdminClient& admin, InitialPasswordSource initialPassword, int maxRounds)
    : admin_(admin), initialPassword_(std::move(initialPassword)), maxRounds_(maxRounds) {}

Result<json> Reconciler::getJson(const std::string& path, bool& absent) {
  absent = false;
  auto response = admin_.call("GET", path);
  if (!response) return response.error();
  const host::HttpResponse& answer = response.value();
  if (answer.status == 404) {
    absent = true;
    return json(nullptr);
  }
  json body = json::parse(answer.body, nullptr, false);
  if (answer.status != 200 || body.is_discarded()) {
    return makeError(ErrorCode::kFailed, "reading GET " + path + ": Keycloak answered HTTP " +
                                             std::to_string(answer.status) + " " +
                                             keycloakMessage(answer));
  }
  return body;
}

Result<json> Reconciler::findOne(const std::string& path, const std::string& field,
                                 const std::string& name) {
  bool absent = false;
  auto found = getJson(path, absent);
  if (!found) return found.error();
  const json* object = absent ? nullptr : findBy(found.value(), field, name);
  return object ? *object : json(nullptr);
}

Result<ActualRealm> Reconciler::readActual(const json& desired) {
  ActualRealm actual;
  ids_.clear();
  std::string base =
      "/admin/realms/" + host::urlEncode(desired["realm"]["realm"].get<std::string>());
  bool absent = false;
  auto realm = getJson(base, absent);
  if (!realm) return realm.error();
  if (absent) return actual;
  actual.exists = true;
  actual.realm = realm.value();
  for (auto read : {&Reconciler::readRoles, &Reconciler::readGroups, &Reconciler::readClients,
                    &Reconciler::readUsers}) {
    if (auto done = (this->*read)(base, desired, actual); !done) return done.error();
  }
  return actual;
}

Status Reconciler::readRoles(const std::string& base, const json& desired, ActualRealm& actual) {
  for (const json& wanted : desired["roles"]) {
    std::string name = wanted["name"];
    bool absent = false;
    auto role = getJson(base + "/roles/" + host::urlEncode(name), absent);
    if (!role) return role.error();
    if (absent) continue;
    actual.roles[name] = role.value();
    ids_["role:" + name] = role.value().value("id", "");
  }
  return {};
}

// One search per group: listings are paged (100 by default), a search by exact name is not.
Status Reconciler::readGroups(const std::string& base, const json& desired, ActualRealm& actual) {
  for (const json& wanted : desired["groups"]) {
    std::string name = wanted["name"];
    auto group = findOne(
        base + "/groups?search=" + host::urlEncode(name) + "&exact=true&briefRepresentation=false",
        "name", name);
    if (!group) return group.error();
    if (group.value().is_null()) continue;
    std::vector<std::string> realmRoles;
    for (const json& role : group.value().value("realmRoles", json::array()))
      realmRoles.push_back(role);
    actual.groups[name] = ActualGroup{group.value(), realmRoles};
    ids_["group:" + name] = group.value().value("id", "");
  }
  return {};
}

Status Reconciler::readClients(const std::string& base, const json& desired, ActualRealm& actual) {
  for (const json& wanted : desired["clients"]) {
    std::string clientId = wanted["clientId"];
    auto client =
        findOne(base + "/clients?clientId=" + host::urlEncode(clientId), "clientId", clientId);
    if (!client) return client.error();
    if (client.value().is_null()) continue;
    json& have = actual.clients[clientId] = client.value();
    std::string id = have.value("id", "");
    ids_["client:" + clientId] = id;
    if (wanted.contains("secret")) {
      // Client listings may mask the secret; its own endpoint tells the value.
      bool absent = false;
      auto secret = getJson(base + "/clients/" + id + "/client-secret", absent);
      if (!secret) return secret.error();
      have["secret"] = absent ? json(nullptr) : secret.value().value("value", json(nullptr));
    }
    for (const json& mapper : have.value("protocolMappers", json::array())) {
      ids_["mapper:" + clientId + "/" + mapper.value("name", "")] = mapper.value("id", "");
    }
  }
  return {};
}

Status Reconciler::readUsers(const std::string& base, const json& desired, ActualRealm& actual) {
  for (const json& wanted : desired["users"]) {
    std::string username = wanted["username"];
    auto user = findOne(base + "/users?username=" + host::urlEncode(username) + "&exact=true",
                        "username", username);
    if (!user) return user.error();
    if (user.value().is_null()) continue;
    std::string id = user.value().value("id", "");
    ids_["user:" + username] = id;
    bool absent = false;
    auto memberships = getJson(base + "/users/" + id + "/groups", absent);
    if (!memberships) return memberships.error();
    actual.users[username] = ActualUser{user.value(), names(memberships.value(), "name")};
  }
  return {};
}

std::string Reconciler::resolve(const std::string& text) const {
  std::string resolved = text;
  for (const auto& [key, id] : ids_) {
    std::string placeholder = "{" + key + "}";
    for (std::size_t at = resolved.find(placeholder); at != std::string::npos;
         at = resolved.find(placeholder, at + id.size())) {
      resolved.replace(at, placeholder.size(), id);
    }
  }
  return resolved;
}

Status Reconciler::rememberId(const Step& step, const std::string& conflict) {
  auto found = findOne(step.lookup.path, step.lookup.field, step.lookup.name);
  if (!found) return found.error();
  const json& object = found.value();
  if (!object.is_object() || !object.contains("id") || !object["id"].is_string()) {
    std::string reason =
        conflict.empty() ? "it was created" : "Keycloak answered HTTP 409: " + conflict;
    return makeError(ErrorCode::kFailed,
                     reason + ", but GET " + step.lookup.path + " does not list " + step.object);
  }
  ids_[step.creates] = object["id"].get<std::string>();
  return {};
}

Status Reconciler::apply(const Step& step, bool& retry) {
  retry = false;
  std::string path = resolve(step.path);
  json body = step.body;
  if (!step.initialPasswordFor.empty()) {
    auto password = initialPassword_(step.initialPasswordFor);
    if (!password)
      return makeError(password.error().code,
                       "the initial password of " + step.object + ": " + password.error().message);
    body["credentials"] =
        json::array({{{"type", "password"}, {"value", password.value()}, {"temporary", true}}});
  }
  if (!body.is_null()) body = json::parse(resolve(body.dump()));
  if (path.find("{") != std::string::npos) {
    return makeError(ErrorCode::kFailed,
                     "no Keycloak id is known for a placeholder in " + step.path);
  }
  auto response = admin_.call(step.method, path, body);
  if (!response) return response.error();
  const host::HttpResponse& answer = response.value();
  if (answer.status >= 200 && answer.status < 300) {
    // A token from before the realm existed lacks its admin roles: Keycloak would answer 403.
    if (step.method == "POST" && path == "/admin/realms") admin_.forgetToken();
    if (step.creates.empty()) return {};
    std::string id = step.idInLocation ? idFromLocation(answer.header("location")) : std::string();
    if (id.empty()) return rememberId(step, "");
    ids_[step.creates] = id;
    return {};
  }
  if (answer.status == 409 && !step.creates.empty())
    return rememberId(step, keycloakMessage(answer));
  if (answer.status == 404) {
    retry = true;
    return {};
  }
  return makeError(ErrorCode::kFailed, "Keycloak answered HTTP " + std::to_string(answer.status) +
                                           ": " + keycloakMessage(answer));
}

Result<Plan> Reconciler::plan(const json& desired) {
  auto actual = readActual(desired);
  if (!actual) return actual.error();
  return planRealm(desired, actual.value());
}

Result<SyncReport> Reconciler::sync(const json& desired) {
  SyncReport report;
  for (int round = 0;; ++round) {
    auto planned = plan(desired);
    if (!planned) return planned.error();
    const Plan& steps = planned.value();
    if (round == 0) report.firstPlan = steps;
    report.rounds = round;
    if (steps.empty()) return report;
    if (round == maxRounds_) {
      return makeError(ErrorCode::kFailed, "Keycloak still differs from the desired realm after " +
                                               std::to_string(maxRounds_) + " rounds:\n" +
                                               describePlan(steps));
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const Step& step = steps[i];
      bool retry = false;
      if (auto done = apply(step, retry); !done) {
        return makeError(done.error().code,
                         "step " + std::to_string(i + 1) + " of " + std::to_string(steps.size()) +
                             " (" + step.description + ") failed: " + done.error().message +
                             "\nNothing after this step was changed; run the sync again once "
                             "the cause is fixed.");
      }
      if (retry) break;  // the object vanished: read again
      report.applied.push_back(step.description);
    }
  }
}

}  // namespace cairn::keycloak
