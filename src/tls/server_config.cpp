#include "tls/server_config.hpp"

#include "tls/mbedtls_error.hpp"
#include "tls/random.hpp"

namespace umbrella::tls {

const int* modern_ciphersuites() {
  static const int suites[] = {
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
      MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
      0,
  };
  return suites;
}

struct TlsServerConfig::State {
  explicit State(Certificate c) : cert(std::move(c)) { mbedtls_ssl_config_init(&conf); }
  ~State() { mbedtls_ssl_config_free(&conf); }
  Certificate cert;
  mbedtls_ssl_config conf;
};

namespace {
// mbedTLS keeps this pointer; it must live as long as any config.
const char* server_alpn[] = {"http/1.1", nullptr};
}  // namespace

TlsServerConfig::TlsServerConfig(std::unique_ptr<State> state) : state_(std::move(state)) {}
TlsServerConfig::TlsServerConfig(TlsServerConfig&&) noexcept = default;
TlsServerConfig& TlsServerConfig::operator=(TlsServerConfig&&) noexcept = default;
TlsServerConfig::~TlsServerConfig() = default;

Result<TlsServerConfig, std::string> TlsServerConfig::create(Certificate certificate) {
  auto state = std::make_unique<State>(std::move(certificate));
  mbedtls_ssl_config* conf = &state->conf;
  int ret = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0) return Err{"TLS server config: " + mbedtls_error_text(ret)};
  mbedtls_ssl_conf_rng(conf, Random::mbedtls_rng, Random::instance().ctx());
  mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(conf, modern_ciphersuites());
  mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
  mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
  ret = mbedtls_ssl_conf_alpn_protocols(conf, server_alpn);
  if (ret != 0) return Err{"TLS server ALPN: " + mbedtls_error_text(ret)};
  // TLS 1.2 sends the whole chain in one Certificate message, and mbedTLS in one record: a
  // chain longer than the build's output buffer would fail every handshake, quietly.
  size_t message = 4 + 3;
  for (const mbedtls_x509_crt* c = state->cert.chain(); c && c->raw.len; c = c->next) message += 3 + c->raw.len;
  if (message > MBEDTLS_SSL_OUT_CONTENT_LEN)
    return Err{"the certificate chain is " + std::to_string(message) + " bytes, more than the " +
               std::to_string(MBEDTLS_SSL_OUT_CONTENT_LEN) +
               " this build sends in one TLS record: leave the root CA out of the certificate file, or use an "
               "ECDSA key"};
  ret = mbedtls_ssl_conf_own_cert(conf, state->cert.chain(), state->cert.key());
  if (ret != 0) return Err{"TLS server certificate: " + mbedtls_error_text(ret)};
  return TlsServerConfig(std::move(state));
}

mbedtls_ssl_config* TlsServerConfig::get() const { return &state_->conf; }
const Certificate& TlsServerConfig::certificate() const { return state_->cert; }

}  // namespace umbrella::tls
