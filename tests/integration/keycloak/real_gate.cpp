#include "tests/integration/keycloak/real_gate.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <stdexcept>

#include "appliance/host/clock.hpp"
#include "appliance/host/http_client.hpp"
#include "appliance/host/process_runner.hpp"
#include "keycloak/desired_realm.hpp"
#include "keycloak/renderers.hpp"
#include "keycloak/sync.hpp"
#include "tests/support/loopback_port.hpp"

#ifndef CAIRN_OAUTH2_PROXY_VERSION
#error "CAIRN_OAUTH2_PROXY_VERSION must be the version tests/support/deps/oauth2_proxy.sh builds"
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
  const char* deps = std::getenv("CAIRN_TEST_DEPS");
  const char* home = std::getenv("HOME");
  std::string root =
      deps && *deps ? deps : std::string(home ? home : "") + "/.cache/cairn-test-deps";
  std::string binary = root + "/oauth2-proxy-" CAIRN_OAUTH2_PROXY_VERSION "/oauth2-proxy";
  if (::access(binary.c_str(), X_OK) != 0) {
    throw std::runtime_error(
        binary + " is missing; build it with `bash tests/support/deps/oauth2_proxy.sh`");
  }
  return binary;
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
  BOOST_REQUIRE_MESSAGE(synced.ok(), (synced.ok() ? std::string() : synced.error().message));
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

}  // namespace cairn::testing
