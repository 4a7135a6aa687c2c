#include "tls/certificate.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "tls/file_io.hpp"
#include "tls/mbedtls_error.hpp"

namespace umbrella::tls {

std::string certificate_der_to_pem(std::span<const uint8_t> der) {
  std::string out(der.size() * 4 / 3 + der.size() / 48 + 128, '\0');
  size_t olen = 0;
  int ret = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                     der.data(), der.size(), reinterpret_cast<unsigned char*>(out.data()),
                                     out.size(), &olen);
  if (ret != 0) return {};
  out.resize(olen > 0 ? olen - 1 : 0);  // olen counts the terminating NUL
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = char(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void Certificate::CrtDeleter::operator()(mbedtls_x509_crt* c) const {
  mbedtls_x509_crt_free(c);
  delete c;
}
void Certificate::PkDeleter::operator()(mbedtls_pk_context* p) const {
  mbedtls_pk_free(p);
  delete p;
}

Certificate::Certificate(std::unique_ptr<mbedtls_x509_crt, CrtDeleter> crt,
                         std::unique_ptr<mbedtls_pk_context, PkDeleter> pk)
    : crt_(std::move(crt)), pk_(std::move(pk)) {}
Certificate::Certificate(Certificate&&) noexcept = default;
Certificate& Certificate::operator=(Certificate&&) noexcept = default;
Certificate::~Certificate() = default;

Result<Certificate, std::string> Certificate::load_pem_files(const std::string& cert_path,
                                                             const std::string& key_path) {
  auto cert = read_file(cert_path);
  if (!cert) return Err{cert.error()};
  auto key = read_file(key_path);
  if (!key) return Err{key.error()};
  auto c = from_pem(*cert, *key);
  if (!c) return Err{c.error() + " (" + cert_path + ", " + key_path + ")"};
  return std::move(c).value();
}

Result<Certificate, std::string> Certificate::from_pem(std::string_view cert_pem, std::string_view key_pem) {
  std::unique_ptr<mbedtls_x509_crt, CrtDeleter> crt(new mbedtls_x509_crt);
  mbedtls_x509_crt_init(crt.get());
  std::unique_ptr<mbedtls_pk_context, PkDeleter> pk(new mbedtls_pk_context);
  mbedtls_pk_init(pk.get());

  if (cert_pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos)
    return Err{std::string("certificate is not PEM (no BEGIN CERTIFICATE line)")};
  // mbedTLS recognises PEM only in a NUL-terminated buffer whose length counts the NUL.
  std::string cert(cert_pem);
  int ret = mbedtls_x509_crt_parse(crt.get(), reinterpret_cast<const unsigned char*>(cert.c_str()),
                                   cert.size() + 1);
  if (ret < 0) return Err{"cannot parse certificate: " + mbedtls_error_text(ret)};
  if (ret > 0) return Err{"cannot parse " + std::to_string(ret) + " of the certificates in the chain"};

  std::string key(key_pem);
  ret = mbedtls_pk_parse_key(pk.get(), reinterpret_cast<const unsigned char*>(key.c_str()), key.size() + 1,
                             nullptr, 0);
  mbedtls_platform_zeroize(key.data(), key.size());
  if (ret != 0) return Err{"cannot parse private key: " + mbedtls_error_text(ret)};

  ret = mbedtls_pk_check_pair(&crt->pk, pk.get());
  if (ret != 0) return Err{"private key does not match the certificate: " + mbedtls_error_text(ret)};
  return Certificate(std::move(crt), std::move(pk));
}

Result<bool, std::string> Certificate::save_pem_files(const std::string& cert_path,
                                                      const std::string& key_path) const {
  std::string key = key_pem();
  if (key.empty()) return Err{std::string("cannot encode the private key")};
  auto r = write_file(key_path, key, 0600);
  mbedtls_platform_zeroize(key.data(), key.size());
  if (!r) return r;
  return write_file(cert_path, cert_pem(), 0644);
}

std::string Certificate::cert_pem() const {
  std::string out;
  for (const mbedtls_x509_crt* c = crt_.get(); c && c->raw.p; c = c->next)
    out += certificate_der_to_pem({c->raw.p, c->raw.len});
  return out;
}

std::string Certificate::key_pem() const {
  if (!pk_) return {};
  std::string out(16000, '\0');  // ample for RSA-4096
  if (mbedtls_pk_write_key_pem(pk_.get(), reinterpret_cast<unsigned char*>(out.data()), out.size()) != 0)
    return {};
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::span<const uint8_t> Certificate::leaf_der() const {
  if (!crt_) return {};  // moved-from
  return {crt_->raw.p, crt_->raw.len};
}
std::string Certificate::fingerprint_sha256() const { return tls::fingerprint_sha256(leaf_der()); }

mbedtls_x509_crt* Certificate::chain() { return crt_.get(); }
mbedtls_pk_context* Certificate::key() { return pk_.get(); }
const mbedtls_x509_crt* Certificate::chain() const { return crt_.get(); }
const mbedtls_pk_context* Certificate::key() const { return pk_.get(); }

std::string fingerprint_sha256(std::span<const uint8_t> der) {
  unsigned char digest[32];
  mbedtls_sha256_ret(der.data(), der.size(), digest, 0);
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(32 * 3);
  for (unsigned char b : digest) {
    if (!out.empty()) out += ':';
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

bool fingerprint_equal(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (true) {
    while (i < a.size() && (a[i] == ':' || a[i] == ' ')) ++i;
    while (j < b.size() && (b[j] == ':' || b[j] == ' ')) ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    int x = hex_value(a[i++]), y = hex_value(b[j++]);
    if (x < 0 || x != y) return false;
  }
}

}  // namespace umbrella::tls
