// The HTTPS server's TLS settings: one per process, shared by every TlsSession it accepts.
#pragma once

#include <memory>
#include <string>

#include <mbedtls/ssl.h>

#include "core/result.hpp"
#include "tls/certificate.hpp"

namespace umbrella::tls {

// TLS 1.2 (the newest mbedTLS 2.28 speaks), ECDHE with AES-GCM or ChaCha20-Poly1305
// only, ALPN "http/1.1", no renegotiation, no client certificates. Movable; the
// mbedtls_ssl_config and the Certificate stay at fixed addresses, and must outlive
// every session made from them.
class TlsServerConfig {
 public:
  static Result<TlsServerConfig, std::string> create(Certificate certificate);

  TlsServerConfig(TlsServerConfig&&) noexcept;
  TlsServerConfig& operator=(TlsServerConfig&&) noexcept;
  ~TlsServerConfig();

  mbedtls_ssl_config* get() const;
  const Certificate& certificate() const;

 private:
  struct State;
  explicit TlsServerConfig(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The cipher suites both configs allow, 0-terminated, strongest first.
const int* modern_ciphersuites();

}  // namespace umbrella::tls
