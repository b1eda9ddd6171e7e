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
  // The command that retires the value a rotation replaced, for a secret whose peer must still
  // be reached (or its data read) with the old value until then: rotation keeps the old value as
  // "previous", and a second rotation is refused until that command has forgotten it. "" for a
  // secret whose old value is of no further use.
  std::string retiredBy = {};
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
  // Replaces one secret; a kind with retiredBy keeps the value it replaces as its previous().
  // kNotFound for a name that is not in secretKinds(); kConflict for such a kind while it still
  // has a previous value (a second rotation would lose the only value its peer accepts).
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
