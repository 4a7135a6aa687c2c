// The remote certificate fingerprint from SDP (a=fingerprint:sha-256 AB:CD:...) and the
// check of a peer's DER certificate against it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace umbrella::dtls {

struct Fingerprint {
  std::string algorithm;  // lower case: "sha-1", "sha-224", "sha-256", "sha-384", "sha-512"
  std::string hex;        // "AB:CD:..", as given
};

// Accepts "sha-256 AB:CD:.." (the a=fingerprint value) or a bare "AB:CD:.." (taken as
// sha-256). Algorithm names are case-insensitive. nullopt for anything else.
std::optional<Fingerprint> parse_fingerprint(std::string_view text);

// "AB:CD:.." upper-case colon hex of the DER's digest under fp.algorithm; empty string
// for an unsupported algorithm.
std::string certificate_fingerprint(std::string_view algorithm, Bytes der);

// True when the DER certificate's digest equals fp (hex compared ignoring case and ':').
bool fingerprint_matches(const Fingerprint& fp, Bytes der);

}  // namespace umbrella::dtls
