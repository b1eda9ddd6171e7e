#pragma once
// A private edge for tests and benchmarks: real nginx with its own prefix under a temporary root,
// listening on kernel-chosen 127.0.0.1 ports, in front of the echo upstream and the real gate
// (oauth2-proxy over the keycloak_server fixture's Keycloak, tests/support/keycloak/real_gate.hpp),
// applied through the real apply transaction.

#include <sys/types.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "appliance/bundle/bundle.hpp"
#include "appliance/host/process_runner.hpp"
#include "appliance/spec/spec.hpp"
#include "provisioning/apply/transaction.hpp"
#include "provisioning/edge/edge_options.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/keycloak/real_gate.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/temp_dir.hpp"

namespace cairn::testing {

// The content of `path` once it exists and is not empty; throws after `seconds`.
std::string waitForFile(const std::string& path, int seconds = 20);

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last value wins
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One request through curl: `url` uses the public host name, which is resolved to 127.0.0.1.
Response fetch(const std::string& url, const std::vector<std::string>& headers = {});

// Where a request comes from: curl runs with `prefix` ({"ip", "netns", "exec", NS} or nothing)
// and resolves every host name to `address`.
struct Client {
  std::vector<std::string> prefix;
  std::string address = "127.0.0.1";
  std::vector<std::string> curlOptions;  // e.g. {"--http1.1"}
};
Response fetchFrom(const Client& client, const std::string& url,
                   const std::vector<std::string>& headers = {});

// Runs commands on this machine and remembers how long each took, for the benchmark.
class TimingRunner final : public host::ProcessRunner {
 public:
  Result<host::ProcessResult> run(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) override;
  // Put before every command ({"ip", "netns", "exec", NS}: the apply runs in that namespace).
  std::vector<std::string> prefix;
  // (the first words of argv, milliseconds) of every command since the last clear().
  std::vector<std::pair<std::string, double>> timings;

 private:
  host::LocalProcessRunner local_;
};

class EdgeHarness {
 public:
  // kReal: the gate of SharedGate, with users alice (admin) and victor (viewer) signed in once per
  // test process; needs the keycloak_server fixture. kNone: nothing answers at the gate's address
  // (for a test that sets upstreams of its own, or needs no sign-in).
  enum class Gate { kReal, kNone };

  // Everything on this machine's loopback.
  explicit EdgeHarness(Gate gate = Gate::kReal);
  // nginx and the upstream in a network namespace of their own, with nginx on every address there
  // (as on the appliance), and a second namespace joined to it by a veth pair as a client from
  // elsewhere: `edgeAddress` is nginx's side, `clientAddress` the client's (x.x.x.1 and x.x.x.2 of
  // a /30). The apply runs in the edge's namespace. No gate: the fixture's Keycloak is on the
  // host's loopback, which the namespace cannot reach.
  struct Namespaces {
    std::string edgeAddress;
    std::string clientAddress;
  };
  explicit EdgeHarness(const Namespaces& namespaces);
  ~EdgeHarness();

  const edge::EdgeOptions& options() const { return options_; }
  // Points later applies at other upstreams (benchmarks use faster ones than the Python servers).
  void setUpstreams(const edge::Upstreams& upstreams) { options_.upstreams = upstreams; }
  const std::string& root() const { return root_.path(); }
  // The real gate (Gate::kReal only) and the session cookie ("name=value") of a user of testSpec().
  const SharedGate& gate() const;
  std::string sessionCookie(const std::string& username) const;
  std::string https(const std::string& host, const std::string& path = "/") const;
  std::string http(const std::string& host, const std::string& path = "/") const;

  // Domain example.com (the fixture's Keycloak is auth.example.com) with the realm of this test
  // process, users alice (admin) and victor (viewer), and three routes to the echo upstream:
  // "localhost" (gated), "open.example.com" (auth none, upstream path /open) and "ops.example.com"
  // (role admin); `extraRoutes` is appended to the routes array (start it with a comma).
  // "UPSTREAM" in it becomes the echo upstream.
  spec::Spec testSpec(const std::string& extraRoutes = "") const;
  // Renders the edge for `spec` with options() and applies it through the transaction.
  apply::ApplyReport apply(const spec::Spec& spec);
  apply::ApplyReport applyBundle(const bundle::Bundle& bundle);
  // Every request the echo upstream received so far, as it answered them ({method, path, headers}).
  std::vector<nlohmann::json> upstreamRequests() const;
  // The generation the running nginx answers on `host`, "" when it does not answer.
  std::string servedGeneration(const std::string& host) const;
  TimingRunner& runner() { return runner_; }
  // The client on nginx's own loopback, and (namespaced harness only) the one from elsewhere.
  const Client& local() const { return local_; }
  const Client& remote() const { return remote_; }

 private:
  void start(const std::vector<std::string>& prefix, Gate gate);
  std::vector<std::string> namespaces_;  // deleted on destruction, after the processes
  TempDir root_;
  edge::EdgeOptions options_;
  TimingRunner runner_;
  bundle::Bundle applied_;
  std::unique_ptr<ChildProcess> upstream_;
  const SharedGate* gate_ = nullptr;
  std::unique_ptr<Oauth2Proxy> gateProxy_;
  std::unique_ptr<ChildProcess> nginx_;
  Client local_;
  Client remote_;
};

}  // namespace cairn::testing
