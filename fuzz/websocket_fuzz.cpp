// Feeds arbitrary bytes to WebSocket Sessions (server and client role) in data-derived
// pieces, and to the client-side handshake check.
#include <string>

#include "fuzz_target.hpp"
#include "ws/handshake.hpp"
#include "ws/session.hpp"

namespace {

using namespace umbrella;

struct EchoListener : ws::Listener {
  void on_message(ws::Session& s, ws::MessageType type, Bytes payload) override {
    if (type == ws::MessageType::kText)
      s.send_text(as_string_view(payload));
    else
      s.send_binary(payload);
  }
  void on_pong(ws::Session& s, Bytes) override { s.send_ping(); }
};

void run(ws::Role role, const uint8_t* data, size_t size, size_t step) {
  EchoListener listener;
  ws::SessionConfig cfg;
  cfg.max_message_bytes = 1024;
  cfg.mask_source = [] { return ws::MaskKey{1, 2, 3, 4}; };
  Instant now = Instant{} + seconds(1000);
  ws::Session s(role, &listener, cfg, now);
  for (size_t pos = 0; pos < size; pos += step) {
    s.on_bytes(Bytes(data + pos, std::min(step, size - pos)), now);
    (void)s.take_output();
  }
  now = s.next_deadline() == kNever ? now : s.next_deadline();
  s.on_timeout(now);
  s.close(1000, "fuzz", now);
  (void)s.take_output();
}

}  // namespace

UMBRELLA_FUZZ_TARGET(websocket) {
  if (size == 0) return 0;
  size_t step = 1 + data[0] % 64;
  run(ws::Role::kServer, data + 1, size - 1, step);
  run(ws::Role::kClient, data + 1, size - 1, size);
  (void)ws::validate_server_handshake(Bytes(data + 1, size - 1), "dGhlIHNhbXBsZSBub25jZQ==");
  return 0;
}
