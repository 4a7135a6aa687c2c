#include "stun/hmac_sha1.hpp"

#include <mbedtls/md5.h>
#include <mbedtls/sha1.h>

#include <cstring>

namespace umbrella::stun {
namespace {

constexpr size_t kBlock = 64;

// One owner for an mbedTLS SHA-1 context (the free call zeroizes it).
class Sha1 {
 public:
  Sha1() { mbedtls_sha1_init(&ctx_); mbedtls_sha1_starts_ret(&ctx_); }
  ~Sha1() { mbedtls_sha1_free(&ctx_); }
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;
  void update(Bytes b) { if (!b.empty()) mbedtls_sha1_update_ret(&ctx_, b.data(), b.size()); }
  Sha1Digest finish() {
    Sha1Digest out{};
    mbedtls_sha1_finish_ret(&ctx_, out.data());
    return out;
  }

 private:
  mbedtls_sha1_context ctx_;
};

}  // namespace

Sha1Digest hmac_sha1(Bytes key, std::initializer_list<Bytes> parts) {
  std::array<uint8_t, kBlock> block{};
  if (key.size() > kBlock) {
    Sha1 h;
    h.update(key);
    auto d = h.finish();
    std::memcpy(block.data(), d.data(), d.size());
  } else if (!key.empty()) {
    std::memcpy(block.data(), key.data(), key.size());
  }

  std::array<uint8_t, kBlock> pad{};
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  Sha1 inner;
  inner.update(pad);
  for (Bytes p : parts) inner.update(p);
  auto inner_digest = inner.finish();

  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  Sha1 outer;
  outer.update(pad);
  outer.update(inner_digest);
  return outer.finish();
}

std::array<uint8_t, 16> long_term_key(std::string_view username, std::string_view realm,
                                      std::string_view password) {
  mbedtls_md5_context ctx;
  mbedtls_md5_init(&ctx);
  mbedtls_md5_starts_ret(&ctx);
  auto feed = [&](std::string_view s) {
    mbedtls_md5_update_ret(&ctx, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  feed(username);
  feed(":");
  feed(realm);
  feed(":");
  feed(password);
  std::array<uint8_t, 16> out{};
  mbedtls_md5_finish_ret(&ctx, out.data());
  mbedtls_md5_free(&ctx);
  return out;
}

bool constant_time_equal(Bytes a, Bytes b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= uint8_t(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace umbrella::stun
