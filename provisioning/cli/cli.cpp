#include "provisioning/cli/cli.hpp"

#include <unistd.h>

#include <iostream>

#include "appliance/core/version.hpp"
#include "appliance/host/files.hpp"
#include "appliance/state/lock.hpp"
#include "provisioning/cli/commands_image.hpp"

namespace cairn::cli {
namespace {

std::map<std::string, CommandSyntax> syntaxes() {
  std::map<std::string, CommandSyntax> table;
  for (const auto& [name, entry] : commandTable()) table[name] = entry.syntax;
  return table;
}

void printOverview(std::ostream& out) {
  out << "cairnctl — configure and run the cairn appliance from /etc/cairn/appliance.json\n\n"
         "usage: cairnctl [--root DIR] [--no-wait] COMMAND [ARGS]\n\ncommands:\n";
  for (const auto& [name, entry] : commandTable()) {
    std::string usage = entry.syntax.usage;
    out << "  " << usage << std::string(usage.size() < 40 ? 40 - usage.size() : 1, ' ') << entry.syntax.summary << "\n";
  }
  out << "\nglobal options:\n"
         "  --root DIR    run against DIR as if it were / (tests, image builds)\n"
         "  --no-wait     fail at once if another cairnctl holds the lock\n"
         "  --help        this text, or a command's own with COMMAND --help\n"
         "  --version     print the version\n\n"
         "exit codes: 0 done; 1 failed at run time (nothing half-applied); 2 bad input or usage\n"
         "(nothing written); 3 a rendered config failed validation or verification and was rolled back\n";
}

void printCommandHelp(const std::string& name, const CommandSyntax& syntax, std::ostream& out) {
  out << "usage: cairnctl [--root DIR] " << syntax.usage << "\n\n" << syntax.summary << "\n";
  if (!syntax.details.empty()) out << "\n" << syntax.details;
  (void)name;
}

}  // namespace

const std::map<std::string, CommandEntry>& commandTable() {
  static const std::map<std::string, CommandEntry> kTable = {
      {"init",
       {{"write /etc/cairn/appliance.json and generate secrets", "init --domain DOMAIN [--email EMAIL] [--tls MODE] [--force]",
         {"--force"}, {"--domain", "--email", "--tls"}, 0, 0,
         "  --domain DOMAIN  the appliance's domain (sites are DOMAIN, auth.DOMAIN, grafana.DOMAIN, airflow.DOMAIN)\n"
         "  --email EMAIL    the administrator's email (default admin@DOMAIN)\n"
         "  --tls MODE       self-signed (default), acme or provided\n"
         "  --force          overwrite an existing spec (secrets are kept)\n"},
        initCommand, true}},
      {"validate",
       {{"check a spec and list every problem", "validate [FILE]", {}, {}, 0, 1,
         "  FILE  the spec to check (default /etc/cairn/appliance.json)\n"},
        validateCommand, false}},
      {"show", {{"print the spec with every default filled in (secrets redacted)", "show", {}, {}, 0, 0, ""}, showCommand, false}},
      {"plan", {{"print what apply would change, as a diff", "plan", {}, {}, 0, 0, ""}, planCommand, false}},
      {"apply",
       {{"render, validate and apply the spec; roll back on failure", "apply [--dry-run] [--rollback]",
         {"--dry-run", "--rollback"}, {}, 0, 0,
         "  --dry-run   stage and validate only; change nothing\n"
         "  --rollback  re-apply the bundle applied before the current one\n"},
        applyCommand, true}},
      {"secrets",
       {{"list secret names, or rotate one", "secrets list | secrets rotate NAME", {}, {}, 1, 2,
         "  list         names and creation times (never values)\n"
         "  rotate NAME  generate a new value; run `cairnctl apply` to use it\n"},
        secretsCommand, true}},
      {"status",
       {{"every service: state, health, restarts, uptime; the TLS certificate", "status [--json]", {"--json"}, {}, 0, 0, ""}, statusCommand, false}},
      {"up", {{"start every service in dependency order", "up", {}, {}, 0, 0, ""}, upCommand, true}},
      {"down", {{"stop every service in reverse order (data is kept)", "down", {}, {}, 0, 0, ""}, downCommand, true}},
      {"restart", {{"restart one service", "restart SERVICE", {}, {}, 1, 1, ""}, restartCommand, true}},
      {"logs",
       {{"print a service's logs", "logs SERVICE [--tail N] [--follow] [--container NAME]", {"--follow"},
         {"--tail", "--container"}, 1, 1,
         "  --tail N          the last N lines (default 100; \"all\" for everything)\n"
         "  --follow          keep printing new lines until the container stops\n"
         "  --container NAME  one container of a service that has several (needed with --follow)\n"},
        logsCommand, false}},
      {"image",
       {{"build the bootable appliance disk image", "image build --out FILE [--deb FILE] [--size SIZE] [--cache DIR]",
         {}, {"--out", "--deb", "--size", "--cache"}, 1, 1,
         "  --out FILE   where to write the raw disk image (BIOS boot, MBR)\n"
         "  --deb FILE   the cairn package to preinstall (default: the one this build made)\n"
         "  --size SIZE  the disk's size, for example 8G (default 8G)\n"
         "  --cache DIR  where the root file system and images are cached (default /var/cache/cairn-image)\n"
         "needs root, mmdebstrap and Debian's package archive\n"},
        imageCommand, false}},
      {"version", {{"print the version", "version", {}, {}, 0, 0, ""}, versionCommand, false}},
      {"tls", {{"the certificate nginx serves: source, expiry, ACME fallback", "tls [--json]", {"--json"}, {}, 0, 0, ""}, tlsCommand, false}},
      {"keycloak",
       {{"bring Keycloak's realm, clients and users to the spec", "keycloak sync [--dry-run]",
         {"--dry-run"}, {"--keycloak-url", "--health-url", "--timeout"}, 1, 1,
         "  --dry-run           read Keycloak and print the plan; change nothing\n"
         "  --keycloak-url URL  Keycloak's HTTP address (default http://127.0.0.1:8180)\n"
         "  --health-url URL    its readiness check (default http://127.0.0.1:9000/health/ready)\n"
         "  --timeout SECONDS   how long to wait for Keycloak per call (default 120)\n"},
        keycloakCommand, true}},
      {"airflow",
       {{"list Airflow's DAGs and import errors; re-encrypt after a Fernet key rotation",
         "airflow dags [--json] [--airflow-url URL] | airflow rotate-fernet-key", {"--json"}, {"--airflow-url"}, 1, 1,
         "  dags               every DAG (id, paused, file, tags), then each import error\n"
         "  --json             the same as JSON\n"
         "  --airflow-url URL  the API server (default http://127.0.0.1:8080); signs in as the local\n"
         "                     account cairn-local-admin with the secret airflow_admin_password\n"
         "  rotate-fernet-key  after `cairnctl secrets rotate airflow_fernet_key` and `cairnctl apply`:\n"
         "                     re-encrypts connections and variables with the new key, forgets the old\n"
         "                     one; then `cairnctl apply` again\n"},
        airflowCommand, true}},
      {"users",
       {{"show a user's initial password once, or set a new temporary one", "users password USER [--reset]",
         {"--reset"}, {"--keycloak-url", "--timeout"}, 2, 2,
         "  password USER  print USER's initial password (once; it is temporary)\n"
         "  --reset        give USER a new temporary password in Keycloak and print it\n"},
        usersCommand, true}},
  };
  return kTable;
}

int versionCommand(const ParsedArgs&, CliContext& context) {
  context.out << "cairnctl " << version() << "\n";
  return kExitOk;
}

int runCairnctl(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  ParsedArgs args;
  try {
    args = parseArgs(argv, syntaxes());
  } catch (const UsageError& error) {
    err << "cairnctl: " << error.what() << "\n(see cairnctl --help)\n";
    return kExitBadInput;
  }
  if (args.version && args.command.empty()) {
    out << "cairnctl " << version() << "\n";
    return kExitOk;
  }
  if (args.command.empty()) {
    printOverview(args.help ? out : err);
    return args.help ? kExitOk : kExitBadInput;
  }
  const CommandEntry& entry = commandTable().at(args.command);
  if (args.help) {
    printCommandHelp(args.command, entry.syntax, out);
    return kExitOk;
  }

  host::LocalProcessRunner runner;
  CliContext context{state::Paths{args.root}, args.noWait, out, err, runner};
  try {
    if (!entry.mutates) return entry.handler(args, context);
    if (context.paths.isRealSystem() && ::geteuid() != 0) {
      err << "cairnctl " << args.command << " changes the system and must run as root (sudo), "
          << "or pass --root DIR to work on a directory\n";
      return kExitBadInput;
    }
    std::string stateDir = context.paths.stateDir();
    if (auto made = host::makeDirectories(stateDir, 0755); !made) {
      err << "cairnctl: " << made.error().message << "\n";
      return kExitFailed;
    }
    auto lock = state::FileLock::acquire(context.paths.lockFile(),
                                         args.noWait ? state::FileLock::Wait::kFailAtOnce : state::FileLock::Wait::kBlock);
    if (!lock) {
      err << "cairnctl: " << lock.error().message << "\n";
      return kExitFailed;
    }
    return entry.handler(args, context);
  } catch (const std::exception& error) {
    err << "cairnctl: " << error.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace cairn::cli
