#include "appliance/bundle/bundle.hpp"

#include <stdexcept>

namespace cairn::bundle {

using nlohmann::json;

void Bundle::merge(Bundle other) {
  for (auto& file : other.files) files.push_back(std::move(file));
  for (auto& command : other.validators) validators.push_back(std::move(command));
  for (auto& command : other.reloadActions) reloadActions.push_back(std::move(command));
  for (auto& command : other.verifications) verifications.push_back(std::move(command));
}

const BundleFile* Bundle::find(const std::string& path) const {
  for (const auto& file : files) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

namespace {

json commandsToJson(const std::vector<Command>& commands) {
  json array = json::array();
  for (const auto& command : commands) {
    array.push_back({{"name", command.name}, {"argv", command.argv}, {"timeout_seconds", command.timeoutSeconds}});
  }
  return array;
}

std::vector<Command> commandsFromJson(const json& array) {
  std::vector<Command> commands;
  for (const auto& item : array) {
    commands.push_back(Command{item.at("name").get<std::string>(), item.at("argv").get<std::vector<std::string>>(),
                               item.value("timeout_seconds", 60)});
  }
  return commands;
}

}  // namespace

json bundleToJson(const Bundle& bundle) {
  json files = json::array();
  for (const auto& file : bundle.files) {
    files.push_back({{"path", file.path},
                     {"content", file.content},
                     {"mode", file.mode},
                     {"owner", file.owner},
                     {"sensitive", file.sensitive},
                     {"reload", file.reload}});
  }
  return {{"files", files},
          {"validators", commandsToJson(bundle.validators)},
          {"reload_actions", commandsToJson(bundle.reloadActions)},
          {"verifications", commandsToJson(bundle.verifications)}};
}

Bundle bundleFromJson(const json& document) {
  try {
    Bundle bundle;
    for (const auto& item : document.at("files")) {
      BundleFile file;
      file.path = item.at("path").get<std::string>();
      file.content = item.at("content").get<std::string>();
      file.mode = item.at("mode").get<mode_t>();
      file.owner = item.value("owner", "");
      file.sensitive = item.value("sensitive", false);
      file.reload = item.value("reload", std::vector<std::string>{});
      bundle.files.push_back(std::move(file));
    }
    bundle.validators = commandsFromJson(document.at("validators"));
    bundle.reloadActions = commandsFromJson(document.at("reload_actions"));
    bundle.verifications = commandsFromJson(document.at("verifications"));
    return bundle;
  } catch (const json::exception& error) {
    throw std::runtime_error(std::string("malformed bundle: ") + error.what());
  }
}

std::vector<std::string> expandCommand(const Command& command, const std::string& stage, const std::string& root) {
  std::vector<std::string> argv;
  for (std::string arg : command.argv) {
    for (const auto& [placeholder, value] : {std::pair<std::string, std::string>{"{stage}", stage}, {"{root}", root}}) {
      for (std::size_t at = arg.find(placeholder); at != std::string::npos; at = arg.find(placeholder, at + value.size())) {
        arg.replace(at, placeholder.size(), value);
      }
    }
    argv.push_back(std::move(arg));
  }
  return argv;
}

}  // namespace cairn::bundle
