#pragma once
// The temporary first passwords of the users that `cairnctl keycloak sync` creates, kept in
// /var/lib/cairn/keycloak/initial-passwords.json (mode 0600) until `cairnctl users password USER`
// shows each of them once and forgets it. Keycloak marks them temporary: the user sets a new
// password at the first login. Not thread-safe; callers hold the apply lock.

#include <string>

#include "appliance/core/result.hpp"
#include "appliance/secrets/secrets.hpp"

namespace cairn::keycloak {

class InitialPasswordStore {
 public:
  InitialPasswordStore(std::string path, secrets::RandomSource random);

  // The waiting password of `username`, or a new one that is written to the file (atomically)
  // before it is returned, so that it is never used by Keycloak without being recoverable.
  Result<std::string> passwordFor(const std::string& username);

  // The waiting password of `username`, removed from the file. kNotFound when there is none
  // (already shown, or the user was not created by a sync).
  Result<std::string> take(const std::string& username);

  // A fresh password, not stored (for a reset that is shown at once).
  std::string generate() const;

 private:
  Result<nlohmann::json> load() const;
  Status save(const nlohmann::json& document) const;

  std::string path_;
  secrets::RandomSource random_;
};

}  // namespace cairn::keycloak
