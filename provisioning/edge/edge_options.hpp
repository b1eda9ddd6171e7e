#pragma once
// Where the edge listens and what it talks to. The defaults are the real appliance (docs/architecture.md:
// nginx on 80/443, the services on their 127.0.0.1 ports); tests and benchmarks change them to
// high loopback ports and a private root so that a second nginx can run next to everything else.

#include <string>
#include <vector>

#include "appliance/facts/nginx_logs.hpp"

namespace cairn::edge {

struct Upstreams {
  std::string keycloak = "127.0.0.1:8180";
  std::string oauth2Proxy = "127.0.0.1:4180";
  std::string grafana = "127.0.0.1:3000";
  std::string airflow = "127.0.0.1:8080";
};

struct EdgeOptions {
  // "" listens on every IPv4 address, and on every IPv6 address when `ipv6` is set; otherwise one
  // address ("127.0.0.1").
  std::string listenAddress;
  // Whether the host has IPv6 (hostHasIpv6() in host_ipv6.hpp finds out). Without it nginx
  // cannot bind [::]:80, so the IPv6 listen lines are left out.
  bool ipv6 = true;
  int httpPort = 80;
  int httpsPort = 443;
  Upstreams upstreams;
  // Client networks the login rate limits do not apply to: the host itself. No service of the
  // catalog comes through the edge from the Docker network (oauth2-proxy and Grafana reach
  // Keycloak on 127.0.0.1:8180, Airflow as keycloak:8080 on the cairn network), so no Docker
  // address is exempt; a network listed here must be one the appliance owns.
  std::vector<std::string> rateLimitExempt{"127.0.0.0/8", "::1/128"};
  // The nginx that serves the configuration. Empty: the system's nginx, reloaded (through systemd
  // when it runs, started when it is not running) and probed only when apply works on the real
  // system; under --root DIR nothing on the machine is touched. Otherwise the program and the
  // arguments that select one instance ({"nginx", "-p", ..., "-c", ...}); "-s reload" is
  // appended and it is always reloaded and probed.
  std::vector<std::string> nginxCommand;
  // Where that nginx logs errors; the probe quotes it when the new configuration does not come up.
  std::string nginxErrorLog = facts::kNginxErrorLog;
  // The same for loading the nftables ruleset ("-f FILE" is appended): empty loads it with the
  // system's nft only on the real system; {"ip", "netns", "exec", NS, "nft"} loads it into a
  // test's network namespace.
  std::vector<std::string> nftCommand;
};

}  // namespace cairn::edge
