// CRC-32 (ISO-HDLC / IEEE 802.3, the zlib one), used by the STUN FINGERPRINT attribute.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"

namespace umbrella::stun {

uint32_t crc32(Bytes data);

}  // namespace umbrella::stun
