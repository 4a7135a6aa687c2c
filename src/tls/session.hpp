// Sans-IO TLS over a byte stream: ciphertext in via feed(), ciphertext out via
// take_output(), plaintext through read()/write(). No sockets, no threads, no
// clock; every call does a bounded amount of work and returns.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "tls/client_config.hpp"
#include "tls/server_config.hpp"

namespace umbrella::tls {

// One TLS connection. The config it was made from must outlive it. Movable
// (state lives on the heap, where mbedTLS keeps pointers to it).
//
// Typical loop for a socket owner:
//   on readable:  session.feed(bytes); while ((n = session.read(buf)) > 0) handle(buf, n);
//                 send(session.take_output());
//   to send:      session.write(data); send(session.take_output());
//   when failed() or peer_closed(): send(take_output()) (it may hold an alert), then close.
class TlsSession {
 public:
  static TlsSession server(const TlsServerConfig& config);
  // `host` is the name the client connects to: sent as SNI and checked against the
  // certificate (in Mode::ca). An IP literal is checked against iPAddress SANs and
  // not sent as SNI.
  static TlsSession client(const TlsClientConfig& config, std::string_view host);

  TlsSession(TlsSession&&) noexcept;
  TlsSession& operator=(TlsSession&&) noexcept;
  ~TlsSession();

  // Queues ciphertext received from the peer. Nothing is processed until read().
  void feed(Bytes ciphertext);
  // Advances the handshake and decrypts into `out`. Returns the number of plaintext
  // bytes (0: nothing more until more input is fed). Call until it returns 0: a record
  // larger than `out` is handed out over several calls. An error fails the session
  // for good (failed(), error()).
  Result<size_t, std::string> read(MutableBytes out);
  // read() until 0, appending everything to `out`; returns the bytes appended.
  Result<size_t, std::string> read_all(std::string& out);
  // Encrypts `plaintext` into the output. Before the handshake completes the data is
  // held (up to 1 MiB) and sent right after it; a client may so queue its request.
  Result<size_t, std::string> write(Bytes plaintext);
  Result<size_t, std::string> write(std::string_view plaintext) { return write(as_bytes(plaintext)); }
  // Ciphertext to send to the peer, emptied by the call (the ClientHello for a new
  // client session; alerts after a failure).
  std::string take_output();
  bool has_output() const;
  // Sends close_notify (once). Writes are refused afterwards.
  void close();

  bool handshake_complete() const;
  bool failed() const;
  const std::string& error() const;
  bool peer_closed() const;  // the peer sent close_notify
  bool is_server() const;

  std::string alpn_protocol() const;       // "" if none was negotiated
  std::string ciphersuite() const;         // after the handshake
  std::span<const uint8_t> peer_certificate_der() const;  // empty if none
  std::string peer_fingerprint_sha256() const;             // "" if none

  struct Impl;

 private:
  explicit TlsSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace umbrella::tls
