#include <doctest/doctest.h>

#include <algorithm>

#include "sdp/build.hpp"
#include "sdp/capabilities.hpp"
#include "sdp/helpers.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"
#include "sdp_test_util.hpp"

using namespace umbrella::sdp;
using umbrella::sdp::test::read_sample;
using umbrella::sdp::test::server_transport;

namespace {

SessionDescription sample(const char* name) {
  auto r = parse(read_sample(name));
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<uint8_t> pts(const MediaSection& m) {
  std::vector<uint8_t> out;
  for (const auto& c : m.codecs) out.push_back(c.pt);
  return out;
}

SessionDescription answer_to(const SessionDescription& offer, const AnswerOptions& options = {}) {
  auto a = answer_offer(offer, server_transport(), options);
  REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error()));
  // Whatever we answer must parse back to the same thing.
  auto again = parse(build(*a));
  REQUIRE(again.ok());
  CHECK(build(*again) == build(*a));
  return std::move(a).value();
}

}  // namespace

TEST_CASE("answer: Chrome simulcast offer") {
  auto offer = sample("chrome_offer_simulcast.sdp");
  auto answer = answer_to(offer);
  CHECK(answer.ice_lite);
  CHECK(answer.extmap_allow_mixed);
  REQUIRE(find_group(answer, "BUNDLE"));
  // The data channel is refused unless the caller serves SCTP (data_channel_test.cpp).
  CHECK(find_group(answer, "BUNDLE")->mids == std::vector<std::string>{"0", "1"});
  CHECK(answer.origin.session_id == "7001");
  REQUIRE(answer.media.size() == 3);
  for (size_t i = 0; i < 2; ++i) {
    const auto& m = answer.media[i];
    CHECK(m.port == 40000);
    CHECK(m.setup == Setup::kPassive);
    CHECK(m.ice_ufrag == "srvUfrag");
    CHECK(m.candidates.size() == 2);
    CHECK(m.end_of_candidates);
    REQUIRE(m.connection);
    CHECK(m.connection->address == "198.18.0.1");
  }

  const auto& audio = answer.media[0];
  CHECK(audio.direction == Direction::kRecvOnly);  // offer sendrecv, SFU only receives
  CHECK(audio.rtcp_mux);
  CHECK(audio.rtcp_rsize);
  REQUIRE(pts(audio) == std::vector<uint8_t>{111});
  CHECK(audio.codecs[0].fmtp.raw == "minptime=10;useinbandfec=1");
  CHECK(audio.codecs[0].feedback == std::vector<RtcpFb>{{"transport-cc", ""}});
  CHECK(find_extmap_id(audio, std::string(ext::kAudioLevel)) == 1);
  CHECK(find_extmap_id(audio, std::string(ext::kMid)) == 4);
  CHECK(audio.extmaps.size() == 4);
  CHECK(audio.msids.empty());
  CHECK(audio.ssrcs.empty());

  const auto& video = answer.media[1];
  // Offerer's numbers in our order: VP8, VP9 profile 0, H264 (42e01f pm=1 only), AV1, each with RTX.
  CHECK(pts(video) == std::vector<uint8_t>{96, 97, 98, 99, 106, 107, 45, 46});
  CHECK(rtx_payload_type(video, 106) == 107);
  CHECK(fmtp_value(*find_codec_by_pt(video, 106), "profile-level-id") == "42e01f");
  CHECK(find_codec_by_pt(video, 96)->feedback.size() == 5);
  CHECK(video.extmaps.size() == 5);  // toffset, orientation, playout-delay... dropped
  CHECK(find_extmap_id(video, std::string(ext::kRtpStreamId)) == 10);
  CHECK(find_extmap_id(video, std::string(ext::kRepairedRtpStreamId)) == 11);
  CHECK_FALSE(find_extmap_id(video, std::string(ext::kAudioLevel)));
  REQUIRE(video.rids.size() == 3);
  CHECK(video.rids[0].direction == RidDirection::kRecv);
  REQUIRE(video.simulcast);
  CHECK(video.simulcast->send.empty());
  CHECK(format_simulcast(*video.simulcast) == "recv q;h;f");

  const auto& data = answer.media[2];
  CHECK(data.port == 0);
  CHECK(data.proto == "UDP/DTLS/SCTP");
  CHECK(data.formats == std::vector<std::string>{"webrtc-datachannel"});
  CHECK(data.mid == "2");
  CHECK_FALSE(data.sctp_port);
  CHECK_FALSE(data.rtcp_mux);
  CHECK(data.candidates.empty());
  REQUIRE(data.connection);  // RFC 8866: every m-line has its c=

  auto state = negotiated_state(offer, answer);
  REQUIRE(state.media.size() == 3);
  CHECK(state.find("2")->rejected);

  CHECK(bundle_tag(answer) == "0");
  auto remote = remote_transport(offer, *bundle_tag(answer));
  REQUIRE(remote);
  CHECK(remote->ice_ufrag == "EsAw");
  CHECK(remote->ice_pwd == "bP+XJMM09aR8AiX1jdukzR6Y");
  CHECK(remote->fingerprint.algorithm == "sha-256");
  CHECK(remote->setup == Setup::kActpass);
  CHECK(remote->candidates.size() == 5);
  CHECK_FALSE(remote->ice_lite);
  CHECK_FALSE(remote_transport(offer, "nope"));
  CHECK(state.find("1")->payload_type("VP8") == 96);
  CHECK(state.find("1")->rtx_payload_type(96) == 97);
  CHECK(state.find("1")->extension_id(ext::kTransportCc) == 3);
  CHECK(state.find("1")->recv_rids == std::vector<std::string>{"q", "h", "f"});
  CHECK(state.find("0")->direction == Direction::kRecvOnly);
}

TEST_CASE("answer: aiortc offer with legacy data channel refused") {
  auto offer = sample("aiortc_offer.sdp");
  auto answer = answer_to(offer);
  REQUIRE(answer.media.size() == 3);
  CHECK(pts(answer.media[0]) == std::vector<uint8_t>{96});           // opus at aiortc's 96
  CHECK(pts(answer.media[1]) == std::vector<uint8_t>{97, 98, 101, 102});  // VP8+rtx, H264 42e01f+rtx
  CHECK(answer.media[1].codecs[0].feedback.size() == 3);  // nack, nack pli, goog-remb
  // aiortc puts audio-level (audio) and abs-send-time (video) both on id 2; in one bundle an
  // id names one extension, so only the first is answered.
  CHECK(find_extmap_id(answer.media[0], std::string(ext::kAudioLevel)) == 2);
  CHECK_FALSE(find_extmap_id(answer.media[1], std::string(ext::kAbsSendTime)));
  CHECK(find_extmap_id(answer.media[1], std::string(ext::kMid)) == 1);
  const auto& data = answer.media[2];
  CHECK(data.port == 0);
  CHECK(data.proto == "DTLS/SCTP");
  CHECK(data.formats == std::vector<std::string>{"5000"});
  CHECK(data.other_attributes.empty());  // no sctpmap: nothing is served
  CHECK(find_group(answer, "BUNDLE")->mids == std::vector<std::string>{"0", "1"});
  auto state = negotiated_state(offer, answer);
  CHECK(state.find("2")->rejected);
  CHECK(remote_transport(offer, *bundle_tag(answer))->ice_ufrag == offer.media[0].ice_ufrag);
}

TEST_CASE("answer: Firefox offer") {
  auto answer = answer_to(sample("firefox_offer.sdp"));
  const auto& audio = answer.media[0];
  CHECK(pts(audio) == std::vector<uint8_t>{109});
  CHECK(audio.extmaps.size() == 2);  // csrc-audio-level is not ours
  const auto& video = answer.media[1];
  CHECK(pts(video) == std::vector<uint8_t>{120, 124, 121, 125, 126, 127});
  CHECK(fmtp_value(video.codecs[2], "profile-id") == "0");
  CHECK(video.extmaps.size() == 3);  // mid, abs-send-time, transport-cc
}

TEST_CASE("answer: a publisher preferring H264 is answered VP8 first, which every subscriber decodes") {
  // A sender uses the answer's first codec. Safari and some Android phones offer H264 first;
  // Firefox without OpenH264 (Debian's, headless) cannot decode it, so a mixed room must not
  // end up on it just because the publisher listed it first.
  auto text = read_sample("aiortc_offer.sdp");
  auto at = text.find("SAVPF 97 98 99 100 101 102");
  REQUIRE(at != std::string::npos);
  text.replace(at, 26, "SAVPF 101 102 99 100 97 98");
  auto parsed = parse(text);
  REQUIRE(parsed.ok());
  auto answer = answer_to(*parsed);
  CHECK(pts(answer.media[1]) == std::vector<uint8_t>{97, 98, 101, 102});  // VP8+rtx, then H264 42e01f+rtx
  auto state = negotiated_state(*parsed, answer);
  CHECK(state.find("1")->codecs.front().name == "VP8");
}

TEST_CASE("answer: direction policy per mid") {
  auto offer = sample("aiortc_recvonly_offer.sdp");
  SUBCASE("default: recvonly offer meets a receive-only SFU") {
    auto answer = answer_to(offer);
    CHECK(answer.media[0].direction == Direction::kInactive);
    CHECK(answer.media[1].direction == Direction::kInactive);
  }
  SUBCASE("the SFU sends on a mid: sendonly with msid and ssrcs") {
    AnswerOptions options;
    OutgoingTrack track;
    track.mid = "1";
    track.kind = MediaKind::kVideo;
    track.stream_id = "peerA";
    track.track_id = "camera";
    track.ssrc = 1111;
    track.rtx_ssrc = 2222;
    options.per_mid["1"] = MidPolicy{Direction::kSendRecv, track};
    options.per_mid["0"] = MidPolicy{Direction::kSendOnly, {}};
    auto answer = answer_to(offer, options);
    CHECK(answer.media[0].direction == Direction::kSendOnly);
    const auto& video = answer.media[1];
    CHECK(video.direction == Direction::kSendOnly);
    REQUIRE(video.msids.size() == 1);
    CHECK(video.msids[0].stream_id == "peerA");
    REQUIRE(video.ssrc_groups.size() == 1);
    CHECK(video.ssrc_groups[0].ssrcs == std::vector<uint32_t>{1111, 2222});
    CHECK(video.ssrcs.size() == 4);
    CHECK(video.ssrcs[0].value == "peerA");  // cname defaults to the stream id
  }
  SUBCASE("sendonly offer is received") {
    for (auto& m : offer.media) m.direction = Direction::kSendOnly;
    auto answer = answer_to(offer);
    CHECK(answer.media[0].direction == Direction::kRecvOnly);
  }
}

TEST_CASE("answer: unsupported m-lines are rejected with port 0") {
  auto offer = sample("chrome_offer_simulcast.sdp");
  // Video offering only H264 High and VP9 profile 2: nothing we forward.
  auto& video = offer.media[1];
  std::vector<Codec> kept;
  for (const auto& c : video.codecs)
    if (c.pt == 127 || c.pt == 125 || c.pt == 100 || c.pt == 101) kept.push_back(c);
  set_codecs(video, kept);
  MediaSection extra = offer.media[2];  // a second data channel m-line
  extra.mid = "3";
  offer.media.push_back(extra);
  MediaSection unbundled = offer.media[0];  // not in BUNDLE
  unbundled.mid = "4";
  offer.media.push_back(unbundled);
  MediaSection text = offer.media[0];
  text.kind = MediaKind::kOther;
  text.media = "text";
  text.mid = "5";
  offer.media.push_back(text);
  offer.groups[0].mids.push_back("3");
  offer.groups[0].mids.push_back("5");

  auto answer = answer_to(offer);
  REQUIRE(answer.media.size() == 6);
  for (size_t i : {1, 2, 3, 4, 5}) {
    INFO(i);
    const auto& m = answer.media[i];
    CHECK(m.port == 0);
    CHECK(m.candidates.empty());
    REQUIRE(m.connection);
    CHECK(m.connection->address == "0.0.0.0");
    // webrtcbin wants these on every m-line, rejected or not.
    CHECK(m.ice_ufrag == "srvUfrag");
    CHECK(m.fingerprint);
    CHECK(m.setup == Setup::kPassive);
    CHECK_FALSE(m.formats.empty());
    CHECK(m.mid == offer.media[i].mid);
  }
  CHECK(answer.media[5].media == "text");
  CHECK(find_group(answer, "BUNDLE")->mids == std::vector<std::string>{"0"});
  auto state = negotiated_state(offer, answer);
  CHECK(state.find("1")->rejected);
  CHECK(state.find("2")->rejected);
  CHECK(state.find("3")->rejected);
}

TEST_CASE("answer: offers we cannot answer") {
  auto offer = sample("chrome_offer_simulcast.sdp");
  SUBCASE("no mid") {
    offer.media[0].mid.clear();
    CHECK_FALSE(answer_offer(offer, server_transport()).ok());
  }
  SUBCASE("offerer wants to be the DTLS server") {
    for (auto& m : offer.media) m.setup = Setup::kPassive;
    CHECK_FALSE(answer_offer(offer, server_transport()).ok());
  }
  SUBCASE("no fingerprint") {
    for (auto& m : offer.media) m.fingerprint.reset();
    CHECK_FALSE(answer_offer(offer, server_transport()).ok());
  }
  SUBCASE("no rtcp-mux: nothing acceptable (the data channel never is)") {
    for (auto& m : offer.media) m.rtcp_mux = false;
    auto r = answer_offer(offer, server_transport());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == "no acceptable m-line in offer");
  }
  SUBCASE("empty offer") {
    offer.media.clear();
    CHECK_FALSE(answer_offer(offer, server_transport()).ok());
  }
  SUBCASE("bad local transport") {
    auto local = server_transport();
    local.ice_pwd = "short";
    CHECK_FALSE(answer_offer(offer, local).ok());
  }
}

TEST_CASE("answer: IPv6 both ways: a remote's c=IN IP6 and IPv6 candidates; ours on IPv6 only") {
  // Chromium's offer as it is on an IPv6-only network: every address IPv6.
  auto text = read_sample("chrome_offer_simulcast.sdp");
  REQUIRE(!text.empty());
  auto replace_all = [&text](const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  };
  replace_all("c=IN IP4 203.0.113.77", "c=IN IP6 2001:db8:77::1");
  replace_all(" 192.168.1.52 ", " fd00:198:18::2 ");
  replace_all(" 203.0.113.77 ", " 2001:db8:77::1 ");
  auto offer = parse(text);
  REQUIRE(offer.ok());
  auto tag = bundle_tag(*offer);
  REQUIRE(tag);
  auto remote = remote_transport(*offer, *tag);
  REQUIRE(remote);
  bool host6 = false;
  for (const auto& c : remote->candidates) host6 |= c.type == "host" && c.address == "fd00:198:18::2";
  CHECK(host6);
  REQUIRE(offer->media[0].connection);
  CHECK(offer->media[0].connection->addr_type == "IP6");
  CHECK(offer->media[0].connection->address == "2001:db8:77::1");

  auto local = server_transport();
  local.candidates = host_candidates({"fd00:198:18::1"}, 40000);
  auto a = answer_offer(*offer, local, {});
  REQUIRE(a.ok());
  auto sent = build(*a);
  CHECK(sent.find("c=IN IP6 fd00:198:18::1\r\n") != std::string::npos);
  CHECK(sent.find("a=candidate:1 1 udp 2130706431 fd00:198:18::1 40000 typ host generation 0\r\n") != std::string::npos);
  for (const auto& m : a->media)  // a rejected m-line (port 0) keeps JSEP's IN IP4 0.0.0.0
    if (m.port) CHECK(m.connection->addr_type == "IP6");
  CHECK(sent.find("2001:db8:77::1") == std::string::npos);  // never the remote's addresses
  auto back = parse(sent);
  REQUIRE(back.ok());
  CHECK(back->media[0].candidates.at(0).address == "fd00:198:18::1");
}
