#include "tests/integration/provisioning_edge/edge_harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "appliance/host/files.hpp"
#include "appliance/spec/load.hpp"
#include "appliance/state/paths.hpp"
#include "provisioning/edge/edge.hpp"
#include "provisioning/edge/edge_paths.hpp"
#include "provisioning/edge/nginx.hpp"

namespace cairn::testing {
namespace {

const std::string kHere = CAIRN_EDGE_TEST_DIR;

std::string nginxMainConf(const std::string& root) {
  return "daemon off;\n"
         "master_process on;\n"
         "worker_processes 2;\n"
         "user root root;\n"
         "pid " +
         root +
         "/run/nginx.pid;\n"
         "error_log " +
         root +
         "/var/log/nginx/error.log warn;\n"
         "events {\n    worker_connections 1024;\n}\n"
         "http {\n"
         "    sendfile on;\n"
         "    tcp_nopush on;\n"
         "    types_hash_max_size 2048;\n"
         "    include /etc/nginx/mime.types;\n"
         "    default_type application/octet-stream;\n"
         "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n"
         "    ssl_prefer_server_ciphers on;\n"
         "    access_log " +
         root +
         "/var/log/nginx/access.log;\n"
         "    gzip on;\n"
         "    client_body_temp_path " +
         root +
         "/var/lib/nginx/body;\n"
         "    proxy_temp_path " +
         root +
         "/var/lib/nginx/proxy;\n"
         "    fastcgi_temp_path " +
         root +
         "/var/lib/nginx/fastcgi;\n"
         "    uwsgi_temp_path " +
         root +
         "/var/lib/nginx/uwsgi;\n"
         "    scgi_temp_path " +
         root +
         "/var/lib/nginx/scgi;\n"
         "    include conf.d/*.conf;\n"
         "}\n";
}

}  // namespace

Result<host::ProcessResult> TimingRunner::run(const std::vector<std::string>& argv,
                                              std::chrono::milliseconds timeout) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> command = prefix;
  command.insert(command.end(), argv.begin(), argv.end());
  auto result = local_.run(command, timeout);
  std::string name = argv.empty() ? "" : argv[0];
  // "sh -c SCRIPT NAME ...": the name says more than the script.
  if (argv.size() > 3 && argv[0] == "sh" && argv[1] == "-c")
    name = argv[3];
  else if (argv.size() > 2 && argv[0] == "sh")
    name = argv[2];
  timings.emplace_back(
      name,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  return result;
}

std::string waitForFile(const std::string& path, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto content = host::readFile(path);
    if (content && !content.value().empty()) return content.value();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error(path + " did not appear within " + std::to_string(seconds) + " s");
}

Response fetch(const std::string& url, const std::vector<std::string>& headers) {
  return fetchFrom(Client{}, url, headers);
}

Response fetchFrom(const Client& client, const std::string& url,
                   const std::vector<std::string>& headers) {
  // https://host:port/path → resolve host:port to the client's address of nginx
  std::string rest = url.substr(url.find("://") + 3);
  std::string hostPort = rest.substr(0, rest.find('/'));
  std::vector<std::string> argv = client.prefix;
  argv.insert(argv.end(), {"curl", "-sk", "-i", "--max-time", "10", "--resolve",
                           hostPort + ":" + client.address, url});
  argv.insert(argv.end(), client.curlOptions.begin(), client.curlOptions.end());
  for (const auto& header : headers) {
    argv.push_back("-H");
    argv.push_back(header);
  }
  host::LocalProcessRunner runner;
  auto result = runner.run(argv, std::chrono::seconds(15));
  if (!result || result.value().exitCode != 0) {
    throw std::runtime_error(
        "curl " + url + " failed: " + (result ? result.value().output : result.error().message));
  }
  const std::string& out = result.value().output;
  Response response;
  std::size_t headerEnd = out.find("\r\n\r\n");
  std::string head = out.substr(0, headerEnd);
  response.body = headerEnd == std::string::npos ? "" : out.substr(headerEnd + 4);
  std::size_t lineEnd = head.find("\r\n");
  std::string statusLine = head.substr(0, lineEnd);
  response.status = std::stoi(statusLine.substr(statusLine.find(' ') + 1, 3));
  for (std::size_t at = lineEnd; at != std::string::npos && at < head.size();) {
    std::size_t next = head.find("\r\n", at + 2);
    std::string line =
        head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t valueStart = line.find_first_not_of(' ', colon + 1);
      response.headers[name] = valueStart == std::string::npos ? "" : line.substr(valueStart);
    }
    at = next;
  }
  return response;
}

EdgeHarness::EdgeHarness(Gate gate) {
  options_.listenAddress = "127.0.0.1";
  start({}, gate);
}

namespace {

void runOrThrow(const std::vector<std::string>& argv) {
  host::LocalProcessRunner runner;
  auto result = runner.run(argv, std::chrono::seconds(20));
  if (!result || result.value().exitCode != 0) {
    std::string line;
    for (const auto& word : argv) line += word + " ";
    throw std::runtime_error(line + "failed: " +
                             (result ? result.value().output : result.error().message));
  }
}

}  // namespace

EdgeHarness::EdgeHarness(const Namespaces& namespaces) {
  std::string suffix = std::to_string(::getpid() % 100000);
  std::string edge = "cairn-edge-" + suffix, client = "cairn-edge-peer-" + suffix;
  std::string a = "cn" + suffix + "e", b = "cn" + suffix + "c";
  runOrThrow({"ip", "netns", "add", edge});
  namespaces_.push_back(edge);
  runOrThrow({"ip", "netns", "add", client});
  namespaces_.push_back(client);
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"ip", "link", "add", a, "type", "veth", "peer", "name", b},
           {"ip", "link", "set", a, "netns", edge},
           {"ip", "link", "set", b, "netns", client},
           {"ip", "-n", edge, "addr", "add", namespaces.edgeAddress + "/30", "dev", a},
           {"ip", "-n", client, "addr", "add", namespaces.clientAddress + "/30", "dev", b},
           {"ip", "-n", edge, "link", "set", a, "up"},
           {"ip", "-n", client, "link", "set", b, "up"},
           {"ip", "-n", edge, "link", "set", "lo", "up"},
           {"ip", "-n", client, "link", "set", "lo", "up"}}) {
    runOrThrow(argv);
  }
  std::vector<std::string> inEdge = {"ip", "netns", "exec", edge};
  runner_.prefix = inEdge;
  local_ = {inEdge, "127.0.0.1", {}};
  remote_ = {{"ip", "netns", "exec", client}, namespaces.edgeAddress, {}};
  options_.listenAddress = "";  // every address of the namespace, like the appliance
  options_.ipv6 = false;
  start(inEdge, Gate::kNone);
  options_.rateLimitExempt = edge::EdgeOptions{}.rateLimitExempt;  // the appliance's own
}

void EdgeHarness::start(const std::vector<std::string>& prefix, Gate gate) {
  auto in = [&prefix](std::vector<std::string> argv) {
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
    return argv;
  };
  const std::string& root = root_.path();
  for (const char* dir : {"/var/log/nginx", "/var/lib/nginx", "/usr/share/nginx", "/run",
                          "/etc/nginx/conf.d", "/var/lib/cairn/acme/.well-known/acme-challenge"}) {
    (void)host::makeDirectories(root + dir);
  }
  writeFile(root + "/etc/nginx/nginx.conf", nginxMainConf(root));

  upstream_ = std::make_unique<ChildProcess>(
      in({"python3", kHere + "/echo_upstream.py", "--port-file", root + "/upstream.port", "--log",
          root + "/upstream-requests.jsonl"}),
      root + "/upstream.log");
  std::string upstream = "127.0.0.1:" + waitForFile(root + "/upstream.port");
  // Unbound while no gate runs: nginx answers 500 for the sign-in.
  std::string gateAddress = "127.0.0.1:" + std::to_string(freeLoopbackPort());
  options_.upstreams = {upstream, gateAddress, upstream, upstream};
  if (gate == Gate::kReal) {
    gate_ = &SharedGate::of(testSpec());
    gateProxy_ = gate_->startProxy(root + "/oauth2-proxy.log");
    options_.upstreams.oauth2Proxy = gateProxy_->url().substr(std::string("http://").size());
  }

  options_.httpPort = freeLoopbackPort();
  options_.httpsPort = freeLoopbackPort();
  options_.nginxErrorLog = root + "/var/log/nginx/error.log";
  options_.rateLimitExempt = {};  // every test client is on loopback
  options_.nginxCommand = {"nginx", "-p", root + "/usr/share/nginx/", "-c",
                           root + "/etc/nginx/nginx.conf"};

  nginx_ = std::make_unique<ChildProcess>(in(options_.nginxCommand), root + "/nginx.log");
  waitForFile(root + "/run/nginx.pid");
}

EdgeHarness::~EdgeHarness() {
  if (nginx_) nginx_->stop(SIGQUIT);
  nginx_.reset();
  gateProxy_.reset();
  upstream_.reset();
  host::LocalProcessRunner runner;
  for (const auto& name : namespaces_)
    (void)runner.run({"ip", "netns", "del", name}, std::chrono::seconds(10));
}

const SharedGate& EdgeHarness::gate() const {
  if (!gate_) throw std::logic_error("this edge harness runs no gate");
  return *gate_;
}

std::string EdgeHarness::sessionCookie(const std::string& username) const {
  return gate().session(username).cookie;
}

std::string EdgeHarness::https(const std::string& host, const std::string& path) const {
  return "https://" + host + ":" + std::to_string(options_.httpsPort) + path;
}

std::string EdgeHarness::http(const std::string& host, const std::string& path) const {
  return "http://" + host + ":" + std::to_string(options_.httpPort) + path;
}

apply::ApplyReport EdgeHarness::apply(const spec::Spec& spec) {
  return applyBundle(edge::renderEdge(spec, options_));
}

apply::ApplyReport EdgeHarness::applyBundle(const bundle::Bundle& bundle) {
  apply::Transaction transaction(state::Paths{root_.path()}, runner_);
  auto report = transaction.apply(bundle, applied_, false);
  if (report.status == apply::ApplyStatus::kApplied) applied_ = bundle;
  return report;
}

std::vector<nlohmann::json> EdgeHarness::upstreamRequests() const {
  std::vector<nlohmann::json> requests;
  auto text = host::readFile(root_.path() + "/upstream-requests.jsonl");
  std::istringstream lines(text ? text.value() : "");
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) requests.push_back(nlohmann::json::parse(line));
  return requests;
}

std::string EdgeHarness::servedGeneration(const std::string& host) const {
  try {
    Response response = fetchFrom(local_, https(host, edge::kProbePath));
    if (response.status != 200) return "";
    std::string body = response.body;
    while (!body.empty() && body.back() == '\n') body.pop_back();
    return body;
  } catch (const std::exception&) {
    return "";
  }
}

spec::Spec EdgeHarness::testSpec(const std::string& extraRoutes) const {
  std::string text = R"({"version": 1, "domain": "example.com",
    "sso": {"realm": "edge-)" + std::to_string(::getpid()) + R"("},
    "users": [{"username": "alice", "email": "alice@example.com", "roles": ["admin"]},
              {"username": "victor", "email": "victor@example.com", "roles": ["viewer"]}],
    "routes": [
      {"host": "localhost", "upstream": "http://UPSTREAM/"},
      {"host": "open.example.com", "upstream": "http://UPSTREAM/open", "auth": "none"},
      {"host": "ops.example.com", "upstream": "http://UPSTREAM/", "roles": ["admin"]})" +
                     extraRoutes + "]}";
  for (auto at = text.find("UPSTREAM"); at != std::string::npos; at = text.find("UPSTREAM")) {
    text.replace(at, 8, options_.upstreams.grafana);
  }
  return spec::loadSpec(text);
}

}  // namespace cairn::testing
