// Envelope <-> bytes for the /wsb signalling protocol (one Envelope per binary WebSocket
// frame). nanopb with static, bounded fields: decoding never allocates, and a frame that
// exceeds any bound in proto/umbrella.options is refused rather than truncated.
#pragma once

#include <cstddef>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "umbrella.pb.h"

namespace umbrella::signal {

// Largest encoding of any Envelope; a buffer this big always fits encode()'s output.
inline constexpr size_t kMaxEnvelopeSize = umbrella_Envelope_size;

struct DecodeError {
  const char* reason;  // static string from nanopb ("string overflow", "invalid wire_type"...)
};

// Decodes one frame into `out` (which is ~17 KiB, so the caller owns it). On error `out`
// holds partial data and must not be used. An empty frame decodes to an Envelope with no
// body (which_body == 0); callers treat that as a bad message.
Result<bool, DecodeError> decode(Bytes frame, umbrella_Envelope& out);

// Encodes `env` into `out`; returns the length written, 0 if it does not fit or is invalid.
// A valid Envelope always encodes to at least 2 bytes (tag + length of its body).
size_t encode(const umbrella_Envelope& env, MutableBytes out);

// Name of the body type for logs ("join", "description"...), "none" or "unknown".
const char* body_name(const umbrella_Envelope& env);

}  // namespace umbrella::signal
