// One simulated browser's /wsb signalling: a WebSocket (src/ws client role) over a
// stream::TcpStream (TCP, or TLS for https://), carrying one Envelope (src/signal codec) per
// binary frame. What arrives comes from the event loop (the stream's callbacks); service(now)
// runs on every tick for the WebSocket's timers.
#pragma once

#include <memory>
#include <string>

#include "core/event_loop.hpp"
#include "core/time.hpp"
#include "server_url.hpp"
#include "stream/tcp_stream.hpp"
#include "umbrella.pb.h"
#include "ws/client.hpp"

namespace umbrella::loadgen {

class SignalLink final : ws::Listener, stream::TcpStream::Owner {
 public:
  // Callbacks may send(); they must not destroy the link.
  struct Handler {
    virtual ~Handler() = default;
    virtual void on_signal_open(Instant now) = 0;  // WebSocket up: send Join
    virtual void on_signal(const umbrella_Envelope& env, Instant now) = 0;
    virtual void on_signal_closed(const std::string& why) = 0;  // once; nothing more follows
  };

  // Starts connecting and queues the upgrade request to <prefix>/wsb.
  static Result<std::unique_ptr<SignalLink>, std::string> open(EventLoop& loop, const ServerUrl& url,
                                                               const tls::TlsClientConfig* tls, Handler& handler);
  ~SignalLink() override;

  void service(Instant now);
  // Encodes and queues one Envelope; false when closed or it does not encode.
  bool send(const umbrella_Envelope& env);
  bool closed() const { return closed_; }

 private:
  SignalLink(EventLoop& loop, const ServerUrl& url, Handler& handler);
  // ws::Listener
  void on_open(ws::Session& session) override;
  void on_message(ws::Session& session, ws::MessageType type, Bytes payload) override;
  void on_close(ws::Session& session, uint16_t code, std::string_view reason) override;
  // stream::TcpStream::Owner
  size_t on_stream_data(stream::TcpStream& stream, Bytes data) override;
  void on_stream_eof(stream::TcpStream& stream) override;
  void on_stream_closed(stream::TcpStream& stream) override;
  void pump();
  void close(const std::string& why);

  EventLoop& loop_;
  Handler& handler_;
  ws::Client ws_;
  std::unique_ptr<stream::TcpStream> stream_;
  std::unique_ptr<umbrella_Envelope> rx_;  // ~17 KiB: decoded frames land here
  Instant now_;  // of the call being handled, for the callbacks
  bool closed_ = false;
};

}  // namespace umbrella::loadgen
