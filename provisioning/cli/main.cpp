#include <iostream>

#include "provisioning/cli/cli.hpp"

int main(int argc, char** argv) {
  return cairn::cli::runCairnctl(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
