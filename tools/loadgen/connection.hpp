// A TCP connection to the SFU, through the project's TLS session (src/tls) for https://.
// Plaintext in and out; the socket is non-blocking once connected. WHIP/WHEP requests
// (HttpRequest) and /wsb signalling (SignalLink) use it from the event loop.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "server_url.hpp"
#include "tls/client_config.hpp"
#include "tls/session.hpp"

namespace umbrella::loadgen {

class Connection {
 public:
  // Blocking TCP connect (loopback or LAN: quick); the TLS handshake runs as data flows.
  // tls: required when url.tls, must outlive the connection.
  static Result<Connection, std::string> open(const ServerUrl& url, const tls::TlsClientConfig* tls,
                                              int timeout_ms = 5000);
  Connection(Connection&& o) noexcept;
  Connection& operator=(Connection&& o) noexcept;
  ~Connection();

  int fd() const { return fd_; }
  // Queues plaintext (encrypted for TLS) and sends what the socket takes.
  Result<bool, std::string> write(std::string_view plain);
  // Sends queued bytes the socket refused earlier.
  Result<bool, std::string> flush();
  bool wants_write() const { return !pending_.empty(); }
  // Reads what the socket has (non-blocking) and appends the plaintext to `out`. eof: the
  // peer closed (TCP or close_notify).
  Result<bool, std::string> read(std::string& out, bool& eof);

 private:
  Connection() = default;
  int fd_ = -1;
  std::optional<tls::TlsSession> tls_;
  std::string pending_;  // bytes for the socket
};

}  // namespace umbrella::loadgen
