#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "http/connection.hpp"
#include "ws/accept.hpp"
#include "ws/frame.hpp"

using namespace umbrella;
using namespace umbrella::http;

namespace {

const Instant t0 = Instant{} + seconds(1000);

struct EchoWs : ws::Listener {
  std::vector<std::string> got;
  ws::Session* opened = nullptr;
  void on_open(ws::Session& s) override { opened = &s; }
  void on_message(ws::Session& s, ws::MessageType, Bytes payload) override {
    got.emplace_back(as_string_view(payload));
    s.send_text(as_string_view(payload));
  }
};

struct TestHandler : Handler {
  std::vector<Request> seen;
  EchoWs ws_listener;
  Response handle(const Request& r) override {
    seen.push_back(r);
    if (r.path == "/close") {
      Response resp = Response::text(200, "bye");
      resp.close = true;
      return resp;
    }
    return Response::text(200, r.method + " " + r.path + (r.body.empty() ? "" : " " + r.body));
  }
  std::optional<UpgradeResult> upgrade(const Request& r, Instant now) override {
    if (r.path != "/ws") return std::nullopt;
    ws::SessionConfig cfg;
    return ws::accept_upgrade(r, ws_listener, cfg, now);
  }
};

std::string ok_response(std::string_view body, bool close = false) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n" + std::string(body);
}

}  // namespace

TEST_CASE("http connection: simple GET with keep-alive") {
  TestHandler h;
  HttpConnection c(h, {}, t0);
  c.on_bytes(as_bytes("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"), t0);
  CHECK(c.take_output() == ok_response("GET /a"));
  CHECK_FALSE(c.should_close());
  CHECK(c.take_output().empty());
  c.on_bytes(as_bytes("HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n"), t0);
  CHECK(c.take_output() == ok_response("HEAD /b").substr(0, ok_response("HEAD /b").size() - 7));
  CHECK(c.counters().requests == 2);
}

TEST_CASE("http connection: pipelined requests in one buffer, answered in order") {
  TestHandler h;
  HttpConnection c(h, {}, t0);
  c.on_bytes(as_bytes("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
                      "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                      "GET /close HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /never HTTP/1.1\r\nHost: x\r\n\r\n"),
             t0);
  CHECK(c.take_output() == ok_response("GET /1") + ok_response("POST /2 abc") + ok_response("bye", true));
  CHECK(c.should_close());
  CHECK(h.seen.size() == 3);
}

TEST_CASE("http connection: pipelined requests wait while a response is queued, then resume") {
  TestHandler h;
  ConnectionConfig cfg;
  cfg.pause_output_bytes = 1;  // any queued response pauses the next request
  HttpConnection c(h, cfg, t0);
  std::string wire = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n";
  size_t first_len = wire.find("GET /2");
  Bytes data = as_bytes(wire);
  size_t used = c.on_bytes(data, t0);
  CHECK(used == first_len);
  CHECK(h.seen.size() == 1);
  CHECK(c.take_output() == ok_response("GET /1"));
  used += c.on_bytes(data.subspan(used), t0);
  CHECK(used == wire.size());
  CHECK(c.take_output() == ok_response("GET /2"));
}

TEST_CASE("http connection: byte-at-a-time and Connection: close") {
  TestHandler h;
  HttpConnection c(h, {}, t0);
  std::string req = "POST /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi";
  for (char ch : req) c.on_bytes(as_bytes(std::string_view(&ch, 1)), t0);
  CHECK(c.take_output() == ok_response("POST /x hi", true));
  CHECK(c.should_close());
}

TEST_CASE("http connection: errors answer and close, and are counted") {
  TestHandler h;
  ConnectionConfig cfg;
  cfg.limits.max_body_bytes = 10;
  cfg.limits.max_header_bytes = 100;
  {
    HttpConnection c(h, cfg, t0);
    c.on_bytes(as_bytes("BLAH\r\n\r\n"), t0);
    CHECK(c.take_output().rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(c.should_close());
    CHECK(c.counters().bad_request == 1);
    c.on_bytes(as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), t0);  // ignored once closing
    CHECK(c.take_output().empty());
  }
  {
    HttpConnection c(h, cfg, t0);
    c.on_bytes(as_bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"), t0);
    std::string out = c.take_output();
    CHECK(out.rfind("HTTP/1.1 413 Content Too Large\r\n", 0) == 0);
    CHECK(out.find("Connection: close\r\n") != std::string::npos);
    CHECK(c.counters().body_too_large == 1);
  }
  {
    HttpConnection c(h, cfg, t0);
    c.on_bytes(as_bytes("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(200, 'c') + "\r\n\r\n"), t0);
    CHECK(c.take_output().rfind("HTTP/1.1 431 ", 0) == 0);
    CHECK(c.counters().headers_too_large == 1);
  }
}

TEST_CASE("http connection: slowloris header timeout") {
  TestHandler h;
  HttpConnection c(h, {}, t0);
  CHECK(c.next_deadline() == t0 + seconds(10));  // first request must start promptly
  Instant t = t0 + seconds(1);
  c.on_bytes(as_bytes("GET / HTTP/1.1\r\n"), t);
  CHECK(c.next_deadline() == t + seconds(10));
  // Trickling bytes does not extend the deadline.
  for (int i = 0; i < 9; ++i) {
    t += seconds(1);
    c.on_bytes(as_bytes("X: y\r\n"), t);
    c.on_timeout(t);
    CHECK_FALSE(c.should_close());
  }
  t += seconds(1);
  c.on_timeout(t);
  CHECK(c.should_close());
  CHECK(c.take_output().rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
  CHECK(c.counters().header_timeout == 1);
  CHECK(c.next_deadline() == kNever);
}

TEST_CASE("http connection: idle and body timeouts") {
  TestHandler h;
  ConnectionConfig cfg;
  cfg.idle_timeout = seconds(30);
  {
    HttpConnection c(h, cfg, t0);
    c.on_bytes(as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), t0 + seconds(2));
    c.take_output();
    CHECK(c.next_deadline() == t0 + seconds(32));
    c.on_timeout(t0 + seconds(31));
    CHECK_FALSE(c.should_close());
    c.on_timeout(t0 + seconds(32));
    CHECK(c.should_close());
    CHECK(c.take_output().empty());  // idle close is silent
    CHECK(c.counters().idle_timeout == 1);
  }
  {
    HttpConnection c(h, cfg, t0);
    c.on_bytes(as_bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab"), t0);
    CHECK(c.next_deadline() == t0 + cfg.body_timeout);
    c.on_timeout(t0 + cfg.body_timeout);
    CHECK(c.should_close());
    CHECK(c.counters().body_timeout == 1);
    CHECK(c.take_output().rfind("HTTP/1.1 408 ", 0) == 0);
  }
}

TEST_CASE("http connection: Expect 100-continue") {
  TestHandler h;
  HttpConnection c(h, {}, t0);
  c.on_bytes(as_bytes("POST /s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"), t0);
  CHECK(c.take_output() == "HTTP/1.1 100 Continue\r\n\r\n");
  c.on_bytes(as_bytes("ok"), t0);
  CHECK(c.take_output() == ok_response("POST /s ok"));
}

TEST_CASE("http connection: WebSocket upgrade flow") {
  TestHandler h;
  HttpConnection c(h, {}, t0);
  std::string hello;
  ws::encode_frame(ws::Opcode::kText, as_bytes("hello"), true, ws::MaskKey{1, 2, 3, 4}, hello);
  c.on_bytes(as_bytes("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" +
                      hello),
             t0);
  std::string out = c.take_output();
  std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  CHECK(out == head + "\x81\x05hello");
  REQUIRE(h.ws_listener.got.size() == 1);
  CHECK(h.ws_listener.got[0] == "hello");
  CHECK(c.counters().upgrades == 1);
  ws::Session* s = ws::as_session(c.upgraded());
  REQUIRE(s != nullptr);
  CHECK(s == h.ws_listener.opened);
  // The owner pushes a message; then the client closes.
  CHECK(s->send_binary(as_bytes("ab")));
  CHECK(c.take_output() == std::string("\x82\x02" "ab", 4));
  std::string close;
  ws::encode_frame(ws::Opcode::kClose, as_bytes(std::string_view("\x03\xe8", 2)), true, ws::MaskKey{9, 9, 9, 9}, close);
  c.on_bytes(as_bytes(close), t0);
  CHECK(c.take_output() == std::string("\x88\x02\x03\xe8", 4));
  CHECK(c.should_close());
}

TEST_CASE("http connection: refused and unknown upgrades close the connection") {
  TestHandler h;
  {
    HttpConnection c(h, {}, t0);
    c.on_bytes(as_bytes("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"),
               t0);
    std::string out = c.take_output();
    CHECK(out.rfind("HTTP/1.1 426 Upgrade Required\r\n", 0) == 0);
    CHECK(out.find("Sec-WebSocket-Version: 13\r\n") != std::string::npos);
    CHECK(c.should_close());
    CHECK(c.counters().upgrades_refused == 1);
  }
  {
    HttpConnection c(h, {}, t0);
    c.on_bytes(as_bytes("GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"), t0);
    CHECK(c.take_output() == ok_response("GET /other", true));
    CHECK(c.should_close());
  }
}

TEST_CASE("http connection: configured headers on every response, its own refusals too; requests know the peer") {
  TestHandler h;
  ConnectionConfig config;
  config.response_headers = {{"X-Content-Type-Options", "nosniff"}};
  auto peer = *SocketAddress::parse("192.0.2.7:4242");
  HttpConnection c(h, config, t0, peer);
  c.on_bytes(as_bytes("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"), t0);
  CHECK(c.take_output().find("\r\nX-Content-Type-Options: nosniff\r\n") != std::string::npos);
  REQUIRE(h.seen.size() == 1);
  CHECK(h.seen[0].peer == peer);
  c.on_bytes(as_bytes("GET /b HTTP/1.1\r\nContent-Length: x\r\n\r\n"), t0);
  std::string refusal = c.take_output();
  CHECK(refusal.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(refusal.find("\r\nX-Content-Type-Options: nosniff\r\n") != std::string::npos);
}
