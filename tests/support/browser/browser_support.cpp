#include "tests/support/browser/browser_support.hpp"

#include <filesystem>
#include <stdexcept>

#include "appliance/host/process_runner.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#ifndef CAIRN_BROWSER_DEPS_SCRIPT
#error "CAIRN_BROWSER_DEPS_SCRIPT must name tests/support/deps/browser.sh"
#endif
#ifndef CAIRN_BROWSER_SUPPORT_DIR
#error "CAIRN_BROWSER_SUPPORT_DIR must name tests/support/browser"
#endif

namespace cairn::testing {

namespace {

void run(const std::string& command) {
  std::string output;
  if (runCommand(command + " 2>&1", &output) != 0) throw std::runtime_error(command + " failed: " + output);
}

}  // namespace

void makeTrustedCertificate(const std::string& domain, const std::string& tlsDir,
                            const std::string& home, const std::string& work) {
  std::filesystem::create_directories(tlsDir);
  std::filesystem::create_directories(home + "/.pki/nssdb");
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  run("openssl req -x509 " + ec + " -days 2 -subj '/CN=cairn test CA' -keyout " + work +
      "/ca.key -out " + work + "/ca.pem -addext basicConstraints=critical,CA:TRUE -addext " +
      "keyUsage=critical,keyCertSign,cRLSign");
  run("openssl req " + ec + " -subj /CN=" + domain + " -keyout " + tlsDir + "/privkey.pem -out " +
      work + "/leaf.csr");
  writeFile(work + "/leaf.ext", "subjectAltName=DNS:" + domain + ",DNS:*." + domain +
                                    "\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
  run("openssl x509 -req -in " + work + "/leaf.csr -CA " + work + "/ca.pem -CAkey " + work +
      "/ca.key -CAcreateserial -days 2 -extfile " + work + "/leaf.ext -out " + tlsDir +
      "/fullchain.pem");
  run("certutil -d sql:" + home + "/.pki/nssdb -N --empty-password");
  run("certutil -d sql:" + home + "/.pki/nssdb -A -t C,, -n cairn-test-ca -i " + work + "/ca.pem");
}

std::string browserDeps() {
  std::string where;
  if (runCommand("bash " CAIRN_BROWSER_DEPS_SCRIPT " --where", &where) != 0)
    throw std::runtime_error(CAIRN_BROWSER_DEPS_SCRIPT " --where failed");
  while (!where.empty() && where.back() == '\n') where.pop_back();
  if (!std::filesystem::exists(where + "/node_modules/playwright-core/package.json"))
    throw std::runtime_error(where + " has no playwright-core; install it with `bash " +
                             std::string(CAIRN_BROWSER_DEPS_SCRIPT) + "`");
  if (!std::filesystem::exists("/usr/bin/chromium"))
    throw std::runtime_error("/usr/bin/chromium is missing: install Debian's chromium");
  return where;
}

BrowserJourney runBrowserJourney(const std::string& script, const nlohmann::json& settings,
                                 const std::string& dir, std::chrono::seconds timeout) {
  std::string deps = browserDeps();
  writeFile(dir + "/journey.json", settings.dump());
  host::LocalProcessRunner runner;
  auto ran = runner.run({"env", "NODE_PATH=" + deps + "/node_modules:" CAIRN_BROWSER_SUPPORT_DIR,
                         "node", script, dir + "/journey.json"},
                        timeout);
  if (!ran.ok()) throw std::runtime_error("node " + script + " did not run: " + ran.error().message);
  BrowserJourney journey;
  journey.exitCode = ran.value().exitCode;
  journey.output = ran.value().output;
  std::string::size_type line = journey.output.rfind("\n{");
  journey.seen = nlohmann::json::parse(
      journey.output.substr(line == std::string::npos ? 0 : line + 1), nullptr, false);
  if (journey.seen.is_discarded()) journey.seen = nullptr;
  return journey;
}

}  // namespace cairn::testing
