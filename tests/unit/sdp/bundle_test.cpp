// BUNDLE (RFC 8843) and JSEP conformance against real offers: Firefox ESR, Chromium and GStreamer
// webrtcbin with each bundle policy (captured by tests/browser/browser_offer.mjs and
// tests/integration/webrtcbin_peer.py offer). With max-bundle both offer every m-line after
// the first as "m=... 0 ..." with a=bundle-only; the SFU must answer all of them.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sdp/build.hpp"
#include "sdp/helpers.hpp"
#include "sdp/names.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"
#include "sdp_test_util.hpp"

using namespace umbrella::sdp;
using umbrella::sdp::test::check_every_stack_parses;
using umbrella::sdp::test::parsed_sample;
using umbrella::sdp::test::read_sample;
using umbrella::sdp::test::server_transport;

namespace {

bool is_av(const MediaSection& m) { return m.kind == MediaKind::kAudio || m.kind == MediaKind::kVideo; }

// Answers `offer` and checks what every max-bundle offer needs: each audio/video m-line
// accepted (a bundle-only one too), in one BUNDLE group in the offer's order with the
// offerer's tag first, data channels refused, and the transport of the tag usable.
SessionDescription answer_all_media(const SessionDescription& offer) {
  auto a = answer_offer(offer, server_transport());
  REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error()));
  const auto& answer = *a;
  std::string text = build(answer);
  check_every_stack_parses(text);
  REQUIRE(answer.media.size() == offer.media.size());
  std::vector<std::string> av_mids;
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const auto& o = offer.media[i];
    const auto& m = answer.media[i];
    INFO(o.mid);
    CHECK(m.mid == o.mid);
    if (is_av(o)) {
      av_mids.push_back(o.mid);
      CHECK_FALSE(is_rejected(offer, o));
      CHECK(m.port == 40000);
      CHECK(m.direction == Direction::kRecvOnly);  // the offerer sends: the SFU receives
      CHECK(m.rtcp_mux);
      CHECK_FALSE(m.codecs.empty());
    } else {
      CHECK(m.port == 0);  // no SCTP in the SFU: refused, never accepted
      CHECK(is_rejected(answer, m));
    }
  }
  const Group* g = find_group(answer, "BUNDLE");
  REQUIRE(g);
  CHECK(g->mids == av_mids);
  REQUIRE(bundle_tag(answer));
  CHECK(*bundle_tag(answer) == *bundle_tag(offer));
  auto remote = remote_transport(offer, *bundle_tag(answer));
  REQUIRE(remote);
  CHECK(remote->setup == Setup::kActpass);
  auto state = negotiated_state(offer, answer);
  for (const auto& mid : av_mids) {
    REQUIRE(state.find(mid));
    CHECK_FALSE(state.find(mid)->rejected);
    CHECK(state.find(mid)->direction == Direction::kRecvOnly);
  }
  return std::move(a).value();
}

size_t bundle_only_lines(const SessionDescription& s) {
  return size_t(std::count_if(s.media.begin(), s.media.end(), [](const MediaSection& m) { return is_bundle_only(m); }));
}

}  // namespace

TEST_CASE("bundle: Firefox ESR max-bundle offer, every media line answered") {
  auto offer = parsed_sample("firefox_offer_max-bundle.sdp");
  REQUIRE(offer.media.size() == 2);
  CHECK(offer.media[1].port == 0);
  CHECK(bundle_only_lines(offer) == 1);
  auto answer = answer_all_media(offer);
  const auto& video = answer.media[1];
  // Debian's Firefox without the OpenH264 plugin offers VP8, VP9 and AV1 (and RED/ULPFEC,
  // which the SFU does not forward), no H264.
  CHECK(find_codec(video, "VP8"));
  CHECK(find_codec(video, "VP9"));
  CHECK(find_codec(video, "AV1"));
  CHECK_FALSE(find_codec(video, "H264"));
  CHECK_FALSE(find_codec(video, "red"));
  CHECK_FALSE(find_codec(video, "ulpfec"));
  CHECK(find_extmap_id(video, std::string(ext::kMid)) == 3);
}

TEST_CASE("bundle: Firefox ESR max-bundle offer with a data channel: the channel is refused") {
  auto offer = parsed_sample("firefox_offer_max-bundle_data.sdp");
  REQUIRE(offer.media.size() == 3);
  CHECK(bundle_only_lines(offer) == 2);
  auto answer = answer_all_media(offer);
  const auto& data = answer.media[2];
  CHECK(data.media == "application");
  CHECK(data.proto == "UDP/DTLS/SCTP");
  CHECK(data.formats == std::vector<std::string>{"webrtc-datachannel"});
  CHECK_FALSE(data.sctp_port);
  CHECK_FALSE(data.max_message_size);
}

TEST_CASE("bundle: Firefox ESR balanced and max-compat offers") {
  for (const char* name : {"firefox_offer_balanced.sdp", "firefox_offer_max-compat.sdp"}) {
    INFO(name);
    auto offer = parsed_sample(name);
    CHECK(bundle_only_lines(offer) == 0);
    answer_all_media(offer);
  }
}

TEST_CASE("bundle: Chromium offers with each bundle policy (captured by tests/browser/browser_offer.mjs)") {
  // Chromium never writes bundle-only; whatever the policy, it offers one BUNDLE group.
  for (const char* name : {"chromium_offer_max-bundle.sdp", "chromium_offer_balanced.sdp",
                           "chromium_offer_max-compat.sdp", "chromium_offer_max-bundle_data.sdp"}) {
    INFO(name);
    auto offer = parsed_sample(name);
    CHECK(bundle_only_lines(offer) == 0);
    auto answer = answer_all_media(offer);
    // Audio RED (red/48000/2, "111/111") is offered; the SFU forwards plain Opus only.
    CHECK(find_codec(offer.media[0], "red"));
    CHECK_FALSE(find_codec(answer.media[0], "red"));
    CHECK(find_codec(answer.media[0], "opus")->pt == 111);
    // VP8 first: what Chromium will send, and what every subscriber decodes.
    CHECK(answer.media[1].codecs.front().name == "VP8");
    const Codec* h264 = find_codec(answer.media[1], "H264");
    REQUIRE(h264);
    CHECK(fmtp_value(*h264, "packetization-mode") == "1");
    CHECK(fmtp_value(*h264, "profile-level-id")->substr(0, 4) == "42e0");
  }
}

TEST_CASE("bundle: webrtcbin max-bundle offer (GStreamer 1.22), the WHIP publisher's shape") {
  auto offer = parsed_sample("webrtcbin_offer_max-bundle.sdp");
  REQUIRE(offer.media.size() == 2);
  CHECK(bundle_only_lines(offer) == 1);
  CHECK(offer.media[1].rtcp_mux_only);
  auto answer = answer_all_media(offer);
  CHECK(find_codec(answer.media[0], "VP8")->pt == 96);
  CHECK(find_codec(answer.media[1], "opus")->pt == 97);
}

TEST_CASE("bundle: webrtcbin balanced offer has no BUNDLE group: one transport, one m-line") {
  // Without a BUNDLE group every m-line wants a transport of its own; the SFU has one, so it
  // answers the first and rejects the rest (with everything a parser needs on them).
  auto offer = parsed_sample("webrtcbin_offer_balanced.sdp");
  CHECK_FALSE(find_group(offer, "BUNDLE"));
  auto a = answer_offer(offer, server_transport());
  REQUIRE(a.ok());
  check_every_stack_parses(build(*a));
  CHECK(a->media[0].port == 40000);
  CHECK(a->media[1].port == 0);
}

TEST_CASE("bundle: bundle-only rules") {
  auto offer = parsed_sample("webrtcbin_offer_max-bundle.sdp");
  auto& audio = offer.media[1];
  SUBCASE("a bundle-only line without its own transport attributes uses the tag's") {
    audio.ice_ufrag.clear();
    audio.ice_pwd.clear();
    audio.fingerprint.reset();
    audio.setup = Setup::kUnspecified;
    auto answer = answer_all_media(offer);
    CHECK(answer.media[1].port == 40000);
  }
  SUBCASE("port 0 outside the BUNDLE group is a rejection, bundle-only or not") {
    offer.groups[0].mids = {offer.media[0].mid};
    CHECK(is_rejected(offer, audio));
    auto answer = answer_offer(offer, server_transport());
    REQUIRE(answer.ok());
    CHECK(answer->media[1].port == 0);
    CHECK(find_group(*answer, "BUNDLE")->mids == std::vector<std::string>{offer.media[0].mid});
    check_every_stack_parses(build(*answer));
  }
  SUBCASE("a group whose every line has port 0 has no tag: all rejected") {
    offer.media[0].port = 0;
    CHECK(is_rejected(offer, offer.media[0]));
    CHECK(is_rejected(offer, audio));
    CHECK_FALSE(bundle_tag(offer));
    CHECK_FALSE(answer_offer(offer, server_transport()).ok());
  }
  SUBCASE("the room's track bound counts bundle-only lines as published") {
    size_t publishing = 0;
    for (const auto& m : offer.media) publishing += !is_rejected(offer, m) && sends(m.direction);
    CHECK(publishing == 2);
    AnswerOptions options;
    options.max_published_tracks = 1;
    CHECK_FALSE(answer_offer(offer, server_transport(), options).ok());
  }
}

TEST_CASE("bundle: the SFU's own re-offers to a Firefox max-bundle client") {
  auto offer = parsed_sample("firefox_offer_max-bundle_data.sdp");
  auto answer = answer_offer(offer, server_transport());
  REQUIRE(answer.ok());
  auto state = negotiated_state(offer, *answer);
  OutgoingTrack t;
  t.mid = "s0";
  t.kind = MediaKind::kVideo;
  t.stream_id = "peerB";
  t.track_id = "cam";
  t.ssrc = 7000;
  t.rtx_ssrc = 7001;
  auto reoffer = make_offer(state, {t}, server_transport());
  REQUIRE_MESSAGE(reoffer.ok(), (reoffer.ok() ? "" : reoffer.error()));
  std::string text = build(*reoffer);
  check_every_stack_parses(text);
  REQUIRE(reoffer->media.size() == 4);
  CHECK(reoffer->media[2].port == 0);  // the data channel stays refused
  CHECK(find_group(*reoffer, "BUNDLE")->mids == std::vector<std::string>{"0", "1", "s0"});
  for (size_t i : {0, 1, 3}) CHECK(reoffer->media[i].port == 40000);
  // The client's answer (same machinery) applies, and the refused line stays refused.
  auto client = umbrella::sdp::test::remote_answer(*reoffer);
  check_every_stack_parses(build(client));
  auto applied = apply_answer(*reoffer, client);
  REQUIRE_MESSAGE(applied.ok(), (applied.ok() ? "" : applied.error()));
  CHECK(applied->find("2")->rejected);
  CHECK(applied->find("s0")->direction == Direction::kSendOnly);
  // And the next re-offer, after the track left, is just as parseable.
  auto after = make_offer(*applied, {}, server_transport());
  REQUIRE(after.ok());
  check_every_stack_parses(build(*after));
  CHECK(after->media[3].direction == Direction::kInactive);
}

TEST_CASE("bundle: every sample's answer is written so every stack parses it") {
  for (const char* name : {"chrome_offer_simulcast.sdp", "firefox_offer.sdp", "aiortc_offer.sdp",
                           "aiortc_live_offer.sdp", "aiortc_recvonly_offer.sdp"}) {
    INFO(name);
    auto a = answer_offer(parsed_sample(name), server_transport());
    REQUIRE(a.ok());
    check_every_stack_parses(build(*a));
  }
}
