#include <doctest/doctest.h>

#include "ice/check_builder.hpp"
#include "ice/lite_agent.hpp"
#include "ice/username.hpp"
#include "stun/crc32.hpp"
#include "stun/integrity.hpp"

using namespace umbrella;
using namespace umbrella::ice;
using namespace umbrella::ice::test;

namespace {

const Credentials kLocal{"srvU", "server-password-0123456789"};
const Credentials kRemote{"cliU", "client-password-0123456789"};
const std::string kUsername = "srvU:cliU";

struct Fixture {
  ManualTimeSource clock;
  IceLiteAgent agent{kLocal, kRemote, clock.now()};
  std::vector<uint8_t> buf = std::vector<uint8_t>(256);
  SocketAddress a = *SocketAddress::parse("192.0.2.10:50000");
  SocketAddress b = *SocketAddress::parse("[2001:db8::7]:40000");

  HandleResult send(const std::vector<uint8_t>& packet, const SocketAddress& from) {
    return agent.handle_stun(packet, from, clock.now(), buf);
  }
  stun::Message response(const HandleResult& r) {
    auto m = stun::parse(Bytes(buf).first(r.response_size));
    REQUIRE(m.ok());
    return *m;
  }
};

}  // namespace

TEST_CASE("lite agent: valid check gets a signed success response") {
  Fixture f;
  auto req = make_check(kUsername, kLocal.pwd);
  auto r = f.send(req, f.a);
  CHECK(r.event == Event::kNone);
  REQUIRE(r.response_size > 0);
  auto m = f.response(r);
  CHECK(m.cls == stun::MessageClass::kSuccessResponse);
  CHECK(m.method == stun::method::kBinding);
  CHECK(m.transaction_id == stun::parse(req)->transaction_id);
  CHECK(m.xor_mapped_address == f.a);
  CHECK(m.has_fingerprint);
  CHECK(stun::verify_message_integrity(Bytes(f.buf).first(r.response_size), m, as_bytes(kLocal.pwd)));
  CHECK(f.agent.state() == State::kNew);
  CHECK(!f.agent.selected_address());
}

TEST_CASE("lite agent: USE-CANDIDATE nominates, then address change") {
  Fixture f;
  auto r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true}), f.a);
  CHECK(r.event == Event::kNominated);
  CHECK(r.response_size > 0);
  CHECK(f.agent.state() == State::kConnected);
  CHECK(f.agent.selected_address() == f.a);

  // Repeated nomination from the same address: nothing new.
  r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true, .tid_seed = 2}), f.a);
  CHECK(r.event == Event::kNone);

  // A check without USE-CANDIDATE from elsewhere is answered but does not move the selection.
  r = f.send(make_check(kUsername, kLocal.pwd, {.tid_seed = 3}), f.b);
  CHECK(r.event == Event::kNone);
  CHECK(f.response(r).xor_mapped_address == f.b);
  CHECK(f.agent.selected_address() == f.a);

  // Nominated from a new address (NAT rebinding, network change): switch.
  r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true, .tid_seed = 4}), f.b);
  CHECK(r.event == Event::kAddressChanged);
  CHECK(f.agent.selected_address() == f.b);
  CHECK(f.agent.state() == State::kConnected);
}

TEST_CASE("lite agent: wrong password gets 401 and changes nothing") {
  Fixture f;
  auto r = f.send(make_check(kUsername, "wrong-password", {.use_candidate = true}), f.a);
  CHECK(r.event == Event::kRefused);
  CHECK(r.error_code == 401);
  auto m = f.response(r);
  CHECK(m.cls == stun::MessageClass::kErrorResponse);
  REQUIRE(m.error_code);
  CHECK(m.error_code->code == 401);
  CHECK(!m.integrity_offset);  // unauthenticated sender: no MESSAGE-INTEGRITY
  CHECK(m.has_fingerprint);
  CHECK(f.agent.state() == State::kNew);
  CHECK(!f.agent.selected_address());
  // It did not refresh consent either.
  f.clock.advance(seconds(30));
  CHECK(f.agent.handle_timeout(f.clock.now()) == Event::kConsentExpired);
}

TEST_CASE("lite agent: wrong ufrags get 401") {
  Fixture f;
  CHECK(f.send(make_check("other:cliU", kLocal.pwd, {.use_candidate = true}), f.a).error_code == 401);
  CHECK(f.send(make_check("srvU:someoneelse", kLocal.pwd, {.use_candidate = true}), f.a).error_code == 401);
  CHECK(f.send(make_check("srvU", kLocal.pwd, {.use_candidate = true}), f.a).error_code == 401);
  CHECK(f.send(make_check("srvUx:cliU", kLocal.pwd, {.use_candidate = true}), f.a).error_code == 401);
  CHECK(!f.agent.selected_address());
}

TEST_CASE("lite agent: unknown remote ufrag accepts any sender part") {
  ManualTimeSource clock;
  IceLiteAgent agent(kLocal, Credentials{}, clock.now());
  std::vector<uint8_t> buf(256);
  auto from = *SocketAddress::parse("10.0.0.1:1");
  auto r = agent.handle_stun(make_check("srvU:whatever", kLocal.pwd, {.use_candidate = true}), from,
                             clock.now(), buf);
  CHECK(r.event == Event::kNominated);
  agent.set_remote_credentials(kRemote);
  r = agent.handle_stun(make_check("srvU:whatever", kLocal.pwd, {.tid_seed = 9}), from, clock.now(), buf);
  CHECK(r.error_code == 401);
}

TEST_CASE("lite agent: missing USERNAME or MESSAGE-INTEGRITY gets 400") {
  Fixture f;
  auto r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true, .with_integrity = false}), f.a);
  CHECK(r.event == Event::kRefused);
  CHECK(r.error_code == 400);
  CHECK(f.response(r).error_code->code == 400);
  r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true, .with_username = false}), f.a);
  CHECK(r.error_code == 400);
  CHECK(!f.agent.selected_address());
}

TEST_CASE("lite agent: non-binding request gets 400") {
  Fixture f;
  auto r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true, .method = 0x003}), f.a);
  CHECK(r.error_code == 400);
  auto m = f.response(r);
  CHECK(m.method == 0x003);
  CHECK(m.cls == stun::MessageClass::kErrorResponse);
  CHECK(!f.agent.selected_address());
}

TEST_CASE("lite agent: unknown comprehension-required attribute gets 420") {
  Fixture f;
  auto r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true, .extra_attribute = 0x0003}), f.a);
  CHECK(r.error_code == 420);
  auto m = f.response(r);
  CHECK(m.error_code->code == 420);
  CHECK(stun::verify_message_integrity(Bytes(f.buf).first(r.response_size), m, as_bytes(kLocal.pwd)));
  CHECK(!f.agent.selected_address());
  // Comprehension-optional unknowns are fine.
  r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true, .extra_attribute = 0xC057}), f.a);
  CHECK(r.event == Event::kNominated);
}

TEST_CASE("lite agent: controlled peer gets 487 role conflict") {
  Fixture f;
  auto r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true, .controlled = true}), f.a);
  CHECK(r.event == Event::kRefused);
  CHECK(r.error_code == 487);
  auto m = f.response(r);
  CHECK(m.error_code->code == 487);
  CHECK(stun::verify_message_integrity(Bytes(f.buf).first(r.response_size), m, as_bytes(kLocal.pwd)));
  CHECK(!f.agent.selected_address());
}

TEST_CASE("lite agent: non-requests and garbage are dropped silently") {
  Fixture f;
  std::vector<uint8_t> rtp(40, 0x80);
  auto r = f.send(rtp, f.a);
  CHECK(r.response_size == 0);
  CHECK(r.event == Event::kNone);
  // A success response (e.g. reflected back) is ignored.
  auto nominate = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true}), f.a);
  std::vector<uint8_t> resp(f.buf.begin(), f.buf.begin() + long(nominate.response_size));
  r = f.send(resp, f.b);
  CHECK(r.response_size == 0);
  CHECK(f.agent.selected_address() == f.a);
}

TEST_CASE("lite agent: a peer with the same ufrag but a wrong password cannot hijack") {
  Fixture f;
  REQUIRE(f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true}), f.a).event == Event::kNominated);
  for (uint8_t i = 0; i < 10; ++i) {
    auto r = f.send(make_check(kUsername, "guess" + std::to_string(i), {.use_candidate = true, .tid_seed = i}), f.b);
    CHECK(r.error_code == 401);
  }
  // A valid check replayed with the attacker's source but a modified body fails too.
  auto good = make_check(kUsername, kLocal.pwd, {.use_candidate = true, .tid_seed = 50});
  good[10] ^= 1;  // transaction id is covered by the HMAC; fix the fingerprint so it parses
  store_be32(&good[good.size() - 4], stun::crc32(Bytes(good).first(good.size() - 8)) ^ stun::kFingerprintXor);
  CHECK(f.send(good, f.b).error_code == 401);
  CHECK(f.agent.selected_address() == f.a);
}

TEST_CASE("lite agent: consent expires 30 s after the last valid check from the selected address") {
  Fixture f;
  auto t0 = f.clock.now();
  CHECK(f.agent.next_deadline() == t0 + seconds(30));
  REQUIRE(f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true}), f.a).event == Event::kNominated);

  f.clock.advance(seconds(20));
  CHECK(f.agent.handle_timeout(f.clock.now()) == Event::kNone);
  f.send(make_check(kUsername, kLocal.pwd, {.tid_seed = 7}), f.a);  // consent check
  auto refreshed = f.clock.now();
  CHECK(f.agent.next_deadline() == refreshed + seconds(30));

  // Valid checks from another (unselected) address do not keep the selected pair alive.
  f.clock.advance(seconds(20));
  f.send(make_check(kUsername, kLocal.pwd, {.tid_seed = 8}), f.b);
  CHECK(f.agent.next_deadline() == refreshed + seconds(30));

  f.clock.advance(seconds(10) - milliseconds(1));
  CHECK(f.agent.handle_timeout(f.clock.now()) == Event::kNone);
  f.clock.advance(milliseconds(1));
  CHECK(f.agent.handle_timeout(f.clock.now()) == Event::kConsentExpired);
  CHECK(f.agent.state() == State::kFailed);
  CHECK(!f.agent.selected_address());
  CHECK(f.agent.next_deadline() == kNever);
  CHECK(f.agent.handle_timeout(f.clock.now()) == Event::kNone);  // reported once

  // After expiry nothing is answered: the owner is releasing the transport.
  auto r = f.send(make_check(kUsername, kLocal.pwd, {.use_candidate = true, .tid_seed = 9}), f.a);
  CHECK(r.response_size == 0);
  CHECK(r.event == Event::kNone);
}

TEST_CASE("lite agent: response buffer too small gives no response") {
  Fixture f;
  std::vector<uint8_t> tiny(40);
  auto r = f.agent.handle_stun(make_check(kUsername, kLocal.pwd), f.a, f.clock.now(), tiny);
  CHECK(r.response_size == 0);
}

TEST_CASE("local_ufrag_of / remote_ufrag_of") {
  stun::Message m;
  CHECK(!local_ufrag_of(m));
  m.username = "abcd:efgh";
  CHECK(local_ufrag_of(m) == "abcd");
  CHECK(remote_ufrag_of(m) == "efgh");
  m.username = "abcd";
  CHECK(!local_ufrag_of(m));
  m.username = ":x";
  CHECK(!local_ufrag_of(m));
  m.username = "x:";
  CHECK(local_ufrag_of(m) == "x");
  CHECK(!remote_ufrag_of(m));
}
