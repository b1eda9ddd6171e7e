#include "appliance/secrets/secrets.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace cairn::secrets {

using nlohmann::json;

const std::vector<SecretKind>& secretKinds() {
  static const std::vector<SecretKind> kKinds = {
      {"postgres_password", SecretFormat::kPassword, "PostgreSQL superuser"},
      {"keycloak_db_password", SecretFormat::kPassword, "PostgreSQL user of Keycloak"},
      {"airflow_db_password", SecretFormat::kPassword, "PostgreSQL user of Airflow"},
      {"redis_password", SecretFormat::kPassword, "Redis requirepass"},
      {"keycloak_admin_client_secret", SecretFormat::kPassword, "Keycloak bootstrap service account",
       "cairnctl keycloak sync"},
      {"oauth2_proxy_client_secret", SecretFormat::kPassword, "Keycloak client of oauth2-proxy"},
      {"oauth2_proxy_cookie_secret", SecretFormat::kBase64Url, "oauth2-proxy cookie encryption (32 bytes)"},
      {"grafana_client_secret", SecretFormat::kPassword, "Keycloak client of Grafana"},
      {"grafana_admin_password", SecretFormat::kPassword, "Grafana local admin"},
      {"airflow_client_secret", SecretFormat::kPassword, "Keycloak client of Airflow"},
      {"airflow_fernet_key", SecretFormat::kBase64Url, "Airflow Fernet key", "cairnctl airflow rotate-fernet-key"},
      {"airflow_jwt_secret", SecretFormat::kHex, "Airflow API JWT secret"},
      {"airflow_secret_key", SecretFormat::kHex, "Airflow web session secret"},
      {"airflow_admin_password", SecretFormat::kPassword, "Airflow local admin"},
  };
  return kKinds;
}

RandomSource kernelRandom() {
  return [](unsigned char* buffer, std::size_t size) {
    std::size_t filled = 0;
    while (filled < size) {
      ssize_t n = ::getrandom(buffer + filled, size - filled, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error("the kernel's random source failed");
      filled += static_cast<std::size_t>(n);
    }
  };
}

std::string generateSecret(SecretFormat format, const RandomSource& random) {
  unsigned char bytes[32];
  random(bytes, sizeof bytes);
  std::string text;
  switch (format) {
    case SecretFormat::kPassword: {
      static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      // 62 symbols: reject bytes >= 248 to keep the choice uniform.
      while (text.size() < 32) {
        unsigned char byte;
        random(&byte, 1);
        if (byte < 248) text += kAlphabet[byte % 62];
      }
      break;
    }
    case SecretFormat::kBase64Url: {
      static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      for (std::size_t i = 0; i < sizeof bytes; i += 3) {
        unsigned value = static_cast<unsigned>(bytes[i]) << 16;
        if (i + 1 < sizeof bytes) value |= static_cast<unsigned>(bytes[i + 1]) << 8;
        if (i + 2 < sizeof bytes) value |= bytes[i + 2];
        text += kAlphabet[(value >> 18) & 63];
        text += kAlphabet[(value >> 12) & 63];
        text += i + 1 < sizeof bytes ? kAlphabet[(value >> 6) & 63] : '=';
        text += i + 2 < sizeof bytes ? kAlphabet[value & 63] : '=';
      }
      break;
    }
    case SecretFormat::kHex: {
      static const char kHex[] = "0123456789abcdef";
      for (unsigned char byte : bytes) {
        text += kHex[byte >> 4];
        text += kHex[byte & 15];
      }
      break;
    }
  }
  return text;
}

Secrets Secrets::fromJson(const json& document) {
  Secrets secrets;
  if (!document.is_object() || document.value("version", 0) != 1 || !document.contains("secrets") ||
      !document["secrets"].is_object()) {
    throw std::runtime_error("secrets: expected {\"version\": 1, \"secrets\": {...}}");
  }
  for (const auto& [name, entry] : document["secrets"].items()) {
    if (!entry.is_object() || !entry.contains("value") || !entry["value"].is_string() || entry["value"].get<std::string>().empty()) {
      throw std::runtime_error("secrets." + name + ": expected an object with a non-empty \"value\"");
    }
    if (entry.contains("previous") && !entry["previous"].is_string()) {
      throw std::runtime_error("secrets." + name + ".previous: expected a string");
    }
    secrets.values_[name] = Entry{entry["value"].get<std::string>(), entry.value("created", ""), entry.value("previous", "")};
  }
  return secrets;
}

json Secrets::toJson() const {
  json entries = json::object();
  for (const auto& [name, entry] : values_) {
    entries[name] = {{"value", entry.value}, {"created", entry.created}};
    if (!entry.previous.empty()) entries[name]["previous"] = entry.previous;
  }
  return {{"version", 1}, {"secrets", entries}};
}

std::vector<std::string> Secrets::fillMissing(const RandomSource& random, const std::string& createdAt) {
  std::vector<std::string> added;
  for (const auto& kind : secretKinds()) {
    if (values_.count(kind.name)) continue;
    values_[kind.name] = Entry{generateSecret(kind.format, random), createdAt, ""};
    added.push_back(kind.name);
  }
  return added;
}

Status Secrets::rotate(const std::string& name, const RandomSource& random, const std::string& createdAt) {
  const auto& kinds = secretKinds();
  auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const SecretKind& k) { return k.name == name; });
  if (kind == kinds.end()) {
    std::string known;
    for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k.name;
    return makeError(ErrorCode::kNotFound, "no secret named \"" + name + "\"; the secrets are: " + known);
  }
  std::string previous;
  if (!kind->retiredBy.empty() && values_.count(name)) {
    if (!values_[name].previous.empty()) {
      return makeError(ErrorCode::kConflict, name + " still keeps the value before its last rotation; run `" +
                                                 kind->retiredBy + "` first");
    }
    previous = values_[name].value;
  }
  values_[name] = Entry{generateSecret(kind->format, random), createdAt, previous};
  return {};
}

std::string Secrets::previous(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string() : it->second.previous;
}

void Secrets::forgetPrevious(const std::string& name) {
  auto it = values_.find(name);
  if (it != values_.end()) it->second.previous.clear();
}

const std::string& Secrets::get(const std::string& name) const { return values_.at(name).value; }

std::map<std::string, std::string> Secrets::redacted() const {
  std::map<std::string, std::string> names;
  for (const auto& [name, entry] : values_) names[name] = entry.created;
  return names;
}

}  // namespace cairn::secrets
