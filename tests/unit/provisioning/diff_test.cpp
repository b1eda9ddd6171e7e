#include <boost/test/unit_test.hpp>

#include "provisioning/apply/diff.hpp"

using cairn::apply::unifiedDiff;

BOOST_AUTO_TEST_SUITE(diff)

BOOST_AUTO_TEST_CASE(equal_texts_give_no_diff) { BOOST_TEST(unifiedDiff("a\nb\n", "a\nb\n", "a", "b") == ""); }

BOOST_AUTO_TEST_CASE(a_changed_line_is_shown_with_context) {
  std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  BOOST_TEST(unifiedDiff(before, after, "a/f", "b/f") ==
             "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

BOOST_AUTO_TEST_CASE(a_new_file_is_all_additions) {
  BOOST_TEST(unifiedDiff("", "x\ny\n", "/dev/null", "b/f") == "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n");
}

BOOST_AUTO_TEST_CASE(distant_changes_make_separate_hunks) {
  std::string before, after;
  for (int i = 1; i <= 20; ++i) {
    before += std::to_string(i) + "\n";
    after += (i == 2 ? std::string("two") : i == 18 ? std::string("eighteen") : std::to_string(i)) + "\n";
  }
  std::string diff = unifiedDiff(before, after, "a", "b");
  BOOST_TEST(diff ==
             "--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
             "@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n");
}

BOOST_AUTO_TEST_CASE(removed_and_inserted_lines) {
  BOOST_TEST(unifiedDiff("a\nb\nc\n", "a\nc\nd\n", "x", "y") == "--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n c\n+d\n");
}

BOOST_AUTO_TEST_SUITE_END()
