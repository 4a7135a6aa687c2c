#include <doctest/doctest.h>

#include <string>

#include "sdp/helpers.hpp"
#include "sdp/limits.hpp"
#include "sdp/parse.hpp"

using namespace umbrella::sdp;

namespace {

const char* kMinimal =
    "v=0\n"
    "o=- 123 2 IN IP4 127.0.0.1\n"
    "s=-\n"
    "t=0 0\n";

std::string with_media(const std::string& media) { return std::string(kMinimal) + media; }

ParseErrorCode error_of(const std::string& text) {
  auto r = parse(text);
  REQUIRE_FALSE(r.ok());
  return r.error().code;
}

}  // namespace

TEST_CASE("parse: minimal session with \\n and \\r\\n endings") {
  for (std::string text : {std::string(kMinimal), std::string("v=0\r\no=- 123 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")}) {
    auto r = parse(text);
    REQUIRE(r.ok());
    CHECK(r->origin.session_id == "123");
    CHECK(r->origin.session_version == 2);
    CHECK(r->origin.address == "127.0.0.1");
    CHECK(r->session_name == "-");
    CHECK(r->media.empty());
  }
}

TEST_CASE("parse: session-level attributes") {
  auto r = parse(std::string(kMinimal) +
                 "a=group:BUNDLE a b\n"
                 "a=ice-lite\n"
                 "a=msid-semantic: WMS s1\n"
                 "a=ice-ufrag:abcd\n"
                 "a=ice-pwd:0123456789012345678901\n"
                 "a=ice-options:trickle renomination\n"
                 "a=fingerprint:sha-256 AA:BB\n"
                 "a=setup:actpass\n"
                 "a=extmap-allow-mixed\n"
                 "a=x-custom:1 2 3\n"
                 "a=flag\n");
  REQUIRE(r.ok());
  REQUIRE(r->groups.size() == 1);
  CHECK(r->groups[0].semantics == "BUNDLE");
  CHECK(r->groups[0].mids == std::vector<std::string>{"a", "b"});
  CHECK(r->ice_lite);
  REQUIRE(r->msid_semantic);
  CHECK(r->msid_semantic->semantic == "WMS");
  CHECK(r->msid_semantic->ids == std::vector<std::string>{"s1"});
  CHECK(r->ice_ufrag == "abcd");
  CHECK(r->ice_options == "trickle renomination");
  REQUIRE(r->fingerprint);
  CHECK(r->fingerprint->algorithm == "sha-256");
  CHECK(r->fingerprint->value == "AA:BB");
  CHECK(r->setup == Setup::kActpass);
  CHECK(r->extmap_allow_mixed);
  REQUIRE(r->other_attributes.size() == 2);
  CHECK(r->other_attributes[0].name == "x-custom");
  CHECK(r->other_attributes[0].value == "1 2 3");
  CHECK(r->other_attributes[1].name == "flag");
  CHECK_FALSE(r->other_attributes[1].has_value);
}

TEST_CASE("parse: media section attributes") {
  auto r = parse(with_media(
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98\n"
      "c=IN IP4 0.0.0.0\n"
      "b=AS:2000\n"
      "a=mid:v1\n"
      "a=sendonly\n"
      "a=msid:stream track\n"
      "a=fmtp:97 apt=96\n"          // before its rtpmap, as Firefox writes
      "a=rtpmap:96 VP8/90000\n"
      "a=rtpmap:97 rtx/90000\n"
      "a=rtcp-fb:96 nack pli\n"
      "a=rtcp-fb:* transport-cc\n"
      "a=extmap:3/recvonly urn:x:y attr\n"
      "a=ssrc:11 cname:c1\n"
      "a=ssrc:11 msid:stream track\n"
      "a=ssrc-group:FID 11 12\n"
      "a=rid:hi send max-width=1280;max-height=720\n"
      "a=rid:lo send\n"
      "a=simulcast:send hi;~lo\n"
      "a=rtcp-mux\n"
      "a=rtcp-rsize\n"
      "a=rtcp:9 IN IP4 0.0.0.0\n"
      "a=ice-ufrag:medi\n"
      "a=setup:active\n"
      "a=end-of-candidates\n"
      "a=weird:thing\n"));
  REQUIRE(r.ok());
  REQUIRE(r->media.size() == 1);
  const MediaSection& m = r->media[0];
  CHECK(m.kind == MediaKind::kVideo);
  CHECK(m.port == 9);
  CHECK(m.proto == "UDP/TLS/RTP/SAVPF");
  CHECK(m.formats == std::vector<std::string>{"96", "97", "98"});
  REQUIRE(m.connection);
  CHECK(m.connection->address == "0.0.0.0");
  REQUIRE(m.extra_lines.size() == 1);
  CHECK(m.extra_lines[0].type == 'b');
  CHECK(m.mid == "v1");
  CHECK(m.direction == Direction::kSendOnly);
  REQUIRE(m.msids.size() == 1);
  CHECK(m.msids[0].track_id == "track");
  REQUIRE(m.codecs.size() == 2);  // in m= order: 96 then 97
  CHECK(m.codecs[0].name == "VP8");
  CHECK(m.codecs[0].clock_rate == 90000);
  REQUIRE(m.codecs[0].feedback.size() == 1);
  CHECK(m.codecs[0].feedback[0] == RtcpFb{"nack", "pli"});
  CHECK(m.codecs[1].name == "rtx");
  CHECK(rtx_apt(m.codecs[1]) == 96);
  CHECK(rtx_payload_type(m, 96) == 97);
  REQUIRE(m.feedback_all.size() == 1);
  CHECK(m.feedback_all[0].type == "transport-cc");
  REQUIRE(m.extmaps.size() == 1);
  CHECK(m.extmaps[0].id == 3);
  CHECK(m.extmaps[0].direction == Direction::kRecvOnly);
  CHECK(m.extmaps[0].uri == "urn:x:y");
  CHECK(m.extmaps[0].attributes == "attr");
  CHECK(find_extmap_id(m, "urn:x:y") == 3);
  REQUIRE(m.ssrcs.size() == 2);
  CHECK(m.ssrcs[1].attribute == "msid");
  CHECK(m.ssrcs[1].value == "stream track");
  REQUIRE(m.ssrc_groups.size() == 1);
  CHECK(m.ssrc_groups[0].ssrcs == std::vector<uint32_t>{11, 12});
  REQUIRE(m.rids.size() == 2);
  CHECK(m.rids[0].params == "max-width=1280;max-height=720");
  REQUIRE(m.simulcast);
  REQUIRE(m.simulcast->send.size() == 2);
  CHECK(m.simulcast->send[1][0].rid == "lo");
  CHECK(m.simulcast->send[1][0].paused);
  CHECK(m.rtcp_mux);
  CHECK(m.rtcp_rsize);
  CHECK(m.rtcp == "9 IN IP4 0.0.0.0");
  CHECK(m.ice_ufrag == "medi");
  CHECK(m.setup == Setup::kActive);
  CHECK(m.end_of_candidates);
  REQUIRE(m.other_attributes.size() == 1);
  CHECK(m.other_attributes[0].name == "weird");
}

TEST_CASE("parse: fmtp parameters keep order and bare tokens") {
  auto f = parse_fmtp_params("profile-level-id=42e01f; level-asymmetry-allowed=1;packetization-mode=1");
  REQUIRE(f);
  REQUIRE(f->params.size() == 3);
  CHECK(f->params[0].key == "profile-level-id");
  CHECK(f->params[1].key == "level-asymmetry-allowed");
  CHECK(format_fmtp_params(*f) == "profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1");
  auto dtmf = parse_fmtp_params("0-15");
  REQUIRE(dtmf);
  CHECK_FALSE(dtmf->params[0].has_value);
  CHECK(format_fmtp_params(*dtmf) == "0-15");
  CHECK_FALSE(parse_fmtp_params("=1"));
}

TEST_CASE("parse: simulcast forms") {
  auto s = parse_simulcast("recv 1,2;3 send 4");
  REQUIRE(s);
  CHECK_FALSE(s->send_first);
  REQUIRE(s->recv.size() == 2);
  CHECK(s->recv[0].size() == 2);
  CHECK(format_simulcast(*s) == "recv 1,2;3 send 4");
  CHECK_FALSE(parse_simulcast("send"));
  CHECK_FALSE(parse_simulcast("send a;;b"));
  CHECK_FALSE(parse_simulcast("sideways a"));
  CHECK_FALSE(parse_simulcast("send a send b"));
  // A simulcast line we cannot read is kept as an unknown attribute, not an error.
  auto r = parse(with_media("m=video 9 UDP/TLS/RTP/SAVPF 96\na=simulcast: send rid=a;b\n"));
  REQUIRE(r.ok());
  CHECK_FALSE(r->media[0].simulcast);
  CHECK(r->media[0].other_attributes.size() == 1);
}

TEST_CASE("parse: malformed input is refused") {
  CHECK(error_of("") == ParseErrorCode::kBadVersion);
  CHECK(error_of("v=1\n") == ParseErrorCode::kBadVersion);
  CHECK(error_of("o=- 1 1 IN IP4 0.0.0.0\nv=0\n") == ParseErrorCode::kBadVersion);
  CHECK(error_of("v=0\n") == ParseErrorCode::kMissingLine);
  CHECK(error_of("v=0\ns=-\nm=audio 9 RTP/AVP 0\n") == ParseErrorCode::kMissingLine);
  CHECK(error_of("v=0\no=- 1 x IN IP4 0.0.0.0\ns=-\n") == ParseErrorCode::kBadOrigin);
  CHECK(error_of("v=0\no=- 1\ns=-\n") == ParseErrorCode::kBadOrigin);
  CHECK(error_of(std::string(kMinimal) + "o=- 1 1 IN IP4 0.0.0.0\n") == ParseErrorCode::kDuplicate);
  CHECK(error_of(std::string(kMinimal) + "garbage\n") == ParseErrorCode::kMalformedLine);
  CHECK(error_of(std::string(kMinimal) + "x=unknown type\n") == ParseErrorCode::kMalformedLine);
  CHECK(error_of(std::string(kMinimal) + "A=upper\n") == ParseErrorCode::kMalformedLine);
  CHECK(error_of(std::string(kMinimal) + std::string("a=nul\0byte\n", 11)) == ParseErrorCode::kMalformedLine);
  CHECK(error_of("v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=now\n") == ParseErrorCode::kBadTiming);
  CHECK(error_of(std::string(kMinimal) + "c=IN IP4\n") == ParseErrorCode::kBadConnection);
  CHECK(error_of(with_media("m=audio\n")) == ParseErrorCode::kBadMediaLine);
  CHECK(error_of(with_media("m=audio 99999 RTP/AVP 0\n")) == ParseErrorCode::kBadMediaLine);
  CHECK(error_of(with_media("m=audio x RTP/AVP 0\n")) == ParseErrorCode::kBadMediaLine);
  CHECK(error_of(std::string(kMinimal) + "a=setup:sideways\n") == ParseErrorCode::kBadAttribute);
  CHECK(error_of(std::string(kMinimal) + "a=fingerprint:sha-256\n") == ParseErrorCode::kBadAttribute);
  CHECK(error_of(std::string(kMinimal) + "a=:novalue\n") == ParseErrorCode::kBadAttribute);
}

TEST_CASE("parse: malformed media attributes are refused") {
  const char* bad[] = {
      "a=rtpmap:96\n",                    // no encoding
      "a=rtpmap:128 VP8/90000\n",         // payload type over 127
      "a=rtpmap:96 VP8\n",                // no clock rate
      "a=rtpmap:96 VP8/x\n",
      "a=rtpmap:96 opus/48000/two\n",
      "a=rtcp-fb:abc nack\n",
      "a=rtcp-fb:96\n",
      "a=extmap:0 urn:x\n",               // id 0 is not an id
      "a=extmap:256 urn:x\n",
      "a=extmap:1/sideways urn:x\n",
      "a=extmap:1\n",
      "a=ssrc:abc cname:x\n",
      "a=ssrc:1\n",
      "a=ssrc-group:FID 1 x\n",
      "a=rid:hi sideways\n",
      "a=rid:h!i send\n",
      "a=candidate:1 1 udp 1 10.0.0.1 5000 typ\n",
      "a=sctp-port:70000\n",
      "a=max-message-size:big\n",
      "a=mid:\n",
      "a=setup:\n",
  };
  for (const char* line : bad) {
    INFO(line);
    CHECK(error_of(with_media(std::string("m=video 9 UDP/TLS/RTP/SAVPF 96\n") + line)) == ParseErrorCode::kBadAttribute);
  }
  CHECK(error_of(with_media("m=video 9 UDP/TLS/RTP/SAVPF 96\na=rtpmap:96 VP8/90000\na=rtpmap:96 VP9/90000\n")) ==
        ParseErrorCode::kDuplicate);
  CHECK(error_of(with_media("m=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:a\na=mid:b\n")) == ParseErrorCode::kDuplicate);
  CHECK(error_of(with_media("m=video 9 RTP/AVP 96\na=mid:a\nm=audio 9 RTP/AVP 0\na=mid:a\n")) ==
        ParseErrorCode::kDuplicate);
}

TEST_CASE("parse: bounds are enforced") {
  SUBCASE("input size") {
    std::string big(kMaxSdpBytes + 1, 'x');
    CHECK(error_of(big) == ParseErrorCode::kTooLarge);
  }
  SUBCASE("line length") {
    CHECK(error_of(std::string(kMinimal) + "a=x:" + std::string(kMaxLineLength, 'y') + "\n") ==
          ParseErrorCode::kLineTooLong);
  }
  SUBCASE("line count, blank lines included") {
    std::string text = kMinimal;
    text += std::string(kMaxLines, '\n');
    CHECK(error_of(text) == ParseErrorCode::kTooManyLines);
  }
  SUBCASE("media sections") {
    std::string text = kMinimal;
    for (size_t i = 0; i <= kMaxMediaSections; ++i) text += "m=audio 9 RTP/AVP 0\na=mid:" + std::to_string(i) + "\n";
    CHECK(error_of(text) == ParseErrorCode::kTooManyMediaSections);
    std::string ok = kMinimal;
    for (size_t i = 0; i < kMaxMediaSections; ++i) ok += "m=audio 9 RTP/AVP 0\na=mid:" + std::to_string(i) + "\n";
    CHECK(parse(ok).ok());
  }
  SUBCASE("formats per m-line") {
    std::string m = "m=video 9 UDP/TLS/RTP/SAVPF";
    for (size_t i = 0; i <= kMaxFormatsPerMedia; ++i) m += " " + std::to_string(i % 128);
    CHECK(error_of(with_media(m + "\n")) == ParseErrorCode::kTooManyItems);
  }
  SUBCASE("candidates per m-line") {
    std::string m = "m=audio 9 UDP/TLS/RTP/SAVPF 111\n";
    for (size_t i = 0; i <= kMaxCandidatesPerMedia; ++i)
      m += "a=candidate:" + std::to_string(i) + " 1 udp 1 10.0.0.1 " + std::to_string(1000 + i) + " typ host\n";
    CHECK(error_of(with_media(m)) == ParseErrorCode::kTooManyItems);
  }
  SUBCASE("unknown attributes per section") {
    std::string m = "m=audio 9 UDP/TLS/RTP/SAVPF 111\n";
    for (size_t i = 0; i <= kMaxAttributesPerSection; ++i) m += "a=x-" + std::to_string(i) + "\n";
    CHECK(error_of(with_media(m)) == ParseErrorCode::kTooManyItems);
  }
  SUBCASE("rids per m-line; oversized simulcast lines are not modelled") {
    std::string m = "m=video 9 UDP/TLS/RTP/SAVPF 96\n";
    std::string list;
    for (size_t i = 0; i <= kMaxRidsPerMedia; ++i) list += (i ? ";r" : "r") + std::to_string(i);
    auto r = parse(with_media(m + "a=simulcast:send " + list + "\n"));
    REQUIRE(r.ok());
    CHECK_FALSE(r->media[0].simulcast);
    for (size_t i = 0; i <= kMaxRidsPerMedia; ++i) m += "a=rid:r" + std::to_string(i) + " send\n";
    CHECK(error_of(with_media(m)) == ParseErrorCode::kTooManyItems);
  }
  SUBCASE("error strings name the line") {
    auto r = parse(std::string(kMinimal) + "garbage\n");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().line == 5);
    CHECK(to_string(r.error()) == "malformed line at line 5");
  }
}
