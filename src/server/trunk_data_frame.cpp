#include "server/trunk_data_frame.hpp"

namespace umbrella::server {

const char* to_string(TrunkDataError e) {
  switch (e) {
    case TrunkDataError::kTruncated: return "truncated trunk data frame";
    case TrunkDataError::kBadFlags: return "unknown trunk data flags";
    case TrunkDataError::kBadReliability: return "unknown reliability in trunk data frame";
    case TrunkDataError::kEmptyField: return "empty origin, room or sender in trunk data frame";
  }
  return "?";
}

Result<TrunkDataFrame, TrunkDataError> parse_trunk_data(Bytes frame) {
  ByteReader r(frame);
  uint8_t flags = r.u8();
  uint8_t reliability = r.u8();
  TrunkDataFrame f;
  f.parameters.reliability_parameter = r.u32();
  f.epoch = r.u32();
  f.seq = r.u32();
  std::string_view* fields[] = {&f.origin, &f.room, &f.sender};
  for (auto* field : fields) {
    uint8_t n = r.u8();
    *field = as_string_view(r.bytes(n));
  }
  if (!r.ok()) return Err{TrunkDataError::kTruncated};
  if (flags & ~0x03) return Err{TrunkDataError::kBadFlags};
  if (reliability > uint8_t(sctp::Reliability::kMaxLifetime)) return Err{TrunkDataError::kBadReliability};
  if (f.origin.empty() || f.room.empty() || f.sender.empty()) return Err{TrunkDataError::kEmptyField};
  f.binary = flags & 0x01;
  f.parameters.ordered = !(flags & 0x02);
  f.parameters.reliability = sctp::Reliability(reliability);
  f.payload = r.rest();
  return f;
}

size_t build_trunk_data(const TrunkDataFrame& f, MutableBytes out) {
  ByteWriter w(out);
  w.u8(uint8_t((f.binary ? 0x01 : 0) | (f.parameters.ordered ? 0 : 0x02)));
  w.u8(uint8_t(f.parameters.reliability));
  w.u32(f.parameters.reliability_parameter);
  w.u32(f.epoch);
  w.u32(f.seq);
  for (std::string_view s : {f.origin, f.room, f.sender}) {
    if (s.empty() || s.size() > 255) return 0;
    w.u8(uint8_t(s.size()));
    w.bytes(as_bytes(s));
  }
  w.bytes(f.payload);
  return w.ok() ? w.size() : 0;
}

}  // namespace umbrella::server
