#pragma once
// The real gate for the sign-in and edge tests: the spec's realm synced into the keycloak_server
// fixture, Debian's redis-server as the session store, and the real oauth2-proxy
// (tests/support/deps/oauth2_proxy.sh) with exactly the files cairn renders, pointed at loopback
// ports instead of the appliance's fixed ones.

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"
#include "keycloak/initial_passwords.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/keycloak/keycloak_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace cairn::testing {

std::string replaceAll(std::string text, const std::string& from, const std::string& to);

// $CAIRN_TEST_DEPS/oauth2-proxy-<version>/oauth2-proxy; throws naming the script that builds it.
std::string oauth2ProxyBinary();

// Debian's redis-server on a free loopback port with `password`, keeping nothing on disk.
class RedisServer {
 public:
  RedisServer(const std::string& password, const std::string& dir);
  // The rendered connection URL, pointed at this server's port.
  std::string url() const;

 private:
  int port_;
  ChildProcess process_;
};

// oauth2-proxy as the catalog starts it (its command's flags, its Redis password from the
// environment), on `port` of loopback; answers /ping when constructed.
class Oauth2Proxy {
 public:
  Oauth2Proxy(const std::string& config, int port, const std::string& log,
              const std::string& redisPassword);
  std::string url() const;

 private:
  int port_;
  ChildProcess process_;
};

// The realm `realm` (desiredRealm() of a spec, perhaps changed by the test) synced into the
// fixture's Keycloak as `cairnctl keycloak sync` does it; the users' initial passwords are then
// in the returned store.
keycloak::InitialPasswordStore syncIntoFixture(const KeycloakServer& server,
                                               const nlohmann::json& realm, const TempDir& dir);
keycloak::InitialPasswordStore syncIntoFixture(const KeycloakServer& server, const spec::Spec& spec,
                                               const secrets::Secrets& secrets, const TempDir& dir);

// The rendered oauth2-proxy files under dir/oauth2-proxy/, where the container's bind mount would
// put them, with Keycloak's and Redis's loopback URLs replaced; `adjust` may change the config's
// text (a test's shorter refresh). Returns the config's path.
std::string writeRenderedGate(const spec::Spec& spec, const secrets::Secrets& secrets,
                              const TempDir& dir, const std::string& keycloakUrl,
                              const std::string& redisUrl,
                              const std::function<std::string(std::string)>& adjust = {});

// Runs sign_in_journey.py (the browser's HTTP side of a sign-in, without a browser) with
// `settings`; its JSON answer, or throws with what it printed.
nlohmann::json runSignInScript(const nlohmann::json& settings, const TempDir& dir);

// The gate every edge harness of a test process shares: the realm of `spec` (its users with their
// roles) in the fixture's Keycloak, one Redis, and one signed-in session per spec user, all made at
// the first call and removed when the process ends. Each harness starts an oauth2-proxy of its own
// over the same rendered files; sessions live in Redis, so each is valid at every one of them.
// Two changes to the rendered config, both for the harness: the edge listens on a kernel-chosen
// port, so pages to return to may carry any port; and a session is refreshed after kRefresh, so a
// test sees refreshes without waiting for the appliance's interval.
class SharedGate {
 public:
  static constexpr int kRefreshSeconds = 2;
  struct Session {
    std::string cookie;  // "name=value", as a Cookie header carries it
    std::string user;    // what the gate tells the upstreams (X-Auth-Request-User)
    std::string email;
  };

  static const SharedGate& of(const spec::Spec& spec);
  ~SharedGate();

  const Session& session(const std::string& username) const;
  // Keycloak's part of a sign-in that the gate sent to `loginUrl`, as `username` with its current
  // password: where Keycloak then sends the browser (the gate's callback).
  std::string logIn(const std::string& loginUrl, const std::string& username) const;
  std::unique_ptr<Oauth2Proxy> startProxy(const std::string& log) const;

 private:
  explicit SharedGate(const spec::Spec& spec);
  std::string password(const std::string& username) const;

  KeycloakServer server_;
  std::string realm_;
  std::string statusHost_;
  std::string authHost_;
  TempDir dir_;
  std::unique_ptr<RealmCleanup> cleanup_;
  std::string redisPassword_;
  std::unique_ptr<RedisServer> redis_;
  std::string config_;
  std::map<std::string, Session> sessions_;
};

}  // namespace cairn::testing
