#include <doctest/doctest.h>

#include "sdp/build.hpp"
#include "sdp/capabilities.hpp"
#include "sdp/helpers.hpp"
#include "sdp/limits.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"
#include "sdp_test_util.hpp"

using namespace umbrella::sdp;
using umbrella::sdp::test::read_sample;
using umbrella::sdp::test::remote_answer;
using umbrella::sdp::test::server_transport;

namespace {

SessionDescription parsed(const std::string& text) {
  auto r = parse(text);
  REQUIRE(r.ok());
  return std::move(r).value();
}

OutgoingTrack video_track(std::string mid, uint32_t ssrc) {
  OutgoingTrack t;
  t.mid = std::move(mid);
  t.kind = MediaKind::kVideo;
  t.stream_id = "peerB";
  t.track_id = "cam";
  t.ssrc = ssrc;
  t.rtx_ssrc = ssrc + 1;
  return t;
}

// Within one m-line, payload types and extension ids are unique.
void check_numbering(const SessionDescription& offer) {
  for (const auto& m : offer.media) {
    INFO(m.mid);
    for (size_t i = 0; i < m.codecs.size(); ++i)
      for (size_t j = i + 1; j < m.codecs.size(); ++j) CHECK(m.codecs[i].pt != m.codecs[j].pt);
    for (size_t i = 0; i < m.extmaps.size(); ++i)
      for (size_t j = i + 1; j < m.extmaps.size(); ++j) CHECK(m.extmaps[i].id != m.extmaps[j].id);
  }
}

NegotiatedState chrome_state() {
  auto offer = parsed(read_sample("chrome_offer_simulcast.sdp"));
  auto answer = answer_offer(offer, server_transport());
  REQUIRE(answer.ok());
  return negotiated_state(offer, *answer);
}

}  // namespace

TEST_CASE("offer: golden re-offer to aiortc, and aiortc's real answer applied") {
  auto local = server_transport();
  local.candidates = host_candidates({"127.0.0.1"}, 40000);
  local.session_id = "1";
  local.session_version = 1;
  auto remote_offer = parsed(read_sample("aiortc_live_offer.sdp"));
  auto answer = answer_offer(remote_offer, local);
  REQUIRE(answer.ok());
  OutgoingTrack audio;
  audio.mid = "s2";
  audio.kind = MediaKind::kAudio;
  audio.stream_id = "peerB";
  audio.track_id = "mic";
  audio.ssrc = 4321;
  local.session_version = 2;
  std::string offer_text = build_offer(negotiated_state(remote_offer, *answer), {video_track("s1", 1234), audio}, local);
  // video_track gives rtx 1235; the golden file was made with rtx 5678.
  auto offer = parsed(offer_text);
  REQUIRE(offer.media.size() == 5);
  auto golden = parsed(read_sample("umbrella_reoffer.sdp"));
  offer.media[3].ssrc_groups = golden.media[3].ssrc_groups;
  offer.media[3].ssrcs = golden.media[3].ssrcs;
  CHECK(build(offer) == read_sample("umbrella_reoffer.sdp"));
  // aiortc uses id 2 for audio-level on audio and abs-send-time on video: the answer kept
  // only the first, so new m-lines give abs-send-time a fresh id.
  check_numbering(offer);
  CHECK(find_extmap_id(offer.media[4], std::string(ext::kAudioLevel)) == 2);
  CHECK(find_extmap_id(offer.media[4], std::string(ext::kAbsSendTime)) == 3);
  CHECK(find_extmap_id(offer.media[3], std::string(ext::kAbsSendTime)) == 3);

  auto state = apply_answer(golden, parsed(read_sample("aiortc_reanswer.sdp")));
  REQUIRE_MESSAGE(state.ok(), (state.ok() ? "" : state.error()));
  REQUIRE(state->media.size() == 5);
  // A fresh aiortc peer answered: it has nothing to send on the SFU's recvonly m-lines.
  CHECK(state->find("0")->direction == Direction::kInactive);
  CHECK(state->find("1")->direction == Direction::kInactive);
  const auto* s1 = state->find("s1");
  CHECK(s1->direction == Direction::kSendOnly);
  CHECK(s1->payload_type("VP8") == 97);
  CHECK(s1->rtx_payload_type(97) == 98);
  CHECK(s1->payload_type("VP9") == std::nullopt);  // aiortc does not do VP9
  CHECK(s1->extension_id(ext::kMid) == 1);
  CHECK(state->find("s2")->payload_type("opus") == 96);
  CHECK(state->find("2")->kind == MediaKind::kApplication);
}

TEST_CASE("offer: keeps existing m-lines and appends new sendonly tracks") {
  auto state = chrome_state();
  auto r = make_offer(state, {video_track("3", 5000)}, server_transport());
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  const auto& offer = *r;
  check_numbering(offer);
  CHECK(offer.ice_lite);
  REQUIRE(offer.media.size() == 4);
  CHECK(find_group(offer, "BUNDLE")->mids == std::vector<std::string>{"0", "1", "3"});  // 2: refused data
  for (size_t i = 0; i < 3; ++i) {
    CHECK(offer.media[i].mid == state.media[i].mid);
    CHECK(offer.media[i].codecs.size() == state.media[i].codecs.size());
  }
  for (const auto& m : offer.media) {
    CHECK(m.setup == Setup::kActpass);
    CHECK(m.ice_pwd == server_transport().ice_pwd);
  }
  CHECK(offer.media[0].direction == Direction::kRecvOnly);
  const auto& v1 = offer.media[1];
  CHECK(v1.direction == Direction::kRecvOnly);
  REQUIRE(v1.simulcast);
  CHECK(format_simulcast(*v1.simulcast) == "recv q;h;f");
  CHECK(offer.media[2].port == 0);  // the refused data channel stays refused
  CHECK(offer.media[2].connection);

  const auto& v3 = offer.media[3];
  CHECK(v3.direction == Direction::kSendOnly);
  CHECK(v3.kind == MediaKind::kVideo);
  // Same codec, same number as the client's own video m-line; extension ids likewise.
  CHECK(find_codec(v3, "VP8")->pt == 96);
  CHECK(rtx_payload_type(v3, 96) == 97);
  CHECK(find_codec(v3, "H264")->pt == 106);
  CHECK(find_codec(v3, "AV1")->pt == 45);
  CHECK(find_extmap_id(v3, std::string(ext::kMid)) == 4);
  CHECK(find_extmap_id(v3, std::string(ext::kTransportCc)) == 3);
  REQUIRE(v3.msids.size() == 1);
  CHECK(v3.msids[0].track_id == "cam");
  REQUIRE(v3.ssrc_groups.size() == 1);
  CHECK(v3.ssrc_groups[0].semantics == "FID");
  CHECK(v3.ssrc_groups[0].ssrcs == std::vector<uint32_t>{5000, 5001});
  CHECK(v3.ssrcs.size() == 4);
  CHECK(v3.rids.empty());
}

TEST_CASE("offer: a fresh session with a full room's tracks reuses one set of payload types") {
  // A viewer whose own offer had no audio/video m-line joins a room at the track bound:
  // every new m-line numbers its codecs like the first one of its kind (no running out).
  std::vector<OutgoingTrack> tracks;
  for (uint32_t i = 0; i < kMaxTracksPerRoom; ++i) {
    OutgoingTrack t = video_track("t" + std::to_string(i), 1000 + 2 * i);
    if (i % 3 == 0) {
      t.kind = MediaKind::kAudio;
      t.rtx_ssrc.reset();
    }
    tracks.push_back(std::move(t));
  }
  auto r = make_offer({}, tracks, server_transport());
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  REQUIRE(r->media.size() == kMaxTracksPerRoom);
  check_numbering(*r);
  const MediaSection& first_video = r->media[1];
  for (const auto& m : r->media) {
    INFO(m.mid);
    const MediaSection& like = m.kind == MediaKind::kAudio ? r->media[0] : first_video;
    REQUIRE(m.codecs.size() == like.codecs.size());
    for (size_t i = 0; i < m.codecs.size(); ++i) CHECK(m.codecs[i].pt == like.codecs[i].pt);
  }
  // And the text parses back (it is what the viewer receives).
  CHECK(parse(build(*r)).ok());
}

TEST_CASE("offer: removed tracks go inactive, and a mid can be recycled") {
  auto first = make_offer(chrome_state(), {video_track("3", 5000)}, server_transport());
  REQUIRE(first.ok());
  auto applied = apply_answer(*first, remote_answer(*first));
  REQUIRE_MESSAGE(applied.ok(), (applied.ok() ? "" : applied.error()));
  CHECK(applied->find("3")->direction == Direction::kSendOnly);
  CHECK(applied->find("1")->direction == Direction::kRecvOnly);

  auto removed = make_offer(*applied, {}, server_transport());
  REQUIRE(removed.ok());
  REQUIRE(removed->media.size() == 4);
  CHECK(removed->media[3].direction == Direction::kInactive);
  CHECK(removed->media[3].msids.empty());
  CHECK(removed->media[3].ssrcs.empty());
  CHECK(removed->media[3].port != 0);  // still bundled, ready to be reused

  auto recycled = make_offer(*applied, {video_track("3", 7000)}, server_transport());
  REQUIRE(recycled.ok());
  REQUIRE(recycled->media.size() == 4);
  CHECK(recycled->media[3].direction == Direction::kSendOnly);
  CHECK(recycled->media[3].ssrcs[0].ssrc == 7000);
  CHECK(recycled->media[3].formats == first->media[3].formats);
}

TEST_CASE("offer: refusals") {
  auto state = chrome_state();
  auto local = server_transport();
  OutgoingTrack audio_on_video = video_track("1", 9);
  audio_on_video.kind = MediaKind::kAudio;
  CHECK_FALSE(make_offer(state, {audio_on_video}, local).ok());
  CHECK_FALSE(make_offer(state, {video_track("x", 9), video_track("x", 20)}, local).ok());
  CHECK_FALSE(make_offer(state, {video_track("x", 0)}, local).ok());
  OutgoingTrack no_msid = video_track("x", 9);
  no_msid.stream_id.clear();
  CHECK_FALSE(make_offer(state, {no_msid}, local).ok());
  OutgoingTrack bad_codecs = video_track("x", 9);
  bad_codecs.codecs = codecs_for(default_capabilities().codecs[1], 200, 201);
  CHECK_FALSE(make_offer(state, {bad_codecs}, local).ok());
  CHECK_FALSE(make_offer(NegotiatedState{}, {}, local).ok());
  CHECK(build_offer(NegotiatedState{}, {}, local).empty());

  NegotiatedState rejected;
  NegotiatedMedia m;
  m.mid = "r";
  m.kind = MediaKind::kVideo;
  m.proto = "UDP/TLS/RTP/SAVPF";
  m.rejected = true;
  rejected.media.push_back(m);
  CHECK_FALSE(make_offer(rejected, {video_track("r", 9)}, local).ok());
  auto only_rejected = make_offer(rejected, {}, local);
  REQUIRE(only_rejected.ok());
  CHECK(only_rejected->media[0].port == 0);

  NegotiatedState crowded;  // every dynamic payload type taken by something else
  NegotiatedMedia busy;
  busy.mid = "b";
  busy.kind = MediaKind::kVideo;
  busy.proto = "UDP/TLS/RTP/SAVPF";
  busy.direction = Direction::kRecvOnly;
  for (int pt = 35; pt <= 127; ++pt) {
    if (pt > 63 && pt < 96) continue;
    Codec c;
    c.pt = uint8_t(pt);
    c.name = "X" + std::to_string(pt);
    c.clock_rate = 90000;
    busy.codecs.push_back(c);
  }
  crowded.media.push_back(busy);
  auto no_room = make_offer(crowded, {video_track("x", 9)}, local);
  REQUIRE_FALSE(no_room.ok());
  CHECK(no_room.error() == "no codec for track x");
  crowded.media[0].codecs.resize(crowded.media[0].codecs.size() - 3);  // three free: one codec + RTX fits
  auto tight = make_offer(crowded, {video_track("x", 9)}, local);
  REQUIRE(tight.ok());
  CHECK(tight->media[1].codecs.size() == 2);
  check_numbering(*tight);

  std::vector<OutgoingTrack> many;
  for (size_t i = 0; i < kMaxMediaSections; ++i) many.push_back(video_track("t" + std::to_string(i), 100 + 2 * i));
  CHECK_FALSE(make_offer(state, many, local).ok());  // 3 existing + kMaxMediaSections new
  many.resize(kMaxMediaSections - 3);
  auto full = make_offer(state, many, local);
  REQUIRE(full.ok());
  CHECK(parse(build(*full)).ok());  // and our own output stays within our own bounds
}

TEST_CASE("apply_answer: inconsistent answers are refused") {
  auto offer = make_offer(chrome_state(), {video_track("3", 5000)}, server_transport());
  REQUIRE(offer.ok());
  auto good = remote_answer(*offer);
  REQUIRE(apply_answer(*offer, good).ok());

  auto bad = good;
  bad.media.pop_back();
  CHECK_FALSE(apply_answer(*offer, bad).ok());
  bad = good;
  bad.media[1].mid = "zz";
  CHECK_FALSE(apply_answer(*offer, bad).ok());
  bad = good;
  bad.media[1].codecs[0].pt = 77;  // not offered
  CHECK_FALSE(apply_answer(*offer, bad).ok());
  bad = good;
  bad.media[1].codecs[0].name = "VP9";  // offered pt, other codec
  CHECK_FALSE(apply_answer(*offer, bad).ok());
  bad = good;
  bad.media[1].extmaps[0].id = 14;
  CHECK_FALSE(apply_answer(*offer, bad).ok());
  bad = good;
  bad.media[0].setup = Setup::kActpass;
  CHECK_FALSE(apply_answer(*offer, bad).ok());
  bad = good;
  bad.media[0].ice_ufrag.clear();
  CHECK_FALSE(apply_answer(*offer, bad).ok());
  bad = good;
  bad.media[3].codecs.erase(bad.media[3].codecs.begin());  // RTX without VP8
  CHECK_FALSE(apply_answer(*offer, bad).ok());

  // Rejecting a line (port 0, out of the BUNDLE group) is fine; rejecting everything is not.
  auto rejecting = good;
  rejecting.media[3].port = 0;
  std::erase(rejecting.groups[0].mids, "3");
  auto st = apply_answer(*offer, rejecting);
  REQUIRE(st.ok());
  CHECK(st->find("3")->rejected);
  // Port 0 inside the answer's BUNDLE group is a bundled line (RFC 8843 7.3.1), not a rejection;
  // it uses the tag's transport even without its own ICE/DTLS attributes.
  auto bundled = good;
  bundled.media[3].port = 0;
  bundled.media[3].ice_ufrag.clear();
  bundled.media[3].ice_pwd.clear();
  bundled.media[3].fingerprint.reset();
  bundled.media[3].setup = Setup::kUnspecified;
  st = apply_answer(*offer, bundled);
  REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error()));
  CHECK_FALSE(st->find("3")->rejected);
  CHECK(st->find("3")->direction == Direction::kSendOnly);
  CHECK(st->find("3")->payload_type("VP8") == 96);
  for (auto& m : rejecting.media) m.port = 0;
  CHECK_FALSE(apply_answer(*offer, rejecting).ok());
}
