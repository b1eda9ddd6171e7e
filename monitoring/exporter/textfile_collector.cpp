#include "monitoring/exporter/textfile_collector.hpp"

#include <cerrno>
#include <fstream>
#include <sstream>

#include "appliance/host/files.hpp"

namespace cairn::exporter {
namespace {

bool isNameChar(char c, bool first) {
  bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return letter || (!first && c >= '0' && c <= '9');
}

std::string_view takeName(std::string_view& rest) {
  std::size_t i = 0;
  while (i < rest.size() && isNameChar(rest[i], i == 0)) ++i;
  std::string_view name = rest.substr(0, i);
  rest.remove_prefix(i);
  return name;
}

// `{a="b",c="d"}` at the start of `rest`; consumes it.
bool takeLabels(std::string_view& rest, Labels& labels) {
  if (rest.empty() || rest.front() != '{') return true;
  rest.remove_prefix(1);
  while (!rest.empty() && rest.front() != '}') {
    std::string name(takeName(rest));
    if (name.empty() || rest.size() < 2 || rest[0] != '=' || rest[1] != '"') return false;
    rest.remove_prefix(2);
    std::string value;
    while (!rest.empty() && rest.front() != '"') {
      char c = rest.front();
      rest.remove_prefix(1);
      if (c == '\\' && !rest.empty()) {
        char escaped = rest.front();
        rest.remove_prefix(1);
        value += escaped == 'n' ? '\n' : escaped;
      } else {
        value += c;
      }
    }
    if (rest.empty()) return false;
    rest.remove_prefix(1);  // closing quote
    labels.emplace_back(std::move(name), std::move(value));
    if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
  }
  if (rest.empty()) return false;
  rest.remove_prefix(1);
  return true;
}

MetricFamily* findFamily(std::vector<MetricFamily>& families, std::string_view name) {
  for (auto& family : families) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

}  // namespace

bool parseTextfile(std::string_view text, std::vector<MetricFamily>& out) {
  std::vector<MetricFamily> parsed;
  for (std::string_view line : splitLines(text)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      bool isHelp = line[2] == 'H';
      std::string_view rest = line.substr(7);
      std::string_view name = takeName(rest);
      if (name.empty() || rest.empty() || rest.front() != ' ') return false;
      rest.remove_prefix(1);
      MetricFamily* family = findFamily(parsed, name);
      if (!family) family = &parsed.emplace_back(makeFamily(std::string(name), "", MetricType::kUntyped));
      if (isHelp) {
        family->help = std::string(rest);
      } else if (rest == "gauge") {
        family->type = MetricType::kGauge;
      } else if (rest == "counter") {
        family->type = MetricType::kCounter;
      } else if (rest != "untyped") {
        return false;
      }
      continue;
    }
    if (line.front() == '#') continue;
    std::string_view rest = line;
    std::string_view name = takeName(rest);
    Labels labels;
    if (name.empty() || !takeLabels(rest, labels)) return false;
    auto fields = splitFields(rest);
    double value = 0;
    if (fields.size() != 1 || !parseNumber(fields[0], value)) return false;
    MetricFamily* family = findFamily(parsed, name);
    if (!family) family = &parsed.emplace_back(makeFamily(std::string(name), "", MetricType::kUntyped));
    addSample(*family, std::move(labels), value);
  }
  for (auto& family : parsed) {
    if (!family.samples.empty()) out.push_back(std::move(family));
  }
  return true;
}

bool TextfileCollector::collect(std::vector<MetricFamily>& out) {
  bool ok = true;
  for (const auto& file : files_) {
    auto content = host::readFile(file);
    if (!content) {
      if (content.error().code != ErrorCode::kNotFound) ok = false;
      continue;
    }
    ok = parseTextfile(content.value(), out) && ok;
  }
  return ok;
}

}  // namespace cairn::exporter
