// Certificate generation: ECDSA P-256 keys and X.509 v3 certificates written by
// mbedTLS's x509write. mbedTLS 2.28 has no setters for subjectAltName or
// extendedKeyUsage, so those two extensions are DER-encoded here.
#include <arpa/inet.h>
#include <ctime>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include <cstring>

#include <mbedtls/platform_util.h>

#include "core/bytes.hpp"
#include "tls/certificate.hpp"
#include "tls/mbedtls_error.hpp"
#include "tls/random.hpp"

namespace umbrella::tls {

namespace {

void append_der_length(std::string& out, size_t len) {
  if (len < 0x80) {
    out += char(len);
  } else if (len <= 0xff) {
    out += char(0x81);
    out += char(len);
  } else {
    out += char(0x82);
    out += char(len >> 8);
    out += char(len & 0xff);
  }
}

void append_tlv(std::string& out, uint8_t tag, std::string_view value) {
  out += char(tag);
  append_der_length(out, value.size());
  out += value;
}

// GeneralNames: dNSName is [2] IA5String, iPAddress is [7] OCTET STRING (4 or 16 bytes).
Result<std::string, std::string> encode_subject_alt_names(const std::vector<std::string>& dns_names,
                                                          const std::vector<std::string>& ip_addresses) {
  std::string names;
  for (const auto& dns : dns_names) {
    if (dns.empty() || dns.size() > 253) return Err{"bad DNS name for a certificate: '" + dns + "'"};
    append_tlv(names, 0x82, dns);
  }
  for (const auto& ip : ip_addresses) {
    unsigned char addr[16];
    std::string text = ip.substr(0, ip.find('%'));  // drop an IPv6 zone ("fe80::1%eth0")
    if (inet_pton(AF_INET, text.c_str(), addr) == 1)
      append_tlv(names, 0x87, std::string_view(reinterpret_cast<char*>(addr), 4));
    else if (inet_pton(AF_INET6, text.c_str(), addr) == 1)
      append_tlv(names, 0x87, std::string_view(reinterpret_cast<char*>(addr), 16));
    else
      return Err{"bad IP address for a certificate: '" + ip + "'"};
  }
  std::string seq;
  append_tlv(seq, 0x30, names);
  return seq;
}

// ExtKeyUsageSyntax: SEQUENCE { id-kp-serverAuth, id-kp-clientAuth }.
std::string encode_ext_key_usage() {
  static const char server_auth[] = "\x2b\x06\x01\x05\x05\x07\x03\x01";
  static const char client_auth[] = "\x2b\x06\x01\x05\x05\x07\x03\x02";
  std::string oids;
  append_tlv(oids, 0x06, std::string_view(server_auth, 8));
  append_tlv(oids, 0x06, std::string_view(client_auth, 8));
  std::string seq;
  append_tlv(seq, 0x30, oids);
  return seq;
}

// mbedtls_x509_string_to_names accepts only "\," as an escape.
std::string common_name_dn(std::string_view cn) {
  std::string out = "CN=";
  for (char c : cn) {
    if (c == ',') out += "\\,";
    else if (c == '\\' || static_cast<unsigned char>(c) < 0x20) out += '_';
    else out += c;
  }
  return out;
}

std::string utc_time(time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[16];
  strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm);
  return buf;
}

using PkPtr = std::unique_ptr<mbedtls_pk_context, void (*)(mbedtls_pk_context*)>;

void free_pk(mbedtls_pk_context* p) {
  mbedtls_pk_free(p);
  delete p;
}

Result<PkPtr, std::string> generate_p256_key() {
  PkPtr pk(new mbedtls_pk_context, free_pk);
  mbedtls_pk_init(pk.get());
  int ret = mbedtls_pk_setup(pk.get(), mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (ret == 0)
    ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk), Random::mbedtls_rng,
                              Random::instance().ctx());
  if (ret != 0) return Err{"cannot generate an ECDSA P-256 key: " + mbedtls_error_text(ret)};
  return pk;
}

enum class Kind { self_signed_leaf, ca, signed_leaf };

struct Request {
  Kind kind;
  std::string_view common_name;
  const std::vector<std::string>* dns_names = nullptr;
  const std::vector<std::string>* ip_addresses = nullptr;
  int validity_days = 0;
  const Certificate* issuer = nullptr;  // signed_leaf only
};

// RAII for the writer so every early return frees it.
struct Writer {
  mbedtls_x509write_cert ctx;
  mbedtls_mpi serial;
  Writer() { mbedtls_x509write_crt_init(&ctx); mbedtls_mpi_init(&serial); }
  ~Writer() { mbedtls_x509write_crt_free(&ctx); mbedtls_mpi_free(&serial); }
};

// Returns the DER certificate for `subject_key` as described by `req`.
Result<std::string, std::string> write_certificate(const Request& req, mbedtls_pk_context* subject_key) {
  if (req.validity_days <= 0) return Err{std::string("certificate validity must be at least one day")};
  Writer w;
  mbedtls_x509write_crt_set_version(&w.ctx, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w.ctx, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w.ctx, subject_key);

  auto fail = [](const char* what, int ret) -> Result<std::string, std::string> {
    return Err{std::string("cannot write certificate ") + what + ": " + mbedtls_error_text(ret)};
  };

  unsigned char serial[16];
  Random::instance().fill(serial);
  serial[0] = (serial[0] & 0x7f) | 0x01;  // positive and full length
  if (int ret = mbedtls_mpi_read_binary(&w.serial, serial, sizeof(serial)); ret != 0) return fail("serial", ret);
  if (int ret = mbedtls_x509write_crt_set_serial(&w.ctx, &w.serial); ret != 0) return fail("serial", ret);

  // Valid from a day ago, so a peer whose clock is a little behind accepts it.
  time_t now = time(nullptr);
  std::string not_before = utc_time(now - 86400);
  std::string not_after = utc_time(now + time_t(req.validity_days) * 86400);
  if (int ret = mbedtls_x509write_crt_set_validity(&w.ctx, not_before.c_str(), not_after.c_str()); ret != 0)
    return fail("validity", ret);

  std::string subject = common_name_dn(req.common_name);
  if (int ret = mbedtls_x509write_crt_set_subject_name(&w.ctx, subject.c_str()); ret != 0)
    return fail("subject", ret);

  if (req.kind == Kind::signed_leaf) {
    mbedtls_x509write_crt_set_issuer_key(&w.ctx, const_cast<mbedtls_pk_context*>(req.issuer->key()));
    // Copy the issuer's subject DN as is (re-parsing its text form would be lossy).
    for (const mbedtls_x509_name* n = &req.issuer->chain()->subject; n && n->oid.p; n = n->next) {
      auto* stored = mbedtls_asn1_store_named_data(&w.ctx.issuer, reinterpret_cast<const char*>(n->oid.p),
                                                   n->oid.len, n->val.p, n->val.len);
      if (!stored) return fail("issuer", MBEDTLS_ERR_X509_ALLOC_FAILED);
      stored->val.tag = n->val.tag;
    }
  } else {
    mbedtls_x509write_crt_set_issuer_key(&w.ctx, subject_key);
    if (int ret = mbedtls_x509write_crt_set_issuer_name(&w.ctx, subject.c_str()); ret != 0)
      return fail("issuer", ret);
  }

  bool ca = req.kind == Kind::ca;
  if (int ret = mbedtls_x509write_crt_set_basic_constraints(&w.ctx, ca ? 1 : 0, ca ? 0 : -1); ret != 0)
    return fail("basicConstraints", ret);
  if (int ret = mbedtls_x509write_crt_set_subject_key_identifier(&w.ctx); ret != 0)
    return fail("subjectKeyIdentifier", ret);
  if (int ret = mbedtls_x509write_crt_set_authority_key_identifier(&w.ctx); ret != 0)
    return fail("authorityKeyIdentifier", ret);
  unsigned int usage = ca ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                          : MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
  if (int ret = mbedtls_x509write_crt_set_key_usage(&w.ctx, usage); ret != 0) return fail("keyUsage", ret);

  if (!ca) {
    // Apple platforms and Chromium require serverAuth in EKU for locally trusted server certs.
    std::string eku = encode_ext_key_usage();
    int ret = mbedtls_x509write_crt_set_extension(
        &w.ctx, MBEDTLS_OID_EXTENDED_KEY_USAGE, MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
        reinterpret_cast<const unsigned char*>(eku.data()), eku.size());
    if (ret != 0) return fail("extendedKeyUsage", ret);
    if (!req.dns_names->empty() || !req.ip_addresses->empty()) {
      auto san = encode_subject_alt_names(*req.dns_names, *req.ip_addresses);
      if (!san) return Err{san.error()};
      ret = mbedtls_x509write_crt_set_extension(
          &w.ctx, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
          reinterpret_cast<const unsigned char*>(san->data()), san->size());
      if (ret != 0) return fail("subjectAltName", ret);
    }
  }

  std::string buf(8192, '\0');
  int len = mbedtls_x509write_crt_der(&w.ctx, reinterpret_cast<unsigned char*>(buf.data()), buf.size(),
                                      Random::mbedtls_rng, Random::instance().ctx());
  if (len < 0) return fail("DER", len);
  return buf.substr(buf.size() - size_t(len));  // x509write writes at the end of the buffer
}


// Shared by the generators: new key, certificate, then both loaded as a file would be.
Result<Certificate, std::string> generate(const Request& req) {
  auto key = generate_p256_key();
  if (!key) return Err{key.error()};
  auto der = write_certificate(req, key->get());
  if (!der) return Err{der.error()};

  std::string key_pem(1024, '\0');
  int ret = mbedtls_pk_write_key_pem(key->get(), reinterpret_cast<unsigned char*>(key_pem.data()), key_pem.size());
  if (ret != 0) return Err{"cannot encode the new key: " + mbedtls_error_text(ret)};
  key_pem.resize(std::strlen(key_pem.c_str()));
  auto cert = Certificate::from_pem(certificate_der_to_pem(as_bytes(*der)), key_pem);
  mbedtls_platform_zeroize(key_pem.data(), key_pem.size());
  return cert;
}

}  // namespace

Result<Certificate, std::string> Certificate::generate_self_signed(std::string_view common_name,
                                                                   const std::vector<std::string>& dns_names,
                                                                   const std::vector<std::string>& ip_addresses,
                                                                   int validity_days) {
  return generate({Kind::self_signed_leaf, common_name, &dns_names, &ip_addresses, validity_days, nullptr});
}

Result<Certificate, std::string> Certificate::generate_ca(std::string_view common_name, int validity_days) {
  static const std::vector<std::string> none;
  return generate({Kind::ca, common_name, &none, &none, validity_days, nullptr});
}

Result<Certificate, std::string> Certificate::generate_signed_by(const Certificate& issuer,
                                                                 std::string_view common_name,
                                                                 const std::vector<std::string>& dns_names,
                                                                 const std::vector<std::string>& ip_addresses,
                                                                 int validity_days) {
  return generate({Kind::signed_leaf, common_name, &dns_names, &ip_addresses, validity_days, &issuer});
}

}  // namespace umbrella::tls
