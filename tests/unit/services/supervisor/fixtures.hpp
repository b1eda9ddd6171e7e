#pragma once
// containers.json texts shared by the supervisor's unit tests.

#include <string>

namespace cairn::testing {

// postgres (healthcheck) ← init (one-shot) ← web; redis on its own.
inline std::string threeTierContainersJson(const std::string& webEnv = "one") {
  return R"({
  "version": 1, "network": "cairn", "volumes": ["cairn-postgres-data"],
  "services": [
    {"name": "postgres", "depends_on": [], "containers": [{
      "name": "cairn-postgres", "image": "postgres:16.10-bookworm", "env": {"POSTGRES_PASSWORD": "s3cret"},
      "mounts": [{"type": "volume", "source": "cairn-postgres-data", "target": "/var/lib/postgresql/data", "read_only": false},
                 {"type": "bind", "source": "/etc/cairn/rendered/postgres/initdb", "target": "/docker-entrypoint-initdb.d", "read_only": true}],
      "aliases": ["postgres"],
      "healthcheck": {"test": ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U postgres"], "interval_ms": 5000, "timeout_ms": 5000, "retries": 5, "start_period_ms": 10000},
      "memory_bytes": 1073741824, "nano_cpus": 1000000000, "pids_limit": 512,
      "cap_drop": ["ALL"], "cap_add": ["CHOWN", "SETUID"], "no_new_privileges": true,
      "log": {"max_size": "10m", "max_file": "3"}, "stop_timeout_s": 30}]},
    {"name": "redis", "depends_on": [], "containers": [{"name": "cairn-redis", "image": "redis:7.2-bookworm"}]},
    {"name": "init", "depends_on": ["postgres"], "containers": [{"name": "cairn-init", "image": "app:1", "one_shot": true}]},
    {"name": "web", "depends_on": ["postgres", "init"], "containers": [{
      "name": "cairn-web", "image": "app:1", "env": {"MODE": ")" + webEnv + R"("},
      "ports": [{"host_ip": "127.0.0.1", "host_port": 8080, "container_port": 8080}]}]}
  ]})";
}

}  // namespace cairn::testing
