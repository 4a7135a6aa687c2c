// One room data channel message crossing a trunk, on the trunk's one data channel (label
// "umbrella-trunk"). Big-endian, lengths checked:
//   u8  flags: bit 0 binary payload, bit 1 unordered (the sender's channel)
//   u8  reliability (sctp::Reliability), u32 its parameter (the sender's channel)
//   u32 epoch, u32 seq: the message id at its origin SFU (epoch: random per process start)
//   u8 length + origin site id, u8 length + room, u8 length + sender participant id
//   the payload (the rest; may be empty)
// Pure functions over spans; the parsed strings view the input.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "sctp/dcep.hpp"

namespace umbrella::server {

struct TrunkDataFrame {
  uint32_t epoch = 0;
  uint32_t seq = 0;
  std::string_view origin, room, sender;
  bool binary = false;
  sctp::ChannelParameters parameters;
  Bytes payload;
};

inline constexpr size_t kTrunkDataMaxHeader = 1 + 1 + 4 + 4 + 4 + 3 * 256;

enum class TrunkDataError { kTruncated, kBadFlags, kBadReliability, kEmptyField };
const char* to_string(TrunkDataError e);

Result<TrunkDataFrame, TrunkDataError> parse_trunk_data(Bytes frame);
// Writes the frame into `out`; the length, or 0 when it does not fit or a string is empty or
// over 255 bytes.
size_t build_trunk_data(const TrunkDataFrame& f, MutableBytes out);

}  // namespace umbrella::server
