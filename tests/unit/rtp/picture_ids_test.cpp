#include <doctest/doctest.h>

#include <vector>

#include "rtp/picture_ids.hpp"

using namespace umbrella;
using namespace umbrella::rtp;

TEST_CASE("picture ids: found in VP8 and VP9 descriptors, written back in place") {
  // VP8: X, S; I, L, T; 15-bit PictureID 0x1234; TL0PICIDX 7; TID.
  std::vector<uint8_t> vp8 = {0x90, 0xe0, 0x92, 0x34, 0x07, 0x40, 0xaa};
  auto ids = find_picture_ids(Codec::kVp8, vp8);
  REQUIRE(ids);
  CHECK(ids->pid_at == 2);
  CHECK(ids->pid_long);
  CHECK(ids->pid == 0x1234);
  CHECK(ids->tl0_at == 4);
  CHECK(ids->tl0 == 7);
  ids->pid = 0x7fff;
  ids->tl0 = 0;
  REQUIRE(write_picture_ids(vp8, *ids));
  CHECK(vp8 == std::vector<uint8_t>{0x90, 0xe0, 0xff, 0xff, 0x00, 0x40, 0xaa});

  // VP8 with a 7-bit PictureID and no TL0PICIDX.
  std::vector<uint8_t> short_pid = {0x90, 0x80, 0x05, 0xaa};
  ids = find_picture_ids(Codec::kVp8, short_pid);
  REQUIRE(ids);
  CHECK_FALSE(ids->pid_long);
  CHECK(ids->pid == 5);
  CHECK(ids->tl0_at == 0);

  // VP9, not flexible: I, L; PictureID 0x0102 (M=1); |TID|U|SID|D|; TL0PICIDX 9.
  std::vector<uint8_t> vp9 = {0xa8, 0x81, 0x02, 0x00, 0x09, 0xaa};
  ids = find_picture_ids(Codec::kVp9, vp9);
  REQUIRE(ids);
  CHECK(ids->pid == 0x102);
  CHECK(ids->tl0_at == 4);
  CHECK(ids->tl0 == 9);
  // VP9 flexible mode has no TL0PICIDX.
  std::vector<uint8_t> flexible = {0xb8, 0x81, 0x02, 0x00, 0xaa};
  ids = find_picture_ids(Codec::kVp9, flexible);
  REQUIRE(ids);
  CHECK(ids->tl0_at == 0);
}

TEST_CASE("picture ids: absent, truncated or another codec give nothing") {
  CHECK_FALSE(find_picture_ids(Codec::kVp8, std::vector<uint8_t>{0x10, 0xaa}));  // no X
  CHECK_FALSE(find_picture_ids(Codec::kVp8, std::vector<uint8_t>{0x90, 0x00, 0xaa}));  // X, nothing
  CHECK_FALSE(find_picture_ids(Codec::kVp8, std::vector<uint8_t>{0x90, 0x80, 0x92}));  // 15 bits cut
  CHECK_FALSE(find_picture_ids(Codec::kVp8, std::vector<uint8_t>{0x90, 0xc0, 0x12}));  // TL0 cut
  CHECK_FALSE(find_picture_ids(Codec::kVp8, std::vector<uint8_t>{}));
  CHECK_FALSE(find_picture_ids(Codec::kVp9, std::vector<uint8_t>{0xa8, 0x81, 0x02, 0x00}));
  CHECK_FALSE(find_picture_ids(Codec::kH264, std::vector<uint8_t>{0x90, 0x80, 0x05}));
  PictureIds far{.pid_at = 9, .pid_long = true};
  std::vector<uint8_t> small = {0x90, 0x80, 0x05};
  CHECK_FALSE(write_picture_ids(small, far));
}

TEST_CASE("picture ids: a new source goes on one past the newest sent, retransmissions map alike") {
  PictureIdRewriter r;
  auto vp8 = [](uint16_t pid, uint8_t tl0) {
    return PictureIds{.pid_at = 2, .pid_long = true, .tl0_at = 4, .pid = pid, .tl0 = tl0};
  };
  // The first source passes through.
  CHECK(r.map(1, vp8(32766, 250)).pid == 32766);
  CHECK(r.map(1, vp8(32767, 251)).pid == 32767);
  CHECK(r.map(1, vp8(0, 252)).pid == 0);  // 15-bit wrap
  CHECK(r.map(1, vp8(32767, 251)).pid == 32767);  // late packet: same mapping, newest kept
  // A layer switch to a source numbered far behind: it continues from 1 and 253.
  auto m = r.map(2, vp8(500, 3));
  CHECK(m.pid == 1);
  CHECK(m.tl0 == 253);
  CHECK(r.map(2, vp8(501, 3)).pid == 2);
  auto resent = r.apply(vp8(500, 3));
  CHECK(resent.pid == 1);
  CHECK(resent.tl0 == 253);
  // And back: the first source's numbers now continue from the second's newest.
  m = r.map(1, vp8(10, 255));
  CHECK(m.pid == 3);
  CHECK(m.tl0 == 254);
  // A 7-bit source keeps 7 bits, going on modulo 128.
  m = r.map(3, PictureIds{.pid_at = 2, .pid = 100});
  CHECK(m.pid == 4);
  CHECK(r.map(3, PictureIds{.pid_at = 2, .pid = 127}).pid == 31);
  CHECK(r.map(3, PictureIds{.pid_at = 2, .pid = 0}).pid == 32);
}
