#include "stun/integrity.hpp"

#include <array>
#include <cstring>

#include "stun/hmac_sha1.hpp"

namespace umbrella::stun {

bool verify_message_integrity(Bytes raw, const Message& msg, Bytes key) {
  if (!msg.integrity_offset) return false;
  size_t offset = *msg.integrity_offset;
  if (offset < kHeaderSize || offset + kAttributeHeaderSize + kIntegritySize > raw.size()) return false;

  // The HMAC covers the message up to the attribute, with the header length field
  // rewritten as if MESSAGE-INTEGRITY were the last attribute.
  std::array<uint8_t, kHeaderSize> header;
  std::memcpy(header.data(), raw.data(), kHeaderSize);
  store_be16(&header[2], uint16_t(offset + kAttributeHeaderSize + kIntegritySize - kHeaderSize));
  auto digest = hmac_sha1(key, {header, raw.subspan(kHeaderSize, offset - kHeaderSize)});
  return constant_time_equal(digest, raw.subspan(offset + kAttributeHeaderSize, kIntegritySize));
}

}  // namespace umbrella::stun
