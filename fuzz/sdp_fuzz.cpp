// SDP parser, builder and the SFU's negotiation over arbitrary input. Invariants:
// whatever parses builds to text that parses again and is a fixed point of build(parse()),
// and whatever the SFU produces from it parses too.
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_target.hpp"
#include "sdp/build.hpp"
#include "sdp/candidate.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"

namespace {

umbrella::sdp::LocalTransport fuzz_transport() {
  umbrella::sdp::LocalTransport t;
  t.ice_ufrag = "fuzzUfrag";
  t.ice_pwd = "fuzzPasswordFuzzPassword";
  t.fingerprint = {"sha-256", "00:11:22:33"};
  t.candidates = umbrella::sdp::host_candidates({"192.0.2.1"}, 4000);
  return t;
}

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

UMBRELLA_FUZZ_TARGET(sdp) {
  using namespace umbrella::sdp;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse(text);
  if (!parsed) return 0;
  std::string built = build(*parsed);
  auto again = parse(built);
  require(again.ok());
  require(build(*again) == built);

  static const LocalTransport local = fuzz_transport();
  auto answer = answer_offer(*parsed, local);
  if (answer) {
    std::string answer_text = build(*answer);
    require(parse(answer_text).ok());
    OutgoingTrack track;
    track.mid = "fuzz";
    track.kind = MediaKind::kVideo;
    track.stream_id = "s";
    track.track_id = "t";
    track.ssrc = 1;
    auto offer = make_offer(negotiated_state(*parsed, *answer), {track}, local);
    if (offer) require(parse(build(*offer)).ok());
  }
  (void)apply_answer(*parsed, *parsed);
  return 0;
}
