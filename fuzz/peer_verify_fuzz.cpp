// Client-side trunk certificate checks (tls/peer_verify) over arbitrary host names, pins and
// DER certificates: the host literal parsing, the pin comparison and the iPAddress SAN match
// that mbedTLS does not do itself, and the failure text. Invariants: an IP literal is never
// passed on as SNI; the fingerprint recorded is the leaf's; a pin verdict is exactly the
// fingerprint comparison; in CA mode an IP host that matched no SAN is flagged as a mismatch
// and a matching one is never newly flagged; intermediates never fail a pin.
#include <mbedtls/x509_crt.h>

#include <cstring>
#include <string>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "tls/certificate.hpp"
#include "tls/client_config.hpp"
#include "tls/peer_verify.hpp"

using namespace umbrella;
using namespace umbrella::tls;
using umbrella::fuzz::check;

namespace {

// Whether the certificate lists this address as an iPAddress SAN (walking mbedTLS's list).
bool has_ip_san(const mbedtls_x509_crt& crt, const uint8_t* ip, size_t len) {
  for (const mbedtls_x509_sequence* san = &crt.subject_alt_names; san && san->buf.p; san = san->next)
    if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && san->buf.len == len && std::memcmp(san->buf.p, ip, len) == 0)
      return true;
  return false;
}

}  // namespace

UMBRELLA_FUZZ_TARGET(peer_verify) {
  umbrella::fuzz::FuzzInput in(data, size);
  uint8_t mode = in.u8();
  std::string host(in.sized_string());
  std::string pin_text(in.sized_string());
  uint32_t flags_in = in.u32();
  Bytes der = in.rest();

  // CA mode needs some CA to build a config; which one does not matter to the callback.
  static const std::string kCaPem = [] {
    auto cert = Certificate::generate_ca("fuzz-ca", 30);
    return cert ? cert->cert_pem() : std::string();
  }();
  Result<TlsClientConfig, std::string> config = Err{std::string("unset")};
  switch (mode % 3) {
    case 0: config = TlsClientConfig::with_ca_pem(kCaPem); break;
    case 1: config = TlsClientConfig::with_pinned_fingerprint(pin_text); break;
    default: config = TlsClientConfig::insecure(); break;
  }
  if (!config) return 0;  // a pin that is not 32 bytes of hex is refused up front

  PeerVerifier v;
  bool sni = v.init(*config, host);
  check(v.mode == config->mode());
  if (v.host_is_ip) check(!sni && (v.ip_len == 4 || v.ip_len == 16));
  if (sni) check(!host.empty() && !v.host_is_ip);
  (void)tls::alert_name(mode);

  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  if (mbedtls_x509_crt_parse_der(&crt, der.data(), der.size()) == 0) {
    // An intermediate (depth 1) never fails the check; a pin clears what mbedTLS flagged.
    uint32_t flags = flags_in;
    check(PeerVerifier::callback(&v, &crt, 1, &flags) == 0);
    if (v.mode == TlsClientConfig::Mode::pin) check(flags == 0);
    else check(flags == flags_in);

    flags = flags_in & ~uint32_t(MBEDTLS_X509_BADCERT_CN_MISMATCH);
    int rc = PeerVerifier::callback(&v, &crt, 0, &flags);
    check(v.peer_fingerprint == fingerprint_sha256({crt.raw.p, crt.raw.len}));
    if (v.mode == TlsClientConfig::Mode::pin) {
      bool match = fingerprint_equal(v.peer_fingerprint, v.pin);
      check((rc == 0) == match && v.pin_mismatch == !match);
      check(match ? flags == 0 : flags == MBEDTLS_X509_BADCERT_OTHER);
    } else {
      check(rc == 0);
      bool mismatch = flags & MBEDTLS_X509_BADCERT_CN_MISMATCH;
      if (v.mode == TlsClientConfig::Mode::ca && v.host_is_ip) check(mismatch == !has_ip_san(crt, v.ip, v.ip_len));
      else check(!mismatch);
    }
    check(!v.failure_text(flags | MBEDTLS_X509_BADCERT_NOT_TRUSTED).empty());
  }
  mbedtls_x509_crt_free(&crt);
  return 0;
}
