#include "tls/random.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sys/random.h>

#include <mbedtls/ctr_drbg.h>

namespace umbrella::tls {

struct Random::State {
  mbedtls_ctr_drbg_context drbg;
};

namespace {

// Entropy callback for the DRBG: straight from the kernel, no mbedtls_entropy pool.
int kernel_entropy(void*, unsigned char* out, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(out + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    }
    done += size_t(n);
  }
  return 0;
}

[[noreturn]] void die(const char* what, int ret) {
  std::fprintf(stderr, "umbrella: fatal: CSPRNG %s failed (mbedtls -0x%04x)\n", what, unsigned(-ret));
  std::abort();
}

}  // namespace

Random::Random() : state_(new State) {
  mbedtls_ctr_drbg_init(&state_->drbg);
  static const unsigned char personalization[] = "umbrella-sfu";
  int ret = mbedtls_ctr_drbg_seed(&state_->drbg, kernel_entropy, nullptr, personalization,
                                  sizeof(personalization) - 1);
  if (ret != 0) die("seeding", ret);
}

// The process-wide instance is leaked (see instance()), so this only documents ownership.
Random::~Random() {
  mbedtls_ctr_drbg_free(&state_->drbg);
  delete state_;
}

Random& Random::instance() {
  // Leaked on purpose: sessions and configs destroyed during static teardown may still use it.
  static Random* r = new Random();
  return *r;
}

void* Random::ctx() { return &state_->drbg; }

int Random::mbedtls_rng(void* ctx, unsigned char* out, size_t len) {
  // ctr_drbg refuses requests above MAX_REQUEST; callers of this hook may ask for more.
  while (len > 0) {
    size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
    if (int ret = mbedtls_ctr_drbg_random(ctx, out, n); ret != 0) return ret;
    out += n;
    len -= n;
  }
  return 0;
}

void Random::fill(std::span<uint8_t> out) {
  if (int ret = mbedtls_rng(&state_->drbg, out.data(), out.size()); ret != 0) die("generation", ret);
}

std::string Random::hex(size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  uint8_t raw[64];
  bytes = bytes < sizeof raw ? bytes : sizeof raw;
  fill(std::span<uint8_t>(raw, bytes));
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    out += kDigits[raw[i] >> 4];
    out += kDigits[raw[i] & 15];
  }
  return out;
}

}  // namespace umbrella::tls
