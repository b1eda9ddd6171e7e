// The edge's command (tls) and the certificate part of `cairnctl status`.

#include <ctime>
#include <iostream>

#include "appliance/core/result.hpp"
#include "appliance/host/files.hpp"
#include "provisioning/cli/cli.hpp"
#include "provisioning/edge/certificate_status.hpp"
#include "provisioning/edge/edge_paths.hpp"

namespace cairn::cli {
namespace {

// The certificate status the TLS step of the last apply wrote, or why there is none.
Result<nlohmann::json> recordedCertificate(const CliContext& context) {
  std::string path = context.paths.under(edge::kCertificateStatusFile);
  if (!host::pathExists(path)) {
    return makeError(ErrorCode::kNotFound,
                     "no certificate recorded yet (" + path + "); run `cairnctl apply`");
  }
  auto text = host::readFile(path);
  if (!text) return text.error();
  nlohmann::json status = nlohmann::json::parse(text.value(), nullptr, false);
  if (status.is_discarded() || !status.is_object()) {
    return makeError(ErrorCode::kInvalidInput, path + " is not a JSON object");
  }
  return status;
}

std::int64_t nowUnix() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

int tlsCommand(const ParsedArgs& args, CliContext& context) {
  auto status = recordedCertificate(context);
  if (!status) {
    context.err << "cairnctl: " << status.error().message << "\n";
    return kExitFailed;
  }
  if (args.has("--json")) {
    context.out << status.value().dump(2) << "\n";
  } else {
    context.out << edge::describeCertificate(status.value(), nowUnix());
  }
  return kExitOk;
}

std::string tlsStatusText(const CliContext& context) {
  auto status = recordedCertificate(context);
  if (!status) return "TLS: " + status.error().message + "\n";
  return edge::describeCertificate(status.value(), nowUnix());
}

nlohmann::json tlsStatusJson(const CliContext& context) {
  auto status = recordedCertificate(context);
  if (!status) return {{"recorded", false}, {"error", status.error().message}};
  nlohmann::json recorded = status.value();
  recorded["recorded"] = true;
  return recorded;
}

}  // namespace cairn::cli
