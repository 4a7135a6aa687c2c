#include <doctest/doctest.h>

#include "sdp/build.hpp"
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

const MediaSection* application(const SessionDescription& s) {
  for (const auto& m : s.media)
    if (m.kind == MediaKind::kApplication) return &m;
  return nullptr;
}

AnswerOptions with_data_channels() {
  AnswerOptions o;
  o.data_channel_max_message_size = 65536;
  return o;
}

}  // namespace

TEST_CASE("data channels: Chromium's RFC 8841 line is answered with a=sctp-port and a=max-message-size") {
  auto offer = sample("chromium_offer_max-bundle_data.sdp");
  auto answer = answer_offer(offer, server_transport(), with_data_channels());
  REQUIRE(answer);
  const MediaSection* m = application(*answer);
  REQUIRE(m);
  CHECK(m->port != 0);
  CHECK(m->proto == "UDP/DTLS/SCTP");
  CHECK(m->formats == std::vector<std::string>{"webrtc-datachannel"});
  CHECK(m->sctp_port == 5000);
  CHECK(m->max_message_size == 65536);
  CHECK(std::find(find_group(*answer, "BUNDLE")->mids.begin(), find_group(*answer, "BUNDLE")->mids.end(), m->mid) !=
        find_group(*answer, "BUNDLE")->mids.end());
  auto text = build(*answer);
  CHECK(text.find("a=sctp-port:5000\r\n") != std::string::npos);
  CHECK(text.find("a=max-message-size:65536\r\n") != std::string::npos);

  auto state = negotiated_state(offer, *answer);
  const NegotiatedMedia* n = state.data_channel();
  REQUIRE(n);
  CHECK(n->remote_sctp_port == 5000);
  CHECK(n->remote_max_message_size == 262144);  // Chromium's a=max-message-size
  CHECK(n->local_max_message_size == 65536);

  // A renegotiation keeps the line as it was agreed, and the answer to it is understood.
  auto reoffer = make_offer(state, {}, server_transport());
  REQUIRE(reoffer);
  const MediaSection* again = application(*reoffer);
  REQUIRE(again);
  CHECK(again->port != 0);
  CHECK(again->sctp_port == 5000);
  CHECK(again->max_message_size == 65536);
}

TEST_CASE("data channels: aiortc's legacy DTLS/SCTP 5000 line is answered in its own style") {
  auto offer = sample("aiortc_offer.sdp");
  auto answer = answer_offer(offer, server_transport(), with_data_channels());
  REQUIRE(answer);
  const MediaSection* m = application(*answer);
  REQUIRE(m);
  CHECK(m->port != 0);
  CHECK(m->proto == "DTLS/SCTP");
  CHECK(m->formats == std::vector<std::string>{"5000"});
  REQUIRE(m->other_attributes.size() == 1);
  CHECK(m->other_attributes[0].name == "sctpmap");
  CHECK(m->other_attributes[0].value == "5000 webrtc-datachannel 65535");
  auto state = negotiated_state(offer, *answer);  // data_channel() points into it
  auto n = state.data_channel();
  REQUIRE(n);
  CHECK(n->remote_max_message_size == 65536);
}

TEST_CASE("data channels: refused without SCTP, and only one line is served") {
  auto offer = sample("chromium_offer_max-bundle_data.sdp");
  auto refused = answer_offer(offer, server_transport());
  REQUIRE(refused);
  CHECK(application(*refused)->port == 0);
  CHECK_FALSE(negotiated_state(offer, *refused).data_channel());

  auto twice = offer;
  MediaSection second = *application(offer);
  second.mid = "dc2";
  twice.media.push_back(second);
  for (auto& g : twice.groups)
    if (g.semantics == "BUNDLE") g.mids.push_back("dc2");
  auto answer = answer_offer(twice, server_transport(), with_data_channels());
  REQUIRE(answer);
  CHECK(answer->media[answer->media.size() - 2].port != 0);
  CHECK(answer->media.back().port == 0);
}
