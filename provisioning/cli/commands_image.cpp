// `cairnctl image build`: runs the appliance image builder (packaging/image/build-image.sh),
// which makes a bootable Debian bookworm disk image with the cairn package preinstalled.

#include <chrono>
#include <iostream>

#include "appliance/core/version.hpp"
#include "appliance/host/files.hpp"
#include "provisioning/cli/commands_image.hpp"

namespace cairn::cli {
namespace {

constexpr std::chrono::minutes kImageBuildTimeout{60};

// The builder as installed by the package, else the one in the source tree this was built from.
std::string imageBuilderPath() {
  const std::string installed = "/usr/share/cairn/image/build-image.sh";
  if (host::pathExists(installed)) return installed;
  return std::string(CAIRN_SOURCE_DIR) + "/packaging/image/build-image.sh";
}

// The package this build makes (`cmake --build build --target cairn_deb`), when it is there.
std::string defaultPackagePath() {
  std::string built = std::string(CAIRN_BINARY_DIR) + "/cairn_" + version() + "_amd64.deb";
  return host::pathExists(built) ? built : "";
}

}  // namespace

std::vector<std::string> imageBuildArgv(const std::string& builder, const ParsedArgs& args,
                                        const std::string& defaultDeb) {
  std::vector<std::string> argv = {builder, "--out", args.get("--out"), "--deb", args.get("--deb", defaultDeb)};
  for (const char* option : {"--size", "--cache"}) {
    if (args.has(option)) {
      argv.push_back(option);
      argv.push_back(args.get(option));
    }
  }
  return argv;
}

int imageCommand(const ParsedArgs& args, CliContext& context) {
  if (args.args[0] != "build") {
    context.err << "cairnctl image: unknown action '" << args.args[0] << "'; the only one is `image build`\n";
    return kExitBadInput;
  }
  if (args.get("--out").empty()) {
    context.err << "cairnctl image build: --out FILE is required (where to write the disk image)\n";
    return kExitBadInput;
  }
  std::string deb = args.get("--deb", defaultPackagePath());
  if (deb.empty()) {
    context.err << "cairnctl image build: no cairn package to put in the image; build one with "
                << "`cmake --build build --target cairn_deb` or pass --deb FILE\n";
    return kExitBadInput;
  }
  std::string builder = imageBuilderPath();
  if (!host::pathExists(builder)) {
    context.err << "cairnctl image build: the image builder is missing (" << builder << ")\n";
    return kExitFailed;
  }
  context.out << "Building the appliance image " << args.get("--out") << " from " << deb
              << " (several minutes the first time; cached afterwards)...\n";
  context.out.flush();
  auto result = context.runner.run(imageBuildArgv(builder, args, deb), kImageBuildTimeout);
  if (!result) {
    context.err << "cairnctl image build: " << result.error().message << "\n";
    return kExitFailed;
  }
  if (result.value().exitCode != 0) {
    context.err << result.value().output;
    context.err << "cairnctl image build: the builder failed (exit " << result.value().exitCode << ")\n";
    return result.value().exitCode == kExitBadInput ? kExitBadInput : kExitFailed;
  }
  context.out << result.value().output << "Wrote " << args.get("--out")
              << ". Boot it with a config drive labelled cidata holding your user data "
                 "(see docs/packaging.md).\n";
  return kExitOk;
}

}  // namespace cairn::cli
