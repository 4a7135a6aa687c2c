// The HTTP(S)/WebSocket server's I/O: accepts TCP connections on the event loop, each a
// stream::TcpStream (TLS, or plain in cloud mode where a proxy terminates TLS) carrying a sans-IO
// http::HttpConnection. Bounded: at most max_connections in all and max_per_address from
// one address (an IPv6 /64), and each stream's output (see stream::TcpStream).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/event_loop.hpp"
#include "http/connection.hpp"
#include "stream/tcp_listener.hpp"
#include "stream/tcp_stream.hpp"
#include "tls/server_config.hpp"

namespace umbrella::server {

struct HttpServerCounters {
  uint64_t accepted = 0;
  uint64_t refused_too_many = 0;    // over max_connections: closed at once
  uint64_t refused_per_address = 0; // over max_per_address from one address: closed at once
  uint64_t tls_failed = 0;          // handshake or record errors
  uint64_t stalled = 0;             // closed: the peer read nothing of its waiting output for too long
  http::Counters http;              // summed when connections close
};

class HttpServer {
 public:
  struct Limits {
    size_t max_connections = 512;
    size_t max_per_address = 32;  // 0: no per-address bound (cloud: everyone comes through the proxy)
    stream::TcpStream::Limits stream;
    std::vector<http::Header> response_headers;  // on every response (security headers)
  };

  // tls == nullptr: plain HTTP (cloud mode behind a TLS-terminating proxy).
  HttpServer(EventLoop& loop, stream::TcpListener listener, const tls::TlsServerConfig* tls, http::Handler& handler,
             Limits limits);
  ~HttpServer();

  uint16_t port() const { return listener_.port(); }
  size_t connections() const { return connections_.size(); }
  const HttpServerCounters& counters() const { return counters_; }
  http::Counters live_http_counters() const;

  // Something (e.g. a WebSocket message sent by the application) produced output outside an
  // I/O callback: send it soon, from the loop.
  void request_flush();

 private:
  struct Connection final : stream::TcpStream::Owner {
    Connection(HttpServer& s, uint64_t i, SocketAddress key) : server(s), id(i), address_key(key) {}
    size_t on_stream_data(stream::TcpStream& stream, Bytes data) override;
    void on_stream_eof(stream::TcpStream& stream) override;
    void on_stream_closed(stream::TcpStream& stream) override;

    HttpServer& server;
    uint64_t id;
    SocketAddress address_key;  // the peer's address (IPv6: its /64), port 0
    std::unique_ptr<stream::TcpStream> stream;
    std::unique_ptr<http::HttpConnection> http;
    EventLoop::TimerId timer = 0;
  };

  void on_accept();
  void on_timer(uint64_t id);
  // Moves the HTTP connection's output to its stream and re-arms its timer.
  void move_output(Connection& c);
  // move_output, then sends. False when the connection closed (and is gone).
  bool pump(Connection& c);
  void close_connection(uint64_t id);

  EventLoop& loop_;
  stream::TcpListener listener_;
  const tls::TlsServerConfig* tls_;
  http::Handler& handler_;
  Limits limits_;
  http::ConnectionConfig http_config_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::unordered_map<SocketAddress, uint32_t> per_address_;
  HttpServerCounters counters_;
  EventLoop::TimerId flush_timer_ = 0;
};

}  // namespace umbrella::server
