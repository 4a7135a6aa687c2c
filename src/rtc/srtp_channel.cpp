#include "rtc/srtp_channel.hpp"

#include "rtp/rtp_packet.hpp"

namespace umbrella::rtc {

bool SrtpChannel::start(const srtp::SrtpKeys& keys) {
  auto in = srtp::SrtpSession::create(keys, srtp::Direction::kInbound);
  auto out = srtp::SrtpSession::create(keys, srtp::Direction::kOutbound);
  if (!in || !out) return false;
  inbound_.emplace(std::move(*in));
  outbound_.emplace(std::move(*out));
  return true;
}

SrtpChannel::Received SrtpChannel::unprotect(Packet& packet, TransportCounters& counters, SrtpDropTotals* totals) {
  SrtpDropTotals ignored;
  SrtpDropTotals& sum = totals ? *totals : ignored;
  if (!inbound_) {
    ++counters.media_before_dtls;
    ++sum.before_keys;
    return Received::kDropped;
  }
  counters.bytes_in += packet.size();
  bool rtcp = rtp::is_rtcp(packet.span());
  auto r = rtcp ? inbound_->unprotect_rtcp(packet.data(), packet.size())
                : inbound_->unprotect_rtp(packet.data(), packet.size());
  if (!r) {
    switch (r.error()) {
      case srtp::Error::kAuthFail:
        ++counters.srtp_auth_failed;
        ++(rtcp ? sum.rtcp_auth_failed : sum.rtp_auth_failed);
        break;
      case srtp::Error::kReplayFail:
      case srtp::Error::kReplayOld:  // seen, or older than the window
        ++counters.srtp_replayed;
        ++sum.replayed;
        break;
      default:
        ++counters.srtp_other_failed;
        ++sum.other_failed;
        break;
    }
    return Received::kDropped;
  }
  packet.set_size(*r);
  ++(rtcp ? counters.rtcp_in : counters.rtp_in);
  return rtcp ? Received::kRtcp : Received::kRtp;
}

bool SrtpChannel::protect_rtp(Packet& packet, TransportCounters& counters) {
  if (!outbound_) return false;
  auto r = outbound_->protect_rtp(packet.data(), packet.size(), packet.capacity());
  if (!r) {
    ++counters.protect_failed;
    return false;
  }
  packet.set_size(*r);
  ++counters.rtp_out;
  counters.bytes_out += *r;
  return true;
}

Packet SrtpChannel::protect_rtcp(Bytes compound, PacketPool& pool, TransportCounters& counters) {
  if (!outbound_) return Packet();
  Packet p = pool.copy_of(compound);
  if (!p) return p;
  auto r = outbound_->protect_rtcp(p.data(), p.size(), p.capacity());
  if (!r) {
    ++counters.protect_failed;
    return Packet();
  }
  p.set_size(*r);
  ++counters.rtcp_out;
  counters.bytes_out += *r;
  return p;
}

}  // namespace umbrella::rtc
