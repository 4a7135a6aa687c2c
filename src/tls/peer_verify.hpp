// Client-side checks of the server's certificate beyond what mbedTLS does by
// itself: certificate pins, and iPAddress SANs (mbedTLS 2.28 matches names only).
// Internal to TlsSession.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <mbedtls/x509_crt.h>

#include "tls/client_config.hpp"

namespace umbrella::tls {

struct PeerVerifier {
  TlsClientConfig::Mode mode = TlsClientConfig::Mode::insecure;
  std::string host;
  std::string pin;              // Mode::pin: expected "AB:CD:.."
  std::string peer_fingerprint; // filled in during the handshake
  bool pin_mismatch = false;     // set by callback() when the pin did not match
  bool host_is_ip = false;
  uint8_t ip[16] = {};
  size_t ip_len = 0;

  // Sets mode/host/pin; returns whether `host` should be passed to mbedtls_ssl_set_hostname
  // (false for IP literals, which are neither valid SNI nor matched by mbedTLS).
  bool init(const TlsClientConfig& config, std::string_view host_name);

  // mbedtls_ssl_set_verify callback (ctx is the PeerVerifier).
  static int callback(void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags);

  // Error text for a failed verification with mbedTLS flags `flags`.
  std::string failure_text(uint32_t flags) const;
};

// "bad_certificate" etc. for a TLS alert description code.
const char* alert_name(int description);

}  // namespace umbrella::tls
