// base64url without padding (RFC 4648 section 5), as JWTs use it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace umbrella::auth {

std::string base64url_encode(Bytes data);

// Decodes into `out`; nullopt for a character outside the alphabet, padding, a length that
// cannot be base64url (4n+1), non-zero trailing bits, or output that would not fit.
std::optional<size_t> base64url_decode(std::string_view text, std::span<uint8_t> out);

}  // namespace umbrella::auth
