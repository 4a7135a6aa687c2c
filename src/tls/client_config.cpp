#include "tls/client_config.hpp"

#include <cctype>

#include "tls/certificate.hpp"
#include "tls/file_io.hpp"
#include "tls/mbedtls_error.hpp"
#include "tls/random.hpp"
#include "tls/server_config.hpp"

namespace umbrella::tls {

struct TlsClientConfig::State {
  State() {
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
  }
  ~State() {
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
  }
  Mode mode = Mode::ca;
  std::string pin;
  mbedtls_x509_crt ca;
  mbedtls_ssl_config conf;
};

namespace {
const char* client_alpn[] = {"http/1.1", nullptr};
}  // namespace

TlsClientConfig::TlsClientConfig(std::unique_ptr<State> state) : state_(std::move(state)) {}
TlsClientConfig::TlsClientConfig(TlsClientConfig&&) noexcept = default;
TlsClientConfig& TlsClientConfig::operator=(TlsClientConfig&&) noexcept = default;
TlsClientConfig::~TlsClientConfig() = default;

Result<TlsClientConfig, std::string> TlsClientConfig::make(std::unique_ptr<State> state) {
  mbedtls_ssl_config* conf = &state->conf;
  int ret = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0) return Err{"TLS client config: " + mbedtls_error_text(ret)};
  mbedtls_ssl_conf_rng(conf, Random::mbedtls_rng, Random::instance().ctx());
  mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(conf, modern_ciphersuites());
  mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
  ret = mbedtls_ssl_conf_alpn_protocols(conf, client_alpn);
  if (ret != 0) return Err{"TLS client ALPN: " + mbedtls_error_text(ret)};
  switch (state->mode) {
    case Mode::ca:
      mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
      mbedtls_ssl_conf_ca_chain(conf, &state->ca, nullptr);
      break;
    case Mode::pin:
      // The chain is not checked against CAs; the session's verify callback checks the pin
      // and fails the handshake on a mismatch.
      mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
      break;
    case Mode::insecure:
      mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
      break;
  }
  return TlsClientConfig(std::move(state));
}

Result<TlsClientConfig, std::string> TlsClientConfig::with_system_ca() { return with_ca_file(kSystemCaBundle); }

Result<TlsClientConfig, std::string> TlsClientConfig::with_ca_file(const std::string& path) {
  auto data = read_file(path);
  if (!data) return Err{data.error()};
  auto config = with_ca_pem(*data);
  if (!config) return Err{config.error() + " (" + path + ")"};
  return config;
}

Result<TlsClientConfig, std::string> TlsClientConfig::with_ca_pem(std::string_view pem) {
  auto state = std::make_unique<State>();
  std::string text(pem);
  // mbedTLS takes PEM only NUL-terminated with the NUL counted; anything else is tried as DER.
  bool is_pem = text.find("-----BEGIN CERTIFICATE-----") != std::string::npos;
  int ret = mbedtls_x509_crt_parse(&state->ca, reinterpret_cast<const unsigned char*>(text.c_str()),
                                   text.size() + (is_pem ? 1 : 0));
  // A positive result counts certificates that did not parse; system bundles may hold a few.
  if (ret < 0 || state->ca.raw.p == nullptr)
    return Err{"cannot parse CA certificates: " + mbedtls_error_text(ret)};
  return make(std::move(state));
}

Result<TlsClientConfig, std::string> TlsClientConfig::with_pinned_fingerprint(std::string_view sha256) {
  std::string hex;
  for (char c : sha256) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return Err{"bad certificate fingerprint '" + std::string(sha256) + "'"};
    hex += char(std::toupper(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 64) return Err{"bad certificate fingerprint '" + std::string(sha256) + "': want 32 bytes of hex"};
  auto state = std::make_unique<State>();
  state->mode = Mode::pin;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) state->pin += ':';
    state->pin += hex.substr(i, 2);
  }
  return make(std::move(state));
}

Result<TlsClientConfig, std::string> TlsClientConfig::insecure() {
  auto state = std::make_unique<State>();
  state->mode = Mode::insecure;
  return make(std::move(state));
}

TlsClientConfig::Mode TlsClientConfig::mode() const { return state_->mode; }
const std::string& TlsClientConfig::pinned_fingerprint() const { return state_->pin; }
mbedtls_ssl_config* TlsClientConfig::get() const { return &state_->conf; }

}  // namespace umbrella::tls
