// HMAC-SHA1 (RFC 2104) for MESSAGE-INTEGRITY, over mbedTLS's SHA-1 context.
// mbedtls_md_hmac() would calloc a context on every call; these contexts live on
// the stack, so integrity checks on the packet path never touch the heap.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "core/bytes.hpp"

namespace umbrella::stun {

using Sha1Digest = std::array<uint8_t, 20>;

// HMAC-SHA1 of the concatenation of parts.
Sha1Digest hmac_sha1(Bytes key, std::initializer_list<Bytes> parts);

// Long-term credential key: MD5(username ":" realm ":" password). The caller applies
// OpaqueString/SASLprep to the password first where that matters.
std::array<uint8_t, 16> long_term_key(std::string_view username, std::string_view realm,
                                      std::string_view password);

// Compares without an early exit so timing does not reveal how many bytes matched.
bool constant_time_equal(Bytes a, Bytes b);

}  // namespace umbrella::stun
