// One HTTP/1.1 server connection, sans-IO: bytes and `now` in, response bytes and the next
// deadline out. Requests are answered in order through a Handler (keep-alive, pipelining);
// malformed, oversized and slow requests get the right error status and a close. An accepted
// upgrade (WebSocket) hands the rest of the connection to an UpgradedStream.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "http/request.hpp"
#include "http/request_parser.hpp"
#include "http/response.hpp"
#include "http/upgraded_stream.hpp"

namespace umbrella::http {

class Handler {
 public:
  virtual ~Handler() = default;
  virtual Response handle(const Request& request) = 0;
  // An Upgrade request (or CONNECT). Return an UpgradeResult to answer it (e.g. from
  // ws::accept_upgrade); nullopt to answer it through handle() instead. Either way the
  // connection closes afterwards unless the result switched protocols.
  virtual std::optional<UpgradeResult> upgrade(const Request& request, Instant now) {
    (void)request; (void)now;
    return std::nullopt;
  }
};

struct ConnectionConfig {
  Limits limits;
  Duration header_timeout = seconds(10);  // first byte of a request -> end of its headers (408)
  Duration body_timeout = seconds(30);    // end of headers -> end of body (408)
  Duration idle_timeout = seconds(60);    // between keep-alive requests (silent close)
  Duration first_request_timeout = seconds(10);  // connection open -> first byte (silent close)
  // Pipelined requests are answered only while less than this much response is waiting:
  // on_bytes() then stops and returns what it used, and the transport offers the rest once
  // its output has drained (a client that sends and never reads cannot grow the server).
  size_t pause_output_bytes = 64 * 1024;
  // Added to every response, the connection's own refusals included (security headers).
  std::vector<Header> response_headers;
};

// Refusals and timeouts; add them up across connections with +=.
struct Counters {
  uint64_t requests = 0;           // handed to the Handler
  uint64_t bad_request = 0;        // 400
  uint64_t uri_too_long = 0;       // 414
  uint64_t body_too_large = 0;     // 413
  uint64_t headers_too_large = 0;  // 431
  uint64_t not_supported = 0;      // 501, 505
  uint64_t header_timeout = 0;     // 408 while reading headers
  uint64_t body_timeout = 0;       // 408 while reading the body
  uint64_t idle_timeout = 0;       // silent close of an idle connection
  uint64_t upgrades = 0;           // switched protocols
  uint64_t upgrades_refused = 0;
  Counters& operator+=(const Counters& o);
};

class HttpConnection {
 public:
  HttpConnection(Handler& handler, const ConnectionConfig& config, Instant now, SocketAddress peer = {});
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Returns the bytes used: all of them, unless pipelined requests wait behind
  // pause_output_bytes of response; offer the rest again after sending take_output().
  size_t on_bytes(Bytes data, Instant now);
  // The peer closed its sending side or the transport failed.
  void on_eof();
  // Bytes to send, in order; empties the buffer.
  std::string take_output();
  bool has_output() const;
  Instant next_deadline() const;
  void on_timeout(Instant now);
  // Close the transport once take_output() has been sent.
  bool should_close() const;

  const Counters& counters() const { return counters_; }
  // The protocol after a successful upgrade (a ws::Session for WebSocket), else null.
  UpgradedStream* upgraded() const { return upgraded_.get(); }

 private:
  void respond(Response r, bool keep_alive, bool head_request);
  void refuse(int status);
  void handle_request(Request&& request, Instant now);
  void handle_upgrade(Request&& request, Bytes rest, Instant now);
  void arm_idle(Instant now, Duration timeout);

  Handler& handler_;
  ConnectionConfig config_;
  std::unique_ptr<RequestParser> parser_;  // released after an upgrade
  SocketAddress peer_;
  std::unique_ptr<UpgradedStream> upgraded_;
  std::string out_;
  Counters counters_;
  Instant idle_deadline_;     // while no request is in progress
  Instant request_started_ = kNever;
  Instant headers_done_at_ = kNever;
  bool closing_ = false;
};

}  // namespace umbrella::http
