#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "monitoring/logship/file_tailer.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn::logship;
using cairn::testing::TempDir;

namespace {

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

void truncateTo(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
}

std::vector<std::string> drain(FileTailer& tailer, FilePosition* last = nullptr) {
  std::vector<std::string> lines;
  SplitLine line;
  FilePosition after;
  while (tailer.next(line, after)) {
    lines.push_back(line.text);
    if (last) *last = after;
  }
  return lines;
}

using Lines = std::vector<std::string>;

// No grace for renamed files: the tests that are not about it see a rotation at once.
const RotateWait kNoWait{0, 0, {}};

// What a shipper would have saved after Loki acknowledged the first line of `path`.
FilePosition positionAfterFirstLine(const std::string& path) {
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  SplitLine line;
  FilePosition after;
  BOOST_REQUIRE(tailer.next(line, after));
  return after;
}

// Rotated siblings are ordered by modification time; make that order unambiguous.
void touchOlder(const std::string& path, int secondsAgo) {
  struct timespec times[2];
  ::clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= secondsAgo;
  times[1] = times[0];
  ::utimensat(AT_FDCWD, path.c_str(), times, 0);
}

// Sets the last write of `path` to `ns` (wall clock, nanoseconds), as the injected clocks see it.
void writtenAt(const std::string& path, std::int64_t ns) {
  struct timespec times[2];
  times[0].tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  times[0].tv_nsec = static_cast<long>(ns % 1'000'000'000);
  times[1] = times[0];
  BOOST_REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(file_tailer)

BOOST_AUTO_TEST_CASE(complete_lines_are_read_and_a_partial_one_waits) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "a\nb\npart");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  FilePosition last;
  BOOST_TEST(drain(tailer, &last) == (Lines{"a", "b"}));
  BOOST_TEST(last.offset == 4u);
  append(path, "ial\n");
  BOOST_TEST(drain(tailer) == (Lines{"partial"}));
}

BOOST_AUTO_TEST_CASE(rotated_file_is_read_to_the_end_before_switching) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "1\n2\n");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer) == (Lines{"1", "2"}));
  append(path, "3\n");
  BOOST_REQUIRE(::rename(path.c_str(), (path + ".1").c_str()) == 0);
  append(path, "4\n");
  BOOST_TEST(drain(tailer) == (Lines{"3", "4"}));
  BOOST_TEST(tailer.events().rotations == 1u);
}

BOOST_AUTO_TEST_CASE(a_file_rotated_twice_between_reads_is_not_skipped) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "1\n");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer) == (Lines{"1"}));
  append(path, "2\n");
  ::rename(path.c_str(), (path + ".1").c_str());
  touchOlder(path + ".1", 20);
  append(path, "3\n");
  ::rename((path + ".1").c_str(), (path + ".2").c_str());
  ::rename(path.c_str(), (path + ".1").c_str());
  touchOlder(path + ".1", 10);
  append(path, "4\n");
  BOOST_TEST(drain(tailer) == (Lines{"2", "3", "4"}));
}

BOOST_AUTO_TEST_CASE(a_new_container_log_found_after_rotations_is_read_from_its_oldest_file) {
  TempDir dir;
  const std::string path = dir / "c-json.log";
  append(path + ".2", "1\n");
  touchOlder(path + ".2", 20);
  append(path + ".1", "2\n");
  touchOlder(path + ".1", 10);
  append(path, "3\n");
  FileTailer withHistory(path, 1024, kNoWait);
  withHistory.resume(std::nullopt, /*withRotatedHistory=*/true);
  BOOST_TEST(drain(withHistory) == (Lines{"1", "2", "3"}));
  FileTailer currentOnly(path, 1024, kNoWait);
  currentOnly.resume(std::nullopt);
  BOOST_TEST(drain(currentOnly) == (Lines{"3"}));
}

BOOST_AUTO_TEST_CASE(a_file_deleted_while_being_read_is_finished) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "1\n");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer) == (Lines{"1"}));
  append(path, "2\nlast-without-newline");
  ::unlink(path.c_str());
  BOOST_TEST(drain(tailer) == (Lines{"2", "last-without-newline"}));
  BOOST_TEST(tailer.drainedAndGone());
  append(path, "back\n");
  BOOST_TEST(drain(tailer) == (Lines{"back"}));
}

BOOST_AUTO_TEST_CASE(copytruncate_reads_the_rest_from_the_copy_then_the_new_start) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "first line of the original file\n");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer) == (Lines{"first line of the original file"}));
  append(path, "written before the copy\n");
  {
    std::ifstream in(path, std::ios::binary);
    std::ofstream out(path + ".1", std::ios::binary);
    out << in.rdbuf();
  }
  truncateTo(path, "after truncation\n");
  BOOST_TEST(drain(tailer) == (Lines{"written before the copy", "after truncation"}));
  BOOST_TEST(tailer.events().recoveredCopies == 1u);
}

BOOST_AUTO_TEST_CASE(truncation_without_a_copy_restarts_at_zero_and_is_counted) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "aaaaaaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer).size() == 2u);
  truncateTo(path, "new\n");
  BOOST_TEST(drain(tailer) == (Lines{"new"}));
  BOOST_TEST(tailer.events().truncations == 1u);
}

BOOST_AUTO_TEST_CASE(resume_continues_after_the_saved_offset) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "1\n2\n3\n");
  const FilePosition saved = positionAfterFirstLine(path);
  FileTailer again(path, 1024, kNoWait);
  again.resume(saved);
  BOOST_TEST(drain(again) == (Lines{"2", "3"}));
}

BOOST_AUTO_TEST_CASE(resume_finds_the_saved_file_among_the_rotated_ones) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "1\n2\n");
  const FilePosition saved = positionAfterFirstLine(path);
  ::rename(path.c_str(), (path + ".1").c_str());
  touchOlder(path + ".1", 20);
  append(path, "3\n");
  ::rename((path + ".1").c_str(), (path + ".2").c_str());
  ::rename(path.c_str(), (path + ".1").c_str());
  touchOlder(path + ".1", 10);
  append(path, "4\n");
  FileTailer again(path, 1024, kNoWait);
  again.resume(saved);
  BOOST_TEST(drain(again) == (Lines{"2", "3", "4"}));
  BOOST_TEST(again.events().lostFiles == 0u);
}

BOOST_AUTO_TEST_CASE(resume_counts_a_saved_file_that_is_gone_and_reads_the_newer_ones) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "old\n");
  const FilePosition saved = positionAfterFirstLine(path);
  touchOlder(path, 30);
  struct stat st {};
  ::stat(path.c_str(), &st);
  FilePosition older = saved;
  older.mtimeNs = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
  ::unlink(path.c_str());
  append(path + ".1", "newer rotated\n");
  touchOlder(path + ".1", 10);
  append(path, "current\n");
  FileTailer again(path, 1024, kNoWait);
  again.resume(older);
  BOOST_TEST(drain(again) == (Lines{"newer rotated", "current"}));
  BOOST_TEST(again.events().lostFiles == 1u);
}

BOOST_AUTO_TEST_CASE(a_directory_in_place_of_the_file_is_reported_unreadable_once) {
  TempDir dir;
  const std::string path = dir / "app.log";
  ::mkdir(path.c_str(), 0755);
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer).empty());
  BOOST_TEST(drain(tailer).empty());
  const auto notices = tailer.takeNotices();
  BOOST_REQUIRE(notices.size() == 1u);
  BOOST_TEST((notices[0].kind == TailerNotice::Kind::kUnreadable));
  BOOST_TEST(notices[0].reason == "is a directory");
  BOOST_TEST(tailer.events().unreadable == 1u);
  ::rmdir(path.c_str());
  append(path, "file again\n");
  BOOST_TEST(drain(tailer) == (Lines{"file again"}));
}

// Loss 1 of issue 13: restarted with a position in a rotated file, the live file is planned by
// its inode; renamed again before the catch-up reaches it, it is still read.
BOOST_AUTO_TEST_CASE(the_live_file_planned_at_resume_is_followed_when_renamed_before_it_is_reached) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "1\n2\n");
  const FilePosition saved = positionAfterFirstLine(path);
  ::rename(path.c_str(), (path + ".1").c_str());
  touchOlder(path + ".1", 30);
  append(path, "3\n");
  FileTailer again(path, 1024, kNoWait);
  again.resume(saved);
  // Before anything is read: rotated once more.
  ::rename((path + ".1").c_str(), (path + ".2").c_str());
  ::rename(path.c_str(), (path + ".1").c_str());
  touchOlder(path + ".1", 20);
  append(path, "4\n");
  BOOST_TEST(drain(again) == (Lines{"2", "3", "4"}));
  BOOST_TEST(again.events().lostFiles == 0u);
  BOOST_TEST(again.takeNotices().empty());
}

BOOST_AUTO_TEST_CASE(a_file_planned_without_a_position_is_followed_when_renamed_before_it_is_read) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "1\n");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  ::rename(path.c_str(), (path + ".1").c_str());
  touchOlder(path + ".1", 20);
  append(path, "2\n");
  BOOST_TEST(drain(tailer) == (Lines{"1", "2"}));
}

// Loss 2: copytruncate while reading was paused, and the new file grew past the old offset.
BOOST_AUTO_TEST_CASE(copytruncate_while_paused_is_not_taken_for_a_continuation) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "2026-01-01 first line of the original\n");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer).size() == 1u);
  append(path, "old 1\nold 2\n");
  {
    std::ifstream in(path, std::ios::binary);
    std::ofstream out(path + ".1", std::ios::binary);
    out << in.rdbuf();
  }
  std::string fresh = "2026-01-02 the new file starts differently\n";
  for (int i = 0; i < 20; ++i) fresh += "new " + std::to_string(i) + "\n";
  truncateTo(path, fresh);
  const Lines lines = drain(tailer);
  BOOST_REQUIRE(lines.size() == 23u);
  BOOST_TEST(lines[0] == "old 1");
  BOOST_TEST(lines[1] == "old 2");
  BOOST_TEST(lines[2] == "2026-01-02 the new file starts differently");
  BOOST_TEST(lines[22] == "new 19");
  BOOST_TEST(tailer.events().recoveredCopies == 1u);
  BOOST_TEST(tailer.takeNotices().empty());
}

BOOST_AUTO_TEST_CASE(resume_reads_the_copy_of_a_file_truncated_while_the_shipper_was_down) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "2026-01-01 first\nsecond\n");
  const FilePosition saved = positionAfterFirstLine(path);
  {
    std::ifstream in(path, std::ios::binary);
    std::ofstream out(path + ".1", std::ios::binary);
    out << in.rdbuf();
  }
  truncateTo(path, "2026-01-02 a new day, and longer than the old file\n");
  FileTailer again(path, 1024, kNoWait);
  again.resume(saved);
  BOOST_TEST(drain(again) == (Lines{"second", "2026-01-02 a new day, and longer than the old file"}));
  BOOST_TEST(again.takeNotices().empty());
}

BOOST_AUTO_TEST_CASE(a_truncation_without_a_copy_is_reported_with_its_byte_range) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "0123456789\n");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer).size() == 1u);
  append(path, "partial");
  BOOST_TEST(drain(tailer).empty());
  truncateTo(path, "x\n");
  BOOST_TEST(drain(tailer) == (Lines{"x"}));
  const auto notices = tailer.takeNotices();
  BOOST_REQUIRE(notices.size() == 1u);
  BOOST_TEST(notices[0].reason == "truncated");
  BOOST_TEST(notices[0].fromOffset == 11u);
  BOOST_TEST(notices[0].toOffset.value_or(0) == 18u);
}

// Loss 3: logrotate `create` + postrotate reopen: the writer keeps its old descriptor a while.
BOOST_AUTO_TEST_CASE(a_renamed_file_is_read_on_until_it_stays_idle_and_no_longer_than_the_bound) {
  TempDir dir;
  const std::string path = dir / "app.log";
  // The tailer's clock and every file's last write are set by the test, so idleness is exactly
  // what the test says, however fast the machine runs it.
  const std::int64_t t0 = 1'700'000'000'000'000'000;
  std::int64_t nowNs = t0;
  RotateWait wait{2'000'000'000, 10'000'000'000, [&] { return nowNs; }};
  const int writer = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  BOOST_REQUIRE(writer >= 0);
  const auto say = [&](const std::string& text, const std::string& file) {
    BOOST_REQUIRE(::write(writer, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    writtenAt(file, nowNs);
  };
  say("1\n", path);
  FileTailer tailer(path, 1024, wait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer) == (Lines{"1"}));
  ::rename(path.c_str(), (path + ".1").c_str());
  append(path, "new file\n");
  BOOST_TEST(drain(tailer).empty());  // the renamed file was written just now: wait for its writer
  say("late 1\n", path + ".1");
  BOOST_TEST(drain(tailer) == (Lines{"late 1"}));
  nowNs = t0 + 1'000'000'000;
  say("late 2\n", path + ".1");
  BOOST_TEST(drain(tailer) == (Lines{"late 2"}));
  nowNs = t0 + 4'000'000'000;  // idle for 3 s > 2 s
  BOOST_TEST(drain(tailer) == (Lines{"new file"}));
  ::close(writer);

  // A renamed file that keeps being written is left at the bound.
  nowNs = t0;
  const int busy = ::open((dir / "busy.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  BOOST_REQUIRE(::write(busy, "b\n", 2) == 2);
  writtenAt(dir / "busy.log", nowNs);
  FileTailer bounded(dir / "busy.log", 1024, wait);
  bounded.resume(std::nullopt);
  BOOST_TEST(drain(bounded) == (Lines{"b"}));
  ::rename((dir / "busy.log").c_str(), (dir / "busy.log.1").c_str());
  append(dir / "busy.log", "next\n");
  BOOST_TEST(drain(bounded).empty());
  nowNs = t0 + 11'000'000'000;
  BOOST_REQUIRE(::write(busy, "c\n", 2) == 2);
  writtenAt(dir / "busy.log.1", nowNs);  // written just now: not idle, but the bound is reached
  BOOST_TEST(drain(bounded) == (Lines{"c", "next"}));
  ::close(busy);
}

BOOST_AUTO_TEST_CASE(a_rotated_file_deleted_before_it_was_read_is_reported_with_its_size) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "0123456789\n");
  const FilePosition saved = positionAfterFirstLine(path);
  append(path, "more\n");
  ::rename(path.c_str(), (path + ".1").c_str());
  append(path, "live\n");
  FileTailer again(path, 1024, kNoWait);
  again.resume(saved);
  ::unlink((path + ".1").c_str());
  BOOST_TEST(drain(again) == (Lines{"live"}));
  const auto notices = again.takeNotices();
  BOOST_REQUIRE(notices.size() == 1u);
  BOOST_TEST(notices[0].reason == "deleted");
  BOOST_TEST(notices[0].fromOffset == 11u);
  BOOST_TEST(notices[0].toOffset.value_or(0) == 16u);
}

BOOST_AUTO_TEST_CASE(two_copytruncates_while_paused_lose_neither_generation) {
  TempDir dir;
  const std::string path = dir / "app.log";
  const auto copyTruncate = [&](const std::string& next) {
    ::rename((path + ".1").c_str(), (path + ".2").c_str());
    {
      std::ifstream in(path, std::ios::binary);
      std::ofstream out(path + ".1", std::ios::binary);
      out << in.rdbuf();
    }
    truncateTo(path, next);
  };
  append(path, "g1 first\n");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer) == (Lines{"g1 first"}));
  append(path, "g1 second\n");
  copyTruncate("g2 first\n");
  touchOlder(path + ".1", 10);
  copyTruncate("g3 first, longer than anything before it\n");
  BOOST_TEST(drain(tailer) == (Lines{"g1 second", "g2 first", "g3 first, longer than anything before it"}));
  BOOST_TEST(tailer.takeNotices().empty());
}

// Found by the soak: a live file opened while empty (just truncated) cannot be recognised by its
// first bytes; copied and truncated again before its first read, its lines are in the copy.
BOOST_AUTO_TEST_CASE(a_file_copied_away_while_it_was_empty_when_opened_is_read_from_the_copy) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "");
  FileTailer tailer(path, 1024, kNoWait);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer).empty());
  append(path, "g2 first\ng2 second\n");
  {
    std::ifstream in(path, std::ios::binary);
    std::ofstream out(path + ".1", std::ios::binary);
    out << in.rdbuf();
  }
  truncateTo(path, "g3 first\n");
  BOOST_TEST(drain(tailer) == (Lines{"g2 first", "g2 second", "g3 first"}));
}

// Found by the soak: resumed at the saved offset of the live file, which is copied away and
// truncated before it is opened.
BOOST_AUTO_TEST_CASE(a_file_copied_away_between_resume_and_open_is_read_from_the_copy) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "g1 first\ng1 second\n");
  const FilePosition saved = positionAfterFirstLine(path);
  FileTailer again(path, 1024, kNoWait);
  again.resume(saved);
  {
    std::ifstream in(path, std::ios::binary);
    std::ofstream out(path + ".1", std::ios::binary);
    out << in.rdbuf();
  }
  truncateTo(path, "g2\n");
  BOOST_TEST(drain(again) == (Lines{"g1 second", "g2"}));
  BOOST_TEST(again.takeNotices().empty());
}

BOOST_AUTO_TEST_SUITE_END()
