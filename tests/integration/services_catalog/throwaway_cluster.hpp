#pragma once
// A throwaway PostgreSQL cluster (Debian's postgresql package) for the catalog's integration tests.

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "appliance/host/process_runner.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/temp_dir.hpp"

namespace cairn::catalog::testing {

using namespace std::chrono_literals;
using cairn::testing::TempDir;
using cairn::testing::freeLoopbackPort;

inline std::string postgresBinDir() {
  std::string best;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql")) {
    std::string bin = entry.path().string() + "/bin";
    if (std::filesystem::exists(bin + "/initdb") && bin > best) best = bin;
  }
  if (best.empty()) throw std::runtime_error("no PostgreSQL server found under /usr/lib/postgresql");
  return best;
}

// A PostgreSQL cluster in a temporary directory, listening on a private socket directory and on
// `listenAddresses` ("127.0.0.1"; "" for the socket only, as the postgres image's init-time
// server does). As root, the server runs as the postgres user (it refuses to run as root).
class ThrowawayCluster {
 public:
  explicit ThrowawayCluster(int port = freeLoopbackPort(), std::string listenAddresses = "127.0.0.1")
      : bin_(postgresBinDir()), port_(port), listenAddresses_(std::move(listenAddresses)) {
    ::chmod(dir_.path().c_str(), 0755);
    std::filesystem::create_directories(dir_ / "data");
    std::filesystem::create_directories(dir_ / "socket");
    if (::geteuid() == 0) {
      passwd* postgres = ::getpwnam("postgres");
      if (!postgres) throw std::runtime_error("the postgres user does not exist");
      for (const char* sub : {"data", "socket"}) {
        if (::chown((dir_ / sub).c_str(), postgres->pw_uid, postgres->pw_gid) != 0) throw std::runtime_error("chown");
      }
      runAs_ = {"runuser", "-u", "postgres", "--"};
    }
    run({bin_ + "/initdb", "-D", dir_ / "data", "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
         "--no-sync"});
    start();
  }

  ~ThrowawayCluster() { stop(); }
  ThrowawayCluster(const ThrowawayCluster&) = delete;
  ThrowawayCluster& operator=(const ThrowawayCluster&) = delete;

  void start() {
    run({bin_ + "/pg_ctl", "-D", dir_ / "data", "-l", dir_ / "socket/server.log", "-w", "-t", "60", "-o",
         "-c listen_addresses='" + listenAddresses_ + "' -c fsync=off -p " + std::to_string(port_) + " -k " +
             (dir_ / "socket"),
         "start"});
    started_ = true;
  }

  void stop() {
    if (started_) (void)runner_.run(withUser({bin_ + "/pg_ctl", "-D", dir_ / "data", "-m", "immediate", "-w", "stop"}), 60s);
    started_ = false;
  }

  void restartListeningOn(const std::string& listenAddresses) {
    stop();
    listenAddresses_ = listenAddresses;
    start();
  }

  // Runs a program as the cluster's owner with the given extra environment; throws on failure.
  std::string run(std::vector<std::string> argv, const std::vector<std::string>& env = {}) {
    host::ProcessResult result = attempt(std::move(argv), env);
    if (result.exitCode != 0) throw std::runtime_error("exit " + std::to_string(result.exitCode) + ": " + result.output);
    return result.output;
  }

  host::ProcessResult attempt(std::vector<std::string> argv, const std::vector<std::string>& env = {}) {
    // From /: the postgres user may not be able to enter the test's working directory (a
    // checkout under a 0700 folder), and PostgreSQL's programs then say so in their output.
    std::vector<std::string> command = {"env", "-C", "/"};
    command.insert(command.end(), env.begin(), env.end());
    command.insert(command.end(), argv.begin(), argv.end());
    auto result = runner_.run(withUser(command), 120s);
    if (!result) throw std::runtime_error(result.error().message);
    return result.value();
  }

  // psql over TCP with password authentication, as `user` on database `db`.
  host::ProcessResult sql(const std::string& user, const std::string& password, const std::string& db,
                          const std::string& statements) {
    return attempt({bin_ + "/psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                    std::to_string(port_), "-U", user, "-d", db, "-c", statements},
                   {"PGPASSWORD=" + password, "PGCONNECT_TIMEOUT=10"});
  }

  const std::string& binDir() const { return bin_; }

  std::vector<std::string> socketEnv() const {
    return {"PGHOST=" + (dir_ / "socket"), "PGPORT=" + std::to_string(port_), "PATH=" + bin_ + ":/usr/bin:/bin"};
  }
  const TempDir& dir() const { return dir_; }

 private:
  std::vector<std::string> withUser(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), runAs_.begin(), runAs_.end());
    return argv;
  }

  TempDir dir_;
  std::string bin_;
  int port_;
  std::string listenAddresses_;
  std::vector<std::string> runAs_;
  host::LocalProcessRunner runner_;
  bool started_ = false;
};

}  // namespace cairn::catalog::testing
