// Issue 12 on a whole call: forged DTLS from the client's address, during the handshake and
// after it, leaves the call up and media flowing; only the client's real close_notify ends it.
#include <doctest/doctest.h>

#include <random>

#include "call_pair.hpp"
#include "dtls/forge.hpp"
#include "rtp/rtp_builder.hpp"

namespace umbrella::rtc::test {
namespace {

void inject(CallPair& call, const std::vector<uint8_t>& datagram) {
  Packet p = call.pool.copy_of(datagram);
  REQUIRE(p);
  call.server->on_datagram(std::move(p), call.client_address, call.now);
}

std::vector<std::vector<uint8_t>> forgeries(std::mt19937& rng) {
  using namespace dtls::test;
  return {
      issue12_fragment(),
      junk_record(rng, 22, 0, 1 + rng() % 200),
      record(22, 0, 9, handshake_fragment(1, 200, 0, 0, random_bytes(rng, 200))),
      record(21, 0, 10, {2, 40}),
      junk_record(rng, 22, 1, 64),
      junk_record(rng, 23, 1, 64),
  };
}

// Sends one RTP packet each way and checks both arrive.
void check_media_flows(CallPair& call, uint16_t seq) {
  auto send = [&](bool from_client) {
    Packet p = call.pool.acquire();
    REQUIRE(p);
    uint8_t payload[40] = {};
    rtp::RtpHeader h{false, 96, seq, 1000u * seq, from_client ? 0x1111u : 0x2222u};
    size_t n = rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), h, {}, Bytes(payload, sizeof payload));
    REQUIRE(n > 0);
    p.set_size(n);
    REQUIRE((from_client ? call.client->send_rtp(std::move(p)) : call.server->send_rtp(std::move(p))));
  };
  size_t up = call.server_events.rtp.size(), down = call.client_events.rtp.size();
  send(true);
  send(false);
  call.deliver();
  CHECK(call.server_events.rtp.size() == up + 1);
  CHECK(call.client_events.rtp.size() == down + 1);
}

}  // namespace

TEST_CASE("call: forged DTLS from the client's address does not end a connected call") {
  CallPair call;
  REQUIRE(call.connect());
  std::mt19937 rng(42);
  check_media_flows(call, 1);
  for (int round = 0; round < 20; ++round) {
    for (auto& d : forgeries(rng)) inject(call, d);
    check_media_flows(call, uint16_t(2 + round));
  }
  CHECK(call.server->connected());
  CHECK_FALSE(call.server_events.closed);
  const auto& c = call.server->counters().dtls;
  CHECK(c.invalid_records >= 20);
  CHECK(c.stray_handshake >= 20);
  CHECK(c.stray_alerts == 20);
  CHECK(c.bad_mac == 40);
  // The call goes on through consent checks; the client's real close_notify ends it.
  call.check_lasts_until_client_closes();
}

TEST_CASE("call: forged DTLS during the handshake does not stop it") {
  CallPair call;
  std::mt19937 rng(43);
  size_t volleys = 0;
  call.filter = [&](bool to_server, const Packet& p) {
    uint8_t first = p.size() ? p.data()[0] : 0;
    if (to_server && first >= 20 && first <= 63) {  // the stranger races each real DTLS datagram
      ++volleys;
      for (auto& d : forgeries(rng)) inject(call, d);
      REQUIRE_FALSE(call.server_events.closed);
    }
    return true;
  };
  REQUIRE(call.connect());
  CHECK(volleys >= 2);
  CHECK(call.server->counters().dtls.total() > 0);
  call.filter = nullptr;
  check_media_flows(call, 1);
}

}  // namespace umbrella::rtc::test
