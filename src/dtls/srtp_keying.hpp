// RFC 5764 4.2: the bytes exported with label "EXTRACTOR-dtls_srtp" are
// client_key | server_key | client_salt | server_salt (60 for AES-CM, 56 for GCM's 12-byte
// salts: the PRF's output is a stream, so the first 56 of 60 are GCM's). The DTLS client
// protects with the client half; the server with the server half.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dtls/role.hpp"
#include "srtp/profile.hpp"

namespace umbrella::dtls {

inline constexpr std::string_view kSrtpExporterLabel = "EXTRACTOR-dtls_srtp";
inline constexpr size_t kSrtpKeyingMaterialLength = 2 * (srtp::kMasterKeyLength + srtp::kMasterSaltLength);

using SrtpKeyingMaterial = std::array<uint8_t, kSrtpKeyingMaterialLength>;

// Orients the exported material for `role`: local = what this side protects with.
srtp::SrtpKeys split_srtp_keying_material(const SrtpKeyingMaterial& material, srtp::Profile profile, Role role);

}  // namespace umbrella::dtls
