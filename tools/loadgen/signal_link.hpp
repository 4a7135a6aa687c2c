// One simulated browser's /wsb signalling: a WebSocket (src/ws client role) over a Connection
// (TCP, or TLS for https://), carrying one Envelope (src/signal codec) per binary frame.
// Driven by the load generator's loop: on_readable() when the socket has data, service(now)
// on every tick (WebSocket timers, queued output).
#pragma once

#include <memory>
#include <string>

#include "connection.hpp"
#include "core/time.hpp"
#include "umbrella.pb.h"
#include "ws/client.hpp"

namespace umbrella::loadgen {

class SignalLink final : ws::Listener {
 public:
  // Callbacks may send(); they must not destroy the link.
  struct Handler {
    virtual ~Handler() = default;
    virtual void on_signal_open(Instant now) = 0;  // WebSocket up: send Join
    virtual void on_signal(const umbrella_Envelope& env, Instant now) = 0;
    virtual void on_signal_closed(const std::string& why) = 0;  // once; nothing more follows
  };

  // Connects (blocking TCP connect) and sends the upgrade request to <prefix>/wsb.
  static Result<std::unique_ptr<SignalLink>, std::string> open(const ServerUrl& url, const tls::TlsClientConfig* tls,
                                                               Handler& handler, Instant now);
  ~SignalLink() override;

  int fd() const { return conn_.fd(); }
  void on_readable(Instant now);
  void service(Instant now);
  // Encodes and queues one Envelope; false when closed or it does not encode.
  bool send(const umbrella_Envelope& env);
  bool closed() const { return closed_; }

 private:
  SignalLink(Connection conn, const ServerUrl& url, Handler& handler, Instant now);
  void on_open(ws::Session& session) override;
  void on_message(ws::Session& session, ws::MessageType type, Bytes payload) override;
  void on_close(ws::Session& session, uint16_t code, std::string_view reason) override;
  void pump();
  void close(const std::string& why);

  Connection conn_;
  Handler& handler_;
  ws::Client ws_;
  std::unique_ptr<umbrella_Envelope> rx_;  // ~17 KiB: decoded frames land here
  Instant now_;  // of the call being handled, for the callbacks
  bool closed_ = false;
};

}  // namespace umbrella::loadgen
