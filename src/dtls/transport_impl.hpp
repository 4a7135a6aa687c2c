// Internal to transport.cpp: the mbedTLS objects of one DtlsTransport and the C
// callbacks (bio, timer, verify, key export) that connect them to it.
#pragma once

#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "dtls/client_hello_assembler.hpp"
#include "dtls/epoch_keys.hpp"
#include "dtls/fingerprint.hpp"
#include "dtls/record.hpp"
#include "dtls/retransmit_timer.hpp"
#include "dtls/srtp_keying.hpp"
#include "dtls/transport.hpp"

namespace umbrella::dtls {

struct DtlsTransport::Impl {
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_cookie_ctx cookie;
  RetransmitTimer timer;
  Fingerprint remote_fingerprint;
  std::string verify_failure;  // set by the verify callback

  // The datagram being fed to mbedTLS through the recv callback (read at most once).
  Bytes pending;
  ClientHelloAssembler client_hello;  // mbedTLS cannot take a fragmented ClientHello
  bool has_pending = false;

  std::vector<std::vector<uint8_t>>& out;  // the transport's outgoing queue
  std::vector<Event>& events;              // ... and its events

  SrtpKeyingMaterial material{};
  bool have_material = false;
  KeyBlock key_block{};  // kept for release_session() (AEAD suites only)
  bool have_key_block = false;

  Impl(std::vector<std::vector<uint8_t>>& out_queue, std::vector<Event>& event_queue)
      : out(out_queue), events(event_queue) {
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_cookie_init(&cookie);
  }
  ~Impl() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ssl_cookie_free(&cookie);
    mbedtls_platform_zeroize(material.data(), material.size());
    mbedtls_platform_zeroize(&key_block, sizeof key_block);
  }

  static int send_cb(void* ctx, const unsigned char* buf, size_t len) {
    auto* self = static_cast<Impl*>(ctx);
    self->out.emplace_back(buf, buf + len);
    return int(len);
  }

  // Removes the datagrams queued since `from` that hold nothing but alert records.
  void drop_alerts_after(size_t from) {
    size_t keep = from;
    for (size_t i = from; i < out.size(); ++i) {
      bool only_alerts = !out[i].empty();
      for (Bytes rest(out[i]); !rest.empty() && only_alerts;) {
        ParsedRecord p = parse_record(rest);
        only_alerts = p.error == RecordError::kNone && p.record.type == ContentType::kAlert;
        if (only_alerts) rest = rest.subspan(p.record.bytes.size());
      }
      if (!only_alerts) out[keep++] = std::move(out[i]);
    }
    out.resize(keep);
  }

  static int recv_cb(void* ctx, unsigned char* buf, size_t len) {
    auto* self = static_cast<Impl*>(ctx);
    if (!self->has_pending) return MBEDTLS_ERR_SSL_WANT_READ;
    self->has_pending = false;
    // A datagram larger than mbedTLS's buffer is truncated; its records then fail to
    // parse and are dropped.
    size_t n = std::min(len, self->pending.size());
    std::memcpy(buf, self->pending.data(), n);
    return int(n);
  }

  // Self-signed peers: trust is the SDP fingerprint, not a CA. Clearing the flags for
  // a matching leaf accepts it; a mismatch keeps them set and the handshake aborts.
  static int verify_cb(void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
    auto* self = static_cast<Impl*>(ctx);
    if (depth > 0) {
      *flags = 0;
      return 0;
    }
    if (fingerprint_matches(self->remote_fingerprint, Bytes(crt->raw.p, crt->raw.len))) {
      *flags = 0;
    } else {
      self->verify_failure = "remote certificate fingerprint mismatch: expected " +
                             self->remote_fingerprint.algorithm + " " + self->remote_fingerprint.hex + ", got " +
                             certificate_fingerprint(self->remote_fingerprint.algorithm,
                                                     Bytes(crt->raw.p, crt->raw.len));
      *flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
    }
    return 0;
  }

  // RFC 5705 exporter, computed as soon as mbedTLS has the master secret:
  // PRF(master_secret, "EXTRACTOR-dtls_srtp", client_random + server_random).
  // The key block is kept too when it is an AEAD suite's (no MAC keys), for release_session().
  static int export_keys_cb(void* ctx, const unsigned char* ms, const unsigned char* kb, size_t mac_length,
                            size_t key_length, size_t iv_length, const unsigned char client_random[32],
                            const unsigned char server_random[32], mbedtls_tls_prf_types prf_type) {
    auto* self = static_cast<Impl*>(ctx);
    self->have_key_block = mac_length == 0 && key_length <= 32 && iv_length <= 12;
    if (self->have_key_block) {
      std::memcpy(self->key_block.bytes.data(), kb, 2 * (key_length + iv_length));
      self->key_block.key_length = uint8_t(key_length);
      self->key_block.iv_length = uint8_t(iv_length);
    }
    unsigned char randoms[64];
    std::memcpy(randoms, client_random, 32);
    std::memcpy(randoms + 32, server_random, 32);
    int ret = mbedtls_ssl_tls_prf(prf_type, ms, 48, std::string(kSrtpExporterLabel).c_str(), randoms,
                                  sizeof randoms, self->material.data(), self->material.size());
    self->have_material = ret == 0;
    return ret;
  }
};

}  // namespace umbrella::dtls
