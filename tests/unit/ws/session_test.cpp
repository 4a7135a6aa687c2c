#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ws/frame.hpp"
#include "ws/session.hpp"

using namespace umbrella;
using namespace umbrella::ws;

namespace {

const Instant t0 = Instant{} + seconds(1000);
const MaskKey kKey{0x37, 0xfa, 0x21, 0x3d};

struct Recorder : Listener {
  std::vector<std::pair<MessageType, std::string>> messages;
  std::vector<std::string> pongs;
  int closes = 0;
  uint16_t code = 0;
  std::string reason;
  bool echo = false;
  void on_message(Session& s, MessageType type, Bytes payload) override {
    messages.emplace_back(type, std::string(as_string_view(payload)));
    if (echo) type == MessageType::kText ? s.send_text(as_string_view(payload)) : s.send_binary(payload);
  }
  void on_pong(Session&, Bytes payload) override { pongs.emplace_back(as_string_view(payload)); }
  void on_close(Session&, uint16_t c, std::string_view r) override {
    ++closes;
    code = c;
    reason = std::string(r);
  }
};

// A frame as a client would send it (masked).
std::string client_frame(Opcode op, std::string_view payload, bool fin = true) {
  std::string out;
  encode_frame(op, as_bytes(payload), fin, kKey, out);
  return out;
}

std::string server_frame(Opcode op, std::string_view payload, bool fin = true) {
  std::string out;
  encode_frame(op, as_bytes(payload), fin, std::nullopt, out);
  return out;
}

std::string close_payload(uint16_t code, std::string_view reason = {}) {
  std::string p{char(code >> 8), char(code & 0xFF)};
  return p + std::string(reason);
}

// The close code in a server-sent (unmasked) Close frame, or -1.
int sent_close_code(const std::string& out) {
  if (out.size() < 4 || uint8_t(out[0]) != 0x88) return -1;
  return uint8_t(out[2]) << 8 | uint8_t(out[3]);
}

SessionConfig no_keepalive() {
  SessionConfig c;
  c.ping_interval = Duration::zero();
  return c;
}

}  // namespace

TEST_CASE("ws session: server receives text and binary, byte at a time") {
  Recorder r;
  Session s(Role::kServer, &r, no_keepalive(), t0);
  std::string wire = client_frame(Opcode::kText, "Hello") + client_frame(Opcode::kBinary, std::string("\0\1\2", 3));
  for (char c : wire) s.on_bytes(as_bytes(std::string_view(&c, 1)), t0);
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0] == std::make_pair(MessageType::kText, std::string("Hello")));
  CHECK(r.messages[1] == std::make_pair(MessageType::kBinary, std::string("\0\1\2", 3)));
  CHECK(s.take_output().empty());
  CHECK(s.state() == Session::State::kOpen);
}

TEST_CASE("ws session: fragmented message with an interleaved ping") {
  Recorder r;
  Session s(Role::kServer, &r, no_keepalive(), t0);
  s.on_bytes(as_bytes(client_frame(Opcode::kText, "Hel", false) + client_frame(Opcode::kPing, "p1") +
                      client_frame(Opcode::kContinuation, "l", false) +
                      client_frame(Opcode::kContinuation, "o", true)),
             t0);
  REQUIRE(r.messages.size() == 1);
  CHECK(r.messages[0].second == "Hello");
  CHECK(s.take_output() == server_frame(Opcode::kPong, "p1"));
  s.on_bytes(as_bytes(client_frame(Opcode::kPong, "x")), t0);
  CHECK(r.pongs == std::vector<std::string>{"x"});
}

TEST_CASE("ws session: protocol errors close with 1002") {
  auto code_for = [](const std::string& wire) {
    Recorder r;
    Session s(Role::kServer, &r, no_keepalive(), t0);
    s.on_bytes(as_bytes(wire), t0);
    CHECK(s.should_close());
    CHECK(r.closes == 1);
    CHECK(r.code == sent_close_code(s.take_output()));
    return r.code;
  };
  CHECK(code_for(server_frame(Opcode::kText, "unmasked")) == 1002);
  std::string rsv = client_frame(Opcode::kText, "x");
  rsv[0] = char(rsv[0] | 0x40);
  CHECK(code_for(rsv) == 1002);
  CHECK(code_for(client_frame(Opcode::kPing, std::string(126, 'p'))) == 1002);
  CHECK(code_for(client_frame(Opcode::kPing, "a", false)) == 1002);
  CHECK(code_for(client_frame(Opcode::kContinuation, "a")) == 1002);
  CHECK(code_for(client_frame(Opcode::kText, "a", false) + client_frame(Opcode::kBinary, "b")) == 1002);
  CHECK(code_for(client_frame(Opcode::kClose, "x")) == 1002);
  for (uint16_t bad : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000})
    CHECK(code_for(client_frame(Opcode::kClose, close_payload(bad))) == 1002);
}

TEST_CASE("ws session: invalid UTF-8 closes with 1007, oversize with 1009") {
  {
    Recorder r;
    Session s(Role::kServer, &r, no_keepalive(), t0);
    s.on_bytes(as_bytes(client_frame(Opcode::kText, "ok\xC0\xAF")), t0);
    CHECK(sent_close_code(s.take_output()) == 1007);
    CHECK(r.messages.empty());
  }
  {
    // Fails fast on the first fragment, before the message is complete.
    Recorder r;
    Session s(Role::kServer, &r, no_keepalive(), t0);
    s.on_bytes(as_bytes(client_frame(Opcode::kText, "\xFF", false)), t0);
    CHECK(sent_close_code(s.take_output()) == 1007);
  }
  {
    // A code point split across fragments is fine.
    Recorder r;
    Session s(Role::kServer, &r, no_keepalive(), t0);
    s.on_bytes(as_bytes(client_frame(Opcode::kText, "\xE2\x82", false) +
                        client_frame(Opcode::kContinuation, "\xAC", true)),
               t0);
    CHECK(r.messages.size() == 1);
  }
  {
    Recorder r;
    Session s(Role::kServer, &r, no_keepalive(), t0);
    s.on_bytes(as_bytes(client_frame(Opcode::kClose, close_payload(1000, "\xFF"))), t0);
    CHECK(sent_close_code(s.take_output()) == 1007);
  }
  {
    SessionConfig cfg = no_keepalive();
    cfg.max_message_bytes = 100;
    Recorder r;
    Session s(Role::kServer, &r, cfg, t0);
    s.on_bytes(as_bytes(client_frame(Opcode::kBinary, std::string(100, 'a'))), t0);
    CHECK(r.messages.size() == 1);
    s.on_bytes(as_bytes(client_frame(Opcode::kBinary, std::string(60, 'a'), false)), t0);
    // The second fragment pushes the total past the limit: refused from its header alone.
    s.on_bytes(as_bytes(client_frame(Opcode::kContinuation, std::string(41, 'a')).substr(0, 8)), t0);
    CHECK(sent_close_code(s.take_output()) == 1009);
    CHECK(r.code == 1009);
  }
}

TEST_CASE("ws session: close handshakes") {
  {
    // Peer-initiated: echoed, then closed.
    Recorder r;
    Session s(Role::kServer, &r, no_keepalive(), t0);
    s.on_bytes(as_bytes(client_frame(Opcode::kClose, close_payload(1001, "bye"))), t0);
    CHECK(s.take_output() == server_frame(Opcode::kClose, close_payload(1001)));
    CHECK(s.should_close());
    CHECK(r.code == 1001);
    CHECK(r.reason == "bye");
    CHECK_FALSE(s.send_text("late"));
  }
  {
    // Empty close: echoed empty, reported as 1005.
    Recorder r;
    Session s(Role::kServer, &r, no_keepalive(), t0);
    s.on_bytes(as_bytes(client_frame(Opcode::kClose, "")), t0);
    CHECK(s.take_output() == server_frame(Opcode::kClose, ""));
    CHECK(r.code == 1005);
  }
  {
    // We initiate; data arriving meanwhile is dropped; the peer's Close completes it.
    Recorder r;
    Session s(Role::kServer, &r, no_keepalive(), t0);
    s.close(1000, "done", t0);
    CHECK(s.take_output() == server_frame(Opcode::kClose, close_payload(1000, "done")));
    CHECK(s.state() == Session::State::kClosing);
    CHECK(s.next_deadline() == t0 + seconds(5));
    s.on_bytes(as_bytes(client_frame(Opcode::kText, "late") + client_frame(Opcode::kClose, close_payload(1000))), t0);
    CHECK(r.messages.empty());
    CHECK(s.take_output().empty());
    CHECK(s.should_close());
    CHECK(r.code == 1000);
    CHECK(r.closes == 1);
  }
  {
    // No answer to our Close: closed as 1006 after close_timeout.
    Recorder r;
    Session s(Role::kServer, &r, no_keepalive(), t0);
    s.close(1001, std::string(200, 'r'), t0);  // reason is truncated to fit
    CHECK(s.take_output().size() == 2 + 125);
    s.on_timeout(t0 + seconds(5));
    CHECK(s.should_close());
    CHECK(r.code == 1006);
  }
}

TEST_CASE("ws session: keepalive pings and dead-peer detection") {
  SessionConfig cfg;
  cfg.ping_interval = seconds(20);
  cfg.pong_timeout = seconds(10);
  Recorder r;
  Session s(Role::kServer, &r, cfg, t0);
  CHECK(s.next_deadline() == t0 + seconds(20));
  s.on_bytes(as_bytes(client_frame(Opcode::kText, "hi")), t0 + seconds(5));
  CHECK(s.next_deadline() == t0 + seconds(25));
  s.on_timeout(t0 + seconds(25));
  CHECK(s.take_output() == server_frame(Opcode::kPing, ""));
  CHECK(s.next_deadline() == t0 + seconds(35));
  s.on_bytes(as_bytes(client_frame(Opcode::kPong, "")), t0 + seconds(26));
  CHECK(s.next_deadline() == t0 + seconds(46));
  s.on_timeout(t0 + seconds(46));
  CHECK(s.take_output() == server_frame(Opcode::kPing, ""));
  s.on_timeout(t0 + seconds(55));
  CHECK_FALSE(s.should_close());
  s.on_timeout(t0 + seconds(56));
  CHECK(s.should_close());
  CHECK(s.take_output().empty());  // no Close frame to a dead peer
  CHECK(r.code == 1006);
  CHECK(s.next_deadline() == kNever);
}

TEST_CASE("ws session: client and server talk in-process") {
  Recorder client_events, server_events;
  server_events.echo = true;
  SessionConfig ccfg;
  uint8_t counter = 0;
  ccfg.mask_source = [&counter] { ++counter; return MaskKey{counter, 0xAA, 0x55, 0x0F}; };
  Session client(Role::kClient, &client_events, ccfg, t0);
  Session server(Role::kServer, &server_events, SessionConfig{}, t0);
  auto pump = [&] {
    for (int i = 0; i < 10; ++i) {
      std::string a = client.take_output(), b = server.take_output();
      if (a.empty() && b.empty()) break;
      if (!a.empty()) server.on_bytes(as_bytes(a), t0);
      if (!b.empty()) client.on_bytes(as_bytes(b), t0);
    }
  };
  std::string big(70000, 'z');  // over the server's 64 KiB limit
  CHECK(client.send_text("hello"));
  CHECK(client.send_binary(as_bytes(std::string(65536, 'b'))));
  CHECK(client.send_ping(as_bytes("are you there")));
  std::string first = client.take_output();
  CHECK((uint8_t(first[1]) & 0x80) != 0);  // client frames are masked
  server.on_bytes(as_bytes(first), t0);
  pump();
  REQUIRE(server_events.messages.size() == 2);
  REQUIRE(client_events.messages.size() == 2);
  CHECK(client_events.messages[0].second == "hello");
  CHECK(client_events.messages[1].second.size() == 65536);
  CHECK(client_events.pongs == std::vector<std::string>{"are you there"});
  CHECK(counter == 3);
  // Too big for the server: it fails the connection with 1009, the client sees it.
  client.send_binary(as_bytes(big));
  pump();
  CHECK(server.should_close());
  CHECK(client.should_close());
  CHECK(client_events.code == 1009);
}

TEST_CASE("ws session: client rejects masked server frames; clean close from client") {
  {
    Recorder r;
    Session client(Role::kClient, &r, no_keepalive(), t0);
    client.on_bytes(as_bytes(client_frame(Opcode::kText, "masked")), t0);
    CHECK(client.should_close());
    CHECK(r.code == 1002);
  }
  {
    Recorder cr, sr;
    Session client(Role::kClient, &cr, no_keepalive(), t0);
    Session server(Role::kServer, &sr, no_keepalive(), t0);
    client.close(1000, "bye", t0);
    server.on_bytes(as_bytes(client.take_output()), t0);
    CHECK(server.should_close());
    CHECK(sr.reason == "bye");
    client.on_bytes(as_bytes(server.take_output()), t0);
    CHECK(client.should_close());
    CHECK(cr.code == 1000);
  }
}
