// The foundation's commands: init, validate, show, plan, apply, secrets.

#include <ctime>
#include <iostream>
#include <optional>

#include "appliance/host/files.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/load.hpp"
#include "appliance/state/atomic_file.hpp"
#include "appliance/state/history.hpp"
#include "provisioning/apply/renderers.hpp"
#include "provisioning/apply/transaction.hpp"
#include "provisioning/cli/cli.hpp"
#include "provisioning/cli/commands_supervisor.hpp"
#include "provisioning/edge/host_ipv6.hpp"

namespace cairn::cli {
namespace {

constexpr std::size_t kHistoryKept = 10;

apply::HostFacts hostFacts(const state::Paths& paths) {
  apply::HostFacts facts;
  facts.ipv6 = edge::hostHasIpv6(paths.root);
  return facts;
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

// The spec at `path`, or nullopt after telling the user what is wrong (exit code in `code`).
std::optional<spec::Spec> loadSpecFile(const std::string& path, std::ostream& err, int& code) {
  auto text = host::readFile(path);
  if (!text) {
    code = kExitBadInput;
    if (text.error().code == ErrorCode::kNotFound) {
      err << "cairnctl: no spec at " << path << "; create one with `cairnctl init --domain DOMAIN`\n";
    } else {
      err << "cairnctl: cannot read the spec: " << text.error().message << "\n";
    }
    return std::nullopt;
  }
  try {
    return spec::loadSpec(text.value());
  } catch (const spec::SpecError& error) {
    code = kExitBadInput;
    err << path << " is not valid (" << error.issues().size() << (error.issues().size() == 1 ? " problem" : " problems")
        << "):\n";
    for (const auto& issue : error.issues()) {
      err << "  " << (issue.path.empty() ? "" : issue.path + ": ") << issue.message << "\n";
    }
    return std::nullopt;
  }
}

std::string initialSpecText(const std::string& domain, const std::string& email, const std::string& tls) {
  nlohmann::json quotedDomain = domain, quotedEmail = email, quotedTls = tls;
  return "// cairn appliance spec. Every field not written here has a default: see `cairnctl show`\n"
         "// and the field reference in README.md. Check changes with `cairnctl validate`, preview them\n"
         "// with `cairnctl plan`, and make them real with `cairnctl apply`.\n"
         "{\n"
         "  \"version\": 1,\n"
         "  \"domain\": " + quotedDomain.dump() + ",\n"
         "  \"admin_email\": " + quotedEmail.dump() + ",\n"
         "  \"tls\": { \"mode\": " + quotedTls.dump() + " },\n"
         "  \"users\": [\n"
         "    { \"username\": \"admin\", \"email\": " + quotedEmail.dump() + ", \"roles\": [\"admin\"] }\n"
         "  ]\n"
         "}\n";
}

int reportOutcome(const apply::ApplyReport& report, CliContext& context) {
  switch (report.status) {
    case apply::ApplyStatus::kNoChanges:
      context.out << "No changes: the system already matches the spec.\n";
      return kExitOk;
    case apply::ApplyStatus::kDryRun:
      context.out << apply::describePlan(report.plan) << "Dry run: staged and validated; nothing was changed.\n";
      return kExitOk;
    case apply::ApplyStatus::kApplied:
      context.out << "Applied " << report.plan.changes.size() << (report.plan.changes.size() == 1 ? " change" : " changes")
                  << ":\n";
      for (const auto& change : report.plan.changes) context.out << "  " << change.path << "\n";
      return kExitOk;
    case apply::ApplyStatus::kRejected:
      context.err << "cairnctl: the rendered configuration was rejected; nothing was changed.\n" << report.message << "\n";
      return kExitRolledBack;
    case apply::ApplyStatus::kRolledBack:
      context.err << "cairnctl: apply failed and every file was restored.\n" << report.message << "\n";
      return kExitRolledBack;
    case apply::ApplyStatus::kFailed:
      context.err << "cairnctl: apply failed; files already written were restored.\n" << report.message << "\n";
      return kExitFailed;
  }
  return kExitFailed;
}

bundle::Bundle currentBundle(const state::History& history) {
  auto latest = history.latest();
  if (!latest) throw std::runtime_error("cannot read the applied history: " + latest.error().message);
  return latest.value() ? *latest.value() : bundle::Bundle{};
}

int rollback(CliContext& context) {
  state::History history(context.paths.historyDir(), kHistoryKept);
  auto entries = history.entries();
  if (entries.size() < 2) {
    context.err << "cairnctl: nothing to roll back to: fewer than two applies are recorded in "
                << context.paths.historyDir() << "\n";
    return kExitFailed;
  }
  auto target = history.load(entries[entries.size() - 2]);
  if (!target) {
    context.err << "cairnctl: " << target.error().message << "\n";
    return kExitFailed;
  }
  apply::Transaction transaction(context.paths, context.runner);
  auto report = transaction.apply(target.value(), currentBundle(history), false);
  int code = reportOutcome(report, context);
  if (report.status == apply::ApplyStatus::kApplied || report.status == apply::ApplyStatus::kNoChanges) {
    if (auto dropped = history.dropLatest(); !dropped) {
      context.err << "cairnctl: rolled back, but the history could not be updated: " << dropped.error().message << "\n";
      return kExitFailed;
    }
    context.out << "Rolled back to the bundle applied before the last one.\n";
    notifySupervisorAfterApply(context);
  }
  return code;
}

}  // namespace

std::optional<secrets::Secrets> loadSecretsFile(const state::Paths& paths, std::ostream& err, int& code) {
  auto text = host::readFile(paths.secretsFile());
  if (!text) {
    code = text.error().code == ErrorCode::kNotFound ? kExitBadInput : kExitFailed;
    if (text.error().code == ErrorCode::kNotFound) {
      err << "cairnctl: no secrets at " << paths.secretsFile() << "; run `cairnctl init` first\n";
    } else {
      err << "cairnctl: cannot read the secrets: " << text.error().message << "\n";
    }
    return std::nullopt;
  }
  try {
    return secrets::Secrets::fromJson(nlohmann::json::parse(text.value()));
  } catch (const std::exception& error) {
    code = kExitBadInput;
    err << "cairnctl: " << paths.secretsFile() << " is malformed: " << error.what() << "\n";
    return std::nullopt;
  }
}

Status saveSecrets(const state::Paths& paths, const secrets::Secrets& secrets) {
  if (auto made = host::makeDirectories(host::parentDirectory(paths.secretsFile())); !made) return made;
  return state::writeFileAtomic(paths.secretsFile(), secrets.toJson().dump(2) + "\n", 0600);
}

int initCommand(const ParsedArgs& args, CliContext& context) {
  if (!args.has("--domain")) {
    context.err << "cairnctl init: --domain is required (for example --domain example.com)\n";
    return kExitBadInput;
  }
  std::string domain = args.get("--domain");
  std::string email = args.get("--email", "admin@" + domain);
  std::string tls = args.get("--tls", "self-signed");
  std::string specPath = context.paths.specFile();
  if (host::pathExists(specPath) && !args.has("--force")) {
    context.err << "cairnctl init: " << specPath << " already exists; edit it, or pass --force to replace it "
                << "(secrets are kept)\n";
    return kExitBadInput;
  }
  std::string text = initialSpecText(domain, email, tls);
  try {
    spec::loadSpec(text);
  } catch (const spec::SpecError& error) {
    context.err << "cairnctl init: these values do not make a valid spec:\n";
    for (const auto& issue : error.issues()) context.err << "  " << issue.path << ": " << issue.message << "\n";
    return kExitBadInput;
  }

  secrets::Secrets secrets;
  if (host::pathExists(context.paths.secretsFile())) {
    int code = kExitOk;
    auto existing = loadSecretsFile(context.paths, context.err, code);
    if (!existing) return code;
    secrets = *existing;
  }
  auto added = secrets.fillMissing(secrets::kernelRandom(), utcNow());
  if (auto made = host::makeDirectories(host::parentDirectory(specPath)); !made) {
    context.err << "cairnctl init: " << made.error().message << "\n";
    return kExitFailed;
  }
  if (auto saved = saveSecrets(context.paths, secrets); !saved) {
    context.err << "cairnctl init: " << saved.error().message << "\n";
    return kExitFailed;
  }
  if (auto written = state::writeFileAtomic(specPath, text, 0644); !written) {
    context.err << "cairnctl init: " << written.error().message << "\n";
    return kExitFailed;
  }
  context.out << "Wrote " << specPath << " and " << context.paths.secretsFile() << " (" << added.size()
              << " new secrets).\nNext: review it with `cairnctl plan`, then run `cairnctl apply`.\n";
  return kExitOk;
}

int validateCommand(const ParsedArgs& args, CliContext& context) {
  std::string path = args.args.empty() ? context.paths.specFile() : args.args[0];
  int code = kExitOk;
  if (!loadSpecFile(path, context.err, code)) return code;
  context.out << path << " is valid.\n";
  return kExitOk;
}

int showCommand(const ParsedArgs&, CliContext& context) {
  int code = kExitOk;
  auto spec = loadSpecFile(context.paths.specFile(), context.err, code);
  if (!spec) return code;
  nlohmann::json shown = spec::specToJson(*spec);
  if (auto secrets = loadSecretsFile(context.paths, context.err, code)) {
    nlohmann::json names = nlohmann::json::object();
    for (const auto& [name, created] : secrets->redacted()) names[name] = "<redacted, created " + created + ">";
    shown["secrets"] = names;
  } else {
    return code;
  }
  context.out << shown.dump(2) << "\n";
  return kExitOk;
}

int planCommand(const ParsedArgs&, CliContext& context) {
  int code = kExitOk;
  auto spec = loadSpecFile(context.paths.specFile(), context.err, code);
  if (!spec) return code;
  auto secrets = loadSecretsFile(context.paths, context.err, code);
  if (!secrets) return code;
  secrets->fillMissing(secrets::kernelRandom(), utcNow());  // shown as they would be; not saved
  state::History history(context.paths.historyDir(), kHistoryKept);
  apply::Transaction transaction(context.paths, context.runner);
  context.out << apply::describePlan(transaction.plan(apply::renderAppliance(*spec, *secrets, hostFacts(context.paths)), currentBundle(history)));
  return kExitOk;
}

int applyCommand(const ParsedArgs& args, CliContext& context) {
  if (args.has("--rollback")) return rollback(context);
  int code = kExitOk;
  auto spec = loadSpecFile(context.paths.specFile(), context.err, code);
  if (!spec) return code;
  auto secrets = loadSecretsFile(context.paths, context.err, code);
  if (!secrets) return code;
  bool dryRun = args.has("--dry-run");
  if (!secrets->fillMissing(secrets::kernelRandom(), utcNow()).empty() && !dryRun) {
    if (auto saved = saveSecrets(context.paths, *secrets); !saved) {
      context.err << "cairnctl: " << saved.error().message << "\n";
      return kExitFailed;
    }
  }
  bundle::Bundle desired = apply::renderAppliance(*spec, *secrets, hostFacts(context.paths));
  state::History history(context.paths.historyDir(), kHistoryKept);
  apply::Transaction transaction(context.paths, context.runner);
  auto report = transaction.apply(desired, currentBundle(history), dryRun);
  if (report.status == apply::ApplyStatus::kApplied) {
    if (auto recorded = history.record(desired); !recorded) {
      context.err << "cairnctl: applied, but the history could not be written: " << recorded.error().message << "\n";
      return kExitFailed;
    }
  }
  int outcome = reportOutcome(report, context);
  if (report.status == apply::ApplyStatus::kApplied) {
    notifySupervisorAfterApply(context);
    syncKeycloakAfterApply(context);
  }
  return outcome;
}

int secretsCommand(const ParsedArgs& args, CliContext& context) {
  int code = kExitOk;
  auto secrets = loadSecretsFile(context.paths, context.err, code);
  if (!secrets) return code;
  const std::string& action = args.args[0];
  if (action == "list" && args.args.size() == 1) {
    for (const auto& kind : secrets::secretKinds()) {
      auto created = secrets->redacted();
      context.out << kind.name << "  " << (created.count(kind.name) ? created[kind.name] : "(missing)") << "  "
                  << kind.purpose << "\n";
    }
    return kExitOk;
  }
  if (action == "rotate" && args.args.size() == 2) {
    if (auto rotated = secrets->rotate(args.args[1], secrets::kernelRandom(), utcNow()); !rotated) {
      context.err << "cairnctl secrets rotate: " << rotated.error().message << "\n";
      return kExitBadInput;
    }
    if (auto saved = saveSecrets(context.paths, *secrets); !saved) {
      context.err << "cairnctl: " << saved.error().message << "\n";
      return kExitFailed;
    }
    context.out << "Rotated " << args.args[1] << ". Run `cairnctl apply` to put the new value in use.\n";
    return kExitOk;
  }
  context.err << "usage: cairnctl secrets list | cairnctl secrets rotate NAME\n";
  return kExitBadInput;
}

}  // namespace cairn::cli
