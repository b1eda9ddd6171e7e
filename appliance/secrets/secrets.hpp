#pragma once
// The appliance's secrets (/etc/cairn/secrets.json, mode 0600): generated from the kernel's
// CSPRNG, stable across applies, rotated one at a time. Values are never logged or printed;
// only names leave this module unless a renderer puts a value into a sensitive file.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/core/result.hpp"

namespace cairn::secrets {

enum class SecretFormat {
  kPassword,   // 32 characters of [A-Za-z0-9]
  kBase64Url,  // 32 random bytes, URL-safe base64 with padding (oauth2-proxy cookie, Fernet key)
  kHex,        // 32 random bytes as 64 hex digits
};

struct SecretKind {
  std::string name;
  SecretFormat format;
  std::string purpose;
  // Rotation keeps the old value as "previous" until it is forgotten: data encrypted with it
  // must be re-encrypted first (Airflow's Fernet key: `cairnctl airflow rotate-fernet-key`).
  bool keepsPrevious = false;
};

// Every secret the appliance uses.
const std::vector<SecretKind>& secretKinds();

// Fills `buffer` with `size` random bytes.
using RandomSource = std::function<void(unsigned char* buffer, std::size_t size)>;
// getrandom(2); throws std::runtime_error if the kernel cannot provide randomness.
RandomSource kernelRandom();

std::string generateSecret(SecretFormat format, const RandomSource& random);

class Secrets {
 public:
  // Throws std::runtime_error (naming the field) when the document is malformed.
  static Secrets fromJson(const nlohmann::json& document);
  nlohmann::json toJson() const;

  // Adds every secret of secretKinds() that is missing; returns the names added.
  std::vector<std::string> fillMissing(const RandomSource& random, const std::string& createdAt);
  // Replaces one secret, keeping the value it replaces as its previous() (for a peer that still
  // holds the old value and must be moved to the new one, like Keycloak's bootstrap service
  // account or Airflow's Fernet key). kNotFound for a name that is not in secretKinds();
  // kConflict for a keepsPrevious kind while it still has a previous value (a second rotation
  // would lose data encrypted with it).
  Status rotate(const std::string& name, const RandomSource& random, const std::string& createdAt);

  // The value; throws std::out_of_range for an unknown name (a programming error).
  const std::string& get(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The value before the last rotation; "" if it was never rotated or was forgotten.
  std::string previous(const std::string& name) const;
  void forgetPrevious(const std::string& name);
  // name → creation time, for `cairnctl show`; values stay hidden.
  std::map<std::string, std::string> redacted() const;

 private:
  struct Entry {
    std::string value;
    std::string created;
    std::string previous;  // "" until rotated
  };
  std::map<std::string, Entry> values_;
};

}  // namespace cairn::secrets
