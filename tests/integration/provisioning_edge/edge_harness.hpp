#pragma once
// A private edge for tests and benchmarks: real nginx with its own prefix under a temporary root,
// listening on kernel-chosen 127.0.0.1 ports, in front of the echo upstream and the oauth2-proxy
// stand-in, applied through the real apply transaction.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "appliance/bundle/bundle.hpp"
#include "appliance/host/process_runner.hpp"
#include "appliance/spec/spec.hpp"
#include "provisioning/apply/transaction.hpp"
#include "provisioning/edge/edge_options.hpp"
#include "tests/support/child_process.hpp"
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

// Runs commands on this machine and remembers how long each took, for the benchmark.
class TimingRunner final : public host::ProcessRunner {
 public:
  Result<host::ProcessResult> run(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) override;
  // (the first words of argv, milliseconds) of every command since the last clear().
  std::vector<std::pair<std::string, double>> timings;

 private:
  host::LocalProcessRunner local_;
};

class EdgeHarness {
 public:
  // The session cookies the stand-in knows: "admin-session" (groups admin), "viewer-session"
  // (groups viewer).
  static constexpr const char* kAdminCookie = "_oauth2_proxy=admin-session";
  static constexpr const char* kViewerCookie = "_oauth2_proxy=viewer-session";

  EdgeHarness();
  ~EdgeHarness();

  const edge::EdgeOptions& options() const { return options_; }
  // Points later applies at other upstreams (benchmarks use faster ones than the Python servers).
  void setUpstreams(const edge::Upstreams& upstreams) { options_.upstreams = upstreams; }
  const std::string& root() const { return root_.path(); }
  std::string https(const std::string& host, const std::string& path = "/") const;
  std::string http(const std::string& host, const std::string& path = "/") const;

  // Domain edge.test with three routes to the echo upstream: "localhost" (gated), "open.edge.test"
  // (auth none, upstream path /open) and "ops.edge.test" (role admin); `extraRoutes` is appended
  // to the routes array (start it with a comma). "UPSTREAM" in it becomes the echo upstream.
  spec::Spec testSpec(const std::string& extraRoutes = "") const;
  // Renders the edge for `spec` with options() and applies it through the transaction.
  apply::ApplyReport apply(const spec::Spec& spec);
  apply::ApplyReport applyBundle(const bundle::Bundle& bundle);
  // The generation the running nginx answers on `host`, "" when it does not answer.
  std::string servedGeneration(const std::string& host) const;
  TimingRunner& runner() { return runner_; }

 private:
  TempDir root_;
  edge::EdgeOptions options_;
  TimingRunner runner_;
  bundle::Bundle applied_;
  ChildProcess* upstream_ = nullptr;
  ChildProcess* standin_ = nullptr;
  ChildProcess* nginx_ = nullptr;
};

}  // namespace cairn::testing
