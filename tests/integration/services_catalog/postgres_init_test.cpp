#define BOOST_TEST_MODULE services_catalog_integration
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "appliance/host/process_runner.hpp"
#include "appliance/spec/load.hpp"
#include "services/catalog/catalog.hpp"
#include "services/catalog/services.hpp"
#include "tests/support/temp_dir.hpp"

// Runs the rendered PostgreSQL init script against a real, throwaway PostgreSQL cluster (Debian's
// postgresql package) and checks what the Keycloak and Airflow roles can do afterwards.

namespace cairn::catalog {
namespace {

using namespace std::chrono_literals;

std::string postgresBinDir() {
  std::string best;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql")) {
    std::string bin = entry.path().string() + "/bin";
    if (std::filesystem::exists(bin + "/initdb") && bin > best) best = bin;
  }
  if (best.empty()) throw std::runtime_error("no PostgreSQL server found under /usr/lib/postgresql");
  return best;
}

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 and a private socket
// directory. As root, the server runs as the postgres user (it refuses to run as root).
class ThrowawayCluster {
 public:
  ThrowawayCluster() : bin_(postgresBinDir()), port_(freeLoopbackPort()) {
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
    run({bin_ + "/pg_ctl", "-D", dir_ / "data", "-l", dir_ / "socket/server.log", "-w", "-t", "60", "-o",
         "-c listen_addresses=127.0.0.1 -c fsync=off -p " + std::to_string(port_) + " -k " + (dir_ / "socket"),
         "start"});
    started_ = true;
  }

  ~ThrowawayCluster() {
    if (started_) (void)runner_.run(withUser({bin_ + "/pg_ctl", "-D", dir_ / "data", "-m", "immediate", "-w", "stop"}), 60s);
  }

  // Runs a program as the cluster's owner with the given extra environment; throws on failure.
  std::string run(std::vector<std::string> argv, const std::vector<std::string>& env = {}) {
    host::ProcessResult result = attempt(std::move(argv), env);
    if (result.exitCode != 0) throw std::runtime_error("exit " + std::to_string(result.exitCode) + ": " + result.output);
    return result.output;
  }

  host::ProcessResult attempt(std::vector<std::string> argv, const std::vector<std::string>& env = {}) {
    std::vector<std::string> command = {"env"};
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

  std::vector<std::string> socketEnv() const {
    return {"PGHOST=" + (dir_ / "socket"), "PGPORT=" + std::to_string(port_), "PATH=" + bin_ + ":/usr/bin:/bin"};
  }
  const testing::TempDir& dir() const { return dir_; }

 private:
  std::vector<std::string> withUser(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), runAs_.begin(), runAs_.end());
    return argv;
  }

  testing::TempDir dir_;
  std::string bin_;
  int port_;
  std::vector<std::string> runAs_;
  host::LocalProcessRunner runner_;
  bool started_ = false;
};

secrets::Secrets generatedSecrets() {
  secrets::Secrets secrets = secrets::Secrets::fromJson({{"version", 1}, {"secrets", nlohmann::json::object()}});
  secrets.fillMissing(secrets::kernelRandom(), "2026-01-01T00:00:00Z");
  return secrets;
}

// The rendered bundle's script, and the postgres container's environment from containers.json.
struct RenderedInit {
  std::string script;
  std::map<std::string, std::string> env;
};

RenderedInit renderInit(const secrets::Secrets& secrets) {
  bundle::Bundle rendered = renderCatalog(spec::loadSpec(R"({"version": 1, "domain": "example.com"})"), secrets);
  RenderedInit init;
  init.script = rendered.find(kPostgresInitPath)->content;
  auto containers = nlohmann::json::parse(rendered.find(kContainersPath)->content);
  for (const auto& service : containers["services"]) {
    if (service["name"] == "postgres") init.env = service["containers"][0]["env"].get<std::map<std::string, std::string>>();
  }
  return init;
}

struct InitializedCluster {
  secrets::Secrets secrets = generatedSecrets();
  RenderedInit init = renderInit(secrets);
  ThrowawayCluster cluster;
  std::string scriptPath = cluster.dir() / "initdb/10-cairn-databases.sh";

  InitializedCluster() {
    testing::writeFile(scriptPath, init.script, 0755);
    ::chmod((cluster.dir() / "initdb").c_str(), 0755);
    runScript();
  }

  // As the image does: executed (it is executable) with the container's environment.
  std::string runScript() {
    std::vector<std::string> env = cluster.socketEnv();
    env.push_back("POSTGRES_USER=postgres");
    env.push_back("POSTGRES_DB=postgres");
    for (const auto& [key, value] : init.env) env.push_back(key + "=" + value);
    return cluster.run({scriptPath}, env);
  }

  std::string password(const std::string& role) const { return secrets.get(role + "_db_password"); }
};

BOOST_FIXTURE_TEST_SUITE(postgres_init, InitializedCluster)

BOOST_AUTO_TEST_CASE(each_role_logs_in_and_creates_a_table_in_its_own_database) {
  for (const std::string role : {"airflow", "keycloak"}) {
    host::ProcessResult result = cluster.sql(role, password(role), role,
                                             "CREATE TABLE probe (id int); INSERT INTO probe VALUES (42); "
                                             "SELECT id FROM public.probe;");
    BOOST_TEST(result.exitCode == 0, role << ": " << result.output);
    BOOST_TEST(result.output.find("42") != std::string::npos, result.output);
    host::ProcessResult owner = cluster.sql(role, password(role), role,
                                            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database();");
    BOOST_TEST(owner.output == role + "\n");
  }
}

BOOST_AUTO_TEST_CASE(a_wrong_password_is_refused) {
  host::ProcessResult result = cluster.sql("airflow", "not-the-password", "airflow", "SELECT 1;");
  BOOST_TEST(result.exitCode != 0);
  BOOST_TEST(result.output.find("password authentication failed") != std::string::npos, result.output);
}

BOOST_AUTO_TEST_CASE(a_role_cannot_connect_to_the_other_applications_database) {
  host::ProcessResult result = cluster.sql("keycloak", password("keycloak"), "airflow", "SELECT 1;");
  BOOST_TEST(result.exitCode != 0);
  BOOST_TEST(result.output.find("permission denied") != std::string::npos, result.output);
}

BOOST_AUTO_TEST_CASE(running_the_script_again_keeps_the_data) {
  BOOST_REQUIRE(cluster.sql("airflow", password("airflow"), "airflow", "CREATE TABLE kept (id int);").exitCode == 0);
  runScript();
  host::ProcessResult result = cluster.sql("airflow", password("airflow"), "airflow", "SELECT count(*) FROM kept;");
  BOOST_TEST(result.exitCode == 0, result.output);
  BOOST_TEST(result.output == "0\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(script_refuses_to_run_without_the_passwords) {
  ThrowawayCluster cluster;
  std::string path = cluster.dir() / "initdb/10-cairn-databases.sh";
  testing::writeFile(path, postgresInitScript(), 0755);
  ::chmod((cluster.dir() / "initdb").c_str(), 0755);
  std::vector<std::string> env = cluster.socketEnv();
  env.push_back("POSTGRES_USER=postgres");
  host::ProcessResult result = cluster.attempt({path}, env);
  BOOST_TEST(result.exitCode != 0);
  BOOST_TEST(result.output.find("CAIRN_KEYCLOAK_DB_PASSWORD") != std::string::npos, result.output);
  host::ProcessResult roles = cluster.attempt(
      {"psql", "-X", "-t", "-A", "-U", "postgres", "-d", "postgres", "-c",
       "SELECT count(*) FROM pg_roles WHERE rolname IN ('airflow', 'keycloak');"},
      cluster.socketEnv());
  BOOST_TEST(roles.output == "0\n", roles.output);
}

}  // namespace
}  // namespace cairn::catalog
