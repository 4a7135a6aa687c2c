// Client side of a WebSocket connection (SFU-to-SFU trunk), sans-IO over an already
// connected (TLS) stream: sends the opening handshake, checks the 101, then runs a
// client-role Session. The owner feeds bytes and timers exactly as for a server connection.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "ws/session.hpp"

namespace umbrella::ws {

class Client {
 public:
  // `host` is the Host header value ("sfu2.example:443"), `path` the request target.
  Client(std::string_view host, std::string_view path, Listener& listener, SessionConfig config, Instant now,
         std::string_view protocol = {});

  void on_bytes(Bytes data, Instant now);
  std::string take_output();
  bool has_output() const;
  Instant next_deadline() const;
  void on_timeout(Instant now);
  void on_transport_closed();
  bool should_close() const;

  // Set once the server accepted; null before and after a failed handshake.
  Session* session() const { return session_.get(); }
  // Why the handshake failed (empty otherwise).
  const std::string& error() const { return error_; }

  static constexpr Duration kHandshakeTimeout = seconds(10);

 private:
  void fail(std::string why);

  Listener& listener_;
  SessionConfig config_;
  std::string key_;
  std::string protocol_;
  std::string out_;
  std::string in_;  // response head bytes until the handshake completes
  std::unique_ptr<Session> session_;
  std::string error_;
  Instant handshake_deadline_;
  bool failed_ = false;
};

}  // namespace umbrella::ws
