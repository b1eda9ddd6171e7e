#pragma once
// cairnctl's command line → a parsed command. Pure; throws UsageError on bad usage.

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cairn::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommandSyntax {
  std::string summary;                 // one line for `cairnctl --help`
  std::string usage;                   // "apply [--dry-run] [--rollback]"
  std::set<std::string> flags;         // options without a value ("--dry-run")
  std::set<std::string> valueOptions;  // options taking a value ("--domain")
  std::size_t minArgs = 0;
  std::size_t maxArgs = 0;
  std::string details;                 // extra text for `cairnctl COMMAND --help`
};

struct ParsedArgs {
  std::string command;  // "" when only global options were given
  std::vector<std::string> args;
  std::map<std::string, std::string> options;  // flags map to "1"
  std::string root;                            // --root DIR ("" = the real system)
  bool noWait = false;
  bool help = false;
  bool version = false;

  bool has(const std::string& option) const { return options.count(option) > 0; }
  std::string get(const std::string& option, const std::string& fallback = "") const {
    auto it = options.find(option);
    return it == options.end() ? fallback : it->second;
  }
};

// Commands are matched by their first word; "secrets rotate" is "secrets" with args.
// --root, --no-wait and --help are accepted anywhere. Options may be written --name=value.
ParsedArgs parseArgs(const std::vector<std::string>& argv, const std::map<std::string, CommandSyntax>& commands);

}  // namespace cairn::cli
