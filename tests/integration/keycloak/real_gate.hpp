#pragma once
// The real gate for the sign-in tests: the spec's realm synced into the keycloak_server fixture,
// Debian's redis-server as the session store, and the real oauth2-proxy
// (tests/support/deps/oauth2_proxy.sh) with exactly the files cairn renders, pointed at loopback
// ports instead of the appliance's fixed ones.

#include <functional>
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

}  // namespace cairn::testing
