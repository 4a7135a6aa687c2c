// TLS client settings for wss:// trunks to other SFUs.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <mbedtls/ssl.h>

#include "core/result.hpp"

namespace umbrella::tls {

// How a client decides to trust the server's certificate:
//  - ca:       chain to a CA from a bundle (the system's by default) and the
//              host name (or IP literal) must match the certificate's SANs;
//  - pin:      the leaf certificate's SHA-256 must equal the pin (self-signed
//              peers); names and dates are not checked;
//  - insecure: anything goes (tests, or an explicit operator choice).
// Movable; the mbedtls_ssl_config stays at a fixed address and must outlive its sessions.
class TlsClientConfig {
 public:
  enum class Mode { ca, pin, insecure };
  static constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

  static Result<TlsClientConfig, std::string> with_system_ca();
  // A PEM file with one or more CA certificates (e.g. the local CA's ca.crt).
  static Result<TlsClientConfig, std::string> with_ca_file(const std::string& path);
  static Result<TlsClientConfig, std::string> with_ca_pem(std::string_view pem);
  // "AB:CD:..." (case and colons optional), as fingerprint_sha256() prints.
  static Result<TlsClientConfig, std::string> with_pinned_fingerprint(std::string_view sha256);
  static Result<TlsClientConfig, std::string> insecure();

  TlsClientConfig(TlsClientConfig&&) noexcept;
  TlsClientConfig& operator=(TlsClientConfig&&) noexcept;
  ~TlsClientConfig();

  Mode mode() const;
  const std::string& pinned_fingerprint() const;  // normalised "AB:CD:.."; empty unless Mode::pin
  mbedtls_ssl_config* get() const;

 private:
  struct State;
  explicit TlsClientConfig(std::unique_ptr<State> state);
  static Result<TlsClientConfig, std::string> make(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace umbrella::tls
