#include <boost/test/unit_test.hpp>

#include <set>

#include "appliance/secrets/secrets.hpp"

using namespace cairn::secrets;

namespace {

// Deterministic bytes: 0, 1, 2, ...
RandomSource countingRandom() {
  auto next = std::make_shared<unsigned char>(0);
  return [next](unsigned char* buffer, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) buffer[i] = (*next)++;
  };
}

std::vector<unsigned char> decodeBase64Url(const std::string& text) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::vector<unsigned char> bytes;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    buffer = (buffer << 6) | static_cast<unsigned>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<unsigned char>((buffer >> bits) & 0xff));
    }
  }
  return bytes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secrets)

BOOST_AUTO_TEST_CASE(cookie_secret_decodes_to_32_bytes_as_oauth2_proxy_requires) {
  std::string secret = generateSecret(SecretFormat::kBase64Url, kernelRandom());
  BOOST_TEST(secret.size() == 44u);
  BOOST_TEST(decodeBase64Url(secret).size() == 32u);
  auto bytes = decodeBase64Url(generateSecret(SecretFormat::kBase64Url, countingRandom()));
  for (std::size_t i = 0; i < bytes.size(); ++i) BOOST_TEST(bytes[i] == i);
}

BOOST_AUTO_TEST_CASE(passwords_are_32_alphanumerics_and_differ) {
  std::string a = generateSecret(SecretFormat::kPassword, kernelRandom());
  std::string b = generateSecret(SecretFormat::kPassword, kernelRandom());
  BOOST_TEST(a.size() == 32u);
  BOOST_TEST(a != b);
  for (char c : a) BOOST_TEST(std::isalnum(static_cast<unsigned char>(c)));
  BOOST_TEST(generateSecret(SecretFormat::kHex, kernelRandom()).size() == 64u);
}

BOOST_AUTO_TEST_CASE(fill_missing_adds_every_kind_once_and_keeps_existing_values) {
  Secrets secrets;
  auto added = secrets.fillMissing(kernelRandom(), "t0");
  BOOST_TEST(added.size() == secretKinds().size());
  std::string cookie = secrets.get("oauth2_proxy_cookie_secret");
  BOOST_TEST(secrets.fillMissing(kernelRandom(), "t1").empty());
  BOOST_TEST(secrets.get("oauth2_proxy_cookie_secret") == cookie);
}

BOOST_AUTO_TEST_CASE(rotate_replaces_one_secret_only) {
  Secrets secrets;
  secrets.fillMissing(kernelRandom(), "t0");
  std::string redis = secrets.get("redis_password");
  std::string postgres = secrets.get("postgres_password");
  BOOST_TEST(secrets.rotate("redis_password", kernelRandom(), "t1").ok());
  BOOST_TEST(secrets.get("redis_password") != redis);
  BOOST_TEST(secrets.get("postgres_password") == postgres);
  BOOST_TEST(secrets.redacted().at("redis_password") == "t1");
}

BOOST_AUTO_TEST_CASE(rotation_keeps_the_replaced_value_as_previous_through_the_file) {
  Secrets secrets;
  secrets.fillMissing(kernelRandom(), "t0");
  std::string before = secrets.get("keycloak_admin_client_secret");
  BOOST_TEST(secrets.previous("keycloak_admin_client_secret").empty());
  BOOST_TEST(secrets.rotate("keycloak_admin_client_secret", kernelRandom(), "t1").ok());
  Secrets again = Secrets::fromJson(secrets.toJson());
  BOOST_TEST(again.previous("keycloak_admin_client_secret") == before);
  BOOST_TEST(again.get("keycloak_admin_client_secret") != before);
  BOOST_TEST(again.previous("redis_password").empty());
}

BOOST_AUTO_TEST_CASE(the_fernet_key_keeps_its_previous_value_until_it_is_forgotten) {
  Secrets secrets;
  secrets.fillMissing(kernelRandom(), "t0");
  std::string old = secrets.get("airflow_fernet_key");
  BOOST_TEST(secrets.previous("airflow_fernet_key").empty());
  BOOST_REQUIRE(secrets.rotate("airflow_fernet_key", kernelRandom(), "t1").ok());
  BOOST_TEST(secrets.get("airflow_fernet_key") != old);
  BOOST_TEST(secrets.previous("airflow_fernet_key") == old);
  Secrets again = Secrets::fromJson(secrets.toJson());
  BOOST_TEST(again.previous("airflow_fernet_key") == old);
  // A second rotation would drop the key the data is still encrypted with.
  auto twice = secrets.rotate("airflow_fernet_key", kernelRandom(), "t2");
  BOOST_REQUIRE(!twice.ok());
  BOOST_TEST(twice.error().message.find("cairnctl airflow rotate-fernet-key") != std::string::npos);
  secrets.forgetPrevious("airflow_fernet_key");
  BOOST_TEST(secrets.previous("airflow_fernet_key").empty());
  BOOST_TEST(!secrets.toJson()["secrets"]["airflow_fernet_key"].contains("previous"));
  BOOST_TEST(secrets.rotate("airflow_fernet_key", kernelRandom(), "t3").ok());
  // A secret whose old value is of no further use keeps none, and rotates again at once.
  BOOST_REQUIRE(secrets.rotate("redis_password", kernelRandom(), "t3").ok());
  BOOST_REQUIRE(secrets.rotate("redis_password", kernelRandom(), "t4").ok());
  BOOST_TEST(secrets.previous("redis_password").empty());
}

BOOST_AUTO_TEST_CASE(a_second_rotation_of_the_keycloak_admin_secret_waits_for_the_sync) {
  Secrets secrets;
  secrets.fillMissing(kernelRandom(), "t0");
  std::string known = secrets.get("keycloak_admin_client_secret");
  BOOST_REQUIRE(secrets.rotate("keycloak_admin_client_secret", kernelRandom(), "t1").ok());
  // Keycloak knows only `known` until a sync moves it on; a second rotation would lose it.
  auto twice = secrets.rotate("keycloak_admin_client_secret", kernelRandom(), "t2");
  BOOST_REQUIRE(!twice.ok());
  BOOST_TEST(twice.error().message.find("cairnctl keycloak sync") != std::string::npos);
  BOOST_TEST(secrets.previous("keycloak_admin_client_secret") == known);
}

BOOST_AUTO_TEST_CASE(rotating_an_unknown_name_lists_the_known_ones) {
  Secrets secrets;
  auto result = secrets.rotate("redis_pasword", kernelRandom(), "t");
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().message.find("redis_password") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_round_trip_keeps_values_and_redaction_hides_them) {
  Secrets secrets;
  secrets.fillMissing(kernelRandom(), "2026-01-01T00:00:00Z");
  Secrets again = Secrets::fromJson(secrets.toJson());
  for (const auto& kind : secretKinds()) BOOST_TEST(again.get(kind.name) == secrets.get(kind.name));
  for (const auto& [name, shown] : again.redacted()) BOOST_TEST(shown.find(again.get(name)) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_secrets_file_names_the_field) {
  nlohmann::json bad = {{"version", 1}, {"secrets", {{"redis_password", {{"value", ""}}}}}};
  BOOST_CHECK_EXCEPTION(Secrets::fromJson(bad), std::runtime_error, [](const std::runtime_error& e) {
    return std::string(e.what()).find("secrets.redis_password") != std::string::npos;
  });
  BOOST_CHECK_THROW(Secrets::fromJson(nlohmann::json::array()), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
