#include "sctp/dcep.hpp"

namespace umbrella::sctp {

const char* to_string(DcepError e) {
  switch (e) {
    case DcepError::kTruncated: return "truncated DCEP message";
    case DcepError::kUnknownType: return "unknown DCEP message type";
    case DcepError::kBadChannelType: return "unknown data channel type";
    case DcepError::kTrailingBytes: return "bytes after the DCEP message";
  }
  return "?";
}

std::optional<uint8_t> dcep_message_type(Bytes message) {
  if (message.empty()) return std::nullopt;
  return message[0];
}

Result<DcepOpen, DcepError> parse_dcep_open(Bytes message) {
  ByteReader r(message);
  uint8_t type = r.u8();
  uint8_t channel_type = r.u8();
  uint16_t priority = r.u16();
  uint32_t parameter = r.u32();
  uint16_t label_length = r.u16();
  uint16_t protocol_length = r.u16();
  Bytes label = r.bytes(label_length);
  Bytes protocol = r.bytes(protocol_length);
  if (!r.ok()) return Err{DcepError::kTruncated};
  if (type != kDcepOpen) return Err{DcepError::kUnknownType};
  if (!r.empty()) return Err{DcepError::kTrailingBytes};
  uint8_t reliability = channel_type & 0x7f;
  if (reliability > uint8_t(Reliability::kMaxLifetime)) return Err{DcepError::kBadChannelType};
  DcepOpen open;
  open.parameters.ordered = (channel_type & 0x80) == 0;
  open.parameters.reliability = Reliability(reliability);
  // RFC 8832 5.1: the parameter is ignored for reliable channels.
  open.parameters.reliability_parameter = open.parameters.reliability == Reliability::kReliable ? 0 : parameter;
  open.parameters.priority = priority;
  open.label = as_string_view(label);
  open.protocol = as_string_view(protocol);
  return open;
}

bool is_dcep_ack(Bytes message) { return message.size() == 1 && message[0] == kDcepAck; }

size_t build_dcep_open(const DcepOpen& open, MutableBytes out) {
  if (open.label.size() > 0xffff || open.protocol.size() > 0xffff) return 0;
  ByteWriter w(out);
  const ChannelParameters& p = open.parameters;
  w.u8(kDcepOpen);
  w.u8(uint8_t(uint8_t(p.reliability) | (p.ordered ? 0 : 0x80)));
  w.u16(p.priority);
  w.u32(p.reliability == Reliability::kReliable ? 0 : p.reliability_parameter);
  w.u16(uint16_t(open.label.size()));
  w.u16(uint16_t(open.protocol.size()));
  w.bytes(as_bytes(open.label));
  w.bytes(as_bytes(open.protocol));
  return w.ok() ? w.size() : 0;
}

}  // namespace umbrella::sctp
