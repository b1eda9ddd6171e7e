#include "appliance/spec/load.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <sstream>

#include "appliance/spec/syntax.hpp"

namespace cairn::spec {

using nlohmann::json;

namespace {

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string indexed(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string jsonQuote(const std::string& text) { return json(text).dump(); }

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

const char* typeName(const json& value) {
  switch (value.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::null: return "null";
    default: return "a number";
  }
}

// Walks the document, filling values and collecting every shape problem.
class Reader {
 public:
  explicit Reader(std::vector<SpecIssue>& issues) : issues_(issues) {}

  void issue(const std::string& path, std::string message) {
    issues_.push_back({path, std::move(message)});
  }

  // True if `value` is an object; every key not in `known` is reported with a hint.
  bool object(const json& value, const std::string& path, const std::vector<std::string>& known) {
    if (!value.is_object()) {
      issue(path, std::string("must be an object, not ") + typeName(value));
      return false;
    }
    for (const auto& [key, ignored] : value.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string message = "unknown key " + jsonQuote(key);
      if (auto hint = closestMatch(key, known)) message += " (did you mean " + jsonQuote(*hint) + "?)";
      issue(join(path, key), message);
    }
    return true;
  }

  const json* member(const json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  // The top-level array `key`, or nullptr when absent or (reported) not an array.
  const json* array(const json& document, const char* key) {
    const json* value = member(document, key);
    if (value && !value->is_array()) {
      issue(key, std::string("must be an array, not ") + typeName(*value));
      return nullptr;
    }
    return value;
  }

  void string(const json& object, const std::string& path, const char* key, std::string& out) {
    const json* value = member(object, key);
    if (!value) return;
    if (!value->is_string()) {
      issue(join(path, key), std::string("must be a string, not ") + typeName(*value));
      return;
    }
    out = value->get<std::string>();
  }

  void boolean(const json& object, const std::string& path, const char* key, bool& out) {
    const json* value = member(object, key);
    if (!value) return;
    if (!value->is_boolean()) {
      issue(join(path, key), std::string("must be true or false, not ") + typeName(*value));
      return;
    }
    out = value->get<bool>();
  }

  void integer(const json& object, const std::string& path, const char* key, int& out, int min, int max) {
    const json* value = member(object, key);
    if (!value) return;
    if (!value->is_number_integer()) {
      issue(join(path, key), std::string("must be an integer, not ") + typeName(*value));
      return;
    }
    auto number = value->get<long long>();
    if (number < min || number > max) {
      issue(join(path, key), std::to_string(number) + " is out of range " + std::to_string(min) + ".." +
                                 std::to_string(max));
      return;
    }
    out = static_cast<int>(number);
  }

  void port(const json& value, const std::string& path, int& out) {
    if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 65535) {
      issue(path, value.dump() + " is not a valid port (1..65535)");
      return;
    }
    out = value.get<int>();
  }

  void number(const json& object, const std::string& path, const char* key, double& out, double min, double max) {
    const json* value = member(object, key);
    if (!value) return;
    if (!value->is_number()) {
      issue(join(path, key), std::string("must be a number, not ") + typeName(*value));
      return;
    }
    double number = value->get<double>();
    if (number < min || number > max) {
      std::ostringstream message;
      message << number << " is out of range " << min << ".." << max;
      issue(join(path, key), message.str());
      return;
    }
    out = number;
  }

  void duration(const json& object, const std::string& path, const char* key, Duration& out) {
    std::string text;
    if (!member(object, key)) return;
    string(object, path, key, text);
    if (text.empty() && !member(object, key)->is_string()) return;
    if (auto parsed = parseDuration(text)) {
      out = *parsed;
    } else {
      issue(join(path, key), jsonQuote(text) + " is not a duration (like 15s, 5m, 2h, 15d)");
    }
  }

  void size(const json& object, const std::string& path, const char* key, Size& out) {
    std::string text;
    if (!member(object, key)) return;
    string(object, path, key, text);
    if (text.empty() && !member(object, key)->is_string()) return;
    if (auto parsed = parseSize(text)) {
      out = *parsed;
    } else {
      issue(join(path, key), jsonQuote(text) + " is not a size (like 512MiB, 10GiB)");
    }
  }

  void roles(const json& object, const std::string& path, const char* key, std::vector<Role>& out) {
    const json* value = member(object, key);
    if (!value) return;
    std::string rolesPath = join(path, key);
    if (!value->is_array()) {
      issue(rolesPath, std::string("must be an array of roles, not ") + typeName(*value));
      return;
    }
    for (std::size_t i = 0; i < value->size(); ++i) {
      const json& item = (*value)[i];
      std::optional<Role> role = item.is_string() ? roleFromName(item.get<std::string>()) : std::nullopt;
      if (!role) {
        issue(indexed(rolesPath, i), item.dump() + " is not a role (admin, operator or viewer)");
        continue;
      }
      if (std::find(out.begin(), out.end(), *role) != out.end()) {
        issue(indexed(rolesPath, i), "role " + item.dump() + " is listed twice");
        continue;
      }
      out.push_back(*role);
    }
  }

  void frameAncestors(const json& object, const std::string& path, const char* key,
                      std::vector<std::string>& out) {
    const json* value = member(object, key);
    if (!value) return;
    std::string listPath = join(path, key);
    if (!value->is_array() || value->empty()) {
      issue(listPath, "must be a non-empty array of frame-ancestors sources (\"'self'\", \"'none'\", \"*\" or "
                      "https://host[:port]), not " + (value->is_array() ? std::string("an empty array") : typeName(*value)));
      return;
    }
    std::vector<std::string> sources;
    for (std::size_t i = 0; i < value->size(); ++i) {
      const json& item = (*value)[i];
      std::string source = item.is_string() ? item.get<std::string>() : "";
      if (!isValidFrameAncestor(source)) {
        issue(indexed(listPath, i), item.dump() + " is not a frame-ancestors source (\"'self'\", \"'none'\", \"*\" or "
                                    "https://host[:port], the host may start with *.)");
        continue;
      }
      if (std::find(sources.begin(), sources.end(), source) != sources.end()) {
        issue(indexed(listPath, i), item.dump() + " is listed twice");
        continue;
      }
      sources.push_back(source);
    }
    bool alone = std::find(sources.begin(), sources.end(), "'none'") != sources.end() ||
                 std::find(sources.begin(), sources.end(), "*") != sources.end();
    if (alone && sources.size() > 1) issue(listPath, "\"'none'\" and \"*\" must be the only source");
    out = sources;
  }

 private:
  std::vector<SpecIssue>& issues_;
};

Size sizeOf(const char* text) { return *parseSize(text); }
Duration durationOf(const char* text) { return *parseDuration(text); }

Resources defaultResources(const std::string& service) {
  // Each limit is well above what the service uses at rest (tests/bench/footprint measures it),
  // and with one Airflow worker they add up to 6.8 GiB, so the appliance fits a VPS of 8 GB.
  // Airflow's figure is each Celery worker's, where tasks run; its other containers have fixed
  // limits (services/catalog/airflow.cpp).
  static const std::map<std::string, std::pair<const char*, double>> kDefaults = {
      {"postgres", {"512MiB", 1.0}},     {"redis", {"256MiB", 0.5}},      {"keycloak", {"1GiB", 1.0}},
      {"oauth2-proxy", {"64MiB", 0.25}}, {"grafana", {"256MiB", 0.5}},    {"prometheus", {"512MiB", 1.0}},
      {"loki", {"256MiB", 0.5}},         {"airflow", {"1536MiB", 1.0}}};
  const auto& [memory, cpus] = kDefaults.at(service);
  return Resources{sizeOf(memory), cpus};
}

Spec defaults() {
  Spec spec;
  spec.tls.mode = TlsMode::kSelfSigned;
  for (const auto& name : serviceNames()) {
    ServiceSettings settings;
    settings.image = defaultImage(name);
    settings.resources = defaultResources(name);
    settings.workers = name == "airflow" ? 1 : 0;
    settings.workerConcurrency = name == "airflow" ? 16 : 0;  // Celery's and Airflow's default
    spec.services[name] = settings;
  }
  spec.monitoring = Monitoring{durationOf("15s"), durationOf("15d"), sizeOf("10GiB"), "127.0.0.1:9464"};
  spec.logs.retention = durationOf("7d");
  spec.logs.maxLineSize = sizeOf("256KiB");
  spec.logs.batchSize = sizeOf("1MiB");
  spec.logs.batchWait = durationOf("1s");
  spec.sso = Sso{"cairn", durationOf("30m"), durationOf("10h")};
  spec.airflow.dags.folder = kDefaultDagsFolder;
  return spec;
}

void readTls(Reader& r, const json& doc, Spec& spec) {
  const json* tls = r.member(doc, "tls");
  if (!tls || !r.object(*tls, "tls", {"mode", "certificate", "key"})) return;
  std::string mode;
  r.string(*tls, "tls", "mode", mode);
  if (mode == "self-signed") spec.tls.mode = TlsMode::kSelfSigned;
  else if (mode == "acme") spec.tls.mode = TlsMode::kAcme;
  else if (mode == "provided") spec.tls.mode = TlsMode::kProvided;
  else if (r.member(*tls, "mode") && (*tls)["mode"].is_string())
    r.issue("tls.mode", jsonQuote(mode) + " is not a TLS mode (self-signed, acme or provided)");
  r.string(*tls, "tls", "certificate", spec.tls.certificateFile);
  r.string(*tls, "tls", "key", spec.tls.keyFile);
}

void readHosts(Reader& r, const json& doc, Spec& spec) {
  spec.hosts = Hosts{spec.domain, "auth." + spec.domain, "grafana." + spec.domain, "airflow." + spec.domain};
  const json* hosts = r.member(doc, "hosts");
  if (!hosts || !r.object(*hosts, "hosts", {"status", "auth", "grafana", "airflow"})) return;
  r.string(*hosts, "hosts", "status", spec.hosts.status);
  r.string(*hosts, "hosts", "auth", spec.hosts.auth);
  r.string(*hosts, "hosts", "grafana", spec.hosts.grafana);
  r.string(*hosts, "hosts", "airflow", spec.hosts.airflow);
}

void readServices(Reader& r, const json& doc, Spec& spec) {
  const json* services = r.member(doc, "services");
  if (!services || !r.object(*services, "services", serviceNames())) return;
  for (const auto& name : serviceNames()) {
    const json* entry = r.member(*services, name.c_str());
    if (!entry) continue;
    std::string path = "services." + name;
    std::vector<std::string> keys = {"enabled", "image", "memory", "cpus"};
    if (name == "airflow") keys.insert(keys.end(), {"workers", "worker_concurrency"});
    if (!r.object(*entry, path, keys)) continue;
    ServiceSettings& settings = spec.services[name];
    r.boolean(*entry, path, "enabled", settings.enabled);
    r.string(*entry, path, "image", settings.image);
    r.size(*entry, path, "memory", settings.resources.memory);
    r.number(*entry, path, "cpus", settings.resources.cpus, 0.01, 256);
    if (name == "airflow") {
      r.integer(*entry, path, "workers", settings.workers, 1, 32);
      r.integer(*entry, path, "worker_concurrency", settings.workerConcurrency, 1, 64);
    }
  }
}

void readRoutes(Reader& r, const json& doc, Spec& spec) {
  const json* routes = r.array(doc, "routes");
  if (!routes) return;
  for (std::size_t i = 0; i < routes->size(); ++i) {
    std::string path = indexed("routes", i);
    const json& entry = (*routes)[i];
    Route route;
    if (r.object(entry, path, {"host", "upstream", "auth", "roles", "frame_ancestors", "websockets"})) {
      r.string(entry, path, "host", route.host);
      r.string(entry, path, "upstream", route.upstream);
      std::string auth = "sso";
      r.string(entry, path, "auth", auth);
      if (auth == "none") route.auth = RouteAuth::kNone;
      else if (auth != "sso") r.issue(join(path, "auth"), jsonQuote(auth) + " is not an auth mode (sso or none)");
      r.roles(entry, path, "roles", route.roles);
      r.frameAncestors(entry, path, "frame_ancestors", route.frameAncestors);
      r.boolean(entry, path, "websockets", route.websockets);
      if (!r.member(entry, "host")) r.issue(join(path, "host"), "is required");
      if (!r.member(entry, "upstream")) r.issue(join(path, "upstream"), "is required");
    }
    spec.routes.push_back(route);
  }
}

// The first character Keycloak's person-name validator (person-name-prohibited-characters, on
// firstName and lastName of the default user profile) refuses; 0 if none.
char personNameProhibitedCharacter(const std::string& name) {
  static const std::string kProhibited = "<>&\"$%!#?;*~/\\|^=[]{}()";
  for (char c : name) {
    if (kProhibited.find(c) != std::string::npos || (static_cast<unsigned char>(c) < 0x20) || c == 0x7f) return c;
  }
  return 0;
}

void readUsers(Reader& r, const json& doc, Spec& spec) {
  const json* users = r.array(doc, "users");
  if (!users) return;
  for (std::size_t i = 0; i < users->size(); ++i) {
    std::string path = indexed("users", i);
    const json& entry = (*users)[i];
    User user;
    if (r.object(entry, path, {"username", "email", "first_name", "last_name", "roles"})) {
      r.string(entry, path, "username", user.username);
      r.string(entry, path, "email", user.email);
      r.string(entry, path, "first_name", user.firstName);
      r.string(entry, path, "last_name", user.lastName);
      r.roles(entry, path, "roles", user.roles);
      for (const char* key : {"username", "email", "roles"}) {
        if (!r.member(entry, key)) r.issue(join(path, key), "is required");
      }
      for (const auto& [key, name] : {std::pair<const char*, const std::string*>{"first_name", &user.firstName},
                                      {"last_name", &user.lastName}}) {
        if (char bad = personNameProhibitedCharacter(*name)) {
          r.issue(join(path, key), jsonQuote(*name) + " contains " + jsonQuote(std::string(1, bad)) +
                                       ", which Keycloak refuses in a person's name");
        }
      }
    }
    // Keycloak's user profile requires both names; the defaults must pass its name validator.
    if (user.firstName.empty()) user.firstName = user.username;
    if (user.lastName.empty()) user.lastName = "cairn";
    spec.users.push_back(user);
  }
}

void readMonitoring(Reader& r, const json& doc, Spec& spec) {
  const json* monitoring = r.member(doc, "monitoring");
  if (!monitoring ||
      !r.object(*monitoring, "monitoring", {"scrape_interval", "retention", "retention_size", "exporter_listen"})) {
    return;
  }
  r.duration(*monitoring, "monitoring", "scrape_interval", spec.monitoring.scrapeInterval);
  r.duration(*monitoring, "monitoring", "retention", spec.monitoring.retention);
  r.size(*monitoring, "monitoring", "retention_size", spec.monitoring.retentionSize);
  r.string(*monitoring, "monitoring", "exporter_listen", spec.monitoring.exporterListen);
}

void readLogs(Reader& r, const json& doc, Spec& spec) {
  const json* logs = r.member(doc, "logs");
  if (!logs || !r.object(*logs, "logs", {"retention", "loki_url", "tenant", "username", "password_file", "labels",
                                         "max_line_size", "batch_size", "batch_wait"})) {
    return;
  }
  r.duration(*logs, "logs", "retention", spec.logs.retention);
  r.string(*logs, "logs", "loki_url", spec.logs.lokiUrl);
  r.string(*logs, "logs", "tenant", spec.logs.tenant);
  r.string(*logs, "logs", "username", spec.logs.username);
  r.string(*logs, "logs", "password_file", spec.logs.passwordFile);
  r.size(*logs, "logs", "max_line_size", spec.logs.maxLineSize);
  r.size(*logs, "logs", "batch_size", spec.logs.batchSize);
  r.duration(*logs, "logs", "batch_wait", spec.logs.batchWait);
  if (const json* labels = r.member(*logs, "labels")) {
    if (!labels->is_object()) {
      r.issue("logs.labels", std::string("must be an object of strings, not ") + typeName(*labels));
      return;
    }
    for (const auto& [key, value] : labels->items()) {
      if (!value.is_string()) {
        r.issue("logs.labels." + key, std::string("must be a string, not ") + typeName(value));
        continue;
      }
      spec.logs.labels[key] = value.get<std::string>();
    }
  }
}

void readSso(Reader& r, const json& doc, Spec& spec) {
  const json* sso = r.member(doc, "sso");
  if (!sso || !r.object(*sso, "sso", {"realm", "session_idle", "session_max"})) return;
  r.string(*sso, "sso", "realm", spec.sso.realm);
  r.duration(*sso, "sso", "session_idle", spec.sso.sessionIdle);
  r.duration(*sso, "sso", "session_max", spec.sso.sessionMax);
}

void readFirewall(Reader& r, const json& doc, Spec& spec) {
  const json* firewall = r.member(doc, "firewall");
  if (!firewall || !r.object(*firewall, "firewall", {"enabled", "ssh_port", "allowed_ports"})) return;
  r.boolean(*firewall, "firewall", "enabled", spec.firewall.enabled);
  if (const json* ssh = r.member(*firewall, "ssh_port")) r.port(*ssh, "firewall.ssh_port", spec.firewall.sshPort);
  if (const json* ports = r.member(*firewall, "allowed_ports")) {
    if (!ports->is_array()) {
      r.issue("firewall.allowed_ports", std::string("must be an array of ports, not ") + typeName(*ports));
      return;
    }
    for (std::size_t i = 0; i < ports->size(); ++i) {
      int port = 0;
      r.port((*ports)[i], indexed("firewall.allowed_ports", i), port);
      if (port != 0) spec.firewall.allowedPorts.push_back(port);
    }
  }
}

void readAirflow(Reader& r, const json& doc, Spec& spec) {
  const json* airflow = r.member(doc, "airflow");
  if (!airflow || !r.object(*airflow, "airflow", {"dags"})) return;
  const json* dags = r.member(*airflow, "dags");
  if (!dags || !r.object(*dags, "airflow.dags", {"folder", "git"})) return;
  r.string(*dags, "airflow.dags", "folder", spec.airflow.dags.folder);
  const json* git = r.member(*dags, "git");
  if (!git || !r.object(*git, "airflow.dags.git", {"url", "branch", "subfolder", "credentials_file", "refresh"})) return;
  AirflowGitDags& out = spec.airflow.dags.git.emplace();
  out.refresh = durationOf("60s");
  if (!r.member(*git, "url")) r.issue("airflow.dags.git.url", "is required");
  r.string(*git, "airflow.dags.git", "url", out.url);
  r.string(*git, "airflow.dags.git", "branch", out.branch);
  r.string(*git, "airflow.dags.git", "subfolder", out.subfolder);
  r.string(*git, "airflow.dags.git", "credentials_file", out.credentialsFile);
  r.duration(*git, "airflow.dags.git", "refresh", out.refresh);
}

// Line and column (1-based) of a byte offset.
std::pair<std::size_t, std::size_t> lineColumn(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

void checkHost(const std::string& host, const std::string& path, std::vector<SpecIssue>& issues) {
  if (!isValidHostname(host)) issues.push_back({path, jsonQuote(host) + " is not a valid hostname"});
}

// "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3" → {7, 15, 3}; nullopt without a numeric tag.
std::optional<std::vector<int>> imageVersion(const std::string& image) {
  std::string reference = image.substr(0, image.find('@'));
  std::size_t colon = reference.rfind(':');
  if (colon == std::string::npos || reference.find('/', colon) != std::string::npos) return std::nullopt;
  std::string tag = reference.substr(colon + 1);
  if (!tag.empty() && tag.front() == 'v') tag.erase(0, 1);
  std::vector<int> version;
  std::size_t at = 0;
  while (version.size() < 3 && at < tag.size() && std::isdigit(static_cast<unsigned char>(tag[at]))) {
    std::size_t end = at;
    while (end < tag.size() && std::isdigit(static_cast<unsigned char>(tag[end]))) ++end;
    version.push_back(std::stoi(tag.substr(at, std::min<std::size_t>(end - at, 6))));
    if (end >= tag.size() || tag[end] != '.') break;
    at = end + 1;
  }
  if (version.empty()) return std::nullopt;
  version.resize(3, 0);
  return version;
}

// Single sign-on relies on these versions; each entry says why (docs/keycloak.md, Traps).
void checkMinimumVersions(const Spec& spec, std::vector<SpecIssue>& issues) {
  struct Minimum {
    const char* service;
    std::vector<int> version;
    const char* why;
  };
  static const Minimum kMinimums[] = {
      {"oauth2-proxy", {7, 15, 3}, "earlier versions can be bypassed with spoofed headers (GHSA-7x63-xv5r-3p2x)"},
      {"keycloak", {26, 0, 0}, "cairn needs its bootstrap service account and management port"},
  };
  // Only upstream's own repository has upstream's version tags; another image (a local build, a
  // mirror under another name) is the operator's to vouch for.
  auto repository = [](const std::string& image) { return image.substr(0, image.find_first_of(":@", image.rfind('/') + 1)); };
  for (const auto& minimum : kMinimums) {
    const std::string& image = spec.service(minimum.service).image;
    if (repository(image) != repository(defaultImage(minimum.service))) continue;
    auto version = imageVersion(image);
    if (!version || *version >= minimum.version) continue;
    issues.push_back({std::string("services.") + minimum.service + ".image",
                      jsonQuote(image) + " is older than " + std::to_string(minimum.version[0]) + "." +
                          std::to_string(minimum.version[1]) + "." + std::to_string(minimum.version[2]) +
                          ": " + minimum.why});
  }
}

void checkDependencies(const Spec& spec, std::vector<SpecIssue>& issues) {
  static const std::vector<std::pair<std::string, std::string>> kNeeds = {
      {"keycloak", "postgres"}, {"oauth2-proxy", "keycloak"}, {"oauth2-proxy", "redis"}, {"airflow", "postgres"},
      {"airflow", "redis"},     {"grafana", "prometheus"}};
  for (const auto& [service, dependency] : kNeeds) {
    if (spec.enabled(service) && !spec.enabled(dependency)) {
      issues.push_back({"services." + service + ".enabled",
                        service + " needs " + dependency + ", which is disabled"});
    }
  }
}

}  // namespace

SpecError::SpecError(std::vector<SpecIssue> issues)
    : std::runtime_error(formatIssues(issues)), issues_(std::move(issues)) {}

std::string formatIssues(const std::vector<SpecIssue>& issues) {
  std::string text;
  for (const auto& issue : issues) {
    if (!text.empty()) text += '\n';
    text += issue.path.empty() ? issue.message : issue.path + ": " + issue.message;
  }
  return text;
}

json parseJsonText(std::string_view text) {
  try {
    return json::parse(text.begin(), text.end(), nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& error) {
    auto [line, column] = lineColumn(text, error.byte == 0 ? 0 : error.byte - 1);
    std::string what = error.what();
    // nlohmann prefixes its message with "[json.exception.parse_error.101] parse error at ...: ".
    std::size_t reason = what.find(": ", what.find("parse error"));
    std::string detail = reason == std::string::npos ? what : what.substr(reason + 2);
    throw SpecError({{"", "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + detail}});
  }
}

Spec readSpec(const json& doc, std::vector<SpecIssue>& issues) {
  Reader r(issues);
  Spec spec = defaults();
  if (!r.object(doc, "", {"version", "domain", "admin_email", "tls", "hosts", "services", "routes", "users",
                          "monitoring", "logs", "sso", "firewall", "airflow"})) {
    return spec;
  }
  if (!r.member(doc, "version")) {
    r.issue("version", "is required (write \"version\": 1)");
  } else {
    r.integer(doc, "", "version", spec.version, 1, 1);
  }
  if (!r.member(doc, "domain")) r.issue("domain", "is required");
  r.string(doc, "", "domain", spec.domain);
  spec.adminEmail = "admin@" + spec.domain;
  r.string(doc, "", "admin_email", spec.adminEmail);
  readTls(r, doc, spec);
  readHosts(r, doc, spec);
  readServices(r, doc, spec);
  readRoutes(r, doc, spec);
  readUsers(r, doc, spec);
  readMonitoring(r, doc, spec);
  readLogs(r, doc, spec);
  readSso(r, doc, spec);
  readFirewall(r, doc, spec);
  readAirflow(r, doc, spec);
  return spec;
}

std::vector<SpecIssue> validateSpec(const Spec& spec) {
  std::vector<SpecIssue> issues;
  checkHost(spec.domain, "domain", issues);
  if (spec.domain.find('.') == std::string::npos && isValidHostname(spec.domain)) {
    issues.push_back({"domain", jsonQuote(spec.domain) + " needs at least two labels (like example.com)"});
  }
  if (!isValidEmail(spec.adminEmail) && spec.adminEmail != "admin@" + spec.domain) {
    issues.push_back({"admin_email", jsonQuote(spec.adminEmail) + " is not a valid email address"});
  }
  if (spec.tls.mode == TlsMode::kProvided) {
    for (const auto& [key, file] : {std::pair{"certificate", spec.tls.certificateFile}, {"key", spec.tls.keyFile}}) {
      if (file.empty() || file.front() != '/') {
        issues.push_back({std::string("tls.") + key, "tls.mode \"provided\" needs an absolute path here"});
      }
    }
  } else if (!spec.tls.certificateFile.empty() || !spec.tls.keyFile.empty()) {
    issues.push_back({"tls.mode", "certificate and key are only used with tls.mode \"provided\""});
  }

  // Hosts: every site of the appliance and every route has its own host name.
  std::map<std::string, std::string> owners;  // host → path that claimed it first
  // Hosts and the admin email derived from an invalid domain would only repeat its error.
  bool domainValid = isValidHostname(spec.domain);
  auto derived = [&](const std::string& value, const std::string& prefix) {
    return !domainValid && value == prefix + spec.domain;
  };
  auto claim = [&](const std::string& host, const std::string& path, bool isRoute) {
    if (!derived(host, "") && !derived(host, "auth.") && !derived(host, "grafana.") && !derived(host, "airflow.")) {
      checkHost(host, path, issues);
    }
    auto [it, inserted] = owners.emplace(host, path);
    if (inserted) return;
    bool serviceHost = it->second.rfind("hosts.", 0) == 0;
    std::string message = isRoute && serviceHost ? jsonQuote(host) + " collides with the service host " + it->second
                                                 : jsonQuote(host) + " is already used by " + it->second;
    issues.push_back({path, message});
  };
  claim(spec.hosts.status, "hosts.status", false);
  claim(spec.hosts.auth, "hosts.auth", false);
  claim(spec.hosts.grafana, "hosts.grafana", false);
  claim(spec.hosts.airflow, "hosts.airflow", false);
  for (std::size_t i = 0; i < spec.routes.size(); ++i) {
    const Route& route = spec.routes[i];
    std::string path = indexed("routes", i);
    if (!route.host.empty()) claim(route.host, join(path, "host"), true);
    if (!route.upstream.empty() && !parseUpstreamUrl(route.upstream)) {
      issues.push_back({join(path, "upstream"), jsonQuote(route.upstream) + " is not an http(s)://host[:port][/path] URL"});
    }
    if (route.auth == RouteAuth::kNone && !route.roles.empty()) {
      issues.push_back({join(path, "roles"), "roles need auth \"sso\"; this route has auth \"none\""});
    }
  }

  for (const auto& name : serviceNames()) {
    const ServiceSettings& settings = spec.service(name);
    if (!isValidImageReference(settings.image)) {
      issues.push_back({"services." + name + ".image", jsonQuote(settings.image) + " is not a valid image reference"});
    }
    if (settings.resources.memory.bytes < (64ULL << 20)) {
      issues.push_back({"services." + name + ".memory", jsonQuote(settings.resources.memory.text) + " is below 64MiB"});
    }
  }
  checkDependencies(spec, issues);
  checkMinimumVersions(spec, issues);

  std::set<std::string> usernames, emails;
  for (std::size_t i = 0; i < spec.users.size(); ++i) {
    const User& user = spec.users[i];
    std::string path = indexed("users", i);
    if (!user.username.empty() && !isValidUsername(user.username)) {
      issues.push_back({join(path, "username"), jsonQuote(user.username) + " is not a valid username ([a-z0-9._-])"});
    } else if (user.username == kAirflowLocalAdmin) {
      issues.push_back({join(path, "username"), jsonQuote(user.username) + " is reserved for Airflow's local emergency account"});
    } else if (!user.username.empty() && !usernames.insert(user.username).second) {
      issues.push_back({join(path, "username"), jsonQuote(user.username) + " is listed twice"});
    }
    if (!user.email.empty() && !isValidEmail(user.email)) {
      issues.push_back({join(path, "email"), jsonQuote(user.email) + " is not a valid email address"});
    } else if (!user.email.empty() && !emails.insert(lowerCase(user.email)).second) {
      // Keycloak stores emails in lower case, so addresses differing only in case collide there.
      issues.push_back({join(path, "email"), jsonQuote(user.email) + " is used by another user"});
    }
  }

  if (spec.monitoring.scrapeInterval.value < std::chrono::seconds(1)) {
    issues.push_back({"monitoring.scrape_interval", "must be at least 1s"});
  }
  if (spec.monitoring.retention.value < std::chrono::hours(1)) {
    issues.push_back({"monitoring.retention", "must be at least 1h"});
  }
  if (!isValidListenAddress(spec.monitoring.exporterListen)) {
    issues.push_back({"monitoring.exporter_listen", jsonQuote(spec.monitoring.exporterListen) + " is not ADDR:PORT"});
  }
  if (!spec.logs.lokiUrl.empty() && !parseUpstreamUrl(spec.logs.lokiUrl)) {
    issues.push_back({"logs.loki_url", jsonQuote(spec.logs.lokiUrl) + " is not an http(s)://host[:port] URL"});
  }
  if (spec.logs.batchSize.bytes < 1024 || spec.logs.batchSize.bytes > (100ULL << 20)) {
    issues.push_back({"logs.batch_size", "must be between 1KiB and 100MiB"});
  }
  if (spec.logs.maxLineSize.bytes < 256) issues.push_back({"logs.max_line_size", "must be at least 256B"});
  if (!isValidRealmName(spec.sso.realm)) {
    issues.push_back({"sso.realm", jsonQuote(spec.sso.realm) + " is not a valid realm name ([A-Za-z0-9_-], not master)"});
  }
  if (spec.sso.sessionIdle.value > spec.sso.sessionMax.value) {
    issues.push_back({"sso.session_idle", "must not be longer than sso.session_max"});
  }
  if (spec.sso.sessionIdle.value < std::chrono::minutes(5)) {
    issues.push_back({"sso.session_idle", "must be at least 5m"});
  }

  if (!isValidDagsFolder(spec.airflow.dags.folder)) {
    issues.push_back({"airflow.dags.folder", jsonQuote(spec.airflow.dags.folder) +
                                                 " is not an absolute, normalized folder path outside /etc, /proc, /sys, /dev and /run"});
  }
  if (const auto& git = spec.airflow.dags.git) {
    if (!git->url.empty() && !isValidGitUrl(git->url)) {
      issues.push_back({"airflow.dags.git.url", jsonQuote(git->url) +
                                                    " is not a Git URL the containers can fetch (https://, http://, ssh://, git:// or user@host:path)"});
    }
    if (!isValidGitRef(git->branch)) issues.push_back({"airflow.dags.git.branch", jsonQuote(git->branch) + " is not a valid branch, tag or commit name"});
    if (!git->subfolder.empty() && !isValidRepositorySubfolder(git->subfolder)) {
      issues.push_back({"airflow.dags.git.subfolder", jsonQuote(git->subfolder) + " is not a relative path inside the repository"});
    }
    if (!git->credentialsFile.empty() && (git->credentialsFile.front() != '/' || git->credentialsFile.find(':') != std::string::npos ||
                                          git->credentialsFile.find(',') != std::string::npos)) {
      issues.push_back({"airflow.dags.git.credentials_file", jsonQuote(git->credentialsFile) + " is not an absolute path"});
    }
    if (git->refresh.value < std::chrono::seconds(10)) issues.push_back({"airflow.dags.git.refresh", "must be at least 10s"});
  }

  if (spec.firewall.sshPort == 80 || spec.firewall.sshPort == 443) {
    issues.push_back({"firewall.ssh_port", std::to_string(spec.firewall.sshPort) + " is taken by nginx"});
  }
  std::set<int> ports;
  for (std::size_t i = 0; i < spec.firewall.allowedPorts.size(); ++i) {
    if (!ports.insert(spec.firewall.allowedPorts[i]).second) {
      issues.push_back({indexed("firewall.allowed_ports", i), std::to_string(spec.firewall.allowedPorts[i]) + " is listed twice"});
    }
  }
  return issues;
}

Spec loadSpec(std::string_view text) {
  json doc = parseJsonText(text);
  std::vector<SpecIssue> issues;
  Spec spec = readSpec(doc, issues);
  std::set<std::string> reported;
  for (const auto& issue : issues) reported.insert(issue.path);
  for (auto& issue : validateSpec(spec)) {
    // A value that could not be read already has its issue; its default must not add another.
    if (!reported.count(issue.path)) issues.push_back(std::move(issue));
  }
  if (!issues.empty()) throw SpecError(std::move(issues));
  return spec;
}

json specToJson(const Spec& spec) {
  auto roleNames = [](const std::vector<Role>& roles) {
    json names = json::array();
    for (Role role : roles) names.push_back(roleName(role));
    return names;
  };
  json services = json::object();
  for (const auto& name : serviceNames()) {
    const ServiceSettings& s = spec.service(name);
    json entry = {{"enabled", s.enabled}, {"image", s.image}, {"memory", s.resources.memory.text}, {"cpus", s.resources.cpus}};
    if (name == "airflow") {
      entry["workers"] = s.workers;
      entry["worker_concurrency"] = s.workerConcurrency;
    }
    services[name] = entry;
  }
  json airflowDags = {{"folder", spec.airflow.dags.folder}};
  if (const auto& git = spec.airflow.dags.git) {
    airflowDags["git"] = {{"url", git->url}, {"branch", git->branch}, {"subfolder", git->subfolder},
                          {"credentials_file", git->credentialsFile}, {"refresh", git->refresh.text}};
  }
  json routes = json::array();
  for (const auto& route : spec.routes) {
    routes.push_back({{"host", route.host}, {"upstream", route.upstream}, {"auth", routeAuthName(route.auth)},
                      {"roles", roleNames(route.roles)}, {"frame_ancestors", route.frameAncestors},
                      {"websockets", route.websockets}});
  }
  json users = json::array();
  for (const auto& user : spec.users) {
    users.push_back({{"username", user.username}, {"email", user.email}, {"first_name", user.firstName},
                     {"last_name", user.lastName}, {"roles", roleNames(user.roles)}});
  }
  json tls = {{"mode", tlsModeName(spec.tls.mode)}};
  if (spec.tls.mode == TlsMode::kProvided) {
    tls["certificate"] = spec.tls.certificateFile;
    tls["key"] = spec.tls.keyFile;
  }
  return {
      {"version", spec.version},
      {"domain", spec.domain},
      {"admin_email", spec.adminEmail},
      {"tls", tls},
      {"hosts", {{"status", spec.hosts.status}, {"auth", spec.hosts.auth}, {"grafana", spec.hosts.grafana}, {"airflow", spec.hosts.airflow}}},
      {"services", services},
      {"routes", routes},
      {"users", users},
      {"monitoring", {{"scrape_interval", spec.monitoring.scrapeInterval.text}, {"retention", spec.monitoring.retention.text},
                      {"retention_size", spec.monitoring.retentionSize.text}, {"exporter_listen", spec.monitoring.exporterListen}}},
      {"logs", {{"retention", spec.logs.retention.text}, {"loki_url", spec.logs.lokiUrl}, {"tenant", spec.logs.tenant},
                {"username", spec.logs.username}, {"password_file", spec.logs.passwordFile}, {"labels", spec.logs.labels},
                {"max_line_size", spec.logs.maxLineSize.text}, {"batch_size", spec.logs.batchSize.text},
                {"batch_wait", spec.logs.batchWait.text}}},
      {"sso", {{"realm", spec.sso.realm}, {"session_idle", spec.sso.sessionIdle.text}, {"session_max", spec.sso.sessionMax.text}}},
      {"firewall", {{"enabled", spec.firewall.enabled}, {"ssh_port", spec.firewall.sshPort}, {"allowed_ports", spec.firewall.allowedPorts}}},
      {"airflow", {{"dags", airflowDags}}},
  };
}

}  // namespace cairn::spec
