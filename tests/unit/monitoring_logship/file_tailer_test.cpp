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

// What a shipper would have saved after Loki acknowledged the first line of `path`.
FilePosition positionAfterFirstLine(const std::string& path) {
  FileTailer tailer(path, 1024);
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

}  // namespace

BOOST_AUTO_TEST_SUITE(file_tailer)

BOOST_AUTO_TEST_CASE(complete_lines_are_read_and_a_partial_one_waits) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "a\nb\npart");
  FileTailer tailer(path, 1024);
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
  FileTailer tailer(path, 1024);
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
  FileTailer tailer(path, 1024);
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
  FileTailer withHistory(path, 1024);
  withHistory.resume(std::nullopt, /*withRotatedHistory=*/true);
  BOOST_TEST(drain(withHistory) == (Lines{"1", "2", "3"}));
  FileTailer currentOnly(path, 1024);
  currentOnly.resume(std::nullopt);
  BOOST_TEST(drain(currentOnly) == (Lines{"3"}));
}

BOOST_AUTO_TEST_CASE(a_file_deleted_while_being_read_is_finished) {
  TempDir dir;
  const std::string path = dir / "app.log";
  append(path, "1\n");
  FileTailer tailer(path, 1024);
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
  FileTailer tailer(path, 1024);
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
  FileTailer tailer(path, 1024);
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
  FileTailer again(path, 1024);
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
  FileTailer again(path, 1024);
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
  FileTailer again(path, 1024);
  again.resume(older);
  BOOST_TEST(drain(again) == (Lines{"newer rotated", "current"}));
  BOOST_TEST(again.events().lostFiles == 1u);
}

BOOST_AUTO_TEST_CASE(a_directory_in_place_of_the_file_yields_nothing) {
  TempDir dir;
  const std::string path = dir / "app.log";
  ::mkdir(path.c_str(), 0755);
  FileTailer tailer(path, 1024);
  tailer.resume(std::nullopt);
  BOOST_TEST(drain(tailer).empty());
  BOOST_TEST(drain(tailer).empty());
}

BOOST_AUTO_TEST_SUITE_END()
