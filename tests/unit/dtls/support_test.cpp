#include <doctest/doctest.h>

#include "dtls/fingerprint.hpp"
#include "dtls/srtp_keying.hpp"
#include "tls/certificate.hpp"

namespace umbrella::dtls {

TEST_CASE("dtls fingerprint parsing") {
  auto fp = parse_fingerprint("SHA-256 ab:cd:EF");
  REQUIRE(fp);
  CHECK(fp->algorithm == "sha-256");
  CHECK(fp->hex == "ab:cd:EF");
  auto bare = parse_fingerprint("  AB:CD ");
  REQUIRE(bare);
  CHECK(bare->algorithm == "sha-256");
  CHECK(bare->hex == "AB:CD");
  CHECK(parse_fingerprint("sha-1 00:11"));
  CHECK_FALSE(parse_fingerprint("md5 00:11"));
  CHECK_FALSE(parse_fingerprint("sha-256 zz"));
  CHECK_FALSE(parse_fingerprint("sha-256 "));
  CHECK_FALSE(parse_fingerprint(""));
}

TEST_CASE("dtls fingerprint matches a certificate's DER") {
  auto cert = tls::Certificate::generate_self_signed("fp", {}, {}, 1);
  REQUIRE(cert.ok());
  Bytes der = cert->leaf_der();
  std::string hex = cert->fingerprint_sha256();
  CHECK(hex.size() == 32 * 3 - 1);
  CHECK(certificate_fingerprint("sha-256", der) == hex);
  CHECK(certificate_fingerprint("sha-1", der).size() == 20 * 3 - 1);
  CHECK(certificate_fingerprint("sha-512", der).size() == 64 * 3 - 1);
  CHECK(fingerprint_matches(*parse_fingerprint("sha-256 " + hex), der));
  std::string lower = hex;
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  CHECK(fingerprint_matches(*parse_fingerprint("sha-256 " + lower), der));
  CHECK(fingerprint_matches(*parse_fingerprint("sha-1 " + certificate_fingerprint("sha-1", der)), der));
  std::string wrong = hex;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  CHECK_FALSE(fingerprint_matches(*parse_fingerprint("sha-256 " + wrong), der));
}

TEST_CASE("dtls SRTP keying material splits per RFC 5764 4.2") {
  SrtpKeyingMaterial m;
  for (size_t i = 0; i < m.size(); ++i) m[i] = uint8_t(i);
  auto client = split_srtp_keying_material(m, srtp::Profile::kAes128CmSha1_80, Role::kClient);
  auto server = split_srtp_keying_material(m, srtp::Profile::kAes128CmSha1_80, Role::kServer);
  CHECK(client.local_key[0] == 0);    // client_write_SRTP_master_key
  CHECK(client.remote_key[0] == 16);  // server_write_SRTP_master_key
  CHECK(client.local_salt[0] == 32);  // client_write_SRTP_master_salt
  CHECK(client.remote_salt[0] == 46); // server_write_SRTP_master_salt
  CHECK(client.remote_salt[13] == 59);
  CHECK(server.local_key == client.remote_key);
  CHECK(server.local_salt == client.remote_salt);
  CHECK(server.remote_key == client.local_key);
  CHECK(server.remote_salt == client.local_salt);
}

TEST_CASE("dtls SRTP keying material for AEAD_AES_128_GCM: the same layout with 12-byte salts") {
  SrtpKeyingMaterial m;
  for (size_t i = 0; i < m.size(); ++i) m[i] = uint8_t(i);
  auto client = split_srtp_keying_material(m, srtp::Profile::kAeadAes128Gcm, Role::kClient);
  auto server = split_srtp_keying_material(m, srtp::Profile::kAeadAes128Gcm, Role::kServer);
  CHECK(client.local_key[0] == 0);
  CHECK(client.remote_key[15] == 31);
  CHECK(client.local_salt[0] == 32);
  CHECK(client.local_salt[11] == 43);
  CHECK(client.remote_salt[0] == 44);  // 32 + 12, not 32 + 14
  CHECK(client.remote_salt[11] == 55);
  CHECK(server.local_salt == client.remote_salt);
  CHECK(server.remote_key == client.local_key);
}

}  // namespace umbrella::dtls
