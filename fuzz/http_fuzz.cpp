// Feeds arbitrary bytes to an HttpConnection, split at a data-derived point. Upgrades to
// "echo" switch to a stub stream so the hand-over of the bytes after the request is exercised
// (the harness links http only; WebSocket has its own harness).
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "fuzz_target.hpp"
#include "http/connection.hpp"

namespace {

using namespace umbrella;

struct EchoStream : http::UpgradedStream {
  std::string out;
  bool closed = false;
  void on_bytes(Bytes data, Instant) override {
    out.append(reinterpret_cast<const char*>(data.data()), data.size());
    if (out.size() > 4096) closed = true;
  }
  std::string take_output() override { return std::exchange(out, std::string()); }
  bool has_output() const override { return !out.empty(); }
  Instant next_deadline() const override { return kNever; }
  void on_timeout(Instant) override {}
  bool should_close() const override { return closed; }
};

struct FuzzHandler : http::Handler {
  http::Response handle(const http::Request& r) override {
    (void)r.query_param("a");
    (void)r.has_token("connection", "close");
    (void)http::client_address(r, SocketAddress::parse_ip("127.0.0.1"));  // X-Forwarded-For
    return http::Response::text(200, r.body);
  }
  std::optional<http::UpgradeResult> upgrade(const http::Request& r, Instant now) override {
    (void)now;
    if (!r.has_token("upgrade", "echo")) return std::nullopt;
    http::UpgradeResult result;
    result.response.status = 101;
    result.response.headers.emplace_back("Upgrade", "echo");
    result.stream = std::make_unique<EchoStream>();
    return result;
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
  http::HttpConnection conn(handler, cfg, now, *SocketAddress::parse("127.0.0.1:4000"));
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
