#include "provisioning/edge/edge.hpp"

#include "provisioning/edge/edge_paths.hpp"
#include "provisioning/edge/firewall.hpp"
#include "provisioning/edge/nginx.hpp"
#include "provisioning/edge/tls.hpp"

namespace cairn::edge {
namespace {

// nginx -t of the staged tree, after checking that nginx has Debian's (and Ubuntu's) prefix and
// configuration path, which the relative paths of the rendered files assume: a main configuration
// in the staged /etc/nginx that mirrors Debian's http block (so that a directive repeated at that
// level is caught) and includes the staged conf.d/cairn.conf; pid, logs and temporary files stay
// inside the staging directory.
constexpr const char* kNginxCheck =
    "nginx=$1 stage=$2\n"
    "case \"$(\"$nginx\" -V 2>&1)\" in\n"
    "*--prefix=/usr/share/nginx*--conf-path=/etc/nginx/nginx.conf*) ;;\n"
    "*) echo \"nginx-check: $nginx is not built with Debian's paths (--prefix=/usr/share/nginx\"\n"
    "   \" --conf-path=/etc/nginx/nginx.conf), which the rendered relative paths assume\" >&2\n"
    "   exit 1 ;;\n"
    "esac\n"
    "mkdir -p \"$stage/usr/share/nginx\" \"$stage/var/log/nginx\" \"$stage/nginx-temp\" || exit 1\n"
    "conf=\"$stage/etc/nginx/cairn-validate.conf\"\n"
    "cat >\"$conf\" <<EOF || exit 1\n"
    "pid $stage/nginx-validate.pid;\n"
    "error_log stderr;\n"
    "events {\n}\n"
    "http {\n"
    "    sendfile on;\n"
    "    tcp_nopush on;\n"
    "    types_hash_max_size 2048;\n"
    "    include /etc/nginx/mime.types;\n"
    "    default_type application/octet-stream;\n"
    "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n"
    "    ssl_prefer_server_ciphers on;\n"
    "    gzip on;\n"
    "    client_body_temp_path $stage/nginx-temp/body;\n"
    "    proxy_temp_path $stage/nginx-temp/proxy;\n"
    "    fastcgi_temp_path $stage/nginx-temp/fastcgi;\n"
    "    uwsgi_temp_path $stage/nginx-temp/uwsgi;\n"
    "    scgi_temp_path $stage/nginx-temp/scgi;\n"
    "    include conf.d/cairn.conf;\n"
    "}\n"
    "EOF\n"
    "exec \"$nginx\" -t -q -p \"$stage/usr/share/nginx/\" -c \"$conf\"\n";

// Waits until every host answers the expected generation over HTTPS and the port-80 server
// answers it too: 15 s, plus 1 s for every 50 hosts (nginx loads one certificate per server).
// The first host turns when the reload is done; only then are all of them asked, in parallel.
constexpr const char* kProbe =
    "root=$1 system=$2 generation=$3 address=$4 http=$5 https=$6 errors=$7\n"
    "shift 7\n"
    "if [ \"$system\" = system ] && [ -n \"$root\" ]; then exit 0; fi\n"
    "urls= want=\n"
    "for host in \"$@\"; do\n"
    "  urls=\"$urls https://$host/.well-known/cairn-edge\"\n"
    "  want=\"$want$generation \"\n"
    "done\n"
    "ask() { curl -sk --max-time 5 --connect-to \"::$address:$https\" \"$@\" 2>/dev/null | tr "
    "'\\n' ' '; }\n"
    "deadline=$(($(date +%s) + 15 + $# / 50))\n"
    "got= plain=\n"
    "while :; do\n"
    "  if [ \"$(ask \"https://$1/.well-known/cairn-edge\")\" = \"$generation \" ]; then\n"
    "    # shellcheck disable=SC2086\n"
    "    got=$(ask -Z --parallel-max 16 $urls)\n"
    "    plain=$(curl -s --max-time 5 -H \"Host: $1\" "
    "\"http://$address:$http/.well-known/cairn-edge\" 2>/dev/null)\n"
    "    [ \"$got\" = \"$want\" ] && [ \"$plain\" = \"$generation\" ] && exit 0\n"
    "  fi\n"
    "  [ \"$(date +%s)\" -ge \"$deadline\" ] && break\n"
    "  sleep 0.1\n"
    "done\n"
    "echo \"edge-probe: nginx does not serve configuration $generation on every host in time\""
    " \"(https answers: ${got:-none}; http answer: ${plain:-none}); nginx's error log says:\" >&2\n"
    "tail -n 5 \"$errors\" >&2\n"
    "exit 1\n";

}  // namespace

bundle::Bundle renderEdge(const spec::Spec& spec, const EdgeOptions& options) {
  NginxConfig nginx = renderNginx(spec, options);
  bundle::Bundle edge;
  edge.files = nginx.files;
  edge.merge(renderTls(spec, nginx.hosts, options));

  std::string binary = options.nginxCommand.empty() ? "nginx" : options.nginxCommand.front();
  edge.validators.push_back(
      {"nginx", {"sh", "-c", kNginxCheck, "nginx-check", binary, "{stage}"}, 120});
  edge.reloadActions.insert(edge.reloadActions.begin(), nginxReloadCommand(options));

  std::vector<std::string> probe = {
      "sh",
      "-c",
      kProbe,
      "edge-probe",
      "{root}",
      options.nginxCommand.empty() ? "system" : "custom",
      nginx.generation,
      options.listenAddress.empty() ? "127.0.0.1" : options.listenAddress,
      std::to_string(options.httpPort),
      std::to_string(options.httpsPort),
      options.nginxErrorLog};
  probe.insert(probe.end(), nginx.hosts.begin(), nginx.hosts.end());
  edge.verifications.push_back({"edge-probe", probe, 60});

  edge.merge(renderFirewall(spec, options));
  return edge;
}

}  // namespace cairn::edge
