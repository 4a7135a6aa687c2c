// The SRTP half of a transport: once DTLS has produced keys, decrypt what arrives and
// encrypt what leaves, in the pooled packets themselves, counting every outcome.
#pragma once

#include <optional>

#include "core/packet_pool.hpp"
#include "core/send_transform.hpp"
#include "dtls/counters.hpp"
#include "srtp/profile.hpp"
#include "srtp/session.hpp"

namespace umbrella::rtc {

struct TransportCounters {
  uint64_t rtp_in = 0, rtcp_in = 0, rtp_out = 0, rtcp_out = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t srtp_auth_failed = 0, srtp_replayed = 0, srtp_other_failed = 0;
  uint64_t media_before_dtls = 0;  // RTP/RTCP before keys: dropped
  uint64_t not_selected_source = 0;  // DTLS from an address ICE did not select: dropped
  uint64_t protect_failed = 0;
  uint64_t stray_application_data = 0;  // DTLS application data without negotiated SCTP: dropped
  uint64_t sctp_packets_unsent = 0;     // SCTP packets DTLS would not take (SCTP retransmits)
  dtls::DtlsCounters dtls;  // forged or broken DTLS records dropped (never fatal)
};

// Server-wide sums of what arrived on a transport's address but did not decrypt, for /status:
// RTCP apart from RTP, since a peer whose feedback never decrypts looks healthy otherwise.
struct SrtpDropTotals {
  uint64_t rtp_auth_failed = 0, rtcp_auth_failed = 0, replayed = 0, other_failed = 0, before_keys = 0;
};

class SrtpChannel {
 public:
  enum class Received { kRtp, kRtcp, kDropped };

  bool start(const srtp::SrtpKeys& keys);  // false if libsrtp refused the keys
  bool ready() const { return outbound_.has_value(); }

  // Decrypts packet in place; kDropped (counted, in `totals` too when given) when it cannot.
  Received unprotect(Packet& packet, TransportCounters& counters, SrtpDropTotals* totals = nullptr);
  // Encrypts in place (the packet needs tailroom for the tag); false (counted) on failure.
  bool protect_rtp(Packet& packet, TransportCounters& counters);
  // A pool packet holding the encrypted compound, or an empty one.
  Packet protect_rtcp(Bytes compound, PacketPool& pool, TransportCounters& counters);

 private:
  std::optional<srtp::SrtpSession> inbound_;
  std::optional<srtp::SrtpSession> outbound_;
};

// protect_rtp as the socket's last step before sending (see SendTransform), so the media
// port can encrypt a batch on several cores. Lives as long as its transport.
class RtpProtect final : public SendTransform {
 public:
  RtpProtect(SrtpChannel& srtp, TransportCounters& counters) : srtp_(srtp), counters_(counters) {}
  bool apply(Packet& packet) override { return srtp_.protect_rtp(packet, counters_); }

 private:
  SrtpChannel& srtp_;
  TransportCounters& counters_;
};

}  // namespace umbrella::rtc
