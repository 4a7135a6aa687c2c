#include "ice/credentials.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace umbrella::ice {
namespace {

// ice-char = ALPHA / DIGIT / "+" / "/": exactly 64 symbols, so 6 random bits pick one.
constexpr std::string_view kIceChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static_assert(kIceChars.size() == 64);

std::string random_ice_string(size_t length) {
  std::array<uint8_t, 64> raw{};
  random_bytes(MutableBytes(raw).first(length));
  std::string s(length, '\0');
  for (size_t i = 0; i < length; ++i) s[i] = kIceChars[raw[i] & 63];
  return s;
}

}  // namespace

void random_bytes(MutableBytes out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // no entropy source: nothing secure can be done
    }
    done += size_t(n);
  }
}

uint64_t random_u64() {
  std::array<uint8_t, 8> b{};
  random_bytes(b);
  return load_be64(b.data());
}

Credentials generate_credentials() { return {random_ice_string(8), random_ice_string(24)}; }

}  // namespace umbrella::ice
