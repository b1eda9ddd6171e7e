#pragma once
// `cairnctl image build --out FILE [--deb FILE] [--size SIZE] [--cache DIR]`: runs the appliance
// image builder (packaging/image/build-image.sh; needs root, mmdebstrap and Debian's archive).

#include <string>
#include <vector>

#include "provisioning/cli/cli.hpp"

namespace cairn::cli {

// Exit codes: 0 written; 2 bad usage (no --out, no package, the builder rejected its input);
// 1 the builder failed. The builder's output is printed when it finishes.
int imageCommand(const ParsedArgs& args, CliContext& context);

// The builder's command line for `image build` with `args`; `defaultDeb` when --deb is absent.
std::vector<std::string> imageBuildArgv(const std::string& builder, const ParsedArgs& args,
                                        const std::string& defaultDeb);

}  // namespace cairn::cli
