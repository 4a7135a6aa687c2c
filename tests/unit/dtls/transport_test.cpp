#include <doctest/doctest.h>
#include <malloc.h>

#include <random>

#include "dtls_pair.hpp"

namespace umbrella::dtls {
namespace {

using test::find_event;
using test::Pair;

void check_connected_with_matching_keys(Pair& p) {
  REQUIRE_MESSAGE(p.client->state() == State::kConnected, p.client->failure_reason());
  REQUIRE_MESSAGE(p.server->state() == State::kConnected, p.server->failure_reason());
  const auto* c = find_event<Connected>(p.client_events);
  const auto* s = find_event<Connected>(p.server_events);
  REQUIRE(c);
  REQUIRE(s);
  // Both sides are ours: the first profile we offer, AES-GCM.
  CHECK(c->keys.profile == srtp::Profile::kAeadAes128Gcm);
  CHECK(s->keys.profile == srtp::Profile::kAeadAes128Gcm);
  CHECK(c->keys.local_key == s->keys.remote_key);
  CHECK(c->keys.local_salt == s->keys.remote_salt);
  CHECK(c->keys.remote_key == s->keys.local_key);
  CHECK(c->keys.remote_salt == s->keys.local_salt);
  CHECK(c->keys.local_key != c->keys.remote_key);
  REQUIRE(p.client->srtp_keys().has_value());
  CHECK(p.client->srtp_keys()->local_key == c->keys.local_key);
  CHECK(p.client->next_deadline() == kNever);
  CHECK(p.server->next_deadline() == kNever);
}

bool is_handshake(const std::vector<uint8_t>& d, uint8_t type) {
  return d.size() > 25 && d[0] == 22 && d[13] == type;
}

}  // namespace

TEST_CASE("dtls handshake completes and both sides derive matching SRTP keys") {
  Pair p;
  std::vector<size_t> sizes;
  bool saw_hello_verify = false;
  p.filter = [&](bool to_server, std::vector<uint8_t>& d) {
    sizes.push_back(d.size());
    if (!to_server && is_handshake(d, 3)) saw_hello_verify = true;
    return true;
  };
  p.run();
  check_connected_with_matching_keys(p);
  CHECK(saw_hello_verify);
  CHECK(p.client->cipher_suite() == "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256");
  for (size_t n : sizes) CHECK(n <= 1200);
  MESSAGE("handshake datagrams: " << sizes.size() << ", cipher " << p.client->cipher_suite());
}

TEST_CASE("dtls handshake without HelloVerifyRequest, and with the 32-bit-tag profile absent") {
  DtlsOptions o;
  o.hello_verify = false;
  Pair p(o);
  p.run();
  check_connected_with_matching_keys(p);
}

TEST_CASE("dtls handshake survives lost flights via retransmission") {
  SUBCASE("first ClientHello lost") {
    Pair p;
    int n = 0;
    p.filter = [&](bool to_server, std::vector<uint8_t>&) { return !(to_server && n++ == 0); };
    p.run();
    check_connected_with_matching_keys(p);
    CHECK(p.dropped == 1);
  }
  SUBCASE("first two flights in each direction lost") {
    Pair p;
    int to_s = 0, to_c = 0;
    p.filter = [&](bool to_server, std::vector<uint8_t>&) { return to_server ? to_s++ >= 2 : to_c++ >= 2; };
    p.run();
    check_connected_with_matching_keys(p);
  }
  SUBCASE("server's final flight (ChangeCipherSpec + Finished) lost once") {
    Pair p;
    bool dropped_final = false;
    p.filter = [&](bool to_server, std::vector<uint8_t>& d) {
      // The server's last flight is the first server datagram holding a ChangeCipherSpec.
      if (!to_server && !dropped_final && !d.empty() && d[0] == 20) {
        dropped_final = true;
        return false;
      }
      return true;
    };
    p.run();
    CHECK(dropped_final);
    check_connected_with_matching_keys(p);
  }
  SUBCASE("30% random loss, several seeds") {
    for (uint32_t seed = 1; seed <= 10; ++seed) {
      CAPTURE(seed);
      Pair p;
      std::mt19937 rng(seed);
      p.filter = [&](bool, std::vector<uint8_t>&) { return rng() % 10 >= 3; };
      p.run(seconds(120));
      check_connected_with_matching_keys(p);
    }
  }
}

TEST_CASE("dtls retransmission deadlines come from the given time and back off") {
  Pair p;
  p.client->start(p.now);
  REQUIRE(p.client->poll_datagram().has_value());  // ClientHello, dropped
  CHECK_FALSE(p.client->poll_datagram().has_value());
  Instant first = p.client->next_deadline();
  CHECK(first == p.now + milliseconds(500));
  p.client->handle_timeout(first - milliseconds(1));
  CHECK_FALSE(p.client->poll_datagram().has_value());
  p.client->handle_timeout(first);
  CHECK(p.client->poll_datagram().has_value());  // retransmitted ClientHello
  CHECK(p.client->next_deadline() == first + milliseconds(1000));
}

TEST_CASE("dtls handshake fails with a clear reason when nothing gets through") {
  Pair p;
  p.filter = [](bool, std::vector<uint8_t>&) { return false; };
  p.run(seconds(120));
  CHECK(p.client->state() == State::kFailed);
  CHECK(p.client->failure_reason() == "handshake timed out");
  const auto* f = find_event<Failed>(p.client_events);
  REQUIRE(f);
  CHECK(f->reason == "handshake timed out");
}

TEST_CASE("dtls fingerprint mismatch fails the handshake") {
  auto other = test::make_certificate("someone else");
  SUBCASE("client sees an unexpected server certificate") {
    Pair p({}, "sha-256 " + other.fingerprint_sha256());
    p.run();
    CHECK(p.client->state() == State::kFailed);
    CHECK(p.client->failure_reason().find("fingerprint mismatch") != std::string::npos);
    CHECK(p.server->state() != State::kConnected);
    CHECK_FALSE(p.client->srtp_keys().has_value());
    CHECK(find_event<Connected>(p.client_events) == nullptr);
  }
  SUBCASE("server sees an unexpected client certificate") {
    Pair p({}, "", "sha-256 " + other.fingerprint_sha256());
    p.run();
    CHECK(p.server->state() == State::kFailed);
    CHECK(p.server->failure_reason().find("fingerprint mismatch") != std::string::npos);
    CHECK(find_event<Connected>(p.server_events) == nullptr);
    CHECK(p.client->state() != State::kConnected);
  }
  SUBCASE("bad fingerprint text is refused at creation") {
    auto cert = test::make_certificate("x");
    CHECK_FALSE(DtlsTransport::create(Role::kServer, cert, "md5 AB:CD").ok());
    CHECK_FALSE(DtlsTransport::create(Role::kServer, cert, "sha-256 not hex").ok());
  }
}

TEST_CASE("dtls garbage datagrams do not crash or derail the handshake") {
  std::mt19937 rng(1234);
  auto garbage = [&](size_t n, uint8_t first) {
    std::vector<uint8_t> d(n);
    for (auto& b : d) b = uint8_t(rng());
    if (!d.empty()) d[0] = first;
    return d;
  };
  Pair p;
  // Before anything: random bytes, truncated record headers, bogus handshake records.
  for (uint8_t first : {uint8_t(0), uint8_t(20), uint8_t(21), uint8_t(22), uint8_t(23), uint8_t(255)}) {
    for (size_t n : {size_t(0), size_t(1), size_t(13), size_t(14), size_t(60), size_t(1500), size_t(20000)}) {
      auto d = garbage(n, first);
      p.server->handle_datagram(d, p.now);
      p.client->handle_datagram(d, p.now);
    }
  }
  CHECK(p.server->state() == State::kConnecting);
  while (p.server->poll_datagram()) {}
  while (p.server->poll_event()) {}
  // During the handshake: inject garbage after every real datagram.
  p.filter = [&](bool to_server, std::vector<uint8_t>&) {
    auto d = garbage(1 + rng() % 300, uint8_t(20 + rng() % 4));
    (to_server ? p.server : p.client)->handle_datagram(d, p.now);
    return true;
  };
  p.run();
  check_connected_with_matching_keys(p);
  // After: garbage is dropped, the connection stays up.
  p.filter = nullptr;
  for (int i = 0; i < 200; ++i) {
    auto d = garbage(1 + rng() % 1200, uint8_t(20 + rng() % 4));
    p.server->handle_datagram(d, p.now);
    p.client->handle_datagram(d, p.now);
  }
  CHECK(p.client->state() == State::kConnected);
  CHECK(p.server->state() == State::kConnected);
}

TEST_CASE("dtls application data flows both ways and close_notify closes") {
  Pair p;
  p.run();
  check_connected_with_matching_keys(p);
  p.client_events.clear();
  p.server_events.clear();
  size_t max = p.client->max_application_data_size();
  CHECK(max > 1000);
  CHECK(max <= 1200);
  std::vector<uint8_t> big(max, 0x42);
  CHECK(p.client->send_application_data(big));
  CHECK(p.server->send_application_data(as_bytes("pong")));
  std::vector<uint8_t> too_big(max + 1, 1);
  CHECK_FALSE(p.client->send_application_data(too_big));
  p.shuttle();
  const auto* at_server = find_event<ApplicationData>(p.server_events);
  const auto* at_client = find_event<ApplicationData>(p.client_events);
  REQUIRE(at_server);
  REQUIRE(at_client);
  CHECK(at_server->data == big);
  CHECK(as_string_view(at_client->data) == "pong");

  p.client->close();
  CHECK(p.client->state() == State::kClosed);
  CHECK_FALSE(p.client->send_application_data(as_bytes("late")));
  p.shuttle();
  CHECK(p.server->state() == State::kClosed);
  CHECK(find_event<Closed>(p.server_events));
}

// Heap in use now (glibc), to measure what release_session() gives back.
size_t heap_in_use() { return mallinfo2().uordblks; }

TEST_CASE("dtls released session: the peer's mbedTLS close_notify is read, ours reaches its mbedTLS") {
  for (bool release_server : {true, false}) {
    CAPTURE(release_server);
    Pair p;
    CHECK_FALSE(p.server->release_session());  // not before the handshake
    p.run();
    check_connected_with_matching_keys(p);
    std::string suite = p.server->cipher_suite();
    DtlsTransport& released = release_server ? *p.server : *p.client;
    DtlsTransport& whole = release_server ? *p.client : *p.server;
    std::vector<Event>& released_events = release_server ? p.server_events : p.client_events;
    std::vector<Event>& whole_events = release_server ? p.client_events : p.server_events;
    // The whole side sends first, so the released side's close_notify is not its first record.
    REQUIRE(whole.send_application_data(as_bytes("one SCTP packet")));
    size_t before = heap_in_use();
    REQUIRE(released.release_session());
    size_t freed = before - heap_in_use();
    MESSAGE("release_session() freed " << freed << " bytes of heap");
#if !defined(__SANITIZE_ADDRESS__)  // ASan's allocator is not glibc's: mallinfo2 sees none of it
    CHECK(freed > 20 * 1024);  // at least the record buffers (16 KiB in + 4-8 KiB out)
#endif
    CHECK(released.session_released());
    CHECK(released.state() == State::kConnected);
    CHECK(released.cipher_suite() == suite);
    CHECK(released.next_deadline() == kNever);
    CHECK_FALSE(released.send_application_data(as_bytes("no more")));
    CHECK_FALSE(released.release_session());  // once

    released_events.clear();
    p.shuttle();  // the application data: authenticated, but nothing reads it now
    CHECK(released_events.empty());
    CHECK(released.counters().stray_handshake == 1);
    CHECK(released.counters().bad_mac == 0);

    SUBCASE("the whole side closes") {
      whole.close();
      p.shuttle();
      CHECK(released.state() == State::kClosed);
      CHECK(find_event<Closed>(released_events));
    }
    SUBCASE("the released side closes") {
      whole.send_application_data(as_bytes("and another"));  // our sequence numbers are not its
      released.close();
      CHECK(released.state() == State::kClosed);
      p.shuttle();
      CHECK(whole.state() == State::kClosed);
      CHECK(find_event<Closed>(whole_events));
    }
  }
}

TEST_CASE("dtls released session: forged and altered records are counted and change nothing") {
  Pair p;
  p.run();
  check_connected_with_matching_keys(p);
  REQUIRE(p.server->release_session());
  p.client->close();
  auto close_notify = p.client->poll_datagram();
  REQUIRE(close_notify);
  REQUIRE(close_notify->size() > 13 + 16);
  std::vector<uint8_t> altered = *close_notify;
  altered.back() ^= 1;  // the tag
  p.server->handle_datagram(altered, p.now);
  std::vector<uint8_t> other_sequence = *close_notify;
  other_sequence[10] ^= 1;  // authenticated as additional data
  p.server->handle_datagram(other_sequence, p.now);
  CHECK(p.server->counters().bad_mac == 2);
  const uint8_t epoch0_alert[] = {21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40};
  p.server->handle_datagram(epoch0_alert, p.now);
  CHECK(p.server->counters().stray_alerts == 1);
  const uint8_t truncated[] = {21, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 40, 1};
  p.server->handle_datagram(truncated, p.now);
  CHECK(p.server->counters().invalid_records == 1);
  const uint8_t too_short_to_open[] = {21, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 2, 1, 0};
  p.server->handle_datagram(too_short_to_open, p.now);
  CHECK(p.server->counters().bad_mac == 3);
  CHECK(p.server->state() == State::kConnected);
  CHECK_FALSE(p.server->poll_event());
  p.server->handle_datagram(*close_notify, p.now);  // the real one
  CHECK(p.server->state() == State::kClosed);
}

TEST_CASE("dtls heap use per idle transport") {
  auto server_cert = test::make_certificate("server");
  struct mallinfo2 before = mallinfo2();
  auto t = DtlsTransport::create(Role::kServer, server_cert, "sha-256 " + server_cert.fingerprint_sha256());
  REQUIRE(t.ok());
  struct mallinfo2 after = mallinfo2();
  size_t fresh = after.uordblks - before.uordblks;

  Pair p;
  before = mallinfo2();
  p.run();
  check_connected_with_matching_keys(p);
  while (p.client->poll_event()) {}
  while (p.server->poll_event()) {}
  p.client_events.clear();
  p.server_events.clear();
  size_t handshake_growth = mallinfo2().uordblks - before.uordblks;
  // The mbedTLS record buffers (16 KiB + overhead, in and out) dominate: the Debian build
  // has neither MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH nor smaller IN/OUT_CONTENT_LEN.
  MESSAGE("heap per new transport: " << fresh << " bytes; both transports grew by " << handshake_growth
                                     << " bytes through the handshake (peer certificate, session, transforms)");
  CHECK(fresh < 64 * 1024);
}

}  // namespace umbrella::dtls
