// Descriptions the SFU sends must never carry a client's addresses or ICE credentials.
#include <doctest/doctest.h>

#include "sdp/build.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"
#include "sdp_test_util.hpp"

using namespace umbrella::sdp;
using umbrella::sdp::test::read_sample;
using umbrella::sdp::test::server_transport;

namespace {

// Every address, port-bearing candidate field and credential of the remote offer.
std::vector<std::string> client_secrets(const SessionDescription& offer) {
  std::vector<std::string> out;
  auto add = [&](const std::string& s) {
    if (!s.empty() && s != "0.0.0.0" && s != "127.0.0.1" && s != "::") out.push_back(s);
  };
  add(offer.ice_ufrag);
  add(offer.ice_pwd);
  if (offer.fingerprint) add(offer.fingerprint->value);
  for (const auto& m : offer.media) {
    if (m.connection) add(m.connection->address);
    add(m.ice_ufrag);
    add(m.ice_pwd);
    if (m.fingerprint) add(m.fingerprint->value);
    for (const auto& c : m.candidates) {
      add(c.address);
      add(c.related_address);
      add(c.foundation);
    }
    for (const auto& s : m.ssrcs) add(s.value);
  }
  return out;
}

void check_clean(const std::string& sdp, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) CHECK_MESSAGE(sdp.find(s) == std::string::npos, "leaked: " << s);
  auto parsed = parse(sdp);
  REQUIRE(parsed.ok());
  for (const auto& m : parsed->media)
    for (const auto& c : m.candidates) CHECK((c.address == "198.18.0.1" || c.address == "2001:db8::1"));
}

}  // namespace

TEST_CASE("privacy: answers and offers carry only the server's candidates") {
  for (const char* name : {"chrome_offer_simulcast.sdp", "firefox_offer.sdp", "aiortc_offer.sdp",
                           "aiortc_live_offer.sdp", "aiortc_recvonly_offer.sdp"}) {
    INFO(name);
    auto offer = parse(read_sample(name));
    REQUIRE(offer.ok());
    auto secrets = client_secrets(*offer);
    CHECK(secrets.size() > 3);
    AnswerOptions options;
    options.default_direction = Direction::kSendRecv;
    auto answer = answer_offer(*offer, server_transport(), options);
    REQUIRE(answer.ok());
    check_clean(build(*answer), secrets);

    OutgoingTrack t;
    t.mid = "new";
    t.kind = MediaKind::kAudio;
    t.stream_id = "s";
    t.track_id = "t";
    t.ssrc = 42;
    std::string reoffer = build_offer(negotiated_state(*offer, *answer), {t}, server_transport());
    REQUIRE_FALSE(reoffer.empty());
    check_clean(reoffer, secrets);
  }
}
