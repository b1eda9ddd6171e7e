// Airflow's commands: airflow dags, airflow rotate-fernet-key.

#include <iostream>
#include <optional>

#include "appliance/host/files.hpp"
#include "appliance/host/http_client.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"
#include "appliance/state/atomic_file.hpp"
#include "provisioning/cli/cli.hpp"
#include "services/catalog/airflow_api.hpp"

namespace cairn::cli {
namespace {

// The container whose environment and CLI the rotation uses (every Airflow container has the
// same keys and database).
const char* const kSchedulerContainer = "cairn-airflow-scheduler";

std::optional<secrets::Secrets> readSecrets(CliContext& context, int& code) {
  auto text = host::readFile(context.paths.secretsFile());
  if (!text) {
    context.err << "cairnctl: cannot read the secrets: " << text.error().message << "\n";
    code = text.error().code == ErrorCode::kNotFound ? kExitBadInput : kExitFailed;
    return std::nullopt;
  }
  try {
    auto secrets = secrets::Secrets::fromJson(nlohmann::json::parse(text.value()));
    for (const char* name : {"airflow_admin_password", "airflow_fernet_key"}) {
      if (secrets.has(name)) continue;
      context.err << "cairnctl: the secret " << name << " is missing; run `cairnctl apply` first\n";
      code = kExitBadInput;
      return std::nullopt;
    }
    return secrets;
  } catch (const std::exception& error) {
    context.err << "cairnctl: " << context.paths.secretsFile() << " is malformed: " << error.what() << "\n";
    code = kExitBadInput;
    return std::nullopt;
  }
}

// Whether the running scheduler was created with `keys` (so the apply after the rotation of the
// secret is live). Read with docker inspect, so that no key appears on a command line.
Result<bool> runningWithKeys(CliContext& context, const std::string& keys) {
  auto inspected = context.runner.run({"docker", "inspect", "--format", "{{json .Config.Env}}", kSchedulerContainer},
                                      std::chrono::seconds(30));
  if (!inspected) return inspected.error();
  if (inspected.value().exitCode != 0) {
    return makeError(ErrorCode::kUnavailable, std::string(kSchedulerContainer) + " is not there: " + inspected.value().output);
  }
  nlohmann::json env = nlohmann::json::parse(inspected.value().output, nullptr, false);
  if (!env.is_array()) return makeError(ErrorCode::kInvalidInput, "docker inspect answered no environment");
  for (const auto& entry : env) {
    if (entry.is_string() && entry.get<std::string>() == "AIRFLOW__CORE__FERNET_KEY=" + keys) return true;
  }
  return false;
}

int rotateFernetKey(CliContext& context) {
  int code = kExitOk;
  auto secrets = readSecrets(context, code);
  if (!secrets) return code;
  std::string previous = secrets->previous("airflow_fernet_key");
  if (previous.empty()) {
    context.err << "cairnctl airflow rotate-fernet-key: there is no previous key to retire; first run "
                   "`cairnctl secrets rotate airflow_fernet_key` and `cairnctl apply`\n";
    return kExitBadInput;
  }
  auto live = runningWithKeys(context, secrets->get("airflow_fernet_key") + "," + previous);
  if (!live) {
    context.err << "cairnctl airflow rotate-fernet-key: " << live.error().message << "\n";
    return kExitFailed;
  }
  if (!live.value()) {
    context.err << "cairnctl airflow rotate-fernet-key: Airflow does not run with the new and the old key yet; run "
                   "`cairnctl apply` and wait for `cairnctl status` to show Airflow healthy\n";
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
  if (auto saved = state::writeFileAtomic(context.paths.secretsFile(), secrets->toJson().dump(2) + "\n", 0600); !saved) {
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
  auto secrets = readSecrets(context, code);
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
