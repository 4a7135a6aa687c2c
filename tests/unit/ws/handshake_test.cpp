#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "http/connection.hpp"
#include "ws/accept.hpp"
#include "ws/client.hpp"
#include "ws/handshake.hpp"

using namespace umbrella;
using namespace umbrella::ws;

namespace {

const Instant t0 = Instant{} + seconds(1000);

http::Request upgrade_request() {
  http::Request r;
  r.method = "GET";
  r.target = r.path = "/chat";
  r.headers = {{"host", "server.example.com"},
               {"upgrade", "websocket"},
               {"connection", "keep-alive, Upgrade"},
               {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
               {"sec-websocket-version", "13"},
               {"sec-websocket-protocol", "chat, superchat"}};
  return r;
}

void set_header(http::Request& r, std::string_view name, std::string value) {
  for (auto& h : r.headers)
    if (h.first == name) h.second = std::move(value);
}

}  // namespace

TEST_CASE("ws handshake: RFC 6455 accept key") {
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("ws handshake: server validation") {
  auto ok = server_handshake(upgrade_request());
  CHECK(ok.status == 101);
  CHECK(http::serialize(ok, true) ==
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  auto with_protocol = server_handshake(upgrade_request(), "chat");
  CHECK(with_protocol.headers.back() == http::Header{"Sec-WebSocket-Protocol", "chat"});
  CHECK(server_handshake(upgrade_request(), "other").headers.size() == 3);

  auto r = upgrade_request();
  r.method = "POST";
  CHECK(server_handshake(r).status == 400);
  r = upgrade_request();
  set_header(r, "upgrade", "h2c");
  CHECK(server_handshake(r).status == 400);
  r = upgrade_request();
  set_header(r, "connection", "keep-alive");
  CHECK(server_handshake(r).status == 400);
  r = upgrade_request();
  set_header(r, "sec-websocket-key", "tooshort");
  CHECK(server_handshake(r).status == 400);
  r = upgrade_request();
  set_header(r, "sec-websocket-key", "");
  CHECK(server_handshake(r).status == 400);
  r = upgrade_request();
  set_header(r, "sec-websocket-version", "8");
  auto v = server_handshake(r);
  CHECK(v.status == 426);
  CHECK(v.headers == std::vector<http::Header>{{"Sec-WebSocket-Version", "13"}});
}

TEST_CASE("ws handshake: client request and server response checks") {
  std::string key = generate_client_key();
  CHECK(key.size() == 24);
  CHECK(generate_client_key() != key);
  CHECK(build_client_handshake("sfu2:443", "/trunk", "dGhlIHNhbXBsZSBub25jZQ==") ==
        "GET /trunk HTTP/1.1\r\nHost: sfu2:443\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

  std::string good =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  using S = ServerHandshakeResult::Status;
  auto res = validate_server_handshake(as_bytes(good + "\x81\x00"), "dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(res.status == S::kOk);
  CHECK(res.consumed == good.size());
  CHECK(validate_server_handshake(as_bytes(good.substr(0, 40)), "dGhlIHNhbXBsZSBub25jZQ==").status == S::kNeedMore);
  CHECK(validate_server_handshake(as_bytes(good), "AAAAAAAAAAAAAAAAAAAAAA==").status == S::kError);
  std::string not101 = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
  auto e = validate_server_handshake(as_bytes(not101), "dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(e.status == S::kError);
  CHECK(e.error == "status 403");
  std::string ext = good.substr(0, good.size() - 2) + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
  CHECK(validate_server_handshake(as_bytes(ext), "dGhlIHNhbXBsZSBub25jZQ==").status == S::kError);
  CHECK(validate_server_handshake(as_bytes(std::string(9000, 'x')), "k").status == S::kError);
}

namespace {

struct Echo : Listener {
  std::vector<std::string> got;
  Session* session = nullptr;
  bool echo = false;
  void on_open(Session& s) override { session = &s; }
  void on_message(Session& s, MessageType, Bytes payload) override {
    got.emplace_back(as_string_view(payload));
    if (echo) s.send_text(as_string_view(payload));
  }
};

struct WsHandler : http::Handler {
  Echo listener;
  http::Response handle(const http::Request&) override { return http::Response::error(404); }
  std::optional<http::UpgradeResult> upgrade(const http::Request& r, Instant now) override {
    return accept_upgrade(r, listener, SessionConfig{}, now);
  }
};

}  // namespace

TEST_CASE("ws client: handshake and messages against an HttpConnection") {
  WsHandler handler;
  handler.listener.echo = true;
  http::HttpConnection server(handler, {}, t0);
  Echo client_listener;
  Client client("sfu2.example", "/trunk", client_listener, SessionConfig{}, t0);
  CHECK(client.next_deadline() == t0 + Client::kHandshakeTimeout);
  auto pump = [&] {
    for (int i = 0; i < 10; ++i) {
      std::string a = client.take_output(), b = server.take_output();
      if (a.empty() && b.empty()) break;
      // Deliver in small pieces to exercise partial handshakes on both sides.
      for (size_t p = 0; p < a.size(); p += 7) server.on_bytes(as_bytes(std::string_view(a).substr(p, 7)), t0);
      for (size_t p = 0; p < b.size(); p += 7) client.on_bytes(as_bytes(std::string_view(b).substr(p, 7)), t0);
    }
  };
  pump();
  REQUIRE(client.session() != nullptr);
  CHECK(client_listener.session == client.session());
  CHECK(client.session()->send_text("over the trunk"));
  pump();
  CHECK(handler.listener.got == std::vector<std::string>{"over the trunk"});
  CHECK(client_listener.got == std::vector<std::string>{"over the trunk"});
  client.session()->close(1000, "", t0);
  pump();
  CHECK(client.should_close());
  CHECK(server.should_close());
}

TEST_CASE("ws client: failed and timed-out handshakes") {
  Echo l;
  Client a("h", "/", l, SessionConfig{}, t0);
  a.take_output();
  a.on_bytes(as_bytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), t0);
  CHECK(a.should_close());
  CHECK(a.error() == "status 404");
  CHECK(a.session() == nullptr);
  Client b("h", "/", l, SessionConfig{}, t0);
  b.on_timeout(t0 + seconds(10));
  CHECK(b.should_close());
  CHECK(b.error() == "handshake timed out");
}
