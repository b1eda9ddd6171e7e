#define BOOST_TEST_MODULE packaging
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "provisioning/cli/commands_image.hpp"
#include "tests/support/fake_process_runner.hpp"

namespace cairn::cli {
namespace {

struct ImageCommandFixture {
  testing::FakeProcessRunner runner;
  std::ostringstream out;
  std::ostringstream err;
  CliContext context{state::Paths{""}, false, out, err, runner};

  static ParsedArgs build(std::map<std::string, std::string> options) {
    ParsedArgs args;
    args.command = "image";
    args.args = {"build"};
    args.options = std::move(options);
    return args;
  }
};

BOOST_FIXTURE_TEST_CASE(builder_gets_the_output_package_and_only_the_options_given, ImageCommandFixture) {
  auto argv = imageBuildArgv("/b.sh", build({{"--out", "x.img"}, {"--size", "6G"}}), "/p/cairn.deb");
  std::vector<std::string> expected = {"/b.sh", "--out", "x.img", "--deb", "/p/cairn.deb", "--size", "6G"};
  BOOST_TEST(argv == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(an_explicit_package_wins_over_the_default, ImageCommandFixture) {
  auto argv = imageBuildArgv("/b.sh", build({{"--out", "x.img"}, {"--deb", "mine.deb"}, {"--cache", "/c"}}), "/p.deb");
  std::vector<std::string> expected = {"/b.sh", "--out", "x.img", "--deb", "mine.deb", "--cache", "/c"};
  BOOST_TEST(argv == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(missing_out_is_bad_usage_and_runs_nothing, ImageCommandFixture) {
  BOOST_TEST(imageCommand(build({{"--deb", "a.deb"}}), context) == kExitBadInput);
  BOOST_TEST(err.str().find("--out FILE is required") != std::string::npos);
  BOOST_TEST(runner.calls.empty());
}

BOOST_FIXTURE_TEST_CASE(unknown_action_is_bad_usage, ImageCommandFixture) {
  ParsedArgs args = build({{"--out", "x.img"}});
  args.args = {"boot"};
  BOOST_TEST(imageCommand(args, context) == kExitBadInput);
  BOOST_TEST(err.str().find("unknown action 'boot'") != std::string::npos);
  BOOST_TEST(runner.calls.empty());
}

BOOST_FIXTURE_TEST_CASE(builder_success_is_reported_with_its_output, ImageCommandFixture) {
  runner.respond = [](const std::vector<std::string>&) {
    return Result<host::ProcessResult>(host::ProcessResult{0, "build-image: wrote x.img\n"});
  };
  BOOST_TEST(imageCommand(build({{"--out", "x.img"}, {"--deb", "a.deb"}}), context) == kExitOk);
  BOOST_TEST(runner.calls.size() == 1U);
  BOOST_TEST(runner.calls[0][0].find("build-image.sh") != std::string::npos);
  BOOST_TEST(out.str().find("build-image: wrote x.img") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(builder_rejecting_its_input_is_bad_usage_and_other_failures_are_failures, ImageCommandFixture) {
  int code = 2;
  runner.respond = [&code](const std::vector<std::string>&) {
    return Result<host::ProcessResult>(host::ProcessResult{code, "build-image.sh: --size 8X: expected ...\n"});
  };
  BOOST_TEST(imageCommand(build({{"--out", "x.img"}, {"--deb", "a.deb"}}), context) == kExitBadInput);
  BOOST_TEST(err.str().find("--size 8X") != std::string::npos);
  code = 1;
  BOOST_TEST(imageCommand(build({{"--out", "x.img"}, {"--deb", "a.deb"}}), context) == kExitFailed);
}

}  // namespace
}  // namespace cairn::cli
