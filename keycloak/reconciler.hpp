#pragma once
// Brings Keycloak to the desired realm: read what it has, plan (keycloak/plan.hpp), apply the
// plan step by step, and read again until nothing is left to do (a few rounds at most).
//
// Keycloak's answers while applying a step:
//   201 + Location  the new id is taken from the Location's last path segment; after the
//                   realm's creation the token is renewed (it carries no roles of the new realm);
//   409             the object exists already (an earlier run or someone else made it): its id
//                   is read back and the next round compares it with the desired state;
//   404             the object vanished between the read and the write: the next round re-reads;
//   other 4xx       the run stops at that step with an error naming the object and Keycloak's
//                   answer; a re-run continues from what is there.
// Refused connections and 5xx are retried inside AdminClient; 401 renews the token there.

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "appliance/core/result.hpp"
#include "keycloak/admin_client.hpp"
#include "keycloak/plan.hpp"

namespace cairn::keycloak {

// The temporary first password of a user who is about to be created. It must already be
// stored where `cairnctl users password USER` finds it when this returns.
using InitialPasswordSource = std::function<Result<std::string>(const std::string& username)>;

struct SyncReport {
  Plan firstPlan;                    // what the first round found to do
  std::vector<std::string> applied;  // descriptions of the steps that were carried out
  int rounds = 0;
};

class Reconciler {
 public:
  Reconciler(AdminClient& admin, InitialPasswordSource initialPassword, int maxRounds = 3);

  // The state of every object `desired` names. Also learns their ids.
  Result<ActualRealm> readActual(const nlohmann::json& desired);

  // Reads and plans only; no write call.
  Result<Plan> plan(const nlohmann::json& desired);

  // Reads, plans and applies until a read finds nothing to do. kFailed (with the step, the
  // object and Keycloak's answer) when a step is refused or the state does not settle.
  Result<SyncReport> sync(const nlohmann::json& desired);

 private:
  // Carries out one step. `retry` is set when the object vanished (404) and the rest of the
  // round must wait for a fresh read.
  Status apply(const Step& step, bool& retry);
  // Reads the id of the object `step` created (or found existing: `conflict` is Keycloak's 409).
  Status rememberId(const Step& step, const std::string& conflict);
  // Each reads one kind of object that `desired` names below the realm path `base`.
  Status readRoles(const std::string& base, const nlohmann::json& desired, ActualRealm& actual);
  Status readGroups(const std::string& base, const nlohmann::json& desired, ActualRealm& actual);
  Status readClients(const std::string& base, const nlohmann::json& desired, ActualRealm& actual);
  Status readUsers(const std::string& base, const nlohmann::json& desired, ActualRealm& actual);
  std::string resolve(const std::string& text) const;
  // GET `path` as JSON; `absent` on 404.
  Result<nlohmann::json> getJson(const std::string& path, bool& absent);
  // The object at `path` (or the element of the array there) whose `field` is `name`; null if none.
  Result<nlohmann::json> findOne(const std::string& path, const std::string& field,
                                 const std::string& name);

  AdminClient& admin_;
  InitialPasswordSource initialPassword_;
  int maxRounds_;
  std::map<std::string, std::string> ids_;  // placeholder key ("client:grafana") → Keycloak id
};

// The id at the end of a Location header ("…/clients/6f1c…" → "6f1c…"); "" if there is none.
std::string idFromLocation(const std::string& location);

}  // namespace cairn::keycloak
