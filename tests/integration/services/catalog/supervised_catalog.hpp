#pragma once
// The rendered catalog brought up by cairn-supervisord on the real Docker engine, for the tests of
// this folder: `cairnctl apply` renders containers.json from a spec under a --root of its own,
// cairn-supervisord runs it, Docker's container events are recorded, and everything is removed
// afterwards. Needs CAIRN_CTL and CAIRN_SUPERVISORD (the built programs).

#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace cairn::testing {

using nlohmann::json;

inline std::string run(const std::string& command) {
  std::string output;
  int status = runCommand(command + " 2>&1", &output);
  BOOST_REQUIRE_MESSAGE(status == 0, command + " failed (" + std::to_string(status) + "): " + output);
  return output;
}

inline json readJson(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, false, true);
}

// An applied spec under a --root of its own and cairn-supervisord running it, with Docker's
// container events recorded from before the supervisor starts (the engine keeps only its last
// 256 events and healthchecks make many, so they are streamed; --since covers the stream's
// start-up). Everything is removed afterwards, volumes included.
struct SupervisedCatalog {
  TempDir root;
  std::unique_ptr<ChildProcess> events;
  std::unique_ptr<ChildProcess> supervisor;

  // `prepare` runs on the new root before `cairnctl apply` (host folders the spec names).
  explicit SupervisedCatalog(const std::string& specText,
                             const std::function<void(const TempDir& root)>& prepare = {}) {
    removeEverything();  // a run that was killed may have left its containers behind
    std::string installed;
    runCommand("docker ps -a --filter name=^cairn- --format '{{.Names}} {{.Label \"io.cairn.scope\"}}' | grep -v /cairn-test-",
               &installed);
    BOOST_REQUIRE_MESSAGE(installed.empty(), "the catalog's container names are taken by an installed cairn: " + installed);
    std::string ctl = std::string(CAIRN_CTL) + " --root " + root.path();
    run(ctl + " init --domain catalog.localhost");
    writeFile(root / "etc/cairn/appliance.json", specText);
    if (prepare) prepare(root);
    run(ctl + " apply");
    writeFile(root / "etc/cairn/rendered/supervisor.json", R"({"metrics_listen": ""})");
    events = std::make_unique<ChildProcess>(
        std::vector<std::string>{"docker", "events", "--since", std::to_string(std::time(nullptr) - 1),
                                 "--filter", "type=container", "--filter", "label=io.cairn.managed=true",
                                 "--filter", "event=start", "--filter", "event=die", "--filter", "event=health_status",
                                 "--format", "{{json .}}"},
        root / "events.jsonl");
    supervisor = std::make_unique<ChildProcess>(std::vector<std::string>{CAIRN_SUPERVISORD, "--root", root.path()},
                                                root / "supervisord.log");
  }
  ~SupervisedCatalog() {
    supervisor->stop();
    events->stop();
    removeEverything();
  }

  // Removes what this test, or an earlier run of it that was killed, made: containers, the
  // network and volumes whose io.cairn.scope is a test root. An installed cairn's are left alone.
  static void removeEverything() {
    auto testScoped = [](const std::string& list, const std::string& key) {
      return "docker " + list + " --filter label=io.cairn.managed=true --format '{{." + key +
             "}} {{.Label \"io.cairn.scope\"}}' | awk '$2 ~ \"/cairn-test-\" {print $1}'";
    };
    runCommand(testScoped("ps -a", "ID") + " | xargs -r docker rm -f >/dev/null 2>&1");
    runCommand(testScoped("network ls", "ID") + " | xargs -r docker network rm >/dev/null 2>&1");
    runCommand(testScoped("volume ls", "Name") + " | xargs -r docker volume rm >/dev/null 2>&1");
  }

  json status() {
    std::string output;
    runCommand(std::string(CAIRN_CTL) + " --root " + root.path() + " status --json 2>/dev/null", &output);
    json parsed = json::parse(output, nullptr, false);
    return parsed.is_object() ? parsed : json::object();
  }

  json rendered() { return readJson(root / "etc/cairn/rendered/containers.json"); }
  json secrets() { return readJson(root / "etc/cairn/secrets.json")["secrets"]; }
};

inline bool everyServiceReady(const json& status) {
  if (!status.contains("services") || status["services"].empty()) return false;
  for (const auto& service : status["services"]) {
    std::string state = service.value("state", "");
    std::string health = service.value("health", "");
    bool ready = state == "completed" || (state == "running" && (health == "healthy" || health == "none"));
    if (!ready) return false;
  }
  return true;
}

}  // namespace cairn::testing
