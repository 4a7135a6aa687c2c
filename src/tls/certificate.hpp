// An X.509 certificate chain and its private key, as mbedTLS objects.
// Used by the HTTPS server (TlsServerConfig), the wss:// trunk client and DTLS.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "core/result.hpp"

namespace umbrella::tls {

// Owns an mbedtls_x509_crt chain (leaf first) and the leaf's mbedtls_pk_context
// private key. One owner, movable, not copyable. The mbedTLS objects live on the
// heap, so chain() and key() stay valid when the Certificate is moved (an
// mbedtls_ssl_config keeps those pointers).
class Certificate {
 public:
  // Reads PEM files; errors read "cannot read <path>: <strerror>" or name the
  // file whose content mbedTLS rejected.
  static Result<Certificate, std::string> load_pem_files(const std::string& cert_path,
                                                         const std::string& key_path);
  // cert_pem may hold several certificates (leaf first). The key must match the leaf.
  static Result<Certificate, std::string> from_pem(std::string_view cert_pem, std::string_view key_pem);
  // ECDSA P-256, self-signed, SANs for the DNS names and IP addresses (textual
  // IPv4/IPv6), random serial, valid from one day ago for validity_days.
  static Result<Certificate, std::string> generate_self_signed(std::string_view common_name,
                                                               const std::vector<std::string>& dns_names,
                                                               const std::vector<std::string>& ip_addresses,
                                                               int validity_days);
  // An ECDSA P-256 CA certificate (basicConstraints CA:TRUE, keyCertSign) for a local CA.
  static Result<Certificate, std::string> generate_ca(std::string_view common_name, int validity_days);
  // An ECDSA P-256 server certificate (EKU serverAuth+clientAuth) signed by `issuer`.
  static Result<Certificate, std::string> generate_signed_by(const Certificate& issuer,
                                                             std::string_view common_name,
                                                             const std::vector<std::string>& dns_names,
                                                             const std::vector<std::string>& ip_addresses,
                                                             int validity_days);

  Certificate(Certificate&&) noexcept;
  Certificate& operator=(Certificate&&) noexcept;
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;
  ~Certificate();

  // Writes both files (via a temporary and rename); the key file gets mode 0600.
  Result<bool, std::string> save_pem_files(const std::string& cert_path, const std::string& key_path) const;
  std::string cert_pem() const;  // whole chain, leaf first
  std::string key_pem() const;
  // "AB:CD:..." upper-case colon-separated hex SHA-256 of the leaf's DER, as SDP a=fingerprint uses.
  std::string fingerprint_sha256() const;
  std::span<const uint8_t> leaf_der() const;

  mbedtls_x509_crt* chain();
  mbedtls_pk_context* key();
  const mbedtls_x509_crt* chain() const;
  const mbedtls_pk_context* key() const;

 private:
  struct CrtDeleter { void operator()(mbedtls_x509_crt*) const; };
  struct PkDeleter { void operator()(mbedtls_pk_context*) const; };
  Certificate(std::unique_ptr<mbedtls_x509_crt, CrtDeleter> crt, std::unique_ptr<mbedtls_pk_context, PkDeleter> pk);

  std::unique_ptr<mbedtls_x509_crt, CrtDeleter> crt_;
  std::unique_ptr<mbedtls_pk_context, PkDeleter> pk_;
};

// Fingerprint of a DER certificate (for checking a peer's certificate against SDP or a pin).
std::string fingerprint_sha256(std::span<const uint8_t> der);

// One certificate's DER as a "-----BEGIN CERTIFICATE-----" PEM block.
std::string certificate_der_to_pem(std::span<const uint8_t> der);

// Compares two "AB:CD:.." fingerprints ignoring case and separators (':' or none).
bool fingerprint_equal(std::string_view a, std::string_view b);

}  // namespace umbrella::tls
