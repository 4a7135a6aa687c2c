#include "server/trunk_auth.hpp"

#include <mbedtls/md.h>

#include <cstdlib>

#include "stun/hmac_sha1.hpp"
#include "tls/random.hpp"

namespace umbrella::server {

TrunkNonce trunk_nonce() {
  TrunkNonce n;
  tls::Random::instance().fill(n);
  return n;
}

TrunkMac trunk_mac(std::string_view secret, TrunkSide side, const TrunkHandshake& h) {
  // Every field is length-prefixed, so no two different handshakes give the same input.
  std::string_view label = side == TrunkSide::kDialler ? "umbrella trunk dialler" : "umbrella trunk acceptor";
  TrunkMac out{};
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  const mbedtls_md_info_t* info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  if (!info || mbedtls_md_setup(&ctx, info, 1) != 0 ||
      mbedtls_md_hmac_starts(&ctx, reinterpret_cast<const uint8_t*>(secret.data()), secret.size()) != 0)
    std::abort();  // SHA-256 is in every build (TLS needs it): nothing is safe without it
  auto feed = [&](const void* p, size_t n) {
    uint8_t len[2] = {uint8_t(n >> 8), uint8_t(n)};
    mbedtls_md_hmac_update(&ctx, len, 2);
    mbedtls_md_hmac_update(&ctx, static_cast<const uint8_t*>(p), n);
  };
  feed(label.data(), label.size());
  feed(h.challenge.data(), h.challenge.size());
  feed(h.response.data(), h.response.size());
  feed(h.dialler_site.data(), h.dialler_site.size());
  feed(h.acceptor_site.data(), h.acceptor_site.size());
  mbedtls_md_hmac_finish(&ctx, out.data());
  mbedtls_md_free(&ctx);
  return out;
}

bool trunk_mac_ok(std::string_view secret, TrunkSide side, const TrunkHandshake& h, Bytes mac) {
  TrunkMac want = trunk_mac(secret, side, h);
  return stun::constant_time_equal(Bytes(want.data(), want.size()), mac);
}

}  // namespace umbrella::server
