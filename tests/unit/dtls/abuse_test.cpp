// A stranger who spoofs the peer's address (issue 12): forged records must be dropped and
// counted, never end a handshake in progress or a connected association. Only an
// authenticated alert (close_notify here) ends it.
#include <doctest/doctest.h>

#include <random>

#include "dtls_pair.hpp"
#include "forge.hpp"

namespace umbrella::dtls {
namespace {

using test::find_event;
using test::handshake_fragment;
using test::Pair;
using test::record;

void require_connected(Pair& p) {
  REQUIRE_MESSAGE(p.client->state() == State::kConnected, p.client->failure_reason());
  REQUIRE_MESSAGE(p.server->state() == State::kConnected, p.server->failure_reason());
}

// Application data still crosses both ways.
void check_data_flows(Pair& p, const char* text) {
  p.client_events.clear();
  p.server_events.clear();
  REQUIRE(p.client->send_application_data(as_bytes(text)));
  REQUIRE(p.server->send_application_data(as_bytes(text)));
  p.shuttle();
  const auto* at_server = find_event<ApplicationData>(p.server_events);
  const auto* at_client = find_event<ApplicationData>(p.client_events);
  REQUIRE(at_server);
  REQUIRE(at_client);
  CHECK(as_string_view(at_server->data) == text);
  CHECK(as_string_view(at_client->data) == text);
}

// Splits a datagram into its records (they are well-formed: our own peer sent them).
std::vector<std::vector<uint8_t>> records_of(const std::vector<uint8_t>& d) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t at = 0; at + 13 <= d.size();) {
    size_t n = 13 + load_be16(&d[at + 11]);
    out.emplace_back(d.begin() + long(at), d.begin() + long(at + n));
    at += n;
  }
  return out;
}

}  // namespace

TEST_CASE("dtls: issue 12's forged ClientHello fragment does not end a connected association") {
  Pair p;
  p.run();
  require_connected(p);
  p.server->handle_datagram(test::issue12_fragment(), p.now);
  CHECK(p.server->state() == State::kConnected);
  CHECK(p.server->counters().invalid_records == 1);
  CHECK(p.server->poll_datagram() == std::nullopt);  // nothing answered to the spoofed address
  check_data_flows(p, "still here");
}

TEST_CASE("dtls: forged records into a connected association are dropped and counted") {
  Pair p;
  p.run();
  require_connected(p);
  std::mt19937 rng(12);
  auto before = p.server->counters();

  // A well-formed whole ClientHello at epoch 0: mbedTLS would take it for a reconnect.
  auto hello = test::random_bytes(rng, 120);
  hello[0] = 0xfe;
  hello[1] = 0xfd;
  p.server->handle_datagram(record(22, 0, 7, handshake_fragment(1, 120, 0, 0, hello)), p.now);
  // Epoch-0 alerts (fatal and close_notify) and a CCS.
  p.server->handle_datagram(record(21, 0, 8, {2, 40}), p.now);
  p.server->handle_datagram(record(21, 0, 9, {1, 0}), p.now);
  p.server->handle_datagram(record(20, 0, 10, {1}), p.now);
  // Junk at epoch 1: fails authentication in mbedTLS.
  p.server->handle_datagram(test::junk_record(rng, 22, 1, 60), p.now);
  p.server->handle_datagram(test::junk_record(rng, 23, 1, 60), p.now);
  p.server->handle_datagram(test::junk_record(rng, 21, 1, 40), p.now);
  // Epoch 2 and unframable records.
  p.server->handle_datagram(test::junk_record(rng, 23, 2, 60), p.now);
  p.server->handle_datagram(record(20, 0, 11, {1, 1}), p.now);
  p.server->handle_datagram(record(22, 0, 12, {1, 2, 3}), p.now);
  // A datagram whose second record is forged keeps the first (real) one.
  REQUIRE(p.client->send_application_data(as_bytes("first")));
  auto real = p.client->poll_datagram();
  REQUIRE(real);
  auto mixed = *real;
  auto forged = test::junk_record(rng, 23, 1, 30);
  mixed.insert(mixed.end(), forged.begin(), forged.end());
  p.server_events.clear();
  p.server->handle_datagram(mixed, p.now);
  const auto* got = find_event<ApplicationData>(p.server_events);
  while (auto e = p.server->poll_event()) p.server_events.push_back(std::move(*e));
  got = find_event<ApplicationData>(p.server_events);
  REQUIRE(got);
  CHECK(as_string_view(got->data) == "first");

  CHECK(p.server->state() == State::kConnected);
  const auto& c = p.server->counters();
  CHECK(c.stray_handshake - before.stray_handshake == 2);  // ClientHello, CCS
  CHECK(c.stray_alerts - before.stray_alerts == 2);
  CHECK(c.bad_mac - before.bad_mac == 4);
  CHECK(c.invalid_records - before.invalid_records == 3);
  check_data_flows(p, "after the forgeries");

  // The same into the client side (the role a trunk dials in).
  for (int i = 0; i < 50; ++i) {
    p.client->handle_datagram(test::junk_record(rng, uint8_t(20 + rng() % 4), uint16_t(rng() % 3), 1 + rng() % 200),
                              p.now);
  }
  p.client->handle_datagram(test::issue12_fragment(), p.now);
  CHECK(p.client->state() == State::kConnected);
  CHECK(p.client->counters().total() >= 51);
  check_data_flows(p, "client side too");

  // An authenticated close_notify still ends it.
  p.client->close();
  p.shuttle();
  CHECK(p.server->state() == State::kClosed);
  CHECK(find_event<Closed>(p.server_events));
}

TEST_CASE("dtls: forged records during the handshake do not end it") {
  std::mt19937 rng(7);
  Pair p;
  size_t injected = 0;
  // Before every real datagram, the stranger gets there first with a volley.
  p.filter = [&](bool to_server, std::vector<uint8_t>&) {
    DtlsTransport& target = to_server ? *p.server : *p.client;
    std::vector<std::vector<uint8_t>> volley = {
        test::issue12_fragment(),
        // Junk handshake records: random bodies, and well-framed messages of random type.
        test::junk_record(rng, 22, 0, 1 + rng() % 100),
        record(22, 0, rng() % 100, handshake_fragment(uint8_t(rng() % 30), 40, uint16_t(rng() % 6), 0,
                                                      test::random_bytes(rng, 40))),
        // A ClientHello fragment that is not the accepted one.
        record(22, 0, 3, handshake_fragment(1, 300, 1, 100, test::random_bytes(rng, 50))),
        // Far-future message_seq (mbedTLS ignores those), epoch-0 alerts, a bad CCS, epoch 1.
        record(22, 0, 4, handshake_fragment(11, 500, 40, 0, test::random_bytes(rng, 100))),
        record(21, 0, 5, {2, 40}),
        record(21, 0, 6, {1, 0}),
        record(20, 0, 7, {1, 2}),
        test::junk_record(rng, 22, 1, 48),
        test::junk_record(rng, 23, 1, 48),
    };
    for (auto& d : volley) {
      target.handle_datagram(d, p.now);
      ++injected;
      REQUIRE_MESSAGE(target.state() != State::kFailed, target.failure_reason());
    }
    return true;
  };
  p.run();
  require_connected(p);
  MESSAGE("forged datagrams: " << injected << ", server refused " << p.server->counters().total()
                               << ", client refused " << p.client->counters().total());
  CHECK(p.server->counters().invalid_records > 0);
  CHECK(p.server->counters().stray_handshake > 0);
  CHECK(p.server->counters().stray_alerts > 0);
  CHECK(p.client->counters().total() > 0);
  p.filter = nullptr;
  check_data_flows(p, "connected despite the volleys");
}

TEST_CASE("dtls: a forged epoch-1 record while the server waits for Finished is discarded, no alert sent") {
  std::mt19937 rng(3);
  Pair p;
  bool split = false;
  size_t client_alerts = 0;
  p.filter = [&](bool to_server, std::vector<uint8_t>& d) {
    if (!to_server) {
      for (auto& r : records_of(d)) client_alerts += r[0] == 21;
      return true;
    }
    auto recs = records_of(d);
    size_t ccs = recs.size();
    for (size_t i = 0; i < recs.size(); ++i) {
      if (recs[i][0] == 20) ccs = i;
    }
    if (split || ccs + 1 >= recs.size()) return true;
    // Deliver up to the client's CCS, then a forgery at epoch 1, then the real Finished.
    split = true;
    std::vector<uint8_t> head;
    for (size_t i = 0; i <= ccs; ++i) head.insert(head.end(), recs[i].begin(), recs[i].end());
    p.server->handle_datagram(head, p.now);
    p.server->handle_datagram(test::junk_record(rng, 22, 1, 40), p.now);
    REQUIRE_MESSAGE(p.server->state() == State::kConnecting, p.server->failure_reason());
    // More forgeries than mbedTLS gets passes per datagram, ahead of the Finished in its datagram.
    std::vector<uint8_t> tail;
    for (int i = 0; i < 6; ++i) {
      auto junk = test::junk_record(rng, 22, 1, 40);
      tail.insert(tail.end(), junk.begin(), junk.end());
    }
    for (size_t i = ccs + 1; i < recs.size(); ++i) tail.insert(tail.end(), recs[i].begin(), recs[i].end());
    d = tail;
    return true;
  };
  p.run();
  REQUIRE(split);
  require_connected(p);
  CHECK(p.server->counters().bad_mac == 7);
  CHECK(client_alerts == 0);
  check_data_flows(p, "finished");
}

TEST_CASE("dtls: a retransmitted ClientHello makes the server resend, an altered one does not") {
  Pair p;
  std::vector<uint8_t> hello;  // the ClientHello the server accepts (after HelloVerifyRequest)
  bool hold_final = true;
  p.filter = [&](bool to_server, std::vector<uint8_t>& d) {
    if (to_server && d.size() > 25 && d[0] == 22 && d[13] == 1) hello = d;
    // Stop once the server sent its flight, before the client answers it.
    return !(to_server && hold_final && !hello.empty() && d[0] == 22 && d[13] == 11);
  };
  p.run(seconds(1));
  REQUIRE(!hello.empty());
  REQUIRE(p.server->state() == State::kConnecting);
  while (p.server->poll_datagram()) {}

  // A retransmission carries a fresh record sequence number (an old one is a replay, which
  // mbedTLS drops).
  hello[10] = uint8_t(hello[10] + 50);
  auto altered = hello;
  altered.back() ^= 1;
  p.server->handle_datagram(altered, p.now);
  CHECK(p.server->poll_datagram() == std::nullopt);
  CHECK(p.server->counters().stray_handshake == 1);

  p.server->handle_datagram(hello, p.now);
  CHECK(p.server->poll_datagram().has_value());  // the server's flight again
  CHECK(p.server->state() == State::kConnecting);
}

TEST_CASE("dtls: a fragmented ClientHello assembles despite forged fragments") {
  // Each ClientHello the client sends is re-sent as 4 fragments in separate datagrams, the way
  // OpenSSL peers with a small MTU do, with forged ones around them: a copy of a fragment with
  // contradicting bytes, a fragment claiming a longer message, one beyond the size bound.
  for (bool forged_first : {false, true}) {
    CAPTURE(forged_first);
    Pair p;
    size_t hellos = 0;
    p.filter = [&](bool to_server, std::vector<uint8_t>& d) {
      if (!to_server || d.size() < 60 || d[0] != 22 || d[13] != 1) return true;
      ++hellos;
      uint32_t length = load_be24(&d[14]);
      uint16_t seq = load_be16(&d[17]);
      std::vector<uint8_t> body(d.begin() + 25, d.end());
      uint32_t quarter = length / 4;
      for (uint32_t i = 0; i < 4; ++i) {
        uint32_t off = i * quarter;
        uint32_t n = i == 3 ? length - off : quarter;
        std::vector<uint8_t> frag(body.begin() + off, body.begin() + off + n);
        auto contradicting = frag;
        for (auto& b : contradicting) b ^= 0x5a;
        auto real = record(22, 0, 10 * hellos + i, handshake_fragment(1, length, seq, off, frag));
        auto forged = record(22, 0, 500 + i, handshake_fragment(1, length, seq, off, contradicting));
        if (forged_first) p.server->handle_datagram(forged, p.now);
        p.server->handle_datagram(real, p.now);
        if (!forged_first) p.server->handle_datagram(forged, p.now);
        p.server->handle_datagram(record(22, 0, 600 + i, handshake_fragment(1, length + 8, seq, off, frag)), p.now);
        p.server->handle_datagram(record(22, 0, 700 + i, handshake_fragment(1, 5000, seq, off, frag)), p.now);
        REQUIRE(p.server->state() != State::kFailed);
      }
      return false;  // the real, whole datagram is not delivered
    };
    p.run();
    require_connected(p);
    CHECK(p.server->counters().hello_fragments_ignored >= 8);
    MESSAGE("ClientHellos sent by the client: " << hellos << " (2 without forgeries: one before, one after the cookie)");
    if (!forged_first) CHECK(hellos == 2);
  }
}

}  // namespace umbrella::dtls
