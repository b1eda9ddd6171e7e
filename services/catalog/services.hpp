#pragma once
// One builder per service of the spec, each in its own file: the service(s) and container(s) it
// runs as. A builder is called only for an enabled service; it lists dependencies on every
// service it may need, and catalog.cpp drops the edges to services that are disabled.

#include <string>
#include <vector>

#include "appliance/bundle/bundle.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"
#include "services/catalog/container.hpp"

namespace cairn::catalog {

// Client id of Keycloak's bootstrap service account (master realm); its secret is the secret
// keycloak_admin_client_secret. The Keycloak reconciler authenticates with both.
inline constexpr const char* kKeycloakBootstrapClientId = "cairn-admin";

// Environment variables of the postgres container that the init script reads.
inline constexpr const char* kKeycloakDbPasswordEnv = "CAIRN_KEYCLOAK_DB_PASSWORD";
inline constexpr const char* kAirflowDbPasswordEnv = "CAIRN_AIRFLOW_DB_PASSWORD";

std::vector<Service> postgresServices(const spec::Spec& spec, const secrets::Secrets& secrets);
std::vector<Service> redisServices(const spec::Spec& spec, const secrets::Secrets& secrets);
std::vector<Service> keycloakServices(const spec::Spec& spec, const secrets::Secrets& secrets);
std::vector<Service> oauth2ProxyServices(const spec::Spec& spec, const secrets::Secrets& secrets);
std::vector<Service> grafanaServices(const spec::Spec& spec, const secrets::Secrets& secrets);
std::vector<Service> prometheusServices(const spec::Spec& spec, const secrets::Secrets& secrets);
std::vector<Service> lokiServices(const spec::Spec& spec, const secrets::Secrets& secrets);
std::vector<Service> airflowServices(const spec::Spec& spec, const secrets::Secrets& secrets);

// The apply-time check of airflow.dags.folder (a validator: nothing is swapped in when it fails):
// the host folder exists, its group may write it (users of group cairn deliver DAGs there) and
// nobody else may (a DAG is code that Airflow runs).
bundle::Command airflowDagsFolderCheck(const spec::Spec& spec);
// That airflow.dags.git.credentials_file is a file Airflow's containers can read and others not.
bundle::Command airflowDagsGitCredentialsCheck(const spec::Spec& spec);

// PostgreSQL's data directory inside the image: /var/lib/postgresql/data up to major version 17,
// /var/lib/postgresql from 18 on (the 18+ images refuse a volume at .../data). An image whose tag
// carries no version is taken as the newest layout.
std::string postgresDataTarget(const std::string& image);

// Its file name in /etc/cairn/rendered/postgres/initdb (mounted at /docker-entrypoint-initdb.d).
inline constexpr const char* kPostgresInitScriptName = "10-cairn-databases.sh";

// The script for /docker-entrypoint-initdb.d: creates the login roles and databases of Keycloak
// and Airflow (each role owns its database) and sets the passwords of those roles and of the
// superuser (POSTGRES_USER, from POSTGRES_PASSWORD when set), reading them from the environment.
// Idempotent, holds no secret, prints none.
std::string postgresInitScript();

}  // namespace cairn::catalog
