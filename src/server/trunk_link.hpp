// The dialling side of an SFU-to-SFU trunk: keeps one WebSocket (over TLS for wss://) open
// to another SFU's /wsb on the event loop, and reconnects with exponential backoff whenever
// it fails or closes. It moves bytes only; the conference logic (Join, routing) is the
// Listener's. Never blocks: host names resolve on the loop through NameLookup (/etc/hosts,
// mDNS for .local, else the /etc/resolv.conf servers), with no NSS and no getaddrinfo.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "server/name_lookup.hpp"
#include "stream/tcp_stream.hpp"
#include "server/trunk_url.hpp"
#include "tls/client_config.hpp"
#include "ws/client.hpp"

namespace umbrella::server {

class TrunkLink {
 public:
  enum class State { kIdle, kConnecting, kConnected, kRetrying };

  // Callbacks may call send() and close_and_retry(), but must not destroy the TrunkLink.
  struct Listener {
    virtual ~Listener() = default;
    virtual void on_trunk_open(TrunkLink& link) = 0;                  // WebSocket up: send Join now
    virtual void on_trunk_message(TrunkLink& link, Bytes frame) = 0;  // one binary frame
    // Exactly once after each on_trunk_open (also after close_and_retry); a retry follows.
    // Not called for attempts that fail before opening: see state() and last_error().
    virtual void on_trunk_closed(TrunkLink& link, const std::string& reason) = 0;
  };

  // Trust: insecure wins, then pin (leaf SHA-256, "AB:CD:.."), then ca_file (PEM), else the
  // system CA bundle. Ignored for ws://.
  struct Options {
    std::string url;
    std::string ca_file;
    std::string pin;
    bool insecure = false;
  };

  static constexpr Duration kConnectTimeout = seconds(10);  // TCP + TLS + WebSocket handshake
  static constexpr Duration kFirstBackoff = seconds(1);
  static constexpr Duration kMaxBackoff = seconds(30);
  // A connection that stayed open this long resets the backoff to kFirstBackoff.
  static constexpr Duration kStableAfter = seconds(10);
  // Output the socket has not taken beyond this means the peer is stuck: reconnect (as after
  // stream::TcpStream::Limits::stall_timeout without progress).
  static constexpr size_t kMaxPendingBytes = 8 * 1024 * 1024;

  TrunkLink(EventLoop& loop, Options options, Listener& listener);
  ~TrunkLink();  // closes, no callbacks after
  TrunkLink(const TrunkLink&) = delete;
  TrunkLink& operator=(const TrunkLink&) = delete;

  void start();            // connects now; on any failure or close: retries with backoff
  // Binary frame; false when not connected. A socket error found while sending closes the
  // link (on_trunk_closed runs before send returns, unless called from a callback).
  bool send(Bytes frame);
  void close_and_retry(const std::string& reason);  // e.g. the far side refused: log reason, back off

  State state() const { return state_; }
  // Why the latest attempt or connection ended; kept after a later successful reconnect.
  const std::string& last_error() const { return last_error_; }
  const std::string& url() const { return options_.url; }
  uint64_t attempts() const { return attempts_; }
  Duration next_backoff() const { return backoff_; }

 private:
  // The WebSocket's events, forwarded to the link.
  struct WsEvents final : ws::Listener {
    explicit WsEvents(TrunkLink& l) : link(l) {}
    void on_open(ws::Session& session) override;
    void on_message(ws::Session& session, ws::MessageType type, Bytes payload) override;
    void on_close(ws::Session& session, uint16_t code, std::string_view reason) override;
    TrunkLink& link;
  };

  // The connection's events, forwarded to the link.
  struct StreamEvents final : stream::TcpStream::Owner {
    explicit StreamEvents(TrunkLink& l) : link(l) {}
    void on_stream_connected(stream::TcpStream& stream) override;
    size_t on_stream_data(stream::TcpStream& stream, Bytes data) override;
    void on_stream_eof(stream::TcpStream& stream) override;
    void on_stream_closed(stream::TcpStream& stream) override;
    TrunkLink& link;
  };

  void attempt();
  Result<bool, std::string> prepare_tls();
  void connect_to(SocketAddress addr);  // port taken from the URL
  void on_connected();
  void on_ws_timer();
  // Moves WebSocket output to the stream and sends it; re-arms the WebSocket timer.
  void pump();
  std::string stream_failure(const stream::TcpStream& stream);  // advances address_index_ on a failed connect
  // Ends the current connection (deferred while a ws callback runs), logs, schedules a retry.
  void fail(std::string reason);
  void finish_failure();
  void teardown();
  // Runs deferred failures once the outermost I/O handler is done.
  void after_io();

  EventLoop& loop_;
  Options options_;
  Listener& listener_;
  WsEvents ws_events_{*this};
  StreamEvents stream_events_{*this};
  std::optional<TrunkUrl> target_;
  std::unique_ptr<NameLookup> lookup_;  // while the host name resolves
  std::optional<tls::TlsClientConfig> tls_config_;  // outlives the stream's TLS session
  std::unique_ptr<stream::TcpStream> stream_;
  std::unique_ptr<ws::Client> ws_;
  std::string peer_;     // "ip:port" of the current attempt, for messages
  // Which of a name's addresses (A and AAAA) to dial: advances when a connect fails, so every
  // address is tried in turn until one answers, and the one that does is kept.
  size_t address_index_ = 0;
  bool opened_ = false;  // on_trunk_open called for this connection
  Instant opened_at_{};
  int io_depth_ = 0;
  std::optional<std::string> pending_failure_;
  State state_ = State::kIdle;
  std::string last_error_;
  uint64_t attempts_ = 0;
  Duration backoff_ = kFirstBackoff;
  EventLoop::TimerId retry_timer_ = 0;
  EventLoop::TimerId connect_timer_ = 0;
  EventLoop::TimerId ws_timer_ = 0;
};

}  // namespace umbrella::server
