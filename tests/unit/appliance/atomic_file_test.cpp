#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appliance/host/files.hpp"
#include "appliance/state/atomic_file.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn;
using cairn::testing::TempDir;

namespace {

std::vector<std::string> entriesOf(const std::string& directory) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(directory.c_str());
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(atomic_file)

BOOST_AUTO_TEST_CASE(write_replaces_content_and_sets_the_exact_mode) {
  TempDir dir;
  std::string path = dir / "config";
  testing::writeFile(path, "old", 0644);
  ::umask(077);
  BOOST_REQUIRE(state::writeFileAtomic(path, "new content", 0640).ok());
  BOOST_TEST(testing::readFile(path) == "new content");
  BOOST_TEST(host::statFile(path)->mode == 0640u);
  BOOST_TEST(entriesOf(dir.path()).size() == 1u);  // no temporary left behind
  ::umask(022);
}

BOOST_AUTO_TEST_CASE(a_crash_between_write_and_rename_leaves_the_old_file_whole) {
  TempDir dir;
  std::string path = dir / "secrets.json";
  std::string old(64 * 1024, 'o');
  testing::writeFile(path, old);
  pid_t child = ::fork();
  if (child == 0) {
    auto pending = state::PendingFile::create(path, 0600);
    if (!pending) ::_exit(2);
    if (!pending.value().write(std::string(128 * 1024, 'n'))) ::_exit(3);
    ::_exit(0);  // dies before commit(): no destructor, no rename
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_REQUIRE(WIFEXITED(status));
  BOOST_REQUIRE(WEXITSTATUS(status) == 0);
  BOOST_TEST(testing::readFile(path) == old);
}

BOOST_AUTO_TEST_CASE(an_abandoned_pending_file_removes_its_temporary) {
  TempDir dir;
  std::string path = dir / "f";
  {
    auto pending = state::PendingFile::create(path, 0644);
    BOOST_REQUIRE(pending.ok());
    BOOST_REQUIRE(pending.value().write("partial").ok());
  }
  BOOST_TEST(entriesOf(dir.path()).empty());
  BOOST_TEST(!host::pathExists(path));
}

BOOST_AUTO_TEST_CASE(writing_into_a_missing_directory_is_an_error_value) {
  TempDir dir;
  auto written = state::writeFileAtomic(dir / "missing/f", "x", 0644);
  BOOST_REQUIRE(!written.ok());
  BOOST_TEST(written.error().message.find(dir / "missing/f") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(remove_durably_accepts_absent_files) {
  TempDir dir;
  testing::writeFile(dir / "f", "x");
  BOOST_TEST(state::removeFileDurably(dir / "f").ok());
  BOOST_TEST(!host::pathExists(dir / "f"));
  BOOST_TEST(state::removeFileDurably(dir / "f").ok());
}

BOOST_AUTO_TEST_SUITE_END()
