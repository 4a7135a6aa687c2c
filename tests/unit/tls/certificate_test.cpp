#include <doctest/doctest.h>

#include <algorithm>

#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "tls/certificate.hpp"
#include "tls/random.hpp"
#include "tls/server_config.hpp"

using namespace umbrella::tls;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/umbrella-tls-test-XXXXXX";
  char* d = mkdtemp(tmpl);
  REQUIRE(d != nullptr);
  return d;
}

bool is_fingerprint_format(const std::string& fp) {
  if (fp.size() != 32 * 3 - 1) return false;
  for (size_t i = 0; i < fp.size(); ++i) {
    char c = fp[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("tls: Random fills buffers and differs between calls") {
  std::vector<uint8_t> a(3000), b(3000);
  Random::instance().fill(a);
  Random::instance().fill(b);
  CHECK(a != b);
  CHECK(std::count(a.begin(), a.end(), 0) < 100);
}

TEST_CASE("tls: generate self-signed, save, load round trip") {
  auto cert = Certificate::generate_self_signed("umbrella test", {"umbrella.local", "localhost"},
                                                {"127.0.0.1", "::1"}, 30);
  REQUIRE_MESSAGE(cert.ok(), (cert.ok() ? "" : cert.error()));
  std::string fp = cert->fingerprint_sha256();
  CHECK(is_fingerprint_format(fp));
  CHECK(fp == fingerprint_sha256(cert->leaf_der()));
  CHECK(cert->cert_pem().find("-----BEGIN CERTIFICATE-----") == 0);
  CHECK(cert->key_pem().find("PRIVATE KEY-----") != std::string::npos);

  // SANs are parsed back by mbedTLS: dNSName entries are matched for host names.
  uint32_t flags = 0;
  CHECK(mbedtls_x509_crt_verify(cert->chain(), cert->chain(), nullptr, "umbrella.local", &flags, nullptr,
                                nullptr) == 0);
  CHECK(mbedtls_x509_crt_verify(cert->chain(), cert->chain(), nullptr, "other.example", &flags, nullptr,
                                nullptr) != 0);
  CHECK((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0);

  std::string dir = temp_dir();
  auto saved = cert->save_pem_files(dir + "/c.crt", dir + "/c.key");
  REQUIRE_MESSAGE(saved.ok(), (saved.ok() ? "" : saved.error()));
  struct stat st;
  REQUIRE(stat((dir + "/c.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto loaded = Certificate::load_pem_files(dir + "/c.crt", dir + "/c.key");
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error()));
  CHECK(loaded->fingerprint_sha256() == fp);
  CHECK(loaded->key_pem() == cert->key_pem());

  // Moving keeps the mbedTLS objects where they are.
  mbedtls_x509_crt* chain = loaded->chain();
  Certificate moved = std::move(loaded).value();
  CHECK(moved.chain() == chain);
  std::filesystem::remove_all(dir);
}

TEST_CASE("tls: two generated certificates differ") {
  auto a = Certificate::generate_self_signed("a", {}, {}, 1);
  auto b = Certificate::generate_self_signed("a", {}, {}, 1);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->fingerprint_sha256() != b->fingerprint_sha256());
}

TEST_CASE("tls: fingerprint format and comparison") {
  const uint8_t der[] = {1, 2, 3};
  std::string fp = fingerprint_sha256(der);
  CHECK(is_fingerprint_format(fp));
  // SHA-256 of 01 02 03.
  CHECK(fp.rfind("03:90:58:C6:F2:C0:CB:49:2C:53:3B:0A:4D:14:EF:77", 0) == 0);
  std::string lower = fp;
  for (char& c : lower) c = char(std::tolower(c));
  CHECK(fingerprint_equal(fp, lower));
  std::string bare;
  for (char c : fp) if (c != ':') bare += c;
  CHECK(fingerprint_equal(bare, fp));
  CHECK_FALSE(fingerprint_equal(fp, fp.substr(0, fp.size() - 1)));
  CHECK_FALSE(fingerprint_equal("", fp));
}

TEST_CASE("tls: load and parse errors are clear strings") {
  auto missing = Certificate::load_pem_files("/nonexistent/x.crt", "/nonexistent/x.key");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error() == "cannot read /nonexistent/x.crt: No such file or directory");

  auto garbage = Certificate::from_pem("hello", "world");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().find("certificate") != std::string::npos);

  auto a = Certificate::generate_self_signed("a", {}, {}, 1);
  auto b = Certificate::generate_self_signed("b", {}, {}, 1);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto bad_key = Certificate::from_pem(a->cert_pem(), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
  REQUIRE_FALSE(bad_key.ok());
  CHECK(bad_key.error().rfind("cannot parse private key: ", 0) == 0);
  auto mismatch = Certificate::from_pem(a->cert_pem(), b->key_pem());
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().rfind("private key does not match the certificate", 0) == 0);

  auto bad_ip = Certificate::generate_self_signed("a", {}, {"not-an-ip"}, 1);
  REQUIRE_FALSE(bad_ip.ok());
  CHECK(bad_ip.error() == "bad IP address for a certificate: 'not-an-ip'");
}

TEST_CASE("tls: local CA signs a server certificate that verifies against it") {
  auto ca = Certificate::generate_ca("Umbrella local CA, test", 3650);
  REQUIRE_MESSAGE(ca.ok(), (ca.ok() ? "" : ca.error()));
  auto leaf = Certificate::generate_signed_by(*ca, "sfu", {"sfu", "sfu.local"}, {"192.0.2.7"}, 825);
  REQUIRE_MESSAGE(leaf.ok(), (leaf.ok() ? "" : leaf.error()));
  uint32_t flags = 0;
  int ret = mbedtls_x509_crt_verify(leaf->chain(), ca->chain(), nullptr, "sfu.local", &flags, nullptr, nullptr);
  CHECK(ret == 0);
  CHECK(flags == 0);
  auto other_ca = Certificate::generate_ca("Other", 10);
  REQUIRE(other_ca.ok());
  CHECK(mbedtls_x509_crt_verify(leaf->chain(), other_ca->chain(), nullptr, "sfu.local", &flags, nullptr,
                                nullptr) != 0);
  CHECK((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0);
}

TEST_CASE("a certificate chain too long for one TLS record is refused with one line") {
  auto leaf = Certificate::generate_self_signed("big-chain", {}, {}, 30);
  REQUIRE(leaf.ok());
  // The leaf, then copies standing in for a long chain of intermediates.
  std::string pem = leaf->cert_pem();
  std::string chain = pem;
  while (chain.size() < 3 * MBEDTLS_SSL_OUT_CONTENT_LEN) chain += pem;
  auto big = Certificate::from_pem(chain, leaf->key_pem());
  REQUIRE(big.ok());
  auto refused = TlsServerConfig::create(std::move(big).value());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("certificate chain is") != std::string::npos);
  CHECK(refused.error().find("leave the root CA out") != std::string::npos);
  CHECK(refused.error().find('\n') == std::string::npos);
  auto fits = Certificate::from_pem(pem, leaf->key_pem());
  REQUIRE(fits.ok());
  CHECK(TlsServerConfig::create(std::move(fits).value()).ok());
}
