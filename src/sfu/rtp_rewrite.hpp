// What the router asks its owner to send: the source packet (shared, never modified) plus the
// per-subscriber header rewrite. The owner copies the source into a fresh pool packet, applies
// the rewrite and protects it; that copy is the only per-subscriber copy.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/packet_pool.hpp"
#include "rtp/picture_ids.hpp"
#include "rtp/rtp_mutate.hpp"
#include "sfu/types.hpp"

namespace umbrella::sfu {

struct RtpRewrite {
  // Header of the packet as sent. With rtx, these are the RTX stream's SSRC, its own sequence
  // number and the RTX payload type.
  uint32_t ssrc = 0;
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  uint8_t payload_type = 0;
  const rtp::ExtensionIdMap* extensions = nullptr;  // null: leave extension ids as they are
  uint8_t drop_extension = 0;  // non-zero: this publisher-side element goes too (with extensions)
  bool rtx = false;      // wrap in RTX (RFC 4588) with original sequence number rtx_osn
  uint16_t rtx_osn = 0;  // the subscriber-side sequence number of the repaired packet
  bool unwrap = false;   // the source is a publisher's RTX packet: strip its OSN first
  bool repair = false;   // resent from the cache on a NACK: not part of the forwarding delay
  bool marker = false;   // set the RTP marker (VP9 SVC: the end of the highest spatial layer kept)
  // Non-zero: write transport_seq into this (subscriber-side) transport-cc element, which the
  // source carries (the publisher's element, renumbered through `extensions`).
  uint8_t transport_cc_id = 0;
  uint16_t transport_seq = 0;
  // VP8/VP9 picture numbers as this subscriber sees them (rtp/picture_ids.hpp), written into
  // the payload descriptor, which starts payload_at bytes into the (unwrapped) packet.
  rtp::PictureIds picture{};
  uint16_t payload_at = 0;
};

// Rewrites copy (unshared, with 2 bytes of headroom for RTX) in place. False (copy unusable)
// when it does not parse or cannot grow.
bool apply_rewrite(Packet& copy, const RtpRewrite& rewrite);

class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual void forward_rtp(TransportId to, const Packet& source, const RtpRewrite& rewrite) = 0;
  virtual void send_rtcp(TransportId to, Bytes compound) = 0;  // plaintext compound RTCP
  // A whole RTP packet the router built (probe padding), plaintext.
  virtual void send_padding(TransportId to, Bytes packet) = 0;
};

}  // namespace umbrella::sfu
