// Feeds arbitrary bytes to an HttpConnection (with a handler that accepts WebSocket upgrades,
// so frames after a handshake reach the Session too), split at a data-derived point.
#include <optional>
#include <string>

#include "fuzz_target.hpp"
#include "http/connection.hpp"
#include "ws/accept.hpp"

namespace {

using namespace umbrella;

struct NullListener : ws::Listener {
  void on_message(ws::Session& s, ws::MessageType type, Bytes payload) override {
    if (type == ws::MessageType::kText) s.send_text(as_string_view(payload));
  }
};

struct FuzzHandler : http::Handler {
  NullListener listener;
  http::Response handle(const http::Request& r) override {
    (void)r.query_param("a");
    (void)r.has_token("connection", "close");
    return http::Response::text(200, r.body);
  }
  std::optional<http::UpgradeResult> upgrade(const http::Request& r, Instant now) override {
    return ws::accept_upgrade(r, listener, ws::SessionConfig{}, now);
  }
};

}  // namespace

UMBRELLA_FUZZ_TARGET(http) {
  if (size == 0) return 0;
  FuzzHandler handler;
  http::ConnectionConfig cfg;
  cfg.limits.max_header_bytes = 1024;
  cfg.limits.max_body_bytes = 4096;
  Instant now = Instant{} + seconds(1000);
  http::HttpConnection conn(handler, cfg, now);
  size_t split = size > 1 ? data[0] % size : 0;
  Bytes all(data + 1, size - 1);
  split = std::min(split, all.size());
  conn.on_bytes(all.first(split), now);
  std::string out = conn.take_output();
  now += seconds(1);
  conn.on_bytes(all.subspan(split), now);
  out += conn.take_output();
  conn.on_timeout(conn.next_deadline() == kNever ? now : conn.next_deadline());
  out += conn.take_output();
  (void)conn.should_close();
  return 0;
}
