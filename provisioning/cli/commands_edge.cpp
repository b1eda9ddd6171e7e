// The edge's command: tls.

#include <ctime>
#include <iostream>

#include "appliance/host/files.hpp"
#include "provisioning/cli/cli.hpp"
#include "provisioning/edge/certificate_status.hpp"
#include "provisioning/edge/edge_paths.hpp"

namespace cairn::cli {

int tlsCommand(const ParsedArgs& args, CliContext& context) {
  std::string path = context.paths.under(edge::kCertificateStatusFile);
  auto text = host::readFile(path);
  if (!text) {
    context.err << "cairnctl: no certificate recorded yet (" << path << "); run `cairnctl apply`\n";
    return kExitFailed;
  }
  nlohmann::json status = nlohmann::json::parse(text.value(), nullptr, false);
  if (status.is_discarded() || !status.is_object()) {
    context.err << "cairnctl: " << path << " is not a JSON object\n";
    return kExitFailed;
  }
  if (args.has("--json")) {
    context.out << status.dump(2) << "\n";
  } else {
    context.out << edge::describeCertificate(status, static_cast<std::int64_t>(std::time(nullptr)));
  }
  return kExitOk;
}

}  // namespace cairn::cli
