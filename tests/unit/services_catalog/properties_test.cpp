#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "services/catalog/catalog.hpp"
#include "tests/unit/services_catalog/catalog_fixtures.hpp"

namespace cairn::catalog {
namespace {

namespace data = boost::unit_test::data;
using testing::allContainers;
using testing::findService;
using testing::secretValues;
using testing::specWithout;
using testing::testSecrets;

ContainerSet defaultSet() { return buildContainerSet(testing::defaultSpec(), testSecrets()); }
ContainerSet fullSet() { return buildContainerSet(testing::fullSpec(), testSecrets()); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <typename Range>
bool anyContains(const Range& texts, const std::string& part) {
  return std::any_of(texts.begin(), texts.end(), [&](const auto& text) { return contains(text, part); });
}

bool hasName(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The two specs every property is checked against.
const std::vector<int> kSpecs = {0, 1};
ContainerSet setFor(int which) { return which == 0 ? defaultSet() : fullSet(); }

BOOST_DATA_TEST_CASE(no_secret_appears_outside_container_env, data::make(kSpecs), which) {
  ContainerSet set = setFor(which);
  for (const Container* c : allContainers(set)) {
    for (const auto& secret : secretValues()) {
      for (const auto& [key, value] : c->labels) {
        BOOST_TEST(key.rfind("io.cairn.", 0) != 0u, c->name << ": io.cairn.* labels are the supervisor's");
        BOOST_TEST(!contains(key, secret), c->name << " has a secret in a label name");
        BOOST_TEST(!contains(value, secret), c->name << " has a secret in label " << key);
      }
      BOOST_TEST(!anyContains(c->command, secret), c->name << " has a secret in its command");
      BOOST_TEST(!anyContains(c->entrypoint, secret), c->name << " has a secret in its entrypoint");
      if (c->healthcheck) BOOST_TEST(!anyContains(c->healthcheck->test, secret), c->name << " healthcheck");
      BOOST_TEST(!contains(c->name + c->image + c->user, secret));
      for (const auto& mount : c->mounts) BOOST_TEST(!contains(mount.source + mount.target, secret));
    }
  }
}

BOOST_DATA_TEST_CASE(every_published_port_binds_loopback_only, data::make(kSpecs), which) {
  ContainerSet set = setFor(which);
  std::set<std::pair<int, int>> published;
  for (const Container* c : allContainers(set)) {
    for (const auto& port : c->ports) {
      BOOST_TEST(port.hostIp == "127.0.0.1", c->name << " publishes on " << port.hostIp);
      BOOST_TEST(published.insert({port.hostPort, port.containerPort}).second, "host port used twice");
    }
  }
  // Redis (oauth2-proxy's session store), Keycloak, its management port, Airflow and Loki;
  // oauth2-proxy, Grafana and Prometheus use host networking on loopback instead.
  std::set<std::pair<int, int>> expected = {{6379, 6379}, {8180, 8080}, {9000, 9000}, {8080, 8080},
                                            {3100, 3100}};
  BOOST_TEST((published == expected));
}

BOOST_AUTO_TEST_CASE(host_networked_services_listen_on_loopback_only) {
  ContainerSet set = fullSet();
  const Container& proxy = findService(set, "oauth2-proxy")->containers.at(0);
  BOOST_TEST(proxy.networkMode == "host");
  BOOST_TEST(hasName(proxy.command, "--http-address=127.0.0.1:4180"));
  BOOST_TEST(hasName(proxy.command, "--trusted-proxy-ip=127.0.0.1/32"));  // X-Forwarded-* only from nginx
  const Container& grafana = findService(set, "grafana")->containers.at(0);
  BOOST_TEST(grafana.networkMode == "host");
  BOOST_TEST(grafana.env.at("GF_SERVER_HTTP_ADDR") == "127.0.0.1");
  BOOST_TEST(grafana.ports.empty());
}

BOOST_DATA_TEST_CASE(every_container_is_limited_hardened_and_rotates_its_logs, data::make(kSpecs), which) {
  ContainerSet set = setFor(which);
  for (const Container* c : allContainers(set)) {
    BOOST_TEST_CONTEXT(c->name) {
      BOOST_TEST(c->memoryBytes >= (64ULL << 20));
      BOOST_TEST(c->nanoCpus > 0);
      BOOST_TEST(c->pidsLimit > 0);
      BOOST_TEST(c->noNewPrivileges);
      BOOST_TEST(hasName(c->capDrop, "ALL"));
      BOOST_TEST(c->log.maxSize == "10m");
      BOOST_TEST(c->log.maxFile == "3");
      BOOST_TEST(c->stopTimeoutSeconds > 0);
      BOOST_TEST(!c->image.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(limits_come_from_the_spec_resources) {
  ContainerSet set = fullSet();
  const Container& postgres = findService(set, "postgres")->containers.at(0);
  BOOST_TEST(postgres.memoryBytes == 4ULL << 30);
  BOOST_TEST(postgres.nanoCpus == 2000000000);
  const Container& redis = findService(set, "redis")->containers.at(0);
  BOOST_TEST(redis.nanoCpus == 750000000);
  // services.airflow.memory is each worker's, where tasks run; the other Airflow containers have
  // the catalog's own limits, and keep their CPU share from the spec.
  const std::map<std::string, std::uint64_t> controlPlane = {
      {"cairn-airflow-init", 1ULL << 30},         {"cairn-airflow-apiserver", 1ULL << 30},
      {"cairn-airflow-scheduler", 512ULL << 20},  {"cairn-airflow-dag-processor", 512ULL << 20},
      {"cairn-airflow-triggerer", 512ULL << 20}};
  int workers = 0;
  for (const auto& service : set.services) {
    if (service.name.rfind("airflow", 0) != 0) continue;
    for (const auto& c : service.containers) {
      bool isWorker = c.name.rfind("cairn-airflow-worker-", 0) == 0;
      workers += isWorker;
      BOOST_TEST(c.memoryBytes == (isWorker ? 3ULL << 30 : controlPlane.at(c.name)), c.name);
    }
  }
  BOOST_TEST(workers == findService(set, "airflow-worker")->containers.size());
  BOOST_TEST(workers > 0);
}

BOOST_AUTO_TEST_CASE(the_default_catalog_fits_a_vps_of_8_gb_with_one_worker) {
  ContainerSet set = defaultSet();
  std::uint64_t limits = 0;
  for (const auto& service : set.services)
    for (const auto& c : service.containers)
      if (c.name != "cairn-airflow-init") limits += c.memoryBytes;  // it exits before the rest starts
  BOOST_TEST(limits <= 7ULL << 30, limits / (1 << 20) << " MiB");
}

BOOST_DATA_TEST_CASE(services_come_in_a_valid_dependency_order, data::make(kSpecs), which) {
  ContainerSet set = setFor(which);
  std::set<std::string> started;
  for (const auto& service : set.services) {
    for (const auto& dependency : service.dependsOn) {
      BOOST_TEST(started.count(dependency) == 1u, service.name << " comes before its dependency " << dependency);
    }
    BOOST_TEST(started.insert(service.name).second, service.name << " is listed twice");
  }
}

BOOST_AUTO_TEST_CASE(default_spec_runs_every_service_with_its_dependencies) {
  ContainerSet set = defaultSet();
  std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"postgres", {}},
      {"redis", {}},
      {"keycloak", {"postgres"}},
      {"oauth2-proxy", {"keycloak", "redis"}},
      {"prometheus", {}},
      {"loki", {}},
      {"grafana", {"prometheus", "loki"}},
      {"airflow-init", {"postgres", "redis"}},
      {"airflow-apiserver", {"postgres", "redis", "airflow-init"}},
      {"airflow-scheduler", {"postgres", "redis", "airflow-init"}},
      {"airflow-dag-processor", {"postgres", "redis", "airflow-init"}},
      {"airflow-triggerer", {"postgres", "redis", "airflow-init"}},
      {"airflow-worker", {"postgres", "redis", "airflow-init", "airflow-apiserver"}}};
  BOOST_REQUIRE_EQUAL(set.services.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST(set.services[i].name == expected[i].first);
    BOOST_TEST(set.services[i].dependsOn == expected[i].second, set.services[i].name);
  }
}

struct DisableCase {
  std::vector<std::string> disabled;
  std::vector<std::string> goneServices;
  std::vector<std::string> goneVolumes;
};

std::ostream& operator<<(std::ostream& out, const DisableCase& c) {
  for (const auto& name : c.disabled) out << name << ' ';
  return out;
}

const std::vector<DisableCase> kDisableCases = {
    {{"loki"}, {"loki"}, {"cairn-loki-data"}},
    {{"grafana"}, {"grafana"}, {"cairn-grafana-data"}},
    {{"oauth2-proxy"}, {"oauth2-proxy"}, {}},
    {{"keycloak", "oauth2-proxy"}, {"keycloak", "oauth2-proxy"}, {}},
    {{"airflow"},
     {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
      "airflow-worker"},
     {"cairn-airflow-logs", "cairn-airflow-plugins"}},
    {{"grafana", "prometheus"}, {"grafana", "prometheus"}, {"cairn-prometheus-data"}},
    {{"keycloak", "oauth2-proxy", "airflow", "postgres"}, {"postgres", "keycloak"}, {"cairn-postgres-data"}},
};

BOOST_DATA_TEST_CASE(disabling_a_service_removes_it_and_every_edge_to_it, data::make(kDisableCases), c) {
  ContainerSet set = buildContainerSet(specWithout(c.disabled), testSecrets());
  std::set<std::string> present;
  for (const auto& service : set.services) present.insert(service.name);
  for (const auto& gone : c.goneServices) BOOST_TEST(present.count(gone) == 0u, gone << " still runs");
  for (const auto& service : set.services) {
    for (const auto& dependency : service.dependsOn) {
      BOOST_TEST(present.count(dependency) == 1u, service.name << " still depends on " << dependency);
    }
  }
  for (const auto& volume : c.goneVolumes) BOOST_TEST(!hasName(set.volumes, volume), volume << " still listed");
  for (const Container* container : allContainers(set)) {
    BOOST_TEST(testing::specServiceOf(*container) != c.disabled.front());
  }
}

BOOST_AUTO_TEST_CASE(grafana_without_loki_still_waits_for_prometheus) {
  ContainerSet set = buildContainerSet(specWithout({"loki"}), testSecrets());
  BOOST_TEST(findService(set, "grafana")->dependsOn == std::vector<std::string>{"prometheus"});
}

BOOST_DATA_TEST_CASE(worker_count_yields_that_many_worker_containers, data::make({1, 2, 5, 32}), workers) {
  nlohmann::json document = {{"version", 1}, {"domain", "example.com"}, {"services", {{"airflow", {{"workers", workers}}}}}};
  ContainerSet set = buildContainerSet(spec::loadSpec(document.dump()), testSecrets());
  const Service* service = findService(set, "airflow-worker");
  BOOST_REQUIRE(service != nullptr);
  BOOST_REQUIRE_EQUAL(service->containers.size(), static_cast<std::size_t>(workers));
  std::set<std::string> names;
  for (const auto& c : service->containers) {
    names.insert(c.name);
    BOOST_TEST(c.command == (std::vector<std::string>{"celery", "worker"}));
    BOOST_TEST(c.aliases == std::vector<std::string>{"airflow-worker"});
  }
  BOOST_TEST(names.size() == static_cast<std::size_t>(workers));
  BOOST_TEST(names.count("cairn-airflow-worker-1") == 1u);
  BOOST_TEST(names.count("cairn-airflow-worker-" + std::to_string(workers)) == 1u);
}

BOOST_AUTO_TEST_CASE(every_worker_runs_the_specs_concurrency_default_sixteen) {
  auto concurrencies = [](const nlohmann::json& airflow) {
    nlohmann::json document = {{"version", 1}, {"domain", "example.com"}, {"services", {{"airflow", airflow}}}};
    ContainerSet set = buildContainerSet(spec::loadSpec(document.dump()), testSecrets());
    std::set<std::string> values;
    for (const auto& c : findService(set, "airflow-worker")->containers) values.insert(c.env.at("AIRFLOW__CELERY__WORKER_CONCURRENCY"));
    return values;
  };
  BOOST_TEST(concurrencies({{"workers", 2}}) == std::set<std::string>{"16"});
  BOOST_TEST(concurrencies({{"workers", 2}, {"worker_concurrency", 3}}) == std::set<std::string>{"3"});
}

// Every Airflow container of a set, by name.
std::map<std::string, const Container*> airflowContainers(const ContainerSet& set) {
  std::map<std::string, const Container*> containers;
  for (const auto& service : set.services) {
    for (const auto& c : service.containers) {
      if (c.name.rfind("cairn-airflow", 0) == 0) containers[c.name] = &c;
    }
  }
  return containers;
}

ContainerSet setWithGitDags(const std::string& git) {
  const std::string text = R"({"version": 1, "domain": "example.com", "airflow": {"dags": {"git": )" + git + "}}}";
  return buildContainerSet(spec::loadSpec(text), testSecrets());
}

BOOST_AUTO_TEST_CASE(a_git_repository_of_dags_is_a_second_bundle_in_every_airflow_container) {
  const ContainerSet set = setWithGitDags(
      R"({"url": "https://git.example.com/team/dags.git", "branch": "prod", "subfolder": "dags",
          "credentials_file": "/etc/cairn/dags-git.credentials", "refresh": "2m"})");
  const auto containers = airflowContainers(set);
  BOOST_REQUIRE(containers.size() == 6u);
  for (const auto& [name, c] : containers) {
    const auto bundles = nlohmann::json::parse(c->env.at("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"));
    BOOST_REQUIRE(bundles.size() == 2u);
    BOOST_TEST(bundles[0]["name"] == "dags-folder");
    BOOST_TEST(bundles[1]["classpath"] == "airflow.providers.git.bundles.git.GitDagBundle");
    BOOST_TEST(bundles[1]["kwargs"] == (nlohmann::json{{"git_conn_id", "cairn_dags_git"}, {"tracking_ref", "prod"},
                                                       {"subdir", "dags"}, {"refresh_interval", 120}}), name);
    const auto connection = nlohmann::json::parse(c->env.at("AIRFLOW_CONN_CAIRN_DAGS_GIT"));
    BOOST_TEST(connection == (nlohmann::json{{"conn_type", "git"}, {"host", "https://git.example.com/team/dags.git"}}));
    // https: git reads the mounted credential store, read-only; the token is in no variable.
    BOOST_TEST(c->env.at("GIT_CONFIG_VALUE_0") == "store --file=/opt/airflow/dags-git-credentials");
    const bool mounted = std::any_of(c->mounts.begin(), c->mounts.end(), [](const Mount& m) {
      return m.source == "/etc/cairn/dags-git.credentials" && m.target == "/opt/airflow/dags-git-credentials" && m.readOnly;
    });
    BOOST_TEST(mounted, name);
  }
}

BOOST_AUTO_TEST_CASE(an_ssh_repository_of_dags_takes_its_key_from_the_credentials_file) {
  const ContainerSet set = setWithGitDags(R"({"url": "git@git.example.com:team/dags.git", "credentials_file": "/etc/cairn/dags-git.key"})");
  const auto containers = airflowContainers(set);
  const Container& scheduler = *containers.at("cairn-airflow-scheduler");
  const auto connection = nlohmann::json::parse(scheduler.env.at("AIRFLOW_CONN_CAIRN_DAGS_GIT"));
  BOOST_TEST(connection["extra"]["key_file"] == "/opt/airflow/dags-git-credentials");
  BOOST_TEST(scheduler.env.count("GIT_CONFIG_COUNT") == 0u);
  const auto bundles = nlohmann::json::parse(scheduler.env.at("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"));
  BOOST_TEST(!bundles[1]["kwargs"].contains("subdir"));
  BOOST_TEST(bundles[1]["kwargs"]["refresh_interval"] == 60);
}

BOOST_AUTO_TEST_CASE(without_a_git_repository_airflow_keeps_its_default_bundle) {
  const ContainerSet set = buildContainerSet(spec::loadSpec(R"({"version": 1, "domain": "example.com"})"), testSecrets());
  const auto containers = airflowContainers(set);
  for (const auto& [name, c] : containers) BOOST_TEST(c->env.count("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST") == 0u, name);
}

BOOST_DATA_TEST_CASE(every_airflow_container_shares_one_fernet_key_and_jwt_secret, data::make(kSpecs), which) {
  ContainerSet set = setFor(which);
  std::set<std::string> sharedKeys = {"AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET",
                                      "AIRFLOW__API__SECRET_KEY", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                                      "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CORE__EXECUTOR",
                                      "AIRFLOW_KEYCLOAK_CLIENT_SECRET"};
  int airflowContainers = 0;
  for (const Container* c : allContainers(set)) {
    if (testing::specServiceOf(*c) != "airflow") continue;
    ++airflowContainers;
    BOOST_TEST(c->env.at("AIRFLOW__CORE__FERNET_KEY") == "secret-airflow_fernet_key-value", c->name);
    BOOST_TEST(c->env.at("AIRFLOW__API_AUTH__JWT_SECRET") == "secret-airflow_jwt_secret-value", c->name);
    BOOST_TEST(c->env.at("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor", c->name);
    BOOST_TEST(c->env.at("AIRFLOW__CELERY__BROKER_URL") == "redis://:secret-redis_password-value@redis:6379/0");
    for (const auto& key : sharedKeys) {
      BOOST_TEST(c->env.at(key) == findService(set, "airflow-init")->containers[0].env.at(key), c->name << key);
    }
  }
  BOOST_TEST(airflowContainers == (which == 0 ? 6 : 8));
}

BOOST_AUTO_TEST_CASE(airflow_init_is_a_one_shot_job_that_migrates_and_creates_the_admin) {
  ContainerSet set = defaultSet();
  const Container& init = findService(set, "airflow-init")->containers.at(0);
  BOOST_TEST(init.oneShot);
  BOOST_TEST(!init.healthcheck.has_value());
  BOOST_TEST(init.user == "0:0");
  BOOST_TEST(init.env.at("_AIRFLOW_DB_MIGRATE") == "true");
  BOOST_TEST(init.env.at("_AIRFLOW_WWW_USER_CREATE") == "true");
  BOOST_TEST(init.env.at("_AIRFLOW_WWW_USER_PASSWORD") == "secret-airflow_admin_password-value");
  // Not the spec's `admin`, whom FAB would otherwise merge with this local account at login.
  BOOST_TEST(init.env.at("_AIRFLOW_WWW_USER_USERNAME") == "cairn-local-admin");
  BOOST_TEST(!contains(init.command.back(), "/opt/airflow/dags"));  // the host's folder keeps its owner
  BOOST_TEST(contains(init.command.back(), "airflow db check-migrations"));
  for (const Container* c : allContainers(set)) {
    if (testing::specServiceOf(*c) != "airflow" || c == &init) continue;
    BOOST_TEST(!c->oneShot, c->name);
    BOOST_TEST(c->user == "50000:0", c->name);
    BOOST_TEST(c->healthcheck.has_value(), c->name);
    BOOST_TEST(c->env.count("_AIRFLOW_WWW_USER_PASSWORD") == 0u, c->name);
  }
}

BOOST_AUTO_TEST_CASE(every_container_joins_the_cairn_network_under_its_service_name_but_the_host_networked) {
  ContainerSet set = defaultSet();
  for (const auto& service : set.services) {
    for (const auto& c : service.containers) {
      if (service.name == "prometheus" || service.name == "oauth2-proxy" || service.name == "grafana") {
        BOOST_TEST(c.networkMode == "host", c.name);
        BOOST_TEST(c.aliases.empty(), c.name);
        BOOST_TEST(c.ports.empty(), c.name);
        if (service.name == "prometheus") BOOST_TEST(hasName(c.command, "--web.listen-address=127.0.0.1:9090"));
      } else {
        BOOST_TEST(c.networkMode == "", c.name);
        BOOST_TEST(c.aliases == std::vector<std::string>{service.name}, c.name);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(container_names_are_unique_and_prefixed) {
  ContainerSet set = fullSet();
  std::set<std::string> names;
  for (const Container* c : allContainers(set)) {
    BOOST_TEST(c->name.rfind("cairn-", 0) == 0u, c->name);
    BOOST_TEST(names.insert(c->name).second, c->name << " twice");
  }
}

BOOST_AUTO_TEST_CASE(volumes_list_every_named_volume_mounted_and_nothing_else) {
  ContainerSet set = defaultSet();
  std::set<std::string> mounted;
  for (const Container* c : allContainers(set)) {
    for (const auto& mount : c->mounts) {
      if (mount.type == "volume") {
        mounted.insert(mount.source);
        BOOST_TEST(!mount.readOnly);
      } else {
        BOOST_TEST(mount.type == "bind");
        // Rendered files, and the DAG folder of the spec (airflow.dags.folder), all read-only.
        bool known = mount.source.rfind("/etc/cairn/rendered/", 0) == 0u || mount.source == spec::kDefaultDagsFolder;
        BOOST_TEST(known, mount.source);
        BOOST_TEST(mount.readOnly, c->name << " mounts " << mount.source << " writable");
      }
    }
  }
  BOOST_TEST(std::set<std::string>(set.volumes.begin(), set.volumes.end()) == mounted);
  BOOST_TEST(set.volumes.size() == mounted.size());
  for (const char* data : {"cairn-postgres-data", "cairn-redis-data", "cairn-grafana-data", "cairn-prometheus-data",
                           "cairn-loki-data", "cairn-airflow-logs"}) {
    BOOST_TEST(mounted.count(data) == 1u, data);
  }
}

BOOST_AUTO_TEST_CASE(config_rendered_by_other_parts_is_mounted_where_the_contract_says) {
  ContainerSet set = defaultSet();
  auto mountsOf = [&](const std::string& service) {
    std::set<std::pair<std::string, std::string>> binds;
    for (const auto& mount : findService(set, service)->containers.at(0).mounts) {
      if (mount.type == "bind") binds.insert({mount.source, mount.target});
    }
    return binds;
  };
  const std::string r = "/etc/cairn/rendered/";
  using Binds = std::set<std::pair<std::string, std::string>>;
  BOOST_TEST((mountsOf("oauth2-proxy") == Binds{{r + "oauth2-proxy", "/etc/oauth2-proxy"}}));
  BOOST_TEST((mountsOf("grafana") == Binds{{r + "grafana/grafana.ini", "/etc/grafana/grafana.ini"},
                                           {r + "grafana/provisioning", "/etc/grafana/provisioning"},
                                           {r + "grafana/dashboards", "/var/lib/cairn-dashboards"}}));
  BOOST_TEST((mountsOf("prometheus") == Binds{{r + "prometheus", "/etc/prometheus"}}));
  BOOST_TEST((mountsOf("loki") == Binds{{r + "loki/loki.yaml", "/etc/loki/loki.yaml"}}));
  BOOST_TEST((mountsOf("postgres") == Binds{{r + "postgres/initdb", "/docker-entrypoint-initdb.d"}}));
  for (const char* service : {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-worker"}) {
    BOOST_TEST((mountsOf(service) == Binds{{r + "airflow/webserver_config.py", "/opt/airflow/webserver_config.py"},
                                           {"/var/lib/cairn/airflow/dags", "/opt/airflow/dags"}}));
  }
}

BOOST_AUTO_TEST_CASE(every_airflow_container_reads_the_spec_dags_folder_read_only) {
  ContainerSet set = buildContainerSet(spec::loadSpec(R"({"version": 1, "domain": "example.com",
      "airflow": {"dags": {"folder": "/srv/team/dags"}}})"), testSecrets());
  int checked = 0;
  for (const Container* c : allContainers(set)) {
    if (testing::specServiceOf(*c) != "airflow") continue;
    bool found = false;
    for (const auto& mount : c->mounts) {
      if (mount.target != "/opt/airflow/dags") continue;
      found = mount.type == "bind" && mount.source == "/srv/team/dags" && mount.readOnly;
    }
    BOOST_TEST(found, c->name);
    ++checked;
  }
  BOOST_TEST(checked == 6);
}

BOOST_AUTO_TEST_CASE(after_a_fernet_rotation_airflow_decrypts_with_both_keys_and_encrypts_with_the_new) {
  secrets::Secrets secrets = testSecrets();
  std::string old = secrets.get("airflow_fernet_key");
  BOOST_REQUIRE(secrets.rotate("airflow_fernet_key", secrets::kernelRandom(), "t1").ok());
  ContainerSet set = buildContainerSet(testing::defaultSpec(), secrets);
  for (const Container* c : allContainers(set)) {
    if (testing::specServiceOf(*c) != "airflow") continue;
    BOOST_TEST(c->env.at("AIRFLOW__CORE__FERNET_KEY") == secrets.get("airflow_fernet_key") + "," + old, c->name);
  }
}

BOOST_AUTO_TEST_CASE(airflow_api_server_trusts_the_edge_and_tasks_bypass_it) {
  ContainerSet set = defaultSet();
  const Container& api = findService(set, "airflow-apiserver")->containers.at(0);
  BOOST_TEST((api.command == std::vector<std::string>{"api-server", "--proxy-headers"}));
  BOOST_TEST(api.env.at("AIRFLOW__API__WORKERS") == "2");
  for (const Container* c : allContainers(set)) {
    if (testing::specServiceOf(*c) != "airflow") continue;
    BOOST_TEST(c->env.at("AIRFLOW__CORE__EXECUTION_API_SERVER_URL") == "http://airflow-apiserver:8080/execution/", c->name);
    BOOST_TEST(c->env.at("AIRFLOW__API__BASE_URL") == "https://airflow.example.com", c->name);
  }
}

BOOST_AUTO_TEST_CASE(healthchecks_fit_each_image) {
  ContainerSet set = defaultSet();
  auto test = [&](const std::string& service) {
    const Container& c = findService(set, service)->containers.at(0);
    BOOST_REQUIRE_MESSAGE(c.healthcheck.has_value(), service);
    std::string joined;
    for (const auto& part : c.healthcheck->test) joined += part + " ";
    return joined;
  };
  BOOST_TEST(contains(test("postgres"), "pg_isready -h 127.0.0.1"));
  BOOST_TEST(contains(test("redis"), "grep -qx PONG"));
  BOOST_TEST(contains(test("keycloak"), "/dev/tcp/127.0.0.1/9000"));
  BOOST_TEST(contains(test("keycloak"), "/health/ready"));
  BOOST_TEST(!contains(test("keycloak"), "curl"));
  BOOST_TEST(contains(test("airflow-apiserver"), "/api/v2/monitor/health"));
  BOOST_TEST(contains(test("airflow-scheduler"), "8974/health"));
  BOOST_TEST(contains(test("airflow-dag-processor"), "DagProcessorJob"));
  BOOST_TEST(contains(test("airflow-triggerer"), "TriggererJob"));
  BOOST_TEST(contains(test("airflow-worker"), "inspect ping"));
  BOOST_TEST(contains(test("prometheus"), "/-/ready"));
  BOOST_TEST(contains(test("grafana"), "/api/health"));
  // Distroless images: nothing to probe with.
  BOOST_TEST(!findService(set, "oauth2-proxy")->containers[0].healthcheck.has_value());
  BOOST_TEST(!findService(set, "loki")->containers[0].healthcheck.has_value());
  BOOST_TEST(findService(set, "redis")->containers[0].env.at("REDISCLI_AUTH") == "secret-redis_password-value");
}

BOOST_AUTO_TEST_CASE(keycloak_runs_in_production_mode_behind_the_proxy) {
  ContainerSet set = fullSet();
  const Container& c = findService(set, "keycloak")->containers.at(0);
  BOOST_TEST(c.command == std::vector<std::string>{"start"});
  BOOST_TEST(c.env.at("KC_HOSTNAME") == "https://sso.data.example.org");
  // The admin console only on the loopback port, as the keycloak_server fixture runs it.
  BOOST_TEST(c.env.at("KC_HOSTNAME_ADMIN") == "http://127.0.0.1:8180");
  BOOST_TEST(c.env.at("KC_CACHE") == "local");  // no cluster transport on the network
  BOOST_TEST(c.env.at("KC_PROXY_HEADERS") == "xforwarded");
  BOOST_TEST(c.env.at("KC_HTTP_ENABLED") == "true");
  BOOST_TEST(c.env.at("KC_HEALTH_ENABLED") == "true");
  BOOST_TEST(c.env.at("KC_DB") == "postgres");
  BOOST_TEST(c.env.at("KC_DB_URL") == "jdbc:postgresql://postgres:5432/keycloak");
  BOOST_TEST(c.env.at("KC_DB_PASSWORD") == "secret-keycloak_db_password-value");
  BOOST_TEST(c.env.at("KC_BOOTSTRAP_ADMIN_CLIENT_SECRET") == "secret-keycloak_admin_client_secret-value");
  BOOST_TEST(c.env.count("KC_BOOTSTRAP_ADMIN_PASSWORD") == 0u);
}

BOOST_AUTO_TEST_CASE(prometheus_retention_follows_the_spec) {
  ContainerSet set = fullSet();
  const Container& c = findService(set, "prometheus")->containers.at(0);
  BOOST_TEST(hasName(c.command, "--storage.tsdb.retention.time=30d"));
  BOOST_TEST(hasName(c.command, "--storage.tsdb.retention.size=20480MB"));
}

struct RetentionCase {
  std::string retention;
  std::string retentionSize;
  std::string timeFlag;
  std::string sizeFlag;
};

std::ostream& operator<<(std::ostream& out, const RetentionCase& c) { return out << c.retention << " " << c.retentionSize; }

const std::vector<RetentionCase> kRetentions = {
    {"15d", "10GiB", "15d", "10240MB"},
    {"36h", "512MiB", "36h", "512MB"},
    {"90m", "1500MB", "90m", "1500000000B"},
    {"2w", "1GB", "14d", "1000000000B"},
};

BOOST_DATA_TEST_CASE(prometheus_retention_flags_use_units_prometheus_reads, data::make(kRetentions), c) {
  nlohmann::json document = {{"version", 1}, {"domain", "example.com"},
                             {"monitoring", {{"retention", c.retention}, {"retention_size", c.retentionSize}}}};
  ContainerSet set = buildContainerSet(spec::loadSpec(document.dump()), testSecrets());
  const Container& prometheus = findService(set, "prometheus")->containers.at(0);
  BOOST_TEST(hasName(prometheus.command, "--storage.tsdb.retention.time=" + c.timeFlag));
  BOOST_TEST(hasName(prometheus.command, "--storage.tsdb.retention.size=" + c.sizeFlag));
}

BOOST_AUTO_TEST_CASE(images_are_the_pinned_defaults_unless_the_spec_overrides_them) {
  ContainerSet defaults = defaultSet();
  for (const auto& name : spec::serviceNames()) {
    for (const Container* c : allContainers(defaults)) {
      if (testing::specServiceOf(*c) == name) BOOST_TEST(c->image == spec::defaultImage(name), c->name);
    }
  }
  ContainerSet full = fullSet();
  BOOST_TEST(findService(full, "airflow-worker")->containers.at(2).image == "apache/airflow:3.3.1");
}

BOOST_AUTO_TEST_CASE(dependency_order_keeps_the_given_order_where_it_can) {
  std::vector<Service> services = {{"c", {"b"}, {}}, {"a", {}, {}}, {"b", {"a", "gone"}, {}}};
  std::vector<Service> ordered = orderByDependencies(services);
  BOOST_REQUIRE_EQUAL(ordered.size(), 3u);
  BOOST_TEST(ordered[0].name == "a");
  BOOST_TEST(ordered[1].name == "b");
  BOOST_TEST(ordered[2].name == "c");
  BOOST_TEST(ordered[1].dependsOn == std::vector<std::string>{"a"});
}

BOOST_AUTO_TEST_CASE(a_dependency_cycle_is_a_programming_error) {
  std::vector<Service> services = {{"a", {"b"}, {}}, {"b", {"a"}, {}}, {"c", {}, {}}};
  BOOST_CHECK_EXCEPTION(orderByDependencies(services), std::logic_error,
                        [](const std::logic_error& e) { return contains(e.what(), "a, b"); });
}

}  // namespace
}  // namespace cairn::catalog
