// Process-wide CSPRNG: one mbedtls_ctr_drbg seeded from the kernel (getrandom).
// mbedTLS is built with MBEDTLS_THREADING_C, so the DRBG locks itself and the
// instance may be used from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace umbrella::tls {

class Random {
 public:
  static Random& instance();

  // Fills `out` with random bytes; aborts the process if the DRBG fails (it
  // only can if the kernel's entropy source does, and nothing is safe then).
  void fill(std::span<uint8_t> out);
  // `bytes` random bytes (at most 64) in lower-case hex: secrets and unguessable ids.
  std::string hex(size_t bytes);

  // For mbedtls_ssl_conf_rng / mbedtls_ecp_gen_key etc.: pass ctx() as p_rng.
  static int mbedtls_rng(void* ctx, unsigned char* out, size_t len);
  void* ctx();

  Random(const Random&) = delete;
  Random& operator=(const Random&) = delete;

 private:
  Random();
  ~Random();
  struct State;
  State* state_;
};

}  // namespace umbrella::tls
