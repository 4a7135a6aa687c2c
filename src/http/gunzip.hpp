// gzip (RFC 1952) around DEFLATE (RFC 1951), decompressed whole. The web app is embedded
// gzipped only (web/tools/embed.py): every browser takes it as it is, and this serves the rare
// client that refuses gzip without the binary carrying a second, raw copy (150 KB on the
// access point). Bounded: the output never exceeds `max_size`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"

namespace umbrella::http {

// The decompressed member, or nullopt when `gz` is not one well-formed gzip member whose
// length (ISIZE) and CRC-32 match, or when it would exceed max_size.
std::optional<std::vector<uint8_t>> gunzip(Bytes gz, size_t max_size);

}  // namespace umbrella::http
