// Churn: tracks come and go for a long time and the SFU's offers stay the size of what is
// live (m-lines of departed tracks written minimally and reused), with consistent numbering.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "sdp/build.hpp"
#include "sdp/helpers.hpp"
#include "sdp/limits.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"
#include "sdp_test_util.hpp"
#include "signal/sdp_text.h"

using namespace umbrella::sdp;
using umbrella::sdp::test::read_sample;
using umbrella::sdp::test::remote_answer;
using umbrella::sdp::test::server_transport;

namespace {

// What the server keeps per participant: the negotiated state, live tracks, and the SSRCs of
// each of its m-lines (kept when a mid is reused).
struct Session {
  NegotiatedState state;
  std::vector<OutgoingTrack> live;
  std::map<std::string, uint32_t> line_ssrcs;
  uint64_t next_mid = 1;
  uint32_t next_ssrc = 1000;
  size_t max_offer = 0;

  explicit Session(const char* sample) {
    auto offer = parse(read_sample(sample));
    REQUIRE(offer.ok());
    auto answer = answer_offer(*offer, server_transport());
    REQUIRE(answer.ok());
    state = negotiated_state(*offer, *answer);
  }

  void add(MediaKind kind, const std::string& publisher) {
    std::vector<std::string> mids;
    for (auto& t : live) mids.push_back(t.mid);
    OutgoingTrack t;
    auto reused = reusable_mid(state, kind, mids, "t");
    t.mid = reused ? *reused : "t" + std::to_string(next_mid++);
    t.kind = kind;
    t.stream_id = publisher;
    t.track_id = publisher + (kind == MediaKind::kAudio ? "-mic" : "-cam");
    auto [it, fresh] = line_ssrcs.emplace(t.mid, next_ssrc);
    if (fresh) next_ssrc += 2;
    t.ssrc = it->second;
    if (kind == MediaKind::kVideo) t.rtx_ssrc = t.ssrc + 1;
    live.push_back(t);
  }
  void remove(const std::string& publisher) {
    std::erase_if(live, [&](const OutgoingTrack& t) { return t.stream_id == publisher; });
  }
  // One offer/answer round; returns the offer's text.
  std::string negotiate() {
    auto offer = make_offer(state, live, server_transport());
    REQUIRE_MESSAGE(offer.ok(), (offer.ok() ? "" : offer.error()));
    std::string text = build(*offer);
    REQUIRE(parse(text).ok());
    check_bundle_numbering(*offer);
    auto applied = apply_answer(*offer, remote_answer(*offer));
    REQUIRE_MESSAGE(applied.ok(), (applied.ok() ? "" : applied.error()));
    state = std::move(applied).value();
    for (auto& t : live) CHECK(state.find(t.mid)->direction == Direction::kSendOnly);
    max_offer = std::max(max_offer, text.size());
    return text;
  }

  // Across the BUNDLE a payload type means one codec and an extension id one URI
  // (RFC 8843 9.1, RFC 8285), whichever m-lines carry them.
  static void check_bundle_numbering(const SessionDescription& offer) {
    std::map<uint8_t, std::string> pts;
    std::map<uint16_t, std::string> ids;
    for (const auto& m : offer.media) {
      for (const auto& c : m.codecs) {
        std::string what = c.name + "/" + std::to_string(c.clock_rate) + " " + format_fmtp_params(c.fmtp);
        if (is_rtx(c)) what = "rtx apt=" + std::to_string(rtx_apt(c).value_or(0));
        auto [it, fresh] = pts.emplace(c.pt, what);
        // The minimal line keeps the fmtp of the one codec it lists: same codec, same text.
        CHECK_MESSAGE(it->second == what, "pt ", int(c.pt), " is ", it->second, " and ", what);
      }
      for (const auto& e : m.extmaps) {
        auto [it, fresh] = ids.emplace(e.id, e.uri);
        CHECK_MESSAGE(it->second == e.uri, "extension id ", e.id);
      }
    }
  }
};

// Publisher ids of one width: the offer's size must not change with the ids' length.
std::string name(int i) {
  std::string digits = std::to_string(i);
  return "p" + std::string(4 - digits.size(), '0') + digits;
}

}  // namespace

TEST_CASE("churn: 1000 tracks come and go, the offer stays the size of what is live") {
  for (const char* sample : {"chrome_offer_simulcast.sdp", "aiortc_offer.sdp"}) {
    INFO(sample);
    Session s(sample);
    // Four people at most at once, each with audio and video; one leaves, one joins.
    constexpr int kAtOnce = 4;
    for (int i = 0; i < kAtOnce; ++i) {
      s.add(MediaKind::kAudio, name(i));
      s.add(MediaKind::kVideo, name(i));
    }
    s.negotiate();
    size_t full_lines = s.state.media.size();
    size_t full = s.max_offer;
    for (int i = kAtOnce; i < kAtOnce + 500; ++i) {  // 500 departures of two tracks each
      s.remove(name(i - kAtOnce));
      s.negotiate();  // the departed m-lines go inactive first: a browser then fires `track` anew
      s.add(MediaKind::kVideo, name(i));
      s.add(MediaKind::kAudio, name(i));
      s.negotiate();
    }
    CHECK(s.state.media.size() == full_lines);  // every mid was reused
    CHECK(s.next_mid == 2 * kAtOnce + 1);
    CHECK(s.max_offer <= full + 64);  // 1000 departures later: what the max live tracks cost
    // Everyone leaves: the inactive lines are small.
    for (int i = 500; i < 500 + kAtOnce; ++i) s.remove(name(i));
    std::string empty = s.negotiate();
    CHECK(empty.size() < full);
    MESSAGE(std::string(sample), ": offer with ", 2 * kAtOnce, " live tracks ", full, " bytes; after 1000 departures at most ",
            s.max_offer, "; all departed ", empty.size());
  }
}

TEST_CASE("churn: an inactive m-line is written minimally and comes back whole") {
  Session s("chrome_offer_simulcast.sdp");
  s.add(MediaKind::kVideo, "alice");
  auto first = parse(s.negotiate());
  REQUIRE(first.ok());
  const MediaSection* live = find_media(*first, "t1");
  REQUIRE(live);
  s.remove("alice");
  auto gone = parse(s.negotiate());
  REQUIRE(gone.ok());
  const MediaSection* idle = find_media(*gone, "t1");
  REQUIRE(idle);
  CHECK(idle->direction == Direction::kInactive);
  CHECK(idle->port != 0);  // still bundled
  CHECK(idle->codecs.size() == 1);
  CHECK(idle->codecs[0].pt == live->codecs[0].pt);
  CHECK(idle->codecs[0].feedback.empty());
  CHECK(idle->extmaps.empty());
  CHECK(idle->msids.empty());
  CHECK(idle->ssrcs.empty());
  CHECK(idle->ssrc_groups.empty());
  CHECK(idle->rtcp_mux);
  CHECK(!idle->ice_ufrag.empty());
  CHECK(idle->fingerprint);
  SessionDescription one;
  one.media = {*idle};
  size_t idle_bytes = build(one).size();
  one.media = {*live};
  size_t live_bytes = build(one).size();
  MESSAGE("video m-line live ", live_bytes, " bytes, inactive ", idle_bytes);
  CHECK(idle_bytes * 2 < live_bytes);

  s.add(MediaKind::kVideo, "bob");
  REQUIRE(s.live.back().mid == "t1");
  auto back = parse(s.negotiate());
  REQUIRE(back.ok());
  const MediaSection* again = find_media(*back, "t1");
  REQUIRE(again);
  CHECK(again->direction == Direction::kSendOnly);
  CHECK(again->formats == live->formats);  // the same codecs, with the same numbers
  CHECK(again->extmaps.size() == live->extmaps.size());
  for (const auto& e : live->extmaps) CHECK(find_extmap_id(*again, e.uri) == e.id);
  REQUIRE(again->msids.size() == 1);
  CHECK(again->msids[0].stream_id == "bob");
}

TEST_CASE("churn: reusable_mid picks only a free, inactive m-line of the SFU's and of the kind") {
  Session s("chrome_offer_simulcast.sdp");
  s.add(MediaKind::kVideo, "a");
  s.add(MediaKind::kAudio, "a");
  s.negotiate();
  std::vector<std::string> none;
  // Still sending: nothing to reuse, even once the track is gone from the live list, until
  // the remote has applied an offer where it is inactive.
  CHECK_FALSE(reusable_mid(s.state, MediaKind::kVideo, none, "t"));
  s.remove("a");
  s.negotiate();
  CHECK(reusable_mid(s.state, MediaKind::kVideo, none, "t") == "t1");
  CHECK(reusable_mid(s.state, MediaKind::kAudio, none, "t") == "t2");
  CHECK_FALSE(reusable_mid(s.state, MediaKind::kVideo, {"t1"}, "t"));  // already taken this round
  CHECK_FALSE(reusable_mid(s.state, MediaKind::kApplication, none, "t"));
  // The client's own m-lines ("0", "1") are never the SFU's to reuse, even when inactive.
  NegotiatedState client = s.state;
  for (auto& m : client.media) m.direction = Direction::kInactive;
  CHECK(reusable_mid(client, MediaKind::kVideo, {"t1"}, "t") == std::nullopt);
  CHECK(reusable_mid(client, MediaKind::kVideo, {"t1"}, "") == "1");
  // A rejected m-line is not reused either.
  for (auto& m : client.media) m.rejected = true;
  CHECK_FALSE(reusable_mid(client, MediaKind::kVideo, none, "t"));
}

TEST_CASE("bounds: offers over a session's m-lines or a participant's tracks are refused clearly") {
  auto make = [](size_t lines, const char* direction) {
    std::string text = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE";
    for (size_t i = 0; i < lines; ++i) text += " " + std::to_string(i);
    text += "\r\n";
    for (size_t i = 0; i < lines; ++i)
      text += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:" + std::to_string(i) +
              "\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
              "a=fingerprint:sha-256 00:11\r\na=setup:actpass\r\na=" +
              direction + "\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";
    auto parsed = parse(text);
    REQUIRE(parsed.ok());
    return std::move(parsed).value();
  };
  auto local = server_transport();
  CHECK(answer_offer(make(kMaxTracksPerParticipant, "sendonly"), local).ok());
  auto many = answer_offer(make(kMaxTracksPerParticipant + 1, "sendrecv"), local);
  REQUIRE_FALSE(many.ok());
  CHECK(many.error() == "offer publishes 17 tracks; a participant may publish at most 16");
  CHECK(answer_offer(make(kMaxSessionMediaSections, "recvonly"), local).ok());
  auto lines = answer_offer(make(kMaxSessionMediaSections + 1, "recvonly"), local);
  REQUIRE_FALSE(lines.ok());
  CHECK(lines.error() == "offer has 65 m-lines; a session may have at most 64");
  // 128 m-lines (the parser's bound) publishing 100 tracks: refused, not a crash or a stall.
  CHECK_FALSE(answer_offer(make(kMaxMediaSections, "sendonly"), local).ok());
  AnswerOptions trunk;  // a trunk carries whole rooms
  trunk.max_media_sections = kMaxMediaSections;
  trunk.max_published_tracks = kMaxMediaSections;
  CHECK(answer_offer(make(kMaxMediaSections, "sendonly"), local, trunk).ok());
}

TEST_CASE("bounds: the largest session the limits allow fits the signalling bound") {
  // A Chrome session whose every other m-line is a live video track the SFU sends.
  Session s("chrome_offer_simulcast.sdp");
  while (s.state.media.size() + s.live.size() < kMaxSessionMediaSections)
    s.add(MediaKind::kVideo, "p" + std::to_string(s.live.size()));
  std::string offer = s.negotiate();
  MESSAGE(kMaxSessionMediaSections, " m-lines, ", s.live.size(), " live video tracks: ", offer.size(), " bytes");
  CHECK(offer.size() <= UMBRELLA_MAX_SDP_BYTES);
}
