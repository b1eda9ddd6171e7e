#include "services/catalog/catalog.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "services/catalog/services.hpp"

namespace cairn::catalog {

namespace {

using ServiceBuilder = std::vector<Service> (*)(const spec::Spec&, const secrets::Secrets&);

// In the order the services are listed when their dependencies allow it.
const std::vector<std::pair<std::string, ServiceBuilder>>& builders() {
  static const std::vector<std::pair<std::string, ServiceBuilder>> kBuilders = {
      {"postgres", postgresServices}, {"redis", redisServices},           {"keycloak", keycloakServices},
      {"oauth2-proxy", oauth2ProxyServices}, {"prometheus", prometheusServices}, {"loki", lokiServices},
      {"grafana", grafanaServices},   {"airflow", airflowServices}};
  return kBuilders;
}

std::vector<std::string> volumesOf(const std::vector<Service>& services) {
  std::vector<std::string> volumes;
  for (const auto& service : services) {
    for (const auto& container : service.containers) {
      for (const auto& mount : container.mounts) {
        if (mount.type == "volume" && std::find(volumes.begin(), volumes.end(), mount.source) == volumes.end()) {
          volumes.push_back(mount.source);
        }
      }
    }
  }
  return volumes;
}

}  // namespace

std::vector<Service> orderByDependencies(std::vector<Service> services) {
  std::set<std::string> present;
  for (const auto& service : services) present.insert(service.name);
  for (auto& service : services) {
    auto& needs = service.dependsOn;
    needs.erase(std::remove_if(needs.begin(), needs.end(), [&](const std::string& n) { return !present.count(n); }),
                needs.end());
  }
  std::vector<Service> ordered;
  std::set<std::string> placed;
  while (!services.empty()) {
    auto ready = std::find_if(services.begin(), services.end(), [&](const Service& service) {
      return std::all_of(service.dependsOn.begin(), service.dependsOn.end(),
                         [&](const std::string& n) { return placed.count(n) > 0; });
    });
    if (ready == services.end()) {
      std::string names;
      for (const auto& service : services) names += (names.empty() ? "" : ", ") + service.name;
      throw std::logic_error("dependency cycle among services " + names);
    }
    placed.insert(ready->name);
    ordered.push_back(std::move(*ready));
    services.erase(ready);
  }
  return ordered;
}

ContainerSet buildContainerSet(const spec::Spec& spec, const secrets::Secrets& secrets) {
  std::vector<Service> services;
  for (const auto& [name, build] : builders()) {
    if (!spec.enabled(name)) continue;
    for (auto& service : build(spec, secrets)) services.push_back(std::move(service));
  }
  ContainerSet set;
  set.services = orderByDependencies(std::move(services));
  set.volumes = volumesOf(set.services);
  return set;
}

bundle::Bundle renderCatalog(const spec::Spec& spec, const secrets::Secrets& secrets) {
  bundle::Bundle result;
  std::string containers = containerSetToJson(buildContainerSet(spec, secrets)).dump(2) + "\n";
  result.files.push_back({kContainersPath, containers, 0600, "", true, {}});
  if (spec.enabled("postgres")) {
    // Executable, so the image runs it rather than sourcing it into its own shell.
    result.files.push_back({kPostgresInitPath, postgresInitScript(), 0755, "", false, {}});
    result.validators.push_back({"postgres-initdb-syntax", {"bash", "-n", std::string("{stage}") + kPostgresInitPath}, 10});
  }
  if (spec.enabled("airflow")) {
    result.validators.push_back(airflowDagsFolderCheck(spec));
    if (spec.airflow.dags.git && !spec.airflow.dags.git->credentialsFile.empty()) {
      result.validators.push_back(airflowDagsGitCredentialsCheck(spec));
    }
  }
  return result;
}

}  // namespace cairn::catalog
