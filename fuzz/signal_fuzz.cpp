// Decodes arbitrary frames as Envelopes; whatever decodes must re-encode within bounds and
// decode again to the same bytes. The raw bytes also go through the JSON string escaper
// (status.json carries client-chosen names), whose UTF-8 check must hold for any input.
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.hpp"
#include "signal/codec.hpp"
#include "signal/status.hpp"

UMBRELLA_FUZZ_TARGET(signal) {
  using namespace umbrella;
  static auto env = std::make_unique<umbrella_Envelope>();
  static auto again = std::make_unique<umbrella_Envelope>();
  static std::vector<uint8_t> buf(signal::kMaxEnvelopeSize), buf2(signal::kMaxEnvelopeSize);
  std::string json;
  signal::append_json_string(json, std::string_view(reinterpret_cast<const char*>(data), size));
  if (json.size() < size + 2 || json.front() != '"' || json.back() != '"') __builtin_trap();
  if (!signal::decode(Bytes(data, size), *env).ok() || env->which_body == 0) return 0;
  (void)signal::body_name(*env);
  size_t n = signal::encode(*env, buf);
  if (n == 0) __builtin_trap();  // anything that decoded must fit the maximum size
  if (!signal::decode(Bytes(buf.data(), n), *again).ok()) __builtin_trap();
  size_t m = signal::encode(*again, buf2);
  if (m != n || std::memcmp(buf.data(), buf2.data(), n) != 0) __builtin_trap();
  return 0;
}
