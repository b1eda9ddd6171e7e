#include <cctype>

#include "services/catalog/services.hpp"

namespace cairn::catalog {

namespace {

// The leading number of the image's tag ("postgres:16.10-bookworm" → 16), or -1.
int imageMajorVersion(const std::string& image) {
  std::string reference = image.substr(0, image.find('@'));
  std::size_t slash = reference.rfind('/');
  std::size_t colon = reference.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return -1;
  std::size_t digits = colon + 1;
  int major = 0;
  bool any = false;
  while (digits < reference.size() && std::isdigit(static_cast<unsigned char>(reference[digits])) && major < 1000) {
    major = major * 10 + (reference[digits++] - '0');
    any = true;
  }
  return any ? major : -1;
}

// One application's role and database, as psql statements run through \gexec so that each is
// issued only when needed and CREATE DATABASE runs outside a transaction.
std::string databaseStatements(const std::string& name) {
  const std::string password = ":'" + name + "_password'";
  return "SELECT format('CREATE ROLE %I LOGIN', '" + name + "')\n"
         "  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + name + "') \\gexec\n"
         "SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', '" + name + "', " + password + ") \\gexec\n"
         "SELECT format('CREATE DATABASE %I OWNER %I', '" + name + "', '" + name + "')\n"
         "  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '" + name + "') \\gexec\n"
         "ALTER DATABASE " + name + " OWNER TO " + name + ";\n"
         "REVOKE ALL ON DATABASE " + name + " FROM PUBLIC;\n";
}

}  // namespace

std::string postgresDataTarget(const std::string& image) {
  int major = imageMajorVersion(image);
  return major >= 0 && major < 18 ? "/var/lib/postgresql/data" : "/var/lib/postgresql";
}

std::string postgresInitScript() {
  return std::string(
             "#!/usr/bin/env bash\n"
             "# Rendered by cairn. Creates the databases of Keycloak and Airflow, each owned by its own\n"
             "# login role: since PostgreSQL 15 only the database owner may create objects in schema\n"
             "# public. The postgres image runs this once, on an empty data directory; cairn-supervisord\n"
             "# runs it again (as user postgres, over the local socket) in every new postgres container,\n"
             "# so that rotated passwords reach the roles, the superuser's (POSTGRES_PASSWORD) included.\n"
             "# Running it again changes nothing but the passwords. Passwords come from the environment\n"
             "# and are never printed: quiet psql, terse errors (no statement text), and the server does\n"
             "# not log this session's statements.\n"
             "set -Eeuo pipefail\n"
             ": \"${") + kKeycloakDbPasswordEnv + ":?must hold the password of role keycloak}\"\n"
         ": \"${" + kAirflowDbPasswordEnv + ":?must hold the password of role airflow}\"\n"
         "\n"
         "# The passwords reach psql through \\set with a backquoted shell builtin (printf), never\n"
         "# through a command line, which any process on the host could read.\n"
         "psql -v ON_ERROR_STOP=1 -v VERBOSITY=terse --no-psqlrc --no-password --quiet \\\n"
         "  --username \"${POSTGRES_USER:-postgres}\" --dbname \"${POSTGRES_DB:-postgres}\" \\\n"
         "  --set superuser=\"${POSTGRES_USER:-postgres}\" <<'SQL'\n"
         "\\set superuser_password `printf '%s' \"${POSTGRES_PASSWORD:-}\"`\n"
         "\\set keycloak_password `printf '%s' \"$" + kKeycloakDbPasswordEnv + "\"`\n"
         "\\set airflow_password `printf '%s' \"$" + kAirflowDbPasswordEnv + "\"`\n"
         "SET log_statement = 'none';\n"
         "SET log_min_error_statement = 'panic';\n"
         "SELECT format('ALTER ROLE %I WITH PASSWORD %L', :'superuser', :'superuser_password')\n"
         "  WHERE :'superuser_password' <> '' \\gexec\n" +
         databaseStatements("keycloak") + databaseStatements("airflow") + "SQL\n";
}

std::vector<Service> postgresServices(const spec::Spec& spec, const secrets::Secrets& secrets) {
  const spec::ServiceSettings& settings = spec.service("postgres");
  Container c = hardenedContainer("postgres", settings.image, settings.resources);
  // Keycloak keeps a pool of 20 and Airflow one per process; the default 100 is tight.
  c.command = {"postgres", "-c", "max_connections=200"};
  c.env = {{"POSTGRES_PASSWORD", secrets.get("postgres_password")},
           {kKeycloakDbPasswordEnv, secrets.get("keycloak_db_password")},
           {kAirflowDbPasswordEnv, secrets.get("airflow_db_password")}};
  c.mounts = {volumeMount("cairn-postgres-data", postgresDataTarget(settings.image)),
              renderedMount("postgres/initdb", "/docker-entrypoint-initdb.d")};
  // Over TCP: the image's temporary init server listens on the unix socket only, so a probe
  // without -h would report ready while the init scripts still run.
  c.healthcheck = Healthcheck{{"CMD", "pg_isready", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"},
                              5000, 5000, 5, 30000};
  // The entrypoint fixes the data directory's owner and drops to user postgres.
  c.capAdd = {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"};
  c.pidsLimit = 1024;  // one process per connection
  c.stopTimeoutSeconds = 60;
  // The init directory runs only on an empty data directory; re-running the (idempotent) script
  // in every new container applies rotated passwords. The image trusts local socket connections.
  c.readyExec = ReadyExec{{"bash", std::string("/docker-entrypoint-initdb.d/") + kPostgresInitScriptName}, "postgres", 60};
  return {Service{"postgres", {}, {c}}};
}

}  // namespace cairn::catalog
