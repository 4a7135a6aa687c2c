// VP9, H264 and AV1 depacketizers and the FrameJoiner on hand-built packets: descriptors of
// each shape, fragments, aggregation, units left open, and what the file gets.
#include <doctest/doctest.h>

#include <vector>

#include "record/frame_joiner.hpp"

using namespace umbrella;
using namespace umbrella::record;
using namespace umbrella::rtp;
using Vec = std::vector<uint8_t>;

namespace {

Vec cat(Vec a, const Vec& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Joins packets as the assembler does; empty when the joiner refuses them.
Vec join(Codec codec, const std::vector<Vec>& packets) {
  FrameJoiner j;
  j.begin(codec);
  for (auto& p : packets) {
    auto v = parse_payload(codec, p);
    REQUIRE(v.ok());
    if (!j.add(*v)) return {};
  }
  return j.finish() ? j.bytes() : Vec{};
}

const Vec kVp9Key = {0x82, 0x49, 0x83, 0x42, 0x00, 0x15, 0xf0, 0x11};  // KEY_FRAME header, profile 0
const Vec kVp9Inter = {0x86, 0x00, 0x40, 0x92};                         // NON_KEY

}  // namespace

TEST_CASE("vp9: non-flexible descriptor with picture id, layer indices and scalability structure") {
  // I P=0 L F=0 B E V: 15-bit picture id, TID/U/SID/D, TL0PICIDX, SS with Y (1 layer) and G (1 entry, 1 ref).
  Vec p = cat({0xae, 0x80, 0x05, 0x00, 0x07, 0x18, 0x01, 0x02, 0x80, 0x01, 0x01, 0x04, 0x01}, kVp9Key);
  auto v = parse_vp9(p);
  REQUIRE(v.ok());
  CHECK(v->frame_start);
  CHECK(v->unit_end);
  CHECK(v->keyframe);
  CHECK(v->data.size() == kVp9Key.size());
  // The same frame with P=1 (inter-picture predicted) is not a keyframe, nor is a NON_KEY header.
  p[0] |= 0x40;
  CHECK_FALSE(parse_vp9(p)->keyframe);
  CHECK_FALSE(parse_vp9(cat({0x8c, 0x05}, kVp9Inter))->keyframe);
}

TEST_CASE("vp9: flexible mode's reference indices, at most three") {
  auto v = parse_vp9(cat({0xfc, 0x05, 0x00, 0x03, 0x05, 0x02}, kVp9Inter));  // I P L F B E, 3 P_DIFF
  REQUIRE(v.ok());
  CHECK(v->data.size() == kVp9Inter.size());
  CHECK(parse_vp9(Vec{0xfc, 0x05, 0x00, 0x03, 0x03, 0x03, 0x02, 0x55}).error() == rtp::ParseError::kBadContent);
}

TEST_CASE("vp9: every truncation is refused") {
  Vec p = cat({0xae, 0x80, 0x05, 0x00, 0x07, 0x18, 0x01, 0x02, 0x80, 0x01, 0x01, 0x04, 0x01}, {0x82});
  for (size_t n = 0; n < p.size(); ++n) CHECK_FALSE(parse_vp9(Bytes(p.data(), n)).ok());
  CHECK(parse_vp9(p).ok());
}

TEST_CASE("vp9: two spatial layers of one picture become a superframe; a layer without its start is refused") {
  Vec s0a = cat({0x28, 0x00, 0x01}, {0x82, 0x49, 0x83}), s0b = cat({0x24, 0x00, 0x01}, {0x42, 0x00});
  Vec s1 = cat({0x6c, 0x03, 0x01}, kVp9Inter);  // L: SID 1, B and E
  Vec f = join(Codec::kVp9, {s0a, s0b, s1});
  REQUIRE(f.size() == 5 + 4 + 10);
  CHECK(Vec(f.begin(), f.begin() + 9) == Vec{0x82, 0x49, 0x83, 0x42, 0x00, 0x86, 0x00, 0x40, 0x92});
  CHECK(Vec(f.begin() + 9, f.end()) == Vec{0xd9, 5, 0, 0, 0, 4, 0, 0, 0, 0xd9});
  CHECK(join(Codec::kVp9, {s0a}).empty());       // E never came
  CHECK(join(Codec::kVp9, {s0a, s0a}).empty());  // B twice
  CHECK(join(Codec::kVp9, {s0b}).empty());       // no B
  CHECK(join(Codec::kVp9, {cat({0x0c}, kVp9Key)}) == kVp9Key);  // one layer: as it came
}

TEST_CASE("h264: STAP-A with SPS, PPS and IDR becomes AVCC and a keyframe") {
  Vec stap = {0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce, 0x00, 0x03, 0x65, 0x88, 0x84};
  auto v = parse_h264(stap);
  REQUIRE(v.ok());
  CHECK(v->keyframe);
  CHECK(join(Codec::kH264, {stap}) ==
        Vec{0, 0, 0, 2, 0x67, 0x42, 0, 0, 0, 2, 0x68, 0xce, 0, 0, 0, 3, 0x65, 0x88, 0x84});
  // A NAL unit's length past the packet, a zero length, or a lone length byte: refused.
  CHECK(parse_h264(Vec{0x18, 0x00, 0x05, 0x67, 0x42}).error() == rtp::ParseError::kBadLength);
  CHECK(parse_h264(Vec{0x18, 0x00, 0x00, 0x00, 0x01, 0x67}).error() == rtp::ParseError::kBadLength);
  CHECK(parse_h264(Vec{0x18, 0x00, 0x01, 0x67, 0x00}).error() == rtp::ParseError::kBadLength);
}

TEST_CASE("h264: FU-A fragments join into one NAL unit with its header rebuilt") {
  Vec a = {0x7c, 0x85, 0x11, 0x12}, b = {0x7c, 0x05, 0x13}, c = {0x7c, 0x45, 0x14};  // NRI 3, IDR
  auto v = parse_h264(a);
  REQUIRE(v.ok());
  CHECK(v->keyframe);
  CHECK(v->nal_header == 0x65);
  CHECK_FALSE(parse_h264(b)->frame_start);
  CHECK(join(Codec::kH264, {a, b, c}) == Vec{0, 0, 0, 5, 0x65, 0x11, 0x12, 0x13, 0x14});
  // Slices after it, single NAL units: each its own length.
  CHECK(join(Codec::kH264, {a, c, {0x41, 0x9a}}) == Vec{0, 0, 0, 4, 0x65, 0x11, 0x12, 0x14, 0, 0, 0, 2, 0x41, 0x9a});
  CHECK(join(Codec::kH264, {a, b}).empty());     // the end was lost
  CHECK(join(Codec::kH264, {a, a, c}).empty());  // a start inside a fragment
  CHECK(join(Codec::kH264, {b, c}).empty());     // no start
  CHECK(parse_h264(Vec{0x7c, 0xc5, 0x11}).error() == rtp::ParseError::kBadContent);  // S and E
  CHECK(parse_h264(Vec{0x7d, 0x85, 0x11}).error() == rtp::ParseError::kBadContent);  // FU-B
  CHECK(parse_h264(Vec{0x7c, 0x85}).error() == rtp::ParseError::kTooShort);
}

TEST_CASE("av1: OBU elements get sizes, temporal delimiters go, N marks a keyframe") {
  // N, W=0: a temporal delimiter, a sequence header (3 bytes), a frame (2 bytes).
  Vec p = {0x08, 0x01, 0x10, 0x04, 0x08, 0xa1, 0xa2, 0xa3, 0x03, 0x30, 0xb1, 0xb2};
  auto v = parse_av1(p);
  REQUIRE(v.ok());
  CHECK(v->keyframe);
  CHECK(join(Codec::kAv1, {p}) == Vec{0x0a, 0x03, 0xa1, 0xa2, 0xa3, 0x32, 0x02, 0xb1, 0xb2});
  // W=2: the second element has no length; an OBU that came with obu_size keeps only its size.
  Vec w2 = {0x20, 0x02, 0x30, 0xb1, 0x32, 0x01, 0xc1, 0xee};
  CHECK(join(Codec::kAv1, {w2}) == Vec{0x32, 0x01, 0xb1, 0x32, 0x01, 0xc1});
  // W=3 with only two elements, a length past the end, an unfinished leb128: refused.
  CHECK(parse_av1(Vec{0x30, 0x01, 0x30, 0x01, 0x31}).error() == rtp::ParseError::kBadLength);
  CHECK(parse_av1(Vec{0x00, 0x05, 0x30}).error() == rtp::ParseError::kBadLength);
  CHECK(parse_av1(Vec{0x00, 0x80}).error() == rtp::ParseError::kBadLength);
  CHECK(parse_av1(Vec{0x88, 0x01, 0x30}).error() == rtp::ParseError::kBadContent);  // N on a continuation
}

TEST_CASE("av1: an OBU split over packets (Y, then Z) is joined; a lost middle is refused") {
  Vec a = {0x50, 0x30, 0xb1}, b = {0xd0, 0xb2}, c = {0x90, 0xb3, 0xb4};  // Y | Z Y | Z; W=1
  CHECK(join(Codec::kAv1, {a, b, c}) == Vec{0x32, 0x04, 0xb1, 0xb2, 0xb3, 0xb4});
  CHECK(join(Codec::kAv1, {a}).empty());         // never finished
  CHECK(join(Codec::kAv1, {a, {0x10, 0x30, 0x01}}).empty());  // a new OBU while one is open
  CHECK_FALSE(parse_av1(b)->frame_start);
  // A 200-byte OBU needs a two-byte obu_size.
  Vec big = {0x10, 0x30};
  big.resize(2 + 200, 0x77);
  Vec f = join(Codec::kAv1, {big});
  REQUIRE(f.size() == 3 + 200);
  CHECK(Vec(f.begin(), f.begin() + 3) == Vec{0x32, 0xc8, 0x01});
}
