#include "keycloak/initial_passwords.hpp"

#include "appliance/host/files.hpp"
#include "appliance/state/atomic_file.hpp"

namespace cairn::keycloak {

using nlohmann::json;

InitialPasswordStore::InitialPasswordStore(std::string path, secrets::RandomSource random)
    : path_(std::move(path)), random_(std::move(random)) {}

Result<json> InitialPasswordStore::load() const {
  auto text = host::readFile(path_);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound)
      return json{{"version", 1}, {"passwords", json::object()}};
    return text.error();
  }
  json document = json::parse(text.value(), nullptr, false);
  if (!document.is_object() || !document.contains("passwords") ||
      !document["passwords"].is_object()) {
    return makeError(ErrorCode::kInvalidInput,
                     path_ + " is malformed: expected {\"version\": 1, \"passwords\": {...}}");
  }
  return document;
}

Status InitialPasswordStore::save(const json& document) const {
  if (auto made = host::makeDirectories(host::parentDirectory(path_), 0700); !made) return made;
  return state::writeFileAtomic(path_, document.dump(2) + "\n", 0600);
}

std::string InitialPasswordStore::generate() const {
  return secrets::generateSecret(secrets::SecretFormat::kPassword, random_).substr(0, 20);
}

Result<std::string> InitialPasswordStore::passwordFor(const std::string& username) {
  auto document = load();
  if (!document) return document.error();
  json& passwords = document.value()["passwords"];
  if (passwords.contains(username) && passwords[username].is_string())
    return passwords[username].get<std::string>();
  std::string password = generate();
  passwords[username] = password;
  if (auto saved = save(document.value()); !saved) return saved.error();
  return password;
}

Result<std::string> InitialPasswordStore::take(const std::string& username) {
  auto document = load();
  if (!document) return document.error();
  json& passwords = document.value()["passwords"];
  if (!passwords.contains(username) || !passwords[username].is_string()) {
    return makeError(ErrorCode::kNotFound, "no initial password is waiting for " + username);
  }
  std::string password = passwords[username];
  passwords.erase(username);
  if (auto saved = save(document.value()); !saved) return saved.error();
  return password;
}

}  // namespace cairn::keycloak
