// Hand-check helper for check_aiortc.py / regen_reoffer.py (not part of the build).
#include <fstream>
#include <iostream>
#include <iterator>
#include "sdp/build.hpp"
#include "sdp/candidate.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"
using namespace umbrella::sdp;
static std::string slurp(const char* p) { std::ifstream in(p, std::ios::binary); return {std::istreambuf_iterator<char>(in), {}}; }
static LocalTransport local() {
  LocalTransport t; t.ice_ufrag = "srvUfrag"; t.ice_pwd = "serverIcePasswordXXXXXXXX";
  t.fingerprint = {"sha-256", "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF"};
  t.candidates = host_candidates({"127.0.0.1"}, 40000); return t;
}
int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::string cmd = argv[1];
  auto offer = parse(slurp(argv[2]));
  if (!offer) { std::cerr << "parse: " << to_string(offer.error()) << "\n"; return 1; }
  if (cmd == "answer") {
    AnswerOptions o; o.default_direction = Direction::kSendRecv;
    auto a = answer_offer(*offer, local(), o);
    if (!a) { std::cerr << a.error() << "\n"; return 1; }
    std::cout << build(*a); return 0;
  }
  if (cmd == "offer") {  // argv[2] = a remote offer we answered earlier; then re-offer with new tracks
    auto a = answer_offer(*offer, local());
    if (!a) { std::cerr << a.error() << "\n"; return 1; }
    auto state = negotiated_state(*offer, *a);
    OutgoingTrack v; v.mid = "s1"; v.kind = MediaKind::kVideo; v.stream_id = "peerB"; v.track_id = "cam"; v.ssrc = 1234; v.rtx_ssrc = 5678;
    OutgoingTrack au; au.mid = "s2"; au.kind = MediaKind::kAudio; au.stream_id = "peerB"; au.track_id = "mic"; au.ssrc = 4321;
    auto l = local(); l.session_version = 2;
    std::string text = build_offer(state, {v, au}, l);
    if (text.empty()) { std::cerr << "offer failed\n"; return 1; }
    std::cout << text; return 0;
  }
  if (cmd == "apply") {
    auto answer = parse(slurp(argv[3]));
    if (!answer) { std::cerr << "parse answer: " << to_string(answer.error()) << "\n"; return 1; }
    auto st = apply_answer(*offer, *answer);
    if (!st) { std::cerr << st.error() << "\n"; return 1; }
    for (auto& m : st->media) {
      std::cout << m.mid << " rejected=" << m.rejected << " dir=" << int(m.direction) << " pts=";
      for (auto& c : m.codecs) std::cout << int(c.pt) << c.name << ",";
      std::cout << " ext=";
      for (auto& e : m.extmaps) std::cout << e.id << ",";
      std::cout << "\n";
    }
    return 0;
  }
  return 2;
}
