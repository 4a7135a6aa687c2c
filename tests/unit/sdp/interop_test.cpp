// Real offers and answers of every stack in the interop matrix, captured by the integration
// tests (UMBRELLA_SDP_CAPTURE, see tests/data/sdp/capture/README): GStreamer webrtcbin as a
// WHIP publisher and a WHEP viewer with each bundle policy, and the answers of Chromium and
// Firefox ESR to the SFU's offers. Each is answered again, or applied, here.
#include <doctest/doctest.h>

#include <string>

#include "sdp/build.hpp"
#include "sdp/helpers.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"
#include "sdp_test_util.hpp"

using namespace umbrella::sdp;
using umbrella::sdp::test::check_every_stack_parses;
using umbrella::sdp::test::parsed_sample;
using umbrella::sdp::test::read_sample;
using umbrella::sdp::test::server_transport;

namespace {

size_t accepted_lines(const SessionDescription& s) {
  return size_t(std::count_if(s.media.begin(), s.media.end(), [](const MediaSection& m) { return m.port != 0; }));
}

}  // namespace

TEST_CASE("interop: webrtcbin offers with each bundle policy, and what the SFU answered them") {
  struct Case {
    const char* name;
    size_t accepted;  // m-lines the SFU can take on its one transport
    const char* video;
  };
  for (const Case& c : {Case{"webrtcbin_whip_vp8_max-bundle", 2, "VP8"}, Case{"webrtcbin_whip_vp8_max-compat", 2, "VP8"},
                        Case{"webrtcbin_whip_vp8_balanced", 1, "VP8"}, Case{"webrtcbin_whip_h264_max-bundle", 2, "H264"},
                        Case{"webrtcbin_whep_vp8_max-bundle", 2, "VP8"}, Case{"webrtcbin_whep_vp8_max-compat", 2, "VP8"},
                        Case{"webrtcbin_whep_h264_max-bundle", 2, "H264"}}) {
    INFO(c.name);
    auto offer = parsed_sample(std::string(c.name) + "_offer.sdp");
    // What the server sent, as captured, is what every stack must parse...
    auto sent_text = read_sample(std::string(c.name) + "_answer.sdp");
    check_every_stack_parses(sent_text);
    auto sent = parsed_sample(std::string(c.name) + "_answer.sdp");
    CHECK(accepted_lines(sent) == c.accepted);
    auto applied = apply_answer(offer, sent);
    REQUIRE_MESSAGE(applied.ok(), (applied.ok() ? "" : applied.error()));
    CHECK(applied->find(offer.media[0].mid)->codecs.front().name == c.video);
    // ...and answering the offer again today gives the same shape.
    AnswerOptions options;
    auto again = answer_offer(offer, server_transport(), options);
    REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error()));
    check_every_stack_parses(build(*again));
    CHECK(accepted_lines(*again) == c.accepted);
  }
}

TEST_CASE("interop: webrtcbin's H264 is Constrained Baseline, packetization-mode 1") {
  auto offer = parsed_sample("webrtcbin_whip_h264_max-bundle_offer.sdp");
  const Codec* h264 = find_codec(offer.media[0], "H264");
  REQUIRE(h264);
  CHECK(fmtp_value(*h264, "packetization-mode") == "1");
  auto answer = answer_offer(offer, server_transport());
  REQUIRE(answer.ok());
  const Codec* answered = find_codec(answer->media[0], "H264");
  REQUIRE(answered);
  CHECK(answered->pt == h264->pt);
}

TEST_CASE("interop: Chromium's answer to the SFU's offer applies, every line accepted in one group") {
  auto offer = parsed_sample("umbrella_offer_to_chromium.sdp");
  check_every_stack_parses(read_sample("umbrella_offer_to_chromium.sdp"));
  auto answer = parsed_sample("chromium_answer_max-bundle.sdp");
  auto state = apply_answer(offer, answer);
  REQUIRE_MESSAGE(state.ok(), (state.ok() ? "" : state.error()));
  const Group* g = find_group(answer, "BUNDLE");
  REQUIRE(g);
  CHECK(g->mids.size() == offer.media.size());
  for (const auto& m : offer.media) {
    INFO(m.mid);
    REQUIRE(state->find(m.mid));
    CHECK_FALSE(state->find(m.mid)->rejected);
  }
}

TEST_CASE("interop: Firefox ESR's answer to the SFU's offer: one group, no bundle-only, no RED or ULPFEC") {
  auto answer = parsed_sample("firefox_answer_max-bundle.sdp");
  const Group* g = find_group(answer, "BUNDLE");
  REQUIRE(g);
  CHECK(g->mids.size() == answer.media.size());
  for (const auto& m : answer.media) {
    INFO(m.mid);
    CHECK(m.port != 0);
    CHECK_FALSE(is_bundle_only(m));  // an answer never is (RFC 8843 7.3.1)
    CHECK_FALSE(find_codec(m, "red"));
    CHECK_FALSE(find_codec(m, "ulpfec"));
  }
}
