#include "provisioning/cli/args.hpp"

namespace cairn::cli {

ParsedArgs parseArgs(const std::vector<std::string>& argv, const std::map<std::string, CommandSyntax>& commands) {
  ParsedArgs parsed;
  const CommandSyntax* syntax = nullptr;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string word = argv[i];
    std::string inlineValue;
    bool hasInlineValue = false;
    if (word.rfind("--", 0) == 0) {
      std::size_t equals = word.find('=');
      if (equals != std::string::npos) {
        inlineValue = word.substr(equals + 1);
        word = word.substr(0, equals);
        hasInlineValue = true;
      }
      auto takeValue = [&]() -> std::string {
        if (hasInlineValue) return inlineValue;
        if (i + 1 >= argv.size()) throw UsageError(word + " needs a value");
        return argv[++i];
      };
      if (word == "--help") {
        parsed.help = true;
      } else if (word == "--version") {
        parsed.version = true;
      } else if (word == "--no-wait") {
        parsed.noWait = true;
      } else if (word == "--root") {
        parsed.root = takeValue();
        if (parsed.root.empty()) throw UsageError("--root needs a directory");
      } else if (syntax && syntax->flags.count(word)) {
        if (hasInlineValue) throw UsageError(word + " takes no value");
        parsed.options[word] = "1";
      } else if (syntax && syntax->valueOptions.count(word)) {
        parsed.options[word] = takeValue();
      } else {
        throw UsageError("unknown option " + word + (parsed.command.empty() ? "" : " for " + parsed.command));
      }
      continue;
    }
    if (word == "-h") {
      parsed.help = true;
      continue;
    }
    if (parsed.command.empty()) {
      auto it = commands.find(word);
      if (it == commands.end()) throw UsageError("unknown command \"" + word + "\"");
      parsed.command = word;
      syntax = &it->second;
      continue;
    }
    parsed.args.push_back(word);
  }
  if (syntax && !parsed.help) {
    if (parsed.args.size() < syntax->minArgs) throw UsageError("usage: cairnctl " + syntax->usage);
    if (parsed.args.size() > syntax->maxArgs) {
      throw UsageError("unexpected argument \"" + parsed.args[syntax->maxArgs] + "\"; usage: cairnctl " + syntax->usage);
    }
  }
  return parsed;
}

}  // namespace cairn::cli
