#pragma once
// A Bundle is everything a renderer decided: the files to write and the commands that check,
// load and verify them. Renderers build bundles as plain values; only the apply transaction
// (provisioning/apply) touches the machine.

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cairn::bundle {

struct BundleFile {
  std::string path;     // absolute on the target system ("/etc/cairn/rendered/nginx/cairn.conf")
  std::string content;
  mode_t mode = 0644;
  std::string owner;    // "user:group" (names or numbers) to chown to as root on the real system; empty keeps root
  bool sensitive = false;  // holds secrets: plan shows no content, history keeps it 0600
  std::vector<std::string> reload;  // names of the actions to run when this file changes
};

// A command run during apply. In argv, "{stage}" becomes the directory holding the staged tree
// (which mirrors the target root) and "{root}" the target root ("" for the real system).
struct Command {
  std::string name;
  std::vector<std::string> argv;
  int timeoutSeconds = 60;
};

struct Bundle {
  std::vector<BundleFile> files;
  std::vector<Command> validators;     // run against the staged tree before anything is swapped
  std::vector<Command> reloadActions;  // run after the swap when a file naming them changed
  std::vector<Command> verifications;  // run after reloads; a failure rolls everything back

  // Appends everything of `other`. Later parts register their files and commands this way.
  void merge(Bundle other);
  const BundleFile* find(const std::string& path) const;
};

nlohmann::json bundleToJson(const Bundle& bundle);
// Throws std::runtime_error naming the field on a malformed document.
Bundle bundleFromJson(const nlohmann::json& json);

// argv with {stage} and {root} replaced.
std::vector<std::string> expandCommand(const Command& command, const std::string& stage, const std::string& root);

}  // namespace cairn::bundle
