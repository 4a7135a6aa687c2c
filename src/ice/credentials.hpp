// ICE credentials (RFC 8445 5.3, RFC 8839 5.4): ufrag and password made of ice-chars.
#pragma once

#include <cstdint>
#include <string>

#include "core/bytes.hpp"

namespace umbrella::ice {

struct Credentials {
  std::string ufrag;
  std::string pwd;
};

// Fresh random credentials: 8-char ufrag (>= 4 required, 24 bits of entropy needed)
// and 24-char pwd (>= 22 required, 128 bits needed); each char carries 6 random bits.
Credentials generate_credentials();

// Cryptographically random bytes from getrandom(). Aborts if the kernel refuses.
void random_bytes(MutableBytes out);
uint64_t random_u64();

}  // namespace umbrella::ice
