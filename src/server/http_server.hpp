// The HTTP(S)/WebSocket server's I/O: accepts TCP connections on the event loop and moves
// bytes between each socket, its TLS session (absent in cloud mode, where a proxy terminates
// TLS) and its sans-IO http::HttpConnection. Non-blocking throughout; no thread per connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/event_loop.hpp"
#include "http/connection.hpp"
#include "server/tcp_listener.hpp"
#include "tls/server_config.hpp"
#include "tls/session.hpp"

namespace umbrella::server {

struct HttpServerCounters {
  uint64_t accepted = 0;
  uint64_t refused_too_many = 0;   // over max_connections: closed at once
  uint64_t tls_failed = 0;         // handshake or record errors
  http::Counters http;             // summed when connections close
};

class HttpServer {
 public:
  // tls == nullptr: plain HTTP (cloud mode behind a TLS-terminating proxy).
  HttpServer(EventLoop& loop, TcpListener listener, const tls::TlsServerConfig* tls, http::Handler& handler,
             size_t max_connections = 512);
  ~HttpServer();

  uint16_t port() const { return listener_.port(); }
  size_t connections() const { return connections_.size(); }
  const HttpServerCounters& counters() const { return counters_; }
  http::Counters live_http_counters() const;

  // Something (e.g. a WebSocket message sent by the application) produced output outside an
  // I/O callback: send it soon, from the loop.
  void request_flush();

 private:
  struct Connection {
    uint64_t id;
    int fd;
    SocketAddress peer;
    std::optional<tls::TlsSession> tls;
    std::unique_ptr<http::HttpConnection> http;
    std::string pending;  // bytes the socket has not taken yet
    EventLoop::TimerId timer = 0;
    bool want_write = false;
  };

  void on_accept();
  void on_io(uint64_t id, uint32_t events);
  void on_timer(uint64_t id);
  // Moves output through TLS to the socket, re-arms the timer, closes when done. False when closed.
  bool pump(Connection& c);
  void close_connection(uint64_t id);

  EventLoop& loop_;
  TcpListener listener_;
  const tls::TlsServerConfig* tls_;
  http::Handler& handler_;
  size_t max_connections_;
  http::ConnectionConfig http_config_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  HttpServerCounters counters_;
  EventLoop::TimerId flush_timer_ = 0;
};

}  // namespace umbrella::server
