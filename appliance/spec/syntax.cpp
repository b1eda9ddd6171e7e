#include "appliance/spec/syntax.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <regex>

namespace cairn::spec {
namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool isDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint64_t> parseUnsigned(std::string_view digits) {
  if (!isDigits(digits) || digits.size() > 18) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  return value;
}

// Splits "15s" into ("15", "s").
std::pair<std::string_view, std::string_view> splitNumberUnit(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return {text.substr(0, i), text.substr(i)};
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

bool isValidHostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!isLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool isValidEmail(std::string_view email) {
  std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view local = email.substr(0, at);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
  for (char c : local) {
    bool allowed = std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._%+-").find(c) != std::string_view::npos;
    if (!allowed) return false;
  }
  std::string_view domain = email.substr(at + 1);
  return domain.find('.') != std::string_view::npos && isValidHostname(domain);
}

std::optional<Duration> parseDuration(std::string_view text) {
  auto [digits, unit] = splitNumberUnit(text);
  auto number = parseUnsigned(digits);
  if (!number) return std::nullopt;
  static const std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}, {"w", 604'800'000}};
  for (const auto& [name, millis] : kUnits) {
    if (unit != name) continue;
    if (*number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / millis) {
      return std::nullopt;
    }
    return Duration{std::string(text), std::chrono::milliseconds(static_cast<std::int64_t>(*number * millis))};
  }
  return std::nullopt;
}

std::optional<Size> parseSize(std::string_view text) {
  auto [digits, unit] = splitNumberUnit(text);
  auto number = parseUnsigned(digits);
  if (!number) return std::nullopt;
  static const std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"B", 1},
      {"KB", 1000ULL},
      {"MB", 1000ULL * 1000},
      {"GB", 1000ULL * 1000 * 1000},
      {"TB", 1000ULL * 1000 * 1000 * 1000},
      {"KiB", 1ULL << 10},
      {"MiB", 1ULL << 20},
      {"GiB", 1ULL << 30},
      {"TiB", 1ULL << 40}};
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    if (*number > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
    return Size{std::string(text), *number * factor};
  }
  return std::nullopt;
}

bool isValidImageReference(std::string_view image) {
  // A simplified form of the distribution reference grammar: lower-case path components
  // separated by '/', an optional registry with port as the first component, an optional tag
  // and an optional sha256 digest.
  static const std::regex kReference(
      R"(^(([a-zA-Z0-9.-]+(:[0-9]+)?)/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*)"
      R"((:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$)");
  if (image.empty() || image.size() > 255) return false;
  return std::regex_match(image.begin(), image.end(), kReference);
}

bool isValidFrameAncestor(std::string_view source) {
  if (source == "'self'" || source == "'none'" || source == "*") return true;
  if (source.substr(0, 8) != "https://") return false;
  std::string_view authority = source.substr(8);
  std::size_t colon = authority.find(':');
  std::string_view host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port = parseUnsigned(authority.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535) return false;
  }
  if (host.substr(0, 2) == "*.") host = host.substr(2);
  return isValidHostname(host);
}

std::optional<UpstreamUrl> parseUpstreamUrl(std::string_view url) {
  UpstreamUrl parsed;
  std::string_view rest;
  if (url.substr(0, 7) == "http://") {
    parsed.scheme = "http";
    rest = url.substr(7);
  } else if (url.substr(0, 8) == "https://") {
    parsed.scheme = "https";
    rest = url.substr(8);
  } else {
    return std::nullopt;
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) parsed.path = std::string(rest.substr(slash));
  for (char c : parsed.path) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ';' || c == '{' || c == '}' || c == '"' || c == '\'') {
      return std::nullopt;
    }
  }
  std::size_t colon = authority.rfind(':');
  std::string_view host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port = parseUnsigned(authority.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535) return std::nullopt;
    parsed.port = static_cast<int>(*port);
  } else {
    parsed.port = parsed.scheme == "https" ? 443 : 80;
  }
  if (!isValidHostname(host)) return std::nullopt;
  parsed.host = std::string(host);
  return parsed;
}

bool isValidListenAddress(std::string_view listen) {
  static const std::regex kListen(R"(^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9]):([0-9]{1,5})$)");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_match(listen.begin(), listen.end(), match, kListen)) return false;
  auto port = parseUnsigned(std::string_view(&*match[4].first, static_cast<std::size_t>(match[4].length())));
  return port && *port > 0 && *port <= 65535;
}

bool isValidRealmName(std::string_view realm) {
  if (realm.empty() || realm.size() > 36 || realm == "master") return false;
  return std::all_of(realm.begin(), realm.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool isValidDagsFolder(std::string_view path) {
  if (path.size() < 2 || path.size() > 4096 || path.front() != '/' || path.back() == '/') return false;
  for (unsigned char ch : path) {
    if (ch < 0x20 || ch == 0x7f || ch == ':' || ch == ',') return false;
  }
  std::size_t start = 1;
  std::string_view first;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (first.empty()) first = part;
    start = end + 1;
  }
  static const std::vector<std::string_view> kSystemTrees = {"etc", "proc", "sys", "dev", "run", "boot",
                                                              "usr", "bin", "sbin", "lib", "lib64"};
  return std::find(kSystemTrees.begin(), kSystemTrees.end(), first) == kSystemTrees.end();
}

bool isValidGitUrl(std::string_view url) {
  if (url.empty() || url.size() > 2048 || url.front() == '-') return false;
  for (unsigned char ch : url) {
    if (ch <= 0x20 || ch == 0x7f) return false;
  }
  static const std::regex kSchemeUrl(R"(^(https?|ssh|git)://([^/@]+@)?[A-Za-z0-9.-]+(:[0-9]{1,5})?(/.*)?$)");
  static const std::regex kScpLike(R"(^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/].*$)");
  std::string text(url);
  return std::regex_match(text, kSchemeUrl) || std::regex_match(text, kScpLike);
}

bool isValidGitRef(std::string_view ref) {
  if (ref.empty() || ref.size() > 255 || ref.front() == '/' || ref.back() == '/' || ref.front() == '-' ||
      ref.back() == '.' || ref.find("..") != std::string_view::npos || ref.find("//") != std::string_view::npos ||
      ref.find("@{") != std::string_view::npos || ref == "@") {
    return false;
  }
  return std::all_of(ref.begin(), ref.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

bool isValidRepositorySubfolder(std::string_view path) {
  if (path.empty() || path.size() > 1024 || path.front() == '/' || path.back() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return std::all_of(path.begin(), path.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7f && c != '\\'; });
}

bool isValidUsername(std::string_view username) {
  if (username.empty() || username.size() > 64 || !isLowerAlnum(username.front())) return false;
  return std::all_of(username.begin(), username.end(),
                     [](char c) { return isLowerAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

std::optional<std::string> closestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t bestDistance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    std::size_t distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return best;
}

}  // namespace cairn::spec
