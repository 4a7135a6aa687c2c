// DCEP, the Data Channel Establishment Protocol (RFC 8832): DATA_CHANNEL_OPEN and
// DATA_CHANNEL_ACK on the channel's own stream with PPID 50. Pure functions over spans.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace umbrella::sctp {

// SCTP payload protocol identifiers of WebRTC data channels (RFC 8831 8, RFC 8832 8.1).
enum Ppid : uint32_t {
  kPpidDcep = 50,
  kPpidString = 51,
  kPpidBinary = 53,
  kPpidStringEmpty = 56,  // an empty string: one byte on the wire, ignored
  kPpidBinaryEmpty = 57,
};

inline constexpr uint8_t kDcepOpen = 0x03;
inline constexpr uint8_t kDcepAck = 0x02;

// Channel type: reliability in the low bits, 0x80 = unordered.
enum class Reliability : uint8_t { kReliable = 0x00, kMaxRetransmits = 0x01, kMaxLifetime = 0x02 };

struct ChannelParameters {
  bool ordered = true;
  Reliability reliability = Reliability::kReliable;
  uint32_t reliability_parameter = 0;  // retransmits, or lifetime in ms
  uint16_t priority = 256;             // RFC 8832 6.4 "normal"
};

// A parsed DATA_CHANNEL_OPEN; label and protocol view the input.
struct DcepOpen {
  ChannelParameters parameters;
  std::string_view label;
  std::string_view protocol;
};

enum class DcepError { kTruncated, kUnknownType, kBadChannelType, kTrailingBytes };
const char* to_string(DcepError e);

// The first byte of a PPID-50 message, or none when empty.
std::optional<uint8_t> dcep_message_type(Bytes message);
Result<DcepOpen, DcepError> parse_dcep_open(Bytes message);
// An ACK is exactly one byte.
bool is_dcep_ack(Bytes message);

// Writes a DATA_CHANNEL_OPEN into `out`; returns the length, 0 when it does not fit or a
// label/protocol is longer than 65535 bytes.
size_t build_dcep_open(const DcepOpen& open, MutableBytes out);
inline constexpr size_t dcep_open_size(const DcepOpen& o) { return 12 + o.label.size() + o.protocol.size(); }

}  // namespace umbrella::sctp
