#include "keycloak/initial_passwords.hpp"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include "appliance/host/files.hpp"
#include "tests/support/temp_dir.hpp"

using cairn::keycloak::InitialPasswordStore;

namespace {

cairn::secrets::RandomSource counter() {
  auto next = std::make_shared<unsigned char>(7);
  return [next](unsigned char* buffer, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) buffer[i] = (*next)++;
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(initial_passwords)

BOOST_AUTO_TEST_CASE(password_is_stored_privately_before_use_and_shown_only_once) {
  cairn::testing::TempDir dir;
  std::string path = dir / "var/lib/cairn/keycloak/initial-passwords.json";
  InitialPasswordStore store(path, counter());
  auto first = store.passwordFor("alice");
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(first.value().size() == 20u);
  BOOST_TEST(cairn::host::statFile(path)->mode == 0600u);
  auto again = store.passwordFor("alice");
  BOOST_TEST(again.value() == first.value());

  auto shown = store.take("alice");
  BOOST_REQUIRE(shown.ok());
  BOOST_TEST(shown.value() == first.value());
  auto twice = store.take("alice");
  BOOST_REQUIRE(!twice.ok());
  BOOST_TEST((twice.error().code == cairn::ErrorCode::kNotFound));
  BOOST_TEST(cairn::host::readFile(path).value().find(first.value()) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_store_is_reported_with_its_path) {
  cairn::testing::TempDir dir;
  std::string path = dir / "initial-passwords.json";
  cairn::testing::writeFile(path, "[1, 2]");
  InitialPasswordStore store(path, counter());
  auto result = store.passwordFor("bob");
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().message.find(path) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
