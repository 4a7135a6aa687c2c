#include "dtls/fingerprint.hpp"

#include <mbedtls/md.h>

#include <cctype>

#include "tls/certificate.hpp"

namespace umbrella::dtls {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

mbedtls_md_type_t md_type(std::string_view algorithm) {
  if (algorithm == "sha-1") return MBEDTLS_MD_SHA1;
  if (algorithm == "sha-224") return MBEDTLS_MD_SHA224;
  if (algorithm == "sha-256") return MBEDTLS_MD_SHA256;
  if (algorithm == "sha-384") return MBEDTLS_MD_SHA384;
  if (algorithm == "sha-512") return MBEDTLS_MD_SHA512;
  return MBEDTLS_MD_NONE;
}

bool is_fingerprint_hex(std::string_view hex) {
  if (hex.empty()) return false;
  for (char c : hex) {
    if (c != ':' && !std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<Fingerprint> parse_fingerprint(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  Fingerprint fp;
  size_t space = text.find(' ');
  if (space == std::string_view::npos) {
    fp.algorithm = "sha-256";
    fp.hex = std::string(text);
  } else {
    fp.algorithm = lower(text.substr(0, space));
    std::string_view rest = text.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    fp.hex = std::string(rest);
  }
  if (md_type(fp.algorithm) == MBEDTLS_MD_NONE || !is_fingerprint_hex(fp.hex)) return std::nullopt;
  return fp;
}

std::string certificate_fingerprint(std::string_view algorithm, Bytes der) {
  if (algorithm == "sha-256") return tls::fingerprint_sha256(der);
  const mbedtls_md_info_t* info = mbedtls_md_info_from_type(md_type(algorithm));
  if (!info) return {};
  unsigned char digest[MBEDTLS_MD_MAX_SIZE];
  if (mbedtls_md(info, der.data(), der.size(), digest) != 0) return {};
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < mbedtls_md_get_size(info); ++i) {
    if (i) out += ':';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

bool fingerprint_matches(const Fingerprint& fp, Bytes der) {
  std::string actual = certificate_fingerprint(fp.algorithm, der);
  return !actual.empty() && tls::fingerprint_equal(actual, fp.hex);
}

}  // namespace umbrella::dtls
