#include "provisioning/edge/tls.hpp"

#include "provisioning/edge/edge_paths.hpp"

namespace cairn::edge {
namespace {

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

std::string shellQuoted(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Reloads the system's nginx only on the real system: through systemd when it manages the
// machine, by signal otherwise, and starts nginx when none runs yet (the first apply).
constexpr const char* kSystemReload =
    "if [ -n \"$1\" ]; then echo \"apply under --root $1: the system's nginx is left alone\"; exit "
    "0; fi\n"
    "if [ -d /run/systemd/system ]; then exec systemctl reload-or-restart nginx; fi\n"
    "nginx -s reload 2>/dev/null || exec nginx\n";

}  // namespace

bundle::Command nginxReloadCommand(const EdgeOptions& options) {
  if (options.nginxCommand.empty())
    return {"nginx", {"sh", "-c", kSystemReload, "nginx-reload", "{root}"}, 60};
  std::vector<std::string> argv = options.nginxCommand;
  argv.insert(argv.end(), {"-s", "reload"});
  return {"nginx", argv, 60};
}

bundle::Bundle renderTls(const spec::Spec& spec, const std::vector<std::string>& hosts,
                         const EdgeOptions& options) {
  bundle::Bundle tls;
  std::string hostList = joined(hosts, ",");
  std::string mode = spec::tlsModeName(spec.tls.mode);
  tls.files.push_back({kTlsScript, tlsPrepareScript(), 0755, "", false, {}});

  std::string reload;
  for (const auto& word : nginxReloadCommand(options).argv)
    reload += " " + shellQuoted(word == "{root}" ? "" : word);
  tls.files.push_back(
      {kTlsRenewHook,
       "#!/bin/sh\n# Rendered by cairn: certbot's deploy hook serves the new certificate.\n"
       "sh " +
           std::string(kTlsScript) + " select '' acme " + shellQuoted(hostList) + " &&" + reload +
           "\n",
       0755,
       "",
       false,
       {}});

  tls.validators.push_back({"tls",
                            {"sh", std::string("{stage}") + kTlsScript, "select", "{root}", mode,
                             hostList, spec.tls.certificateFile, spec.tls.keyFile, "{stage}"},
                            120});
  if (spec.tls.mode == spec::TlsMode::kAcme) {
    tls.reloadActions.push_back(
        {"acme",
         {"sh", std::string("{root}") + kTlsScript, "request", "{root}", hostList, spec.adminEmail},
         300});
    tls.files.back().reload.push_back("acme");
  }
  return tls;
}

}  // namespace cairn::edge
