#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "appliance/state/lock.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn;
using cairn::testing::TempDir;

BOOST_AUTO_TEST_SUITE(lock)

BOOST_AUTO_TEST_CASE(a_held_lock_fails_at_once_under_no_wait_and_names_the_holder) {
  TempDir dir;
  auto first = state::FileLock::acquire(dir / "lock", state::FileLock::Wait::kBlock);
  BOOST_REQUIRE(first.ok());
  pid_t child = ::fork();
  if (child == 0) {
    auto second = state::FileLock::acquire(dir / "lock", state::FileLock::Wait::kFailAtOnce);
    bool named = !second.ok() && second.error().code == ErrorCode::kConflict &&
                 second.error().message.find(std::to_string(::getppid())) != std::string::npos;
    ::_exit(named ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

BOOST_AUTO_TEST_CASE(two_holders_serialize) {
  TempDir dir;
  std::string log = dir / "log";
  // Each process appends "start" and "end" around a pause while holding the lock; serialized
  // runs never interleave.
  auto work = [&](char id) {
    auto held = state::FileLock::acquire(dir / "lock", state::FileLock::Wait::kBlock);
    if (!held) ::_exit(1);
    FILE* out = std::fopen(log.c_str(), "a");
    std::fprintf(out, "%c<", id);
    std::fflush(out);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::fprintf(out, "%c>", id);
    std::fclose(out);
    ::_exit(0);
  };
  pid_t a = ::fork();
  if (a == 0) work('a');
  pid_t b = ::fork();
  if (b == 0) work('b');
  int status = 0;
  ::waitpid(a, &status, 0);
  BOOST_TEST(WEXITSTATUS(status) == 0);
  ::waitpid(b, &status, 0);
  BOOST_TEST(WEXITSTATUS(status) == 0);
  std::string order = testing::readFile(log);
  BOOST_TEST((order == "a<a>b<b>" || order == "b<b>a<a>"), order);
}

BOOST_AUTO_TEST_CASE(releasing_lets_the_next_holder_in) {
  TempDir dir;
  { auto held = state::FileLock::acquire(dir / "lock", state::FileLock::Wait::kBlock); BOOST_REQUIRE(held.ok()); }
  auto again = state::FileLock::acquire(dir / "lock", state::FileLock::Wait::kFailAtOnce);
  BOOST_TEST(again.ok());
}

BOOST_AUTO_TEST_SUITE_END()
