#include <boost/test/unit_test.hpp>

#include "provisioning/cli/args.hpp"
#include "provisioning/cli/cli.hpp"

using namespace cairn::cli;

namespace {

std::map<std::string, CommandSyntax> syntaxes() {
  std::map<std::string, CommandSyntax> table;
  for (const auto& [name, entry] : commandTable()) table[name] = entry.syntax;
  return table;
}

ParsedArgs parse(std::vector<std::string> argv) { return parseArgs(argv, syntaxes()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(args)

BOOST_AUTO_TEST_CASE(global_options_are_accepted_before_and_after_the_command) {
  ParsedArgs a = parse({"--root", "/tmp/x", "apply", "--dry-run"});
  BOOST_TEST(a.command == "apply");
  BOOST_TEST(a.root == "/tmp/x");
  BOOST_TEST(a.has("--dry-run"));
  ParsedArgs b = parse({"apply", "--no-wait", "--root=/tmp/y"});
  BOOST_TEST(b.root == "/tmp/y");
  BOOST_TEST(b.noWait);
}

BOOST_AUTO_TEST_CASE(value_options_take_the_next_word_or_an_equals_value) {
  ParsedArgs a = parse({"init", "--domain", "example.com", "--email=a@example.com"});
  BOOST_TEST(a.get("--domain") == "example.com");
  BOOST_TEST(a.get("--email") == "a@example.com");
  BOOST_CHECK_THROW(parse({"init", "--domain"}), UsageError);
}

BOOST_AUTO_TEST_CASE(unknown_commands_options_and_extra_arguments_are_usage_errors) {
  BOOST_CHECK_THROW(parse({"aply"}), UsageError);
  BOOST_CHECK_THROW(parse({"apply", "--force"}), UsageError);
  BOOST_CHECK_THROW(parse({"plan", "extra"}), UsageError);
  BOOST_CHECK_THROW(parse({"restart"}), UsageError);
  BOOST_CHECK_THROW(parse({"apply", "--dry-run=yes"}), UsageError);
}

BOOST_AUTO_TEST_CASE(help_is_accepted_everywhere) {
  BOOST_TEST(parse({"--help"}).help);
  BOOST_TEST(parse({"restart", "--help"}).help);  // no argument needed with --help
}

BOOST_AUTO_TEST_CASE(positional_arguments_are_kept_in_order) {
  ParsedArgs a = parse({"secrets", "rotate", "redis_password"});
  BOOST_TEST(a.args == (std::vector<std::string>{"rotate", "redis_password"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
