#include "tls/session.hpp"

#include <cstring>

#include <mbedtls/ssl.h>

#include "tls/certificate.hpp"
#include "tls/mbedtls_error.hpp"
#include "tls/peer_verify.hpp"

namespace umbrella::tls {

namespace {
constexpr size_t kMaxPendingPlaintext = 1 << 20;
// An idle session keeps no big buffers of its own besides mbedTLS's record buffers.
constexpr size_t kKeepInputCapacity = 4096;
}  // namespace

struct TlsSession::Impl {
  Impl() { mbedtls_ssl_init(&ssl); }
  ~Impl() { mbedtls_ssl_free(&ssl); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  mbedtls_ssl_context ssl;
  bool server = false;
  std::string in;        // ciphertext fed, not yet consumed by mbedTLS
  size_t in_pos = 0;
  std::string out;       // ciphertext produced, not yet taken
  std::string pending;   // plaintext written before the handshake completed
  bool handshake_done = false;
  bool failed = false;
  bool closed = false;
  bool peer_closed = false;
  std::string error;
  int first_byte = -1;    // of the peer's stream, to recognise plain HTTP on a TLS port
  PeerVerifier verifier;  // client only

  static int bio_send(void* ctx, const unsigned char* buf, size_t len) {
    static_cast<Impl*>(ctx)->out.append(reinterpret_cast<const char*>(buf), len);
    return int(len);
  }

  static int bio_recv(void* ctx, unsigned char* buf, size_t len) {
    auto* self = static_cast<Impl*>(ctx);
    size_t avail = self->in.size() - self->in_pos;
    if (avail == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    size_t n = len < avail ? len : avail;
    std::memcpy(buf, self->in.data() + self->in_pos, n);
    self->in_pos += n;
    if (self->in_pos == self->in.size()) {
      self->in.clear();
      self->in_pos = 0;
      if (self->in.capacity() > kKeepInputCapacity) std::string().swap(self->in);
    }
    return int(n);
  }

  void fail(std::string message) {
    if (failed) return;
    failed = true;
    error = std::move(message);
    pending.clear();
  }

  void fail_mbedtls(int ret, const char* during) {
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
      int desc = ssl.in_msg ? ssl.in_msg[1] : -1;
      fail("peer sent fatal alert " + std::to_string(desc) + " (" + alert_name(desc) + ")");
    } else if (server && !handshake_done && first_byte >= 'A' && first_byte <= 'Z') {
      fail("TLS handshake failed: the client spoke plain HTTP (or another text protocol)");
    } else if (!server && (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || verifier.pin_mismatch)) {
      fail(verifier.failure_text(mbedtls_ssl_get_verify_result(&ssl)));
    } else {
      fail(std::string(during) + ": " + mbedtls_error_text(ret));
    }
  }

  // Returns true once the handshake is complete.
  bool drive_handshake() {
    if (handshake_done) return true;
    if (failed) return false;
    int ret = mbedtls_ssl_handshake(&ssl);
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) return false;
    if (ret != 0) {
      fail_mbedtls(ret, "TLS handshake failed");
      return false;
    }
    // With VERIFY_OPTIONAL (pins) mbedTLS finishes the handshake whatever the flags
    // say; nothing has been sent in plaintext yet, so refusing now is still safe.
    if (!server && verifier.mode == TlsClientConfig::Mode::pin) {
      uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
      if (flags != 0 || verifier.peer_fingerprint.empty()) {
        mbedtls_ssl_send_alert_message(&ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
        fail(verifier.failure_text(flags));
        return false;
      }
    }
    handshake_done = true;
    if (!pending.empty()) {
      std::string data;
      data.swap(pending);
      write_now(as_bytes(data));
    }
    return true;
  }

  void write_now(Bytes data) {
    // Each mbedtls_ssl_write call emits at most one record; our BIO never blocks.
    while (!data.empty() && !failed) {
      int ret = mbedtls_ssl_write(&ssl, data.data(), data.size());
      if (ret > 0) {
        data = data.subspan(size_t(ret));
      } else if (ret != MBEDTLS_ERR_SSL_WANT_WRITE && ret != MBEDTLS_ERR_SSL_WANT_READ) {
        fail_mbedtls(ret, "TLS write failed");
      } else {
        fail("TLS write made no progress");
      }
    }
  }
};

TlsSession::TlsSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsSession::TlsSession(TlsSession&&) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&&) noexcept = default;
TlsSession::~TlsSession() = default;

TlsSession TlsSession::server(const TlsServerConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->server = true;
  if (int ret = mbedtls_ssl_setup(&impl->ssl, config.get()); ret != 0) {
    impl->fail("TLS session setup failed: " + mbedtls_error_text(ret));
    return TlsSession(std::move(impl));
  }
  mbedtls_ssl_set_bio(&impl->ssl, impl.get(), Impl::bio_send, Impl::bio_recv, nullptr);
  return TlsSession(std::move(impl));
}

TlsSession TlsSession::client(const TlsClientConfig& config, std::string_view host) {
  auto impl = std::make_unique<Impl>();
  if (int ret = mbedtls_ssl_setup(&impl->ssl, config.get()); ret != 0) {
    impl->fail("TLS session setup failed: " + mbedtls_error_text(ret));
    return TlsSession(std::move(impl));
  }
  mbedtls_ssl_set_bio(&impl->ssl, impl.get(), Impl::bio_send, Impl::bio_recv, nullptr);
  bool send_sni = impl->verifier.init(config, host);
  if (config.mode() == TlsClientConfig::Mode::ca && host.empty()) {
    // Without a name mbedTLS would accept any certificate the CAs signed.
    impl->fail("TLS client needs the server's host name to verify its certificate");
    return TlsSession(std::move(impl));
  }
  if (send_sni) {
    if (int ret = mbedtls_ssl_set_hostname(&impl->ssl, impl->verifier.host.c_str()); ret != 0) {
      impl->fail("bad TLS host name '" + impl->verifier.host + "': " + mbedtls_error_text(ret));
      return TlsSession(std::move(impl));
    }
  }
  mbedtls_ssl_set_verify(&impl->ssl, PeerVerifier::callback, &impl->verifier);
  impl->drive_handshake();  // produces the ClientHello
  return TlsSession(std::move(impl));
}

void TlsSession::feed(Bytes ciphertext) {
  if (impl_->failed || ciphertext.empty()) return;
  Impl& s = *impl_;
  if (s.first_byte < 0) s.first_byte = ciphertext[0];
  if (s.in_pos > 0) {  // drop what mbedTLS already consumed before growing
    s.in.erase(0, s.in_pos);
    s.in_pos = 0;
  }
  s.in.append(reinterpret_cast<const char*>(ciphertext.data()), ciphertext.size());
}

Result<size_t, std::string> TlsSession::read(MutableBytes out) {
  Impl& s = *impl_;
  if (s.failed) return Err{s.error};
  if (!s.drive_handshake()) {
    if (s.failed) return Err{s.error};
    return size_t(0);
  }
  if (s.peer_closed || out.empty()) return size_t(0);
  // A zero-length record yields 0 with input left; a few retries skip those
  // (mbedTLS itself refuses a run of them) without ever spinning.
  for (int attempt = 0; attempt < 4; ++attempt) {
    int ret = mbedtls_ssl_read(&s.ssl, out.data(), out.size());
    if (ret > 0) return size_t(ret);
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) return size_t(0);
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      s.peer_closed = true;
      return size_t(0);
    }
    if (ret < 0) {
      s.fail_mbedtls(ret, "TLS read failed");
      return Err{s.error};
    }
    if (s.in_pos == s.in.size()) break;
  }
  return size_t(0);
}

Result<size_t, std::string> TlsSession::read_all(std::string& out) {
  size_t total = 0;
  uint8_t buf[4096];
  while (true) {
    auto n = read(buf);
    if (!n) return n;
    if (*n == 0) return total;
    out.append(reinterpret_cast<const char*>(buf), *n);
    total += *n;
  }
}

Result<size_t, std::string> TlsSession::write(Bytes plaintext) {
  Impl& s = *impl_;
  if (s.failed) return Err{s.error};
  if (s.closed) return Err{std::string("TLS session closed")};
  if (!s.handshake_done) {
    if (s.pending.size() + plaintext.size() > kMaxPendingPlaintext)
      return Err{std::string("too much data written before the TLS handshake completed")};
    s.pending.append(reinterpret_cast<const char*>(plaintext.data()), plaintext.size());
    return plaintext.size();
  }
  s.write_now(plaintext);
  if (s.failed) return Err{s.error};
  return plaintext.size();
}

std::string TlsSession::take_output() {
  std::string out;
  out.swap(impl_->out);
  return out;
}

bool TlsSession::has_output() const { return !impl_->out.empty(); }

void TlsSession::close() {
  Impl& s = *impl_;
  if (s.closed) return;
  s.closed = true;
  if (s.handshake_done && !s.failed) mbedtls_ssl_close_notify(&s.ssl);
}

bool TlsSession::handshake_complete() const { return impl_->handshake_done; }
bool TlsSession::failed() const { return impl_->failed; }
const std::string& TlsSession::error() const { return impl_->error; }
bool TlsSession::peer_closed() const { return impl_->peer_closed; }
bool TlsSession::is_server() const { return impl_->server; }

std::string TlsSession::alpn_protocol() const {
  const char* p = mbedtls_ssl_get_alpn_protocol(&impl_->ssl);
  return p ? p : "";
}

std::string TlsSession::ciphersuite() const {
  if (!impl_->handshake_done) return "";
  const char* p = mbedtls_ssl_get_ciphersuite(&impl_->ssl);
  return p ? p : "";
}

std::span<const uint8_t> TlsSession::peer_certificate_der() const {
  const mbedtls_x509_crt* crt = mbedtls_ssl_get_peer_cert(&impl_->ssl);
  if (!crt || !crt->raw.p) return {};
  return {crt->raw.p, crt->raw.len};
}

std::string TlsSession::peer_fingerprint_sha256() const {
  auto der = peer_certificate_der();
  return der.empty() ? std::string() : fingerprint_sha256(der);
}

}  // namespace umbrella::tls
