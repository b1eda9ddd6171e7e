// Airflow's commands: airflow dags, airflow rotate-fernet-key.

#include <algorithm>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include "appliance/host/files.hpp"
#include "appliance/host/http_client.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"
#include "appliance/state/atomic_file.hpp"
#include "provisioning/cli/cli.hpp"
#include "services/catalog/airflow_api.hpp"

namespace cairn::cli {
namespace {

// The container whose CLI runs the re-encryption (every Airflow container has the same keys and
// database).
const char* const kSchedulerContainer = "cairn-airflow-scheduler";

// The secrets file, with the two secrets Airflow's commands use.
std::optional<secrets::Secrets> airflowSecrets(CliContext& context, int& code) {
  auto secrets = loadSecretsFile(context.paths, context.err, code);
  if (!secrets) return std::nullopt;
  for (const char* name : {"airflow_admin_password", "airflow_fernet_key"}) {
    if (secrets->has(name)) continue;
    context.err << "cairnctl: the secret " << name << " is missing; run `cairnctl apply` first\n";
    code = kExitBadInput;
    return std::nullopt;
  }
  return secrets;
}

// The running Airflow containers that were not created with `keys`: all of them must have the new
// and the old key before anything is re-encrypted, or one still on the old key alone could no
// longer read what it needs. Read with docker inspect, so that no key appears on a command line.
Result<std::vector<std::string>> containersWithoutKeys(CliContext& context, const std::string& keys) {
  auto listed = context.runner.run(
      {"docker", "ps", "--filter", "label=io.cairn.managed=true", "--filter", "name=^cairn-airflow-", "--format",
       "{{.Names}}"},
      std::chrono::seconds(30));
  if (!listed) return listed.error();
  if (listed.value().exitCode != 0) {
    return makeError(ErrorCode::kUnavailable, "docker ps failed: " + listed.value().output);
  }
  std::vector<std::string> names;
  std::istringstream lines(listed.value().output);
  for (std::string name; std::getline(lines, name);) {
    if (!name.empty()) names.push_back(name);
  }
  if (std::find(names.begin(), names.end(), kSchedulerContainer) == names.end()) {
    return makeError(ErrorCode::kUnavailable, std::string(kSchedulerContainer) + " is not running");
  }
  std::vector<std::string> without;
  for (const auto& name : names) {
    auto inspected = context.runner.run({"docker", "inspect", "--format", "{{json .Config.Env}}", name},
                                        std::chrono::seconds(30));
    if (!inspected) return inspected.error();
    if (inspected.value().exitCode != 0) {
      return makeError(ErrorCode::kUnavailable, name + " is not there: " + inspected.value().output);
    }
    nlohmann::json env = nlohmann::json::parse(inspected.value().output, nullptr, false);
    if (!env.is_array()) return makeError(ErrorCode::kInvalidInput, "docker inspect answered no environment for " + name);
    bool hasKeys = std::any_of(env.begin(), env.end(), [&](const nlohmann::json& entry) {
      return entry.is_string() && entry.get<std::string>() == "AIRFLOW__CORE__FERNET_KEY=" + keys;
    });
    if (!hasKeys) without.push_back(name);
  }
  return without;
}

int rotateFernetKey(CliContext& context) {
  int code = kExitOk;
  auto secrets = airflowSecrets(context, code);
  if (!secrets) return code;
  std::string previous = secrets->previous("airflow_fernet_key");
  if (previous.empty()) {
    context.err << "cairnctl airflow rotate-fernet-key: there is no previous key to retire; first run "
                   "`cairnctl secrets rotate airflow_fernet_key` and `cairnctl apply`\n";
    return kExitBadInput;
  }
  auto behind = containersWithoutKeys(context, secrets->get("airflow_fernet_key") + "," + previous);
  if (!behind) {
    context.err << "cairnctl airflow rotate-fernet-key: " << behind.error().message << "\n";
    return kExitFailed;
  }
  if (!behind.value().empty()) {
    std::string names;
    for (const auto& name : behind.value()) names += (names.empty() ? "" : ", ") + name;
    context.err << "cairnctl airflow rotate-fernet-key: " << names
                << " do not run with the new and the old key yet; run `cairnctl apply` and wait for "
                   "`cairnctl status` to show Airflow healthy\n";
    return kExitFailed;
  }
  auto rotated = context.runner.run({"docker", "exec", kSchedulerContainer, "airflow", "rotate-fernet-key"},
                                    std::chrono::minutes(10));
  if (!rotated || rotated.value().exitCode != 0) {
    context.err << "cairnctl airflow rotate-fernet-key: `airflow rotate-fernet-key` failed; the old key is kept: "
                << (rotated ? rotated.value().output : rotated.error().message) << "\n";
    return kExitFailed;
  }
  secrets->forgetPrevious("airflow_fernet_key");
  if (auto saved = saveSecrets(context.paths, *secrets); !saved) {
    context.err << "cairnctl: " << saved.error().message << "\n";
    return kExitFailed;
  }
  context.out << "Connections and variables are encrypted with the new Fernet key; the old key is forgotten.\n"
                 "Run `cairnctl apply` to stop Airflow from accepting it.\n";
  return kExitOk;
}

}  // namespace

int airflowCommand(const ParsedArgs& args, CliContext& context) {
  if (args.args[0] == "rotate-fernet-key") return rotateFernetKey(context);
  if (args.args[0] != "dags") {
    context.err << "usage: cairnctl airflow dags [--json] [--airflow-url URL] | airflow rotate-fernet-key\n";
    return kExitBadInput;
  }
  int code = kExitOk;
  auto secrets = airflowSecrets(context, code);
  if (!secrets) return code;
  std::string password = secrets->get("airflow_admin_password");
  host::CurlHttpClient http;
  catalog::AirflowCredentials credentials{args.get("--airflow-url", "http://127.0.0.1:8080"), spec::kAirflowLocalAdmin,
                                          password};
  auto listing = catalog::fetchDagListing(http, credentials);
  if (!listing) {
    context.err << "cairnctl airflow dags: " << listing.error().message << "\n";
    return kExitFailed;
  }
  if (args.has("--json")) {
    context.out << catalog::dagListingToJson(listing.value()).dump(2) << "\n";
  } else {
    context.out << catalog::formatDagListing(listing.value());
  }
  return kExitOk;
}

}  // namespace cairn::cli
