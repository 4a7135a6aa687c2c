// Decodes arbitrary frames as Envelopes; whatever decodes must re-encode within bounds and
// decode again to the same bytes.
#include <cstring>
#include <memory>
#include <vector>

#include "fuzz_target.hpp"
#include "signal/codec.hpp"

UMBRELLA_FUZZ_TARGET(signal) {
  using namespace umbrella;
  static auto env = std::make_unique<umbrella_Envelope>();
  static auto again = std::make_unique<umbrella_Envelope>();
  static std::vector<uint8_t> buf(signal::kMaxEnvelopeSize), buf2(signal::kMaxEnvelopeSize);
  if (!signal::decode(Bytes(data, size), *env).ok() || env->which_body == 0) return 0;
  size_t n = signal::encode(*env, buf);
  if (n == 0) __builtin_trap();  // anything that decoded must fit the maximum size
  if (!signal::decode(Bytes(buf.data(), n), *again).ok()) __builtin_trap();
  size_t m = signal::encode(*again, buf2);
  if (m != n || std::memcmp(buf.data(), buf2.data(), n) != 0) __builtin_trap();
  return 0;
}
