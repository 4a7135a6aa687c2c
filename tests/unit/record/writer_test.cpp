#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "record/writer.hpp"

using namespace umbrella;
using namespace umbrella::record;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/umbrella-record-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

const std::vector<uint8_t> kKey = {0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0xaa, 0xbb};
const std::vector<uint8_t> kDelta = {0x11, 0x02, 0x00, 0x55, 0x56};
const std::vector<uint8_t> kOpus = {0x78, 0x01, 0x02};

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("writer: frames of two tracks arriving out of order across tracks make one WebM file") {
  TempDir dir;
  RecordWriter::FileId id;
  {
    RecordWriter w({dir.path.string()});
    id = w.open("room_p1.webm", true, true);
    // Video runs 100 ms behind audio on arrival (as a jitter window makes it): the writer's
    // hold puts them in time order.
    for (int i = 0; i < 50; ++i) {
      uint64_t t = uint64_t(i) * 20000000;
      CHECK(w.frame(id, TrackKind::kAudio, t, true, kOpus));
      if (i >= 5 && i % 2 == 1) {
        uint64_t vt = uint64_t(i - 5) * 20000000;
        bool key = i == 5;
        CHECK(w.frame(id, TrackKind::kVideo, vt, key, key ? kKey : kDelta));
      }
    }
    w.close(id);
  }  // joins: everything is written and finished
  auto bytes = read_file(dir.path / "room_p1.webm");
  REQUIRE(bytes.size() > 100);
  CHECK(bytes[0] == 0x1a);  // EBML magic
  CHECK(bytes[1] == 0x45);
  CHECK(bytes[2] == 0xdf);
  CHECK(bytes[3] == 0xa3);
  std::string s(bytes.begin(), bytes.end());
  CHECK(s.find("V_VP8") != std::string::npos);
  CHECK(s.find("A_OPUS") != std::string::npos);
  CHECK(s.find("OpusHead") != std::string::npos);
}

TEST_CASE("writer: counters; a late frame is dropped, not written out of order") {
  TempDir dir;
  RecordWriter w({dir.path.string(), 8u << 20, 0, 0 /* no hold */});
  auto id = w.open("a.webm", true, false);
  CHECK(w.frame(id, TrackKind::kAudio, 0, true, kOpus));
  CHECK(w.frame(id, TrackKind::kAudio, 40000000, true, kOpus));
  CHECK(w.frame(id, TrackKind::kAudio, 20000000, true, kOpus));  // older than written
  w.close(id);
  for (int i = 0; i < 500 && w.counters().frames + w.counters().late_frames < 3; ++i) ::usleep(2000);
  CHECK(w.counters().frames == 2);
  CHECK(w.counters().late_frames == 1);
  CHECK(w.counters().files == 1);
}

TEST_CASE("writer: a full queue refuses the frame and counts it; the rest is still written") {
  TempDir dir;
  std::vector<uint8_t> big(600, 0x78);
  RecordWriter w({dir.path.string(), 1000, 0, 0}, /*start=*/false);  // a stalled disk
  auto id = w.open("full.webm", true, false);
  CHECK(w.frame(id, TrackKind::kAudio, 0, true, big));
  CHECK_FALSE(w.frame(id, TrackKind::kAudio, 20000000, true, big));
  CHECK(w.counters().queue_full == 1);
  w.close(id);
  w.start();
  for (int i = 0; i < 500 && w.counters().frames < 1; ++i) ::usleep(2000);
  CHECK(w.counters().frames == 1);
}

TEST_CASE("writer: below the free-space floor nothing is written and low_disk() says so") {
  TempDir dir;
  RecordWriter w({dir.path.string(), 8u << 20, ~0ull /* more than any disk */, 0});
  auto id = w.open("never.webm", true, false);
  CHECK(w.frame(id, TrackKind::kAudio, 0, true, kOpus));
  for (int i = 0; i < 500 && !w.low_disk(); ++i) ::usleep(2000);
  CHECK(w.low_disk());
  w.close(id);
}

TEST_CASE("writer: a file that cannot be created is reported and counted") {
  RecordWriter w({"/nonexistent-umbrella-dir", 8u << 20, 0, 0});
  auto id = w.open("x.webm", true, false);
  CHECK(w.frame(id, TrackKind::kAudio, 0, true, kOpus));
  std::vector<RecordWriter::FileId> failed;
  for (int i = 0; i < 500 && failed.empty(); ++i) {
    failed = w.take_failed();
    ::usleep(2000);
  }
  REQUIRE(failed.size() == 1);
  CHECK(failed[0] == id);
  CHECK(w.counters().write_errors == 1);
}

TEST_CASE("writer: file names keep only safe characters") {
  CHECK(safe_file_part("room 1/../x") == "room_1_.._x");
  CHECK(safe_file_part("..") == "_..");
  CHECK(safe_file_part("") == "_");
}
