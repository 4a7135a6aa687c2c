#include "tls/peer_verify.hpp"

#include <arpa/inet.h>
#include <cstring>

#include <mbedtls/asn1.h>

#include "tls/certificate.hpp"

namespace umbrella::tls {

bool PeerVerifier::init(const TlsClientConfig& config, std::string_view host_name) {
  mode = config.mode();
  pin = config.pinned_fingerprint();
  host = std::string(host_name);
  // Accept "[::1]" as written in URLs.
  std::string literal = host;
  if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']') literal = literal.substr(1, literal.size() - 2);
  if (inet_pton(AF_INET, literal.c_str(), ip) == 1) {
    host_is_ip = true;
    ip_len = 4;
  } else if (inet_pton(AF_INET6, literal.c_str(), ip) == 1) {
    host_is_ip = true;
    ip_len = 16;
  }
  return !host_is_ip && !host.empty();
}

int PeerVerifier::callback(void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  auto* self = static_cast<PeerVerifier*>(ctx);
  if (depth != 0) {
    // Only the leaf matters for a pin; intermediates and roots are whatever the peer sent.
    if (self->mode == TlsClientConfig::Mode::pin) *flags = 0;
    return 0;
  }
  self->peer_fingerprint = fingerprint_sha256({crt->raw.p, crt->raw.len});
  if (self->mode == TlsClientConfig::Mode::pin) {
    if (fingerprint_equal(self->peer_fingerprint, self->pin)) {
      *flags = 0;
      return 0;
    }
    // Abort the handshake here (VERIFY_OPTIONAL would otherwise carry on).
    *flags = MBEDTLS_X509_BADCERT_OTHER;
    self->pin_mismatch = true;
    return MBEDTLS_ERR_X509_FATAL_ERROR;
  }
  if (self->mode == TlsClientConfig::Mode::ca && self->host_is_ip) {
    bool matched = false;
    for (const mbedtls_x509_sequence* san = &crt->subject_alt_names; san && san->buf.p; san = san->next) {
      if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && san->buf.len == self->ip_len &&
          std::memcmp(san->buf.p, self->ip, self->ip_len) == 0)
        matched = true;
    }
    if (!matched) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  return 0;
}

std::string PeerVerifier::failure_text(uint32_t flags) const {
  if (mode == TlsClientConfig::Mode::pin)
    return "fingerprint mismatch: expected " + pin + " got " + (peer_fingerprint.empty() ? "none" : peer_fingerprint);
  char info[512];
  int n = mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
  // One reason per line; join them on one line.
  std::string reasons;
  std::string_view text(info, n > 0 ? size_t(n) : 0);
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty()) {
      if (!reasons.empty()) reasons += "; ";
      reasons += line;
    }
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  if (reasons.empty()) reasons = "verification failed";
  return "certificate for " + host + " not trusted: " + reasons;
}

const char* alert_name(int description) {
  switch (description) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown alert";
  }
}

}  // namespace umbrella::tls
