#include "dtls/transport.hpp"

#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/ssl_ciphersuites.h>

#include <algorithm>
#include <limits>
#include <cstdio>
#include <cstring>

#include "core/log.hpp"
#include "dtls/fingerprint.hpp"
#include "dtls/record.hpp"
#include "dtls/record_filter.hpp"
#include "dtls/srtp_keying.hpp"
#include "dtls/transport_impl.hpp"
#include "tls/certificate.hpp"
#include "tls/random.hpp"

namespace umbrella::dtls {
namespace {

// ECDHE only (forward secrecy), AEAD first; ECDSA is what browsers' certificates use.
const int kCipherSuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    0,
};

// mbedTLS keeps a pointer to this list, hence static storage.
// Ours decides, as server (tools/mbedtls-srtp-gcm.patch; Chromium lists GCM last) and as the
// client of another Umbrella: GCM first, one AES-CTR pass with GHASH instead of AES-CTR plus
// HMAC-SHA1; AES-CM for peers without it (aiortc).
const mbedtls_ssl_srtp_profile kSrtpProfiles[] = {
    MBEDTLS_TLS_SRTP_AEAD_AES_128_GCM,
    MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80,
    MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_32,
    MBEDTLS_TLS_SRTP_UNSET,
};

// Application records are read here and copied into an event; one buffer per thread
// instead of 16 KiB per transport.
constexpr size_t kReadBufferSize = 16384;

std::string mbedtls_message(const char* what, int ret) {
  char text[160];
  mbedtls_strerror(ret, text, sizeof text);
  char code[16];
  std::snprintf(code, sizeof code, "-0x%04X", unsigned(-ret));
  return std::string(what) + ": " + text + " (" + code + ")";
}

}  // namespace

Result<std::unique_ptr<DtlsTransport>, std::string> DtlsTransport::create(Role role, tls::Certificate& certificate,
                                                                          std::string_view remote_fingerprint,
                                                                          const DtlsOptions& options) {
  auto fp = parse_fingerprint(remote_fingerprint);
  if (!fp) return Err{std::string("unusable remote fingerprint: ") + std::string(remote_fingerprint)};

  std::unique_ptr<DtlsTransport> t(new DtlsTransport(role, options));
  Impl& m = *t->impl_;
  m.remote_fingerprint = *fp;
  mbedtls_ssl_config* conf = &m.conf;
  bool server = role == Role::kServer;

  int ret = mbedtls_ssl_config_defaults(conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                        MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0) return Err{mbedtls_message("ssl config", ret)};
  mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_rng(conf, tls::Random::mbedtls_rng, tls::Random::instance().ctx());
  mbedtls_ssl_conf_ciphersuites(conf, kCipherSuites);
  ret = mbedtls_ssl_conf_own_cert(conf, certificate.chain(), certificate.key());
  if (ret != 0) return Err{mbedtls_message("own certificate", ret)};
  // Both sides must present a certificate; the verify callback decides by fingerprint.
  // mbedTLS wants some CA chain with VERIFY_REQUIRED; ours does no harm, and the
  // server does not advertise it in CertificateRequest.
  mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(conf, certificate.chain(), nullptr);
  mbedtls_ssl_conf_cert_req_ca_list(conf, MBEDTLS_SSL_CERT_REQ_CA_LIST_DISABLED);
  mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
  mbedtls_ssl_conf_read_timeout(conf, 0);
  mbedtls_ssl_conf_handshake_timeout(conf, uint32_t(options.initial_retransmit.count()),
                                     uint32_t(options.max_retransmit.count()));
  ret = mbedtls_ssl_conf_dtls_srtp_protection_profiles(conf, kSrtpProfiles);
  if (ret != 0) return Err{mbedtls_message("use_srtp profiles", ret)};
  mbedtls_ssl_conf_srtp_mki_value_supported(conf, MBEDTLS_SSL_DTLS_SRTP_MKI_UNSUPPORTED);
  mbedtls_ssl_conf_export_keys_ext_cb(conf, &Impl::export_keys_cb, &m);
#if defined(MBEDTLS_SSL_DTLS_BADMAC_LIMIT)
  // Records failing authentication are discarded either way (RFC 6347 4.1.2.7); a limit that
  // is never reached (badmac_seen is reset after each call) makes mbedTLS count them for us.
  mbedtls_ssl_conf_dtls_badmac_limit(conf, std::numeric_limits<unsigned>::max());
#endif
  if (server) {
    if (options.hello_verify) {
      ret = mbedtls_ssl_cookie_setup(&m.cookie, tls::Random::mbedtls_rng, tls::Random::instance().ctx());
      if (ret != 0) return Err{mbedtls_message("cookie setup", ret)};
      mbedtls_ssl_conf_dtls_cookies(conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check, &m.cookie);
    } else {
      mbedtls_ssl_conf_dtls_cookies(conf, nullptr, nullptr, nullptr);
    }
  }

  ret = mbedtls_ssl_setup(&m.ssl, conf);
  if (ret != 0) return Err{mbedtls_message("ssl setup", ret)};
  mbedtls_ssl_set_bio(&m.ssl, &m, &Impl::send_cb, &Impl::recv_cb, nullptr);
  mbedtls_ssl_set_timer_cb(&m.ssl, &m.timer, &RetransmitTimer::set, &RetransmitTimer::get);
  mbedtls_ssl_set_mtu(&m.ssl, options.mtu);
  mbedtls_ssl_set_verify(&m.ssl, &Impl::verify_cb, &m);
  if (server) {
    const auto* id = reinterpret_cast<const unsigned char*>(options.client_transport_id.data());
    ret = mbedtls_ssl_set_client_transport_id(&m.ssl, id, options.client_transport_id.size());
    if (ret != 0) return Err{mbedtls_message("client transport id", ret)};
  }
  return t;
}

DtlsTransport::DtlsTransport(Role role, const DtlsOptions& options)
    : role_(role), options_(options), impl_(std::make_unique<Impl>(out_, events_)) {}

DtlsTransport::~DtlsTransport() = default;

void DtlsTransport::start(Instant now) {
  if (state_ != State::kNew) return;
  impl_->timer.set_now(now);
  state_ = State::kConnecting;
  if (role_ == Role::kClient) drive_handshake();
}

void DtlsTransport::handle_datagram(Bytes datagram, Instant now) {
  if (state_ == State::kNew && role_ == Role::kServer) start(now);
  if (state_ != State::kConnecting && state_ != State::kConnected) return;
  // An empty read would look like end-of-stream to mbedTLS.
  if (datagram.empty()) return;
  if (released_) return handle_released_datagram(datagram);
  Impl& m = *impl_;
  m.timer.set_now(now);
  bool awaiting_hello = role_ == Role::kServer && state_ == State::kConnecting && m.ssl.state <= MBEDTLS_SSL_CLIENT_HELLO;
  FilterState filter;
  filter.role = role_;
  filter.phase = state_ == State::kConnected ? Phase::kConnected
                 : awaiting_hello            ? Phase::kAwaitingClientHello
                                             : Phase::kHandshake;
  filter.epoch1_readable = m.ssl.in_epoch >= 1;
  filter.hello = role_ == Role::kServer ? &m.client_hello : nullptr;
  // Records are never longer than the datagram; one buffer per thread, grown to the largest seen.
  thread_local std::vector<uint8_t> scratch;
  if (scratch.size() < datagram.size()) scratch.resize(datagram.size());
  datagram = filter_datagram(datagram, filter, scratch, counters_);
  if (datagram.empty()) return;

  if (awaiting_hello) {
    switch (m.client_hello.add(datagram, counters_.hello_fragments_ignored)) {
      case ClientHelloAssembler::Outcome::kBuffered: return;
      case ClientHelloAssembler::Outcome::kComplete: datagram = m.client_hello.assembled(); break;
      case ClientHelloAssembler::Outcome::kPassThrough: break;
    }
  }
  m.pending = datagram;
  m.has_pending = true;
  drive();
  m.has_pending = false;  // never keep a pointer into the caller's buffer
  m.pending = {};
  if (awaiting_hello && state_ == State::kConnecting && m.ssl.state > MBEDTLS_SSL_CLIENT_HELLO) m.client_hello.accept();
}

void DtlsTransport::handle_timeout(Instant now) {
  if (released_) return;
  impl_->timer.set_now(now);
  if (state_ == State::kConnecting && now >= impl_->timer.deadline()) drive();
}

Instant DtlsTransport::next_deadline() const {
  return state_ == State::kConnecting && impl_ ? impl_->timer.deadline() : kNever;
}

void DtlsTransport::drive() {
  if (state_ == State::kConnecting) {
    drive_handshake();
  } else if (state_ == State::kConnected) {
    drive_read();
  }
}

void DtlsTransport::drive_handshake() {
  Impl& m = *impl_;
  // A few passes: when the timer has expired mbedTLS retransmits first and returns
  // WANT_READ without reading the pending datagram; the next pass reads it.
  int discarded = 0;
  for (int pass = 0; pass < 4 && state_ == State::kConnecting; ++pass) {
    size_t out_before = m.out.size();
    int ret = mbedtls_ssl_handshake(&m.ssl);
    collect_bad_mac();
    if (ret == MBEDTLS_ERR_SSL_INVALID_MAC) {
      // Only while waiting for the peer's Finished does mbedTLS make a record that fails
      // authentication fatal (and send bad_record_mac). Anyone can send one: discard it, take
      // back the alert, and keep waiting; mbedTLS's state is untouched by a failed decryption.
      ++counters_.bad_mac;
      m.drop_alerts_after(out_before);
      if (++discarded < 256) --pass;  // not a pass: the rest of the datagram is still to read
      continue;
    }
    if (ret == 0) {
      on_handshake_done();
      if (state_ == State::kConnected && m.has_pending) drive_read();
      return;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (!m.has_pending) return;
      continue;
    }
    if (ret == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
      // HelloVerifyRequest sent; the client answers with a fresh ClientHello.
      restart_server_handshake();
      return;
    }
    if (ret == MBEDTLS_ERR_SSL_TIMEOUT) {
      fail("handshake timed out");
      return;
    }
    // A server that has not yet accepted a ClientHello drops what it could not parse
    // instead of failing: anyone who can reach the port could send that.
    if (role_ == Role::kServer && m.ssl.state <= MBEDTLS_SSL_CLIENT_HELLO && m.verify_failure.empty()) {
      LOG_DEBUG("dtls", mbedtls_message("dropped datagram before ClientHello", ret));
      restart_server_handshake();
      return;
    }
    fail(!m.verify_failure.empty() ? m.verify_failure : mbedtls_message("handshake failed", ret));
    return;
  }
}

void DtlsTransport::restart_server_handshake() {
  Impl& m = *impl_;
  int ret = mbedtls_ssl_session_reset(&m.ssl);
  if (ret == 0) {
    const auto* id = reinterpret_cast<const unsigned char*>(options_.client_transport_id.data());
    ret = mbedtls_ssl_set_client_transport_id(&m.ssl, id, options_.client_transport_id.size());
  }
  mbedtls_ssl_set_mtu(&m.ssl, options_.mtu);
  m.have_material = false;
  if (ret != 0) fail(mbedtls_message("session reset", ret));
}

void DtlsTransport::on_handshake_done() {
  Impl& m = *impl_;
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&m.ssl);
  if (peer == nullptr) return fail("peer sent no certificate");
  // The verify callback already checked; checking again costs one hash and guards
  // against a configuration that skipped verification.
  if (!fingerprint_matches(m.remote_fingerprint, Bytes(peer->raw.p, peer->raw.len))) {
    return fail("remote certificate fingerprint mismatch");
  }

  mbedtls_dtls_srtp_info info;
  mbedtls_ssl_get_dtls_srtp_negotiation_result(&m.ssl, &info);
  srtp::Profile profile;
  switch (info.chosen_dtls_srtp_profile) {
    case MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80: profile = srtp::Profile::kAes128CmSha1_80; break;
    case MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_32: profile = srtp::Profile::kAes128CmSha1_32; break;
    case MBEDTLS_TLS_SRTP_AEAD_AES_128_GCM: profile = srtp::Profile::kAeadAes128Gcm; break;
    default:
      if (options_.require_srtp) return fail("peer did not negotiate use_srtp (SRTP_AES128_CM_HMAC_SHA1_80)");
      profile = srtp::Profile::kAes128CmSha1_80;
      break;
  }
  if (!m.have_material) return fail("no keying material exported");

  srtp::SrtpKeys keys = split_srtp_keying_material(m.material, profile, role_);
  mbedtls_platform_zeroize(m.material.data(), m.material.size());
  m.have_material = false;
  bool srtp_negotiated = info.chosen_dtls_srtp_profile != MBEDTLS_TLS_SRTP_UNSET;
  if (srtp_negotiated) srtp_keys_ = keys;
  state_ = State::kConnected;
  m.client_hello.release();
  LOG_DEBUG("dtls", "connected as ", role_ == Role::kServer ? "server" : "client", ", ", cipher_suite(), ", ",
            srtp_negotiated ? srtp::profile_name(profile) : "no srtp");
  events_.emplace_back(Connected{keys});
}

void DtlsTransport::drive_read() {
  Impl& m = *impl_;
  thread_local std::vector<uint8_t> buffer(kReadBufferSize);
  // Bounded: one datagram holds at most a few records.
  for (int pass = 0; pass < 64 && state_ == State::kConnected; ++pass) {
    int ret = mbedtls_ssl_read(&m.ssl, buffer.data(), buffer.size());
    collect_bad_mac();
    if (ret > 0) {
      events_.emplace_back(ApplicationData{std::vector<uint8_t>(buffer.begin(), buffer.begin() + ret)});
      continue;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_TIMEOUT) {
      if (!m.has_pending) return;
      continue;
    }
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      state_ = State::kClosed;
      events_.emplace_back(Closed{});
      return;
    }
    fail(mbedtls_message("read failed", ret));
    return;
  }
}

void DtlsTransport::collect_bad_mac() {
#if defined(MBEDTLS_SSL_DTLS_BADMAC_LIMIT)
  counters_.bad_mac += impl_->ssl.badmac_seen;
  impl_->ssl.badmac_seen = 0;
#endif
}

void DtlsTransport::fail(std::string reason) {
  if (state_ == State::kFailed || state_ == State::kClosed) return;
  Impl& m = *impl_;
  // Tell the peer, so it does not wait for its retransmission timer to give up.
  int alert = m.verify_failure.empty() ? MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE : MBEDTLS_SSL_ALERT_MSG_BAD_CERT;
  if (reason.find("fingerprint") != std::string::npos) alert = MBEDTLS_SSL_ALERT_MSG_BAD_CERT;
  mbedtls_ssl_send_alert_message(&m.ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, uint8_t(alert));
  LOG_INFO("dtls", "failed: ", reason);
  state_ = State::kFailed;
  m.client_hello.release();
  failure_reason_ = reason;
  srtp_keys_.reset();
  events_.emplace_back(Failed{std::move(reason)});
}

std::optional<std::vector<uint8_t>> DtlsTransport::poll_datagram() {
  if (out_head_ >= out_.size()) {
    out_.clear();
    out_head_ = 0;
    return std::nullopt;
  }
  return std::move(out_[out_head_++]);
}

std::optional<Event> DtlsTransport::poll_event() {
  if (events_head_ >= events_.size()) {
    events_.clear();
    events_head_ = 0;
    return std::nullopt;
  }
  return std::move(events_[events_head_++]);
}

bool DtlsTransport::send_application_data(Bytes data) {
  if (state_ != State::kConnected || !impl_ || data.empty() || data.size() > max_application_data_size()) return false;
  int ret = mbedtls_ssl_write(&impl_->ssl, data.data(), data.size());
  return ret == int(data.size());
}

size_t DtlsTransport::max_application_data_size() const {
  if (!impl_) return 0;
  int n = mbedtls_ssl_get_max_out_record_payload(&impl_->ssl);
  return n > 0 ? size_t(n) : 0;
}

void DtlsTransport::close() {
  if (state_ == State::kConnected && impl_) mbedtls_ssl_close_notify(&impl_->ssl);
  if (state_ == State::kConnected && released_) {
    const uint8_t close_notify[2] = {1, 0};  // warning, close_notify (RFC 5246 7.2.1)
    auto record = released_->seal(ContentType::kAlert, released_out_sequence_++, close_notify);
    if (!record.empty()) out_.push_back(std::move(record));
  }
  if (state_ != State::kFailed) state_ = State::kClosed;
}

std::string DtlsTransport::cipher_suite() const {
  if (!impl_) return released_suite_;
  const char* name = mbedtls_ssl_get_ciphersuite(&impl_->ssl);
  return name ? name : "";
}

bool DtlsTransport::release_session() {
  if (state_ != State::kConnected || !impl_ || !impl_->have_key_block) return false;
  Impl& m = *impl_;
  const mbedtls_ssl_ciphersuite_t* suite =
      m.ssl.session ? mbedtls_ssl_ciphersuite_from_id(m.ssl.session->ciphersuite) : nullptr;
  if (suite == nullptr) return false;
  Aead aead;
  switch (suite->cipher) {
    case MBEDTLS_CIPHER_AES_128_GCM: aead = Aead::kAes128Gcm; break;
    case MBEDTLS_CIPHER_AES_256_GCM: aead = Aead::kAes256Gcm; break;
    case MBEDTLS_CIPHER_CHACHA20_POLY1305: aead = Aead::kChaCha20Poly1305; break;
    default: return false;
  }
  // mbedTLS's next outgoing record: epoch (2 bytes) and sequence (6), epoch 1 after the handshake.
  uint64_t next = load_be64(m.ssl.cur_out_ctr);
  if (next >> 48 != 1) return false;
  auto keys = EpochKeys::create(aead, m.key_block, role_);
  if (!keys) return false;
  released_ = std::move(*keys);
  released_out_sequence_ = next & 0xFFFFFFFFFFFFull;
  released_suite_ = suite->name;  // static storage in mbedTLS's suite table
  impl_.reset();
  return true;
}

// Only authenticated epoch-1 alerts still matter: the same filter as before drops what does not
// frame and everything at epoch 0; what is left is opened with the kept keys.
void DtlsTransport::handle_released_datagram(Bytes datagram) {
  if (state_ != State::kConnected) return;
  FilterState filter;
  filter.role = role_;
  filter.phase = Phase::kConnected;
  filter.epoch1_readable = true;
  thread_local std::vector<uint8_t> scratch;
  if (scratch.size() < datagram.size()) scratch.resize(datagram.size());
  Bytes kept = filter_datagram(datagram, filter, scratch, counters_);
  thread_local std::vector<uint8_t> plaintext;
  if (plaintext.size() < kept.size()) plaintext.resize(kept.size());
  while (!kept.empty() && state_ == State::kConnected) {
    ParsedRecord p = parse_record(kept);
    if (p.error != RecordError::kNone) return;  // the filter passed only framed records
    kept = kept.subspan(p.record.bytes.size());
    auto opened = released_->open(p.record, plaintext);
    if (!opened) {
      ++counters_.bad_mac;
      continue;
    }
    if (p.record.type != ContentType::kAlert) {
      ++counters_.stray_handshake;  // a retransmitted Finished or application data: nothing reads them now
      continue;
    }
    if (opened->size() != 2) {
      ++counters_.invalid_records;
      continue;
    }
    uint8_t level = (*opened)[0], description = (*opened)[1];
    if (description == MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY) {
      state_ = State::kClosed;
      events_.emplace_back(Closed{});
    } else if (level == MBEDTLS_SSL_ALERT_LEVEL_FATAL) {
      state_ = State::kFailed;
      failure_reason_ = "peer sent fatal alert " + std::to_string(description);
      events_.emplace_back(Failed{failure_reason_});
    }
  }
}

}  // namespace umbrella::dtls
