#pragma once
// appliance.json text → Spec. Parsing, shape checks and the semantic rules each report every
// problem they find, with the JSON path of the offending value.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/spec/spec.hpp"

namespace cairn::spec {

struct SpecIssue {
  std::string path;     // "routes[2].host"; "" for the document itself
  std::string message;  // "\"a..b\" is not a valid hostname"
};

// Thrown by loadSpec(): every issue found, already formatted "path: message" per line.
class SpecError : public std::runtime_error {
 public:
  explicit SpecError(std::vector<SpecIssue> issues);
  const std::vector<SpecIssue>& issues() const { return issues_; }

 private:
  std::vector<SpecIssue> issues_;
};

// JSON with // and /* */ comments. Throws SpecError naming line and column on a syntax error.
nlohmann::json parseJsonText(std::string_view text);

// Reads the document into a Spec with defaults filled in. Shape problems (unknown keys, wrong
// types, malformed scalars) are appended to `issues`; the affected fields keep their defaults.
Spec readSpec(const nlohmann::json& document, std::vector<SpecIssue>& issues);

// The rules between fields: duplicate hosts and users, collisions, dependencies between services.
std::vector<SpecIssue> validateSpec(const Spec& spec);

// parseJsonText + readSpec + validateSpec; throws SpecError with every issue.
Spec loadSpec(std::string_view text);

// The spec with every default written out, as `cairnctl show` prints it.
nlohmann::json specToJson(const Spec& spec);

// "path: message" lines.
std::string formatIssues(const std::vector<SpecIssue>& issues);

}  // namespace cairn::spec
