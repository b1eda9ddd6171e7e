#include "tests/support/keycloak/real_gate.hpp"

#include <stdexcept>

#include "appliance/host/clock.hpp"
#include "appliance/host/http_client.hpp"
#include "appliance/host/process_runner.hpp"
#include "keycloak/desired_realm.hpp"
#include "keycloak/renderers.hpp"
#include "keycloak/sync.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/test_deps.hpp"

#ifndef CAIRN_OAUTH2_PROXY_VERSION
#error "CAIRN_OAUTH2_PROXY_VERSION must be the version tests/support/deps/oauth2_proxy.sh builds"
#endif
#ifndef CAIRN_SIGN_IN_SCRIPT
#error "CAIRN_SIGN_IN_SCRIPT must name sign_in_journey.py"
#endif

using namespace std::chrono_literals;

namespace cairn::testing {

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string oauth2ProxyBinary() {
  return testDependency("oauth2-proxy-" CAIRN_OAUTH2_PROXY_VERSION "/oauth2-proxy", "oauth2_proxy.sh");
}

RedisServer::RedisServer(const std::string& password, const std::string& dir)
    : port_(freeLoopbackPort()),
      process_({"redis-server", "--bind", "127.0.0.1", "--port", std::to_string(port_),
                "--requirepass", password, "--save", "", "--appendonly", "no", "--dir", dir},
               dir + "/redis.log") {
  host::LocalProcessRunner runner;
  bool answers = waitFor(
      [&] {
        auto ping = runner.run({"redis-cli", "-p", std::to_string(port_), "--no-auth-warning",
                                "-a", password, "ping"},
                               5s);
        return ping.ok() && ping.value().output.find("PONG") != std::string::npos;
      },
      30s);
  if (!answers) throw std::runtime_error("redis-server did not answer: " + logOf(dir + "/redis.log"));
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/1"; }

Oauth2Proxy::Oauth2Proxy(const std::string& config, int port, const std::string& log,
                         const std::string& redisPassword)
    : port_(port),
      process_({"env", "OAUTH2_PROXY_REDIS_PASSWORD=" + redisPassword, oauth2ProxyBinary(),
                "--config=" + config, "--http-address=127.0.0.1:" + std::to_string(port),
                "--trusted-proxy-ip=127.0.0.1/32"},
               log) {
  host::CurlHttpClient http;
  host::HttpRequest ping;
  ping.url = url() + "/ping";
  ping.timeout = 2s;
  bool answers = waitFor(
      [&] {
        if (!process_.running()) throw std::runtime_error("oauth2-proxy exited at start: " + logOf(log));
        auto answer = http.send(ping);
        return answer.ok() && answer.value().status == 200;
      },
      30s);
  if (!answers) throw std::runtime_error("oauth2-proxy did not answer /ping");
}

std::string Oauth2Proxy::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

keycloak::InitialPasswordStore syncIntoFixture(const KeycloakServer& server,
                                               const nlohmann::json& realm, const TempDir& dir) {
  writeFile(dir / "realm.json", realm.dump());
  keycloak::SyncSettings settings;
  settings.realmFile = dir / "realm.json";
  settings.passwordsFile = dir / "initial-passwords.json";
  settings.healthUrl = server.healthUrl;
  settings.admin = fixtureAdminOptions(server);
  host::CurlHttpClient http;
  host::SystemClock clock;
  auto synced = keycloak::runSync(settings, http, clock, secrets::kernelRandom());
  if (!synced.ok()) throw std::runtime_error("keycloak sync failed: " + synced.error().message);
  return keycloak::InitialPasswordStore(settings.passwordsFile, secrets::kernelRandom());
}

keycloak::InitialPasswordStore syncIntoFixture(const KeycloakServer& server, const spec::Spec& spec,
                                               const secrets::Secrets& secrets, const TempDir& dir) {
  return syncIntoFixture(server, keycloak::desiredRealm(spec, secrets), dir);
}

std::string writeRenderedGate(const spec::Spec& spec, const secrets::Secrets& secrets,
                              const TempDir& dir, const std::string& keycloakUrl,
                              const std::string& redisUrl,
                              const std::function<std::string(std::string)>& adjust) {
  const std::string prefix = "/etc/cairn/rendered/oauth2-proxy/";
  std::string config;
  for (const auto& file : keycloak::renderKeycloak(spec, secrets).files) {
    if (file.path.rfind(prefix, 0) != 0) continue;
    std::string content = file.content;
    if (file.path == prefix + "oauth2-proxy.cfg") {
      content = replaceAll(content, "/etc/oauth2-proxy/", dir / "oauth2-proxy/");
      content = replaceAll(content, keycloak::kLoopbackKeycloakUrl, keycloakUrl);
      content = replaceAll(content, keycloak::kOauth2ProxyRedisUrl, redisUrl);
      if (adjust) content = adjust(content);
      config = dir / "oauth2-proxy/oauth2-proxy.cfg";
    }
    writeFile(dir / ("oauth2-proxy/" + file.path.substr(prefix.size())), content, 0600);
  }
  if (config.empty()) throw std::logic_error("renderKeycloak() rendered no oauth2-proxy.cfg");
  return config;
}

nlohmann::json runSignInScript(const nlohmann::json& settings, const TempDir& dir) {
  std::string file = dir / "sign-in.json";
  writeFile(file, settings.dump(), 0600);
  host::LocalProcessRunner runner;
  auto ran = runner.run({"python3", CAIRN_SIGN_IN_SCRIPT, file}, 120s);
  if (!ran.ok()) throw std::runtime_error("cannot run sign_in_journey.py: " + ran.error().message);
  if (ran.value().exitCode != 0) throw std::runtime_error(ran.value().output);
  return nlohmann::json::parse(ran.value().output);
}

namespace {

// The rendered gate's config as the edge harness runs it (see SharedGate).
std::string forTheHarness(std::string config, const std::string& domain) {
  config = replaceAll(config, "whitelist_domains = [",
                      "whitelist_domains = [\"" + domain + ":*\", \"." + domain + ":*\", ");
  std::string refresh = "cookie_refresh = ";
  std::size_t at = config.find("\n" + refresh);
  if (at == std::string::npos) throw std::logic_error("the rendered gate has no cookie_refresh");
  std::size_t end = config.find('\n', at + 1);
  config.replace(at + 1, end - at - 1,
                 refresh + "\"" + std::to_string(SharedGate::kRefreshSeconds) + "s\"");
  return config;
}

}  // namespace

const SharedGate& SharedGate::of(const spec::Spec& spec) {
  static std::unique_ptr<SharedGate> gate(new SharedGate(spec));
  return *gate;
}

SharedGate::SharedGate(const spec::Spec& spec)
    : server_(keycloakServer()),
      realm_(spec.sso.realm),
      statusHost_(spec.hosts.status),
      authHost_(spec.hosts.auth) {
  cleanup_ = std::make_unique<RealmCleanup>(server_, realm_);
  secrets::Secrets secrets;
  secrets.fillMissing(secrets::kernelRandom(), "2026-01-01T00:00:00Z");
  auto passwords = syncIntoFixture(server_, spec, secrets, dir_);
  redisPassword_ = secrets.get("redis_password");
  redis_ = std::make_unique<RedisServer>(redisPassword_, dir_.path());
  config_ = writeRenderedGate(spec, secrets, dir_, server_.url, redis_->url(),
                              [&spec](std::string text) { return forTheHarness(text, spec.domain); });
  std::string proxyLog = dir_ / "sign-in-proxy.log";
  auto proxy = startProxy(proxyLog);
  for (const auto& user : spec.users) {
    nlohmann::json settings = {{"mode", "session"},
                               {"status_host", statusHost_},
                               {"auth_host", authHost_},
                               {"proxy_url", proxy->url()},
                               {"keycloak_url", server_.url},
                               {"cookie_name", keycloak::kOauth2ProxyCookieName},
                               {"username", user.username},
                               {"password", passwords.take(user.username).value()},
                               {"new_password", password(user.username)}};
    nlohmann::json answer;
    try {
      answer = runSignInScript(settings, dir_);
    } catch (const std::runtime_error& failed) {
      throw std::runtime_error(std::string(failed.what()) + "\noauth2-proxy's log:\n" + logOf(proxyLog));
    }
    sessions_[user.username] = {answer.at("cookie"), answer.at("user"), answer.at("email")};
  }
}

SharedGate::~SharedGate() = default;

std::string SharedGate::password(const std::string& username) const {
  return "Edge-" + realm_ + "-" + username + "-1";
}

const SharedGate::Session& SharedGate::session(const std::string& username) const {
  auto it = sessions_.find(username);
  if (it == sessions_.end()) throw std::logic_error("the gate's spec has no user " + username);
  return it->second;
}

std::string SharedGate::logIn(const std::string& loginUrl, const std::string& username) const {
  TempDir dir;
  nlohmann::json settings = {{"mode", "login"},
                             {"auth_host", authHost_},
                             {"keycloak_url", server_.url},
                             {"login_url", loginUrl},
                             {"username", username},
                             {"password", password(username)},
                             {"new_password", password(username)}};
  return runSignInScript(settings, dir).at("redirect");
}

std::unique_ptr<Oauth2Proxy> SharedGate::startProxy(const std::string& log) const {
  return std::make_unique<Oauth2Proxy>(config_, freeLoopbackPort(), log, redisPassword_);
}

}  // namespace cairn::testing
