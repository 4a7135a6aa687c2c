// The trunk's WebSocket client after its request went out: the server's response head and
// the frames after it, in data-derived pieces, with timeouts. The client's key is random, so
// "{accept}" in the input stands for the right Sec-WebSocket-Accept (the seeds use it to
// reach the open session). Invariants: the request carries the key; a session opens only on a
// "HTTP/1.1 101" head; a failed handshake closes, says why, and ignores later bytes; the
// response head is never buffered past its bound; the handshake times out at its deadline.
#include <string>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "ws/client.hpp"
#include "ws/handshake.hpp"

using namespace umbrella;
using umbrella::fuzz::check;

namespace {

struct EchoListener : ws::Listener {
  int opened = 0;
  void on_open(ws::Session&) override { ++opened; }
  void on_message(ws::Session& s, ws::MessageType type, Bytes payload) override {
    if (type == ws::MessageType::kText) s.send_text(as_string_view(payload));
    else s.send_binary(payload);
  }
};

std::string key_of(std::string_view request) {
  constexpr std::string_view kName = "Sec-WebSocket-Key: ";
  size_t at = request.find(kName);
  check(at != std::string_view::npos);
  size_t end = request.find("\r\n", at);
  check(end != std::string_view::npos);
  return std::string(request.substr(at + kName.size(), end - at - kName.size()));
}

}  // namespace

UMBRELLA_FUZZ_TARGET(ws_client) {
  umbrella::fuzz::FuzzInput in(data, size);
  uint8_t setup = in.u8();
  size_t step = 1 + (setup >> 2) % 64;
  std::string_view protocol = (setup & 1) ? "umbrella" : "";
  EchoListener listener;
  ws::SessionConfig config;
  config.max_message_bytes = 4096;
  config.mask_source = [] { return ws::MaskKey{9, 8, 7, 6}; };
  Instant now = Instant{} + seconds(1000);
  ws::Client client("sfu2.example:8081", "/wsb", listener, config, now, protocol);
  check(client.has_output() && client.next_deadline() == now + ws::Client::kHandshakeTimeout);
  std::string request = client.take_output();
  check(request.starts_with("GET /wsb HTTP/1.1\r\n"));
  std::string accept = ws::accept_key(key_of(request));

  std::string stream(as_string_view(in.rest()));
  for (size_t at = stream.find("{accept}"); at != std::string::npos; at = stream.find("{accept}", at))
    stream.replace(at, 8, accept);

  size_t fed = 0;
  bool was_failed = false;
  while (fed < stream.size()) {
    size_t n = std::min(step, stream.size() - fed);
    bool had_session = client.session() != nullptr;
    client.on_bytes(as_bytes(std::string_view(stream).substr(fed, n)), now);
    fed += n;
    if (was_failed) check(!client.session() && client.should_close());
    if (!client.error().empty()) {
      was_failed = true;
      check(!client.session() && client.should_close() && client.next_deadline() == kNever);
    }
    if (client.session()) {
      check(client.error().empty() && listener.opened == 1);
      if (!had_session) check(stream.starts_with("HTTP/1.1 101"));
    } else {
      // Without a session, everything so far is response head: bounded.
      check(was_failed || fed < ws::kMaxHandshakeResponseBytes);
    }
    (void)client.take_output();
    if (setup & 2) {
      now += milliseconds(700);
      if (now >= client.next_deadline()) client.on_timeout(now);
    }
  }
  if (!client.error().empty()) was_failed = true;  // the last piece's timeout may have failed it
  if (!client.session() && !was_failed) {
    Instant deadline = client.next_deadline();
    check(deadline != kNever);
    client.on_timeout(deadline);
    check(client.should_close() && !client.error().empty());
  }
  client.on_transport_closed();
  check(client.should_close());
  return 0;
}
