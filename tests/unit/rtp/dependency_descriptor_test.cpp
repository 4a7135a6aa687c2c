// The AV1 Dependency Descriptor (AV1 RTP spec appendix A) on bytes Chromium sent: an L3T3
// keyframe's structure (as captured in LiveKit's dependency descriptor test), the packets that
// refer to it, the refusals, and the writer's byte-for-byte round trip.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rtp/dependency_descriptor.hpp"

using namespace umbrella;
using namespace umbrella::rtp;

namespace {
using Vec = std::vector<uint8_t>;
Vec hex(std::string_view s) {
  Vec v;
  for (size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(uint8_t(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
  return v;
}
// Chromium, AV1 L3T3: the first packet of a keyframe, with the structure and resolutions.
const Vec kKeyframe = hex(
    "c1017280081485214eafffaaaa863cf0430c10c302afc0aaa0063c00430010c002a000a80006000040001d954926e082b04a0941b82"
    "0ac1282503157f974000ca864330e222222eca8655304224230eca877530077004200ef008601df010d");

std::string dtis(const DdTemplate& t, size_t n) {
  std::string s;
  for (size_t dt = 0; dt < n; ++dt) s += "-DSR"[size_t(t.dti(dt))];
  return s;
}
}  // namespace

TEST_CASE("dependency descriptor: Chromium's L3T3 keyframe structure") {
  DdStructure next;
  auto d = parse_dependency_descriptor(kKeyframe, nullptr, next);
  REQUIRE(d);
  CHECK(d->start);
  CHECK(d->end);
  CHECK(d->frame_number == 370);
  CHECK(d->attached_structure);
  CHECK(d->starts_keyframe());
  CHECK(d->spatial == 0);
  CHECK(d->temporal == 0);
  CHECK(d->fdiff_count == 0);
  CHECK(d->active_targets == 0x1ff);  // every one of the nine, as the structure's arrival says
  const DdStructure& s = next;
  CHECK(s.decode_targets == 9);
  CHECK(s.templates == 15);
  CHECK(s.chains == 3);
  CHECK(s.max_spatial == 2);
  CHECK(s.max_temporal == 2);
  CHECK(dtis(s.templ[0], 9) == "SSSRRRRRR");  // S0T0 delta: a switch point for S0's targets
  CHECK(dtis(s.templ[1], 9) == "SSSSSSSSS");  // the keyframe
  CHECK(dtis(s.templ[3], 9) == "--D--R--R");  // S0T2
  CHECK(dtis(s.templ[14], 9) == "--------D");
  CHECK(s.templ[5].spatial == 1);
  CHECK(s.templ[5].fdiff_count == 2);
  CHECK(s.templ[5].fdiffs[0] == 12);
  CHECK(s.templ[5].fdiffs[1] == 1);
  CHECK(s.templ[13].spatial == 2);
  CHECK(s.templ[13].temporal == 2);
  CHECK(s.templ[0].chain_fdiffs[0] == 12);
  CHECK(s.templ[0].chain_fdiffs[2] == 10);
  for (uint8_t dt = 0; dt < 9; ++dt) {
    CHECK(s.dt_spatial[dt] == dt / 3);
    CHECK(s.dt_temporal[dt] == dt % 3);
    CHECK(s.protected_by[dt] == dt / 3);
    CHECK(s.decode_target(dt / 3, dt % 3) == dt);
  }
  CHECK(s.decode_target(3, 0) == -1);
  REQUIRE(s.has_resolutions);
  CHECK(s.width[0] == 120);
  CHECK(s.height[0] == 67);
  CHECK(s.width[2] == 480);
  CHECK(s.height[2] == 270);
  // Byte for byte back.
  Vec out(200);
  size_t n = write_dependency_descriptor(out, *d, s);
  CHECK(Vec(out.begin(), out.begin() + ptrdiff_t(n)) == kKeyframe);
  // Every truncation is refused.
  for (size_t len = 0; len < kKeyframe.size() - 1; ++len) {
    DdStructure scratch;
    CHECK_FALSE(parse_dependency_descriptor(Bytes(kKeyframe.data(), len), nullptr, scratch).ok());
  }
}

TEST_CASE("dependency descriptor: the packets after the keyframe, read with its structure") {
  DdStructure current, next;
  REQUIRE(parse_dependency_descriptor(kKeyframe, nullptr, current));
  struct Case {
    const char* bytes;
    bool start, end;
    uint16_t frame;
    uint8_t spatial, temporal;
    bool active;
    uint32_t targets;
  };
  const Case cases[] = {
      {"86017340fc", true, false, 371, 1, 0, true, 0x3f},  // the publisher sends two spatial layers
      {"46017340fc", false, true, 371, 1, 0, true, 0x3f},
      {"c3017540fc", true, true, 373, 0, 2, true, 0x3f},
      {"88017640fc", true, false, 374, 1, 2, true, 0x3f},
      {"c2017840fc", true, true, 376, 0, 1, true, 0x3f},
      {"860173", true, false, 371, 1, 0, false, 0},
      {"8b0174", true, false, 372, 2, 0, false, 0},
      {"0b0174", false, false, 372, 2, 0, false, 0},
      {"c30175", true, true, 373, 0, 2, false, 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.bytes);
    Vec b = hex(c.bytes);
    auto d = parse_dependency_descriptor(b, &current, next);
    REQUIRE(d);
    CHECK(d->start == c.start);
    CHECK(d->end == c.end);
    CHECK(d->frame_number == c.frame);
    CHECK(d->spatial == c.spatial);
    CHECK(d->temporal == c.temporal);
    CHECK(d->has_active_targets == c.active);
    if (c.active) CHECK(d->active_targets == c.targets);
    CHECK_FALSE(d->attached_structure);
    CHECK_FALSE(d->starts_keyframe());
    Vec out(16);
    size_t n = write_dependency_descriptor(out, *d, current);
    CHECK(Vec(out.begin(), out.begin() + ptrdiff_t(n)) == b);
    // Without the structure these cannot be read.
    CHECK(parse_dependency_descriptor(b, nullptr, next).error() == ParseError::kBadContent);
  }
  // S0T2's template: discardable for S0T2, required by S1T2 and S2T2, absent below.
  auto d = parse_dependency_descriptor(hex("c30175"), &current, next);
  REQUIRE(d);
  CHECK(d->dti(0) == Dti::kNotPresent);
  CHECK(d->dti(2) == Dti::kDiscardable);
  CHECK(d->dti(5) == Dti::kRequired);
  CHECK(d->fdiff_count == 1);
  CHECK(d->fdiffs[0] == 3);
}

TEST_CASE("dependency descriptor: refusals") {
  DdStructure current, next;
  REQUIRE(parse_dependency_descriptor(kKeyframe, nullptr, current));
  CHECK(parse_dependency_descriptor(hex("c301"), &current, next).error() == ParseError::kTooShort);
  // Template id 15 is past the structure's 15 templates (offset 0).
  CHECK(parse_dependency_descriptor(hex("cf0175"), &current, next).error() == ParseError::kBadContent);
  // Custom fdiffs (flags 00010): one of size 1 (01) whose four bits run off the end.
  CHECK(parse_dependency_descriptor(hex("c3017512"), &current, next).error() == ParseError::kTooShort);
  CHECK(parse_dependency_descriptor(hex("c3017510"), &current, next)->fdiff_count == 0);  // an empty list
  // Nine custom fdiffs of one nibble each: more than a frame can refer to.
  Vec nine = hex("c30175");
  std::string bits = "00010";  // flags: custom fdiffs only
  for (int i = 0; i < 9; ++i) bits += "010000";  // size 1, fdiff_minus_one 0
  bits += "00";
  while (bits.size() % 8) bits += '0';
  for (size_t i = 0; i < bits.size(); i += 8) nine.push_back(uint8_t(std::stoi(bits.substr(i, 8), nullptr, 2)));
  CHECK(parse_dependency_descriptor(nine, &current, next).error() == ParseError::kBadContent);
  // A structure whose layers go past four spatial layers.
  CHECK(parse_dependency_descriptor(hex("c00000800000aaaa"), nullptr, next).error() == ParseError::kBadContent);
}

TEST_CASE("dependency descriptor: a written structure with custom values reads back") {
  DdStructure s;
  s.template_id_offset = 60;  // ids wrap past 63
  s.decode_targets = 3;
  s.templates = 3;
  s.chains = 1;
  s.max_temporal = 2;
  for (uint8_t t = 0; t < 3; ++t) s.templ[t].temporal = t;
  s.templ[0].dtis = 0b101010;  // S S S
  s.templ[1].dtis = 0b111100;  // - R R
  s.templ[2].dtis = 0b010000;  // - - D
  s.templ[1].fdiff_count = 1;
  s.templ[1].fdiffs[0] = 2;
  s.has_resolutions = true;
  s.width[0] = 65536;  // the largest the 16 bits say (found by the fuzzer: it wrapped to 0)
  s.height[0] = 1;
  DependencyDescriptor d;
  d.start = true;
  d.template_id = 61;
  d.frame_number = 0xfffe;
  d.attached_structure = true;
  d.has_active_targets = true;
  d.active_targets = 0b011;
  d.custom_dtis = true;
  d.dtis = 0b011010;
  d.custom_fdiffs = true;
  d.fdiff_count = 2;
  d.fdiffs = {1, 300};
  d.custom_chains = true;
  d.chain_fdiffs[0] = 200;
  Vec out(64);
  size_t n = write_dependency_descriptor(out, d, s);
  REQUIRE(n > 3);
  DdStructure next;
  auto r = parse_dependency_descriptor(Bytes(out.data(), n), nullptr, next);
  REQUIRE(r);
  CHECK(next.template_id_offset == 60);
  CHECK(next.decode_targets == 3);
  CHECK(next.templates == 3);
  CHECK(next.chains == 1);
  CHECK(next.dt_temporal[2] == 2);
  CHECK(next.width[0] == 65536);
  CHECK(next.height[0] == 1);
  CHECK(r->temporal == 1);  // template 61 - 60
  CHECK(r->frame_number == 0xfffe);
  CHECK(r->active_targets == 0b011);
  CHECK(r->dtis == 0b011010);
  CHECK(r->fdiff_count == 2);
  CHECK(r->fdiffs[1] == 300);
  CHECK(r->chain_fdiffs[0] == 200);
  // The same frame as a mandatory-only descriptor: three bytes.
  DependencyDescriptor plain;
  plain.template_id = 62;
  CHECK(write_dependency_descriptor(out, plain, s) == 3);
  CHECK(parse_dependency_descriptor(Bytes(out.data(), 3), &next, next)->temporal == 2);
}
