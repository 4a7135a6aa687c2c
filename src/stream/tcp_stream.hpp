// One TCP connection on the event loop, plain or under TLS, for every stream the server has:
// accepted HTTP(S)/WebSocket connections and the trunk links it dials. It owns the socket,
// its epoll registration and the TLS session; hands received plaintext to its Owner; and
// queues output in a bounded OutputQueue. Back pressure: while more than high_water bytes
// wait to be sent it reads nothing (and the owner's unused input waits), resuming below
// low_water; a peer that takes none of the waiting output for stall_timeout is closed, and
// a write onto more than max_output waiting bytes closes it at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "core/socket_address.hpp"
#include "stream/output_queue.hpp"
#include "tls/session.hpp"

namespace umbrella::stream {

class TcpStream {
 public:
  struct Limits {
    size_t high_water = 256 * 1024;
    size_t low_water = 64 * 1024;
    size_t max_output = 1024 * 1024;
    Duration stall_timeout = seconds(30);
  };

  enum class End {
    kOpen,           // not ended
    kDone,           // close_when_sent() and everything was sent
    kConnectFailed,  // outbound connect failed: sys_error()
    kLost,           // the socket failed or the peer reset it: sys_error() (0: hung up)
    kTlsFailed,      // handshake or record error: describe() says which
    kStalled,        // output waited stall_timeout without the peer taking any
    kOverflow,       // a write found more than max_output bytes waiting
  };

  // Callbacks run from the event loop only (never from inside a call the owner makes), and
  // the owner may destroy the stream in any of them.
  class Owner {
   public:
    virtual ~Owner() = default;
    // Outbound only: the TCP connection is up.
    virtual void on_stream_connected(TcpStream& stream) { (void)stream; }
    // Plaintext from the peer. Returns the bytes used; the stream keeps the rest, reads
    // nothing new, and offers it again once its output is below low_water. Use at least one
    // byte when output is below low_water, or the rest waits for the next event.
    virtual size_t on_stream_data(TcpStream& stream, Bytes data) = 0;
    // The peer sends nothing more (FIN or TLS close_notify); output still goes out.
    virtual void on_stream_eof(TcpStream& stream) = 0;
    // The stream ended (end(), describe()) and its socket is closed. The last callback.
    virtual void on_stream_closed(TcpStream& stream) = 0;
  };

  // Takes a connected, non-blocking socket. tls: its session (a server one for accepted
  // sockets), or none for plain TCP.
  TcpStream(EventLoop& loop, Owner& owner, int fd, SocketAddress peer, std::optional<tls::TlsSession> tls,
            Limits limits);
  // Starts a non-blocking connect; on_stream_connected or on_stream_closed (kConnectFailed)
  // follows. A failure to even start is returned as an errno value.
  static Result<std::unique_ptr<TcpStream>, int> connect(EventLoop& loop, Owner& owner, SocketAddress peer,
                                                          std::optional<tls::TlsSession> tls, Limits limits);
  ~TcpStream();  // closes the socket; no callback
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  // Queues plaintext (encrypted first under TLS). Errors are kept and reported by flush()
  // or, inside a callback, by on_stream_closed afterwards.
  void write(Bytes plaintext);
  void write(std::string&& plaintext);
  // Sends what the socket takes now. False: the stream has ended and its socket is closed
  // (end(), describe()); no callback follows. Inside a callback it only reports errors:
  // the stream flushes itself when the callback returns.
  bool flush();
  // Ends the stream once all output is sent (reading goes on, to a kernel-bounded depth).
  void close_when_sent();

  End end() const { return end_; }
  // Why the stream ended, e.g. "connection reset by peer", for log lines.
  std::string describe() const;
  int sys_error() const { return sys_error_; }
  const SocketAddress& peer() const { return peer_; }
  const tls::TlsSession* tls() const { return tls_ ? &*tls_ : nullptr; }
  size_t output_bytes() const { return output_.size(); }
  size_t held_input_bytes() const { return held_.size() - held_used_; }
  bool reading() const;  // EPOLLIN wanted: not paused, no held input, no EOF
  bool connecting() const { return connecting_; }

 private:
  struct CallbackScope;
  TcpStream(EventLoop& loop, Owner& owner, SocketAddress peer, std::optional<tls::TlsSession> tls, Limits limits);
  void watch();
  void on_io(uint32_t events);
  void on_connect_done(const CallbackScope& scope);
  // Reads (bounded) and hands plaintext to the owner. False: ended or destroyed.
  bool read_input(const CallbackScope& scope);
  // Sends, re-offers held input while output is low, closes when done, updates interest.
  void settle(const CallbackScope& scope);
  // Moves TLS records to the queue and sends. False: an error ended the stream (fd closed).
  bool send_output();
  void update_pause();
  void update_interest();
  void arm_stall_timer();
  void on_stall_timer();
  // Sets end_, closes the socket. Owners learn of it through flush() or on_stream_closed.
  void shut(End why, int sys_error = 0);
  void end_and_report(End why, int sys_error, const CallbackScope& scope);
  void queue_tls_output();

  EventLoop& loop_;
  Owner& owner_;
  int fd_ = -1;
  SocketAddress peer_;
  std::optional<tls::TlsSession> tls_;
  Limits limits_;
  OutputQueue output_;
  std::string held_;      // plaintext the owner has not used yet
  size_t held_used_ = 0;  // bytes of held_ already used
  uint32_t events_ = 0;   // current epoll interest
  bool connecting_ = false;
  bool eof_ = false;
  bool eof_reported_ = false;
  bool closing_ = false;  // close_when_sent()
  bool paused_ = false;   // output above high_water, not yet below low_water
  bool stuck_ = false;    // the owner used none of the held input last time
  End end_ = End::kOpen;
  End pending_end_ = End::kOpen;  // an error found in write(), reported at the next flush
  int sys_error_ = 0;
  size_t unsent_at_end_ = 0;
  std::string tls_error_;
  Instant last_progress_{};  // output began waiting, or the peer last took some
  EventLoop::TimerId stall_timer_ = 0;
  std::shared_ptr<const char> alive_;  // expires with the stream (see CallbackScope)
  int in_callback_ = 0;
};

}  // namespace umbrella::stream
