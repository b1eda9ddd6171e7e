#pragma once
// The C++ side of the tests' browser journeys (tests/support/browser/cairn_journey.js): a CA of the
// test's own that Chromium trusts, the playwright-core that tests/support/deps/browser.sh installs,
// and running a journey script on a settings file. Tests only.

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace cairn::testing {

// A CA of the test's own and a certificate it signs for `domain` and every host under it, written
// as fullchain.pem and privkey.pem into `tlsDir`; the CA is trusted in the NSS database of `home`,
// which is where Chromium on Linux looks for local roots. `work` keeps the CA's files.
void makeTrustedCertificate(const std::string& domain, const std::string& tlsDir,
                            const std::string& home, const std::string& work);

// The folder playwright-core was installed into; throws naming the script that installs it, or
// Debian's chromium when that is missing.
std::string browserDeps();

struct BrowserJourney {
  int exitCode = -1;
  std::string output;    // everything the script printed
  nlohmann::json seen;   // its last line of JSON (null when there is none)
};

// Runs `script` with Node on `settings` (written to `dir`/journey.json), with cairn_journey.js
// and playwright-core on NODE_PATH. Throws when node cannot run at all.
BrowserJourney runBrowserJourney(const std::string& script, const nlohmann::json& settings,
                                 const std::string& dir, std::chrono::seconds timeout);

}  // namespace cairn::testing
