#include <doctest/doctest.h>

#include <algorithm>

#include "sdp/build.hpp"
#include "sdp/parse.hpp"
#include "sdp_test_util.hpp"

using namespace umbrella::sdp;
using umbrella::sdp::test::read_sample;

namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// Lines of the text, without endings, for order-insensitive comparison.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string l = text.substr(start, nl - start);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty()) out.push_back(l);
    start = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("build: round trip of real samples is stable and loses nothing") {
  for (const char* name : {"chrome_offer_simulcast.sdp", "firefox_offer.sdp", "aiortc_offer.sdp",
                           "aiortc_answer.sdp", "aiortc_recvonly_offer.sdp"}) {
    INFO(name);
    std::string original = read_sample(name);
    auto first = parse(original);
    REQUIRE(first.ok());
    std::string built = build(*first);
    auto second = parse(built);
    REQUIRE(second.ok());
    CHECK(build(*second) == built);
    CHECK(count(built, "\r\n") == count(built, "\n"));
    // Every original line survives (possibly reordered, "msid-semantic: WMS" normalised).
    auto built_lines = lines(built);
    for (auto l : lines(original)) {
      if (l.rfind("a=msid-semantic: ", 0) == 0) l = "a=msid-semantic:" + l.substr(17);
      CHECK_MESSAGE(std::find(built_lines.begin(), built_lines.end(), l) != built_lines.end(), l);
    }
    CHECK(built_lines.size() == lines(original).size());
  }
}

TEST_CASE("build: unknown attributes and lines are kept in order") {
  auto r = parse(
      "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=test\ni=info\nt=0 0\nr=7d 1h 0 25h\n"
      "a=zeta:1\na=alpha\na=zeta:2\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\nb=AS:64\na=mid:a\na=x-b:2\na=x-a:1\na=rtpmap:0 PCMU/8000\n");
  REQUIRE(r.ok());
  std::string out = build(*r);
  CHECK(out.find("a=zeta:1\r\na=alpha\r\na=zeta:2\r\n") != std::string::npos);
  CHECK(out.find("a=x-b:2\r\na=x-a:1\r\n") != std::string::npos);
  CHECK(out.find("i=info\r\n") < out.find("t=0 0\r\n"));
  CHECK(out.find("r=7d 1h 0 25h\r\n") > out.find("t=0 0\r\n"));
  CHECK(out.find("b=AS:64\r\n") > out.find("m=audio"));
}

TEST_CASE("build: a description made in code") {
  SessionDescription s;
  s.origin.session_id = "42";
  s.origin.session_version = 7;
  s.groups.push_back({"BUNDLE", {"0"}});
  MediaSection m;
  m.kind = MediaKind::kAudio;
  m.proto = "UDP/TLS/RTP/SAVPF";
  m.mid = "0";
  m.direction = Direction::kRecvOnly;
  m.rtcp_mux = true;
  Codec opus;
  opus.pt = 111;
  opus.name = "opus";
  opus.clock_rate = 48000;
  opus.channels = 2;
  opus.fmtp.params = {{"minptime", "10", true}, {"useinbandfec", "1", true}};
  opus.feedback = {{"transport-cc", ""}};
  m.codecs = {opus};
  m.formats = {"111"};
  s.media.push_back(m);
  std::string out = build(s);
  CHECK(out ==
        "v=0\r\no=- 42 7 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
        "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n");
  auto back = parse(out);
  REQUIRE(back.ok());
  CHECK(back->media[0].codecs[0].fmtp.params.size() == 2);
}
