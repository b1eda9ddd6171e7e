#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/load.hpp"
#include "provisioning/apply/renderers.hpp"

using namespace cairn;

namespace {

secrets::Secrets someSecrets() {
  nlohmann::json entries = nlohmann::json::object();
  for (const auto& kind : secrets::secretKinds()) {
    entries[kind.name] = {{"value", "secret-" + kind.name}, {"created", "2026-01-01T00:00:00Z"}};
  }
  return secrets::Secrets::fromJson({{"version", 1}, {"secrets", entries}});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(renderers)

// The edge and the log shipper are rendered by two domains; what one writes the other must read.
BOOST_AUTO_TEST_CASE(every_access_log_nginx_writes_is_followed_by_the_log_shipper) {
  const auto bundle = apply::renderAppliance(spec::loadSpec(R"({"version":1,"domain":"example.com"})"), someSecrets());
  std::set<std::string> written;
  // access_log ../../../var/log/nginx/x.log cairn_json;  (relative to nginx's prefix /usr/share/nginx)
  const std::regex accessLog(R"(access_log\s+(?:\.\./\.\./\.\.)?(/[^ ;]+))");
  for (const auto& file : bundle.files) {
    for (std::sregex_iterator it(file.content.begin(), file.content.end(), accessLog), end; it != end; ++it) {
      written.insert((*it)[1].str());
    }
  }
  BOOST_REQUIRE(!written.empty());
  const auto* logship = bundle.find("/etc/cairn/rendered/logship.json");
  BOOST_REQUIRE(logship != nullptr);
  const auto config = nlohmann::json::parse(logship->content);
  std::set<std::string> followed;
  for (const auto& file : config.at("files")) followed.insert(file.at("path").get<std::string>());
  for (const auto& path : written) BOOST_TEST(followed.count(path) == 1u, path << " is written by nginx but not shipped");
}

BOOST_AUTO_TEST_SUITE_END()
