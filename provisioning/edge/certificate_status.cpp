#include "provisioning/edge/certificate_status.hpp"

namespace cairn::edge {

std::string describeCertificate(const nlohmann::json& status, std::int64_t nowUnix) {
  std::string mode = status.value("mode", "?");
  std::string source = status.value("source", "?");
  std::string text = "TLS mode " + mode + ": ";
  if (source == "self-signed-fallback") {
    text += "serving the self-signed certificate until certbot gets one\n  " +
            status.value("message", "") + "\n";
  } else {
    text += "serving the " + source + " certificate\n";
  }
  std::int64_t notAfter = status.value("not_after_unix", std::int64_t{0});
  std::int64_t days = (notAfter - nowUnix) / 86400;
  std::string subject = status.value("subject", std::string());
  if (!subject.empty()) text += "  subject " + subject + "\n";
  text += "  " + status.value("certificate", std::string()) + "\n  expires " +
          status.value("not_after", std::string()) +
          (notAfter <= nowUnix ? " (EXPIRED)" : " (in " + std::to_string(days) + " days)") + "\n";
  return text;
}

}  // namespace cairn::edge
