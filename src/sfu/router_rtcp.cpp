// The Router's RTCP: feedback from subscribers (PLI/FIR -> merged PLI upstream, NACK ->
// retransmission), publishers' reports (consumed), NACKs and PLIs to publishers, and the
// periodic RR/SR with SDES CNAME.
#include <algorithm>
#include <array>

#include "rtp/rtcp_feedback.hpp"
#include "rtp/rtcp_reports.hpp"
#include "sfu/router.hpp"

namespace umbrella::sfu {
namespace {

constexpr size_t kRtcpBufferSize = 1500;

uint64_t ntp_add(uint64_t ntp, Duration d) {
  if (d.count() <= 0) return ntp;
  auto ns = uint64_t(d.count());
  return ntp + ((ns / 1000000000ULL) << 32) + (((ns % 1000000000ULL) << 32) / 1000000000ULL);
}

uint32_t rtp_ticks(Duration d, uint32_t clock_rate) {
  if (d.count() <= 0) return 0;
  auto ns = uint64_t(d.count());
  return uint32_t(ns / 1000000000ULL * clock_rate + ns % 1000000000ULL * clock_rate / 1000000000ULL);
}

}  // namespace

void Router::on_rtcp(TransportId from, Bytes compound, Instant now) {
  touch(now);
  rtp::RtcpIterator it(compound);
  while (auto h = it.next()) {
    if (h->is(rtp::RtcpType::kSr)) {
      on_sender_report(from, *h, now);
    } else if (h->is(rtp::RtcpType::kRtpfb) || h->is(rtp::RtcpType::kPsfb)) {
      on_feedback(from, *h, now);
    }
    // RR, SDES, BYE, APP, XR: consumed; the router's own reports replace them.
  }
  if (it.error()) ++counters_.malformed_rtcp;
}

void Router::on_sender_report(TransportId from, const rtp::RtcpHeader& h, Instant now) {
  auto sr = rtp::parse_sr(h);
  if (!sr) {
    ++counters_.malformed_rtcp;
    return;
  }
  const auto* k = find_by_ssrc(from, sr->ssrc);
  if (!k || k->rtx) return;
  Stream& s = *k->stream;
  s.recv_stats.on_sender_report(sr->info, now);
  s.has_sr = true;
  s.sr_ntp = sr->info.ntp_timestamp;
  s.sr_rtp = sr->info.rtp_timestamp;
  s.sr_arrival = now;
}

void Router::on_feedback(TransportId from, const rtp::RtcpHeader& h, Instant now) {
  auto fb = rtp::parse_feedback(h);
  if (!fb) {
    ++counters_.malformed_rtcp;
    return;
  }
  auto keyframe_for = [&](uint32_t media_ssrc) {
    const auto* k = find_output(from, media_ssrc);
    if (!k) {
      ++counters_.unknown_feedback;
      return;
    }
    ++k->stream->outputs[k->output].counters.plis_received;
    ++counters_.plis_received;
    keyframe_wanted(*k->stream, now);
  };
  if (h.is(rtp::RtcpType::kPsfb)) {
    if (h.fmt() == rtp::kFmtPli) {
      keyframe_for(fb->media_ssrc);
    } else if (h.fmt() == rtp::kFmtFir) {
      auto fir = rtp::parse_fir(h);
      if (!fir) {
        ++counters_.malformed_rtcp;
        return;
      }
      for (size_t i = 0; i < fir->size(); ++i) keyframe_for((*fir)[i].ssrc);
    } else if (h.fmt() == rtp::kFmtAfb) {
      ++counters_.remb_dropped;  // bandwidth estimation is not relayed
    }
    return;
  }
  if (h.fmt() == rtp::kFmtTransportCc) {
    on_transport_feedback(from, h, now);
    return;
  }
  if (h.fmt() != rtp::kFmtNack) return;
  auto nack = rtp::parse_nack(h);
  if (!nack) {
    ++counters_.malformed_rtcp;
    return;
  }
  const auto* k = find_output(from, nack->media_ssrc);
  if (!k) {
    ++counters_.unknown_feedback;
    return;
  }
  Stream& s = *k->stream;
  Output& o = s.outputs[k->output];
  ++o.counters.nacks_received;
  ++counters_.nacks_received;
  nack->for_each_lost([&](uint16_t seq) { retransmit(s, o, seq, now); });
}

void Router::request_keyframe(StreamId id, Instant now) {
  touch(now);
  Stream* s = find_stream(id);
  if (!s || !s->pub.layer_of) {
    if (s) keyframe_wanted(*s, now);
    return;
  }
  std::array<Stream*, kMaxLayers> layers;  // the layers someone receives
  for (size_t i = 0, n = layers_of(s->pub.layer_of, layers); i < n; ++i)
    if (!layers[i]->outputs.empty()) keyframe_wanted(*layers[i], now);
}

void Router::keyframe_wanted(Stream& s, Instant now) {
  if (s.pub.kind != Kind::kVideo) return;
  s.keyframe_pending = true;
  maybe_send_pli(s, now);
  lower_deadline(s);  // still pending: rate limited or the SSRC not yet known
}

void Router::maybe_send_pli(Stream& s, Instant now) {
  if (!s.keyframe_pending || s.pub.ssrc == 0) return;
  if (s.has_pli && now - s.last_pli < config_.keyframe_interval) return;
  std::array<uint8_t, 32> buf{};
  size_t n = rtp::build_rr(buf, config_.rtcp_ssrc);
  n += rtp::build_pli(MutableBytes(buf).subspan(n), config_.rtcp_ssrc, s.pub.ssrc);
  outbox_.send_rtcp(s.pub.transport, Bytes(buf.data(), n));
  s.keyframe_pending = false;
  s.has_pli = true;
  s.last_pli = now;
  ++s.counters.plis_sent;
  ++counters_.plis_sent;
}

void Router::send_nacks(Stream& s, Instant now) {
  std::array<uint16_t, rtp::NackGenerator::kCapacity> lost;
  size_t count = s.nack.poll(now, lost);
  if (count == 0 || s.pub.ssrc == 0) return;
  std::array<uint8_t, kRtcpBufferSize> buf;
  size_t n = rtp::build_rr(buf, config_.rtcp_ssrc);
  size_t m = rtp::build_nack(MutableBytes(buf).subspan(n), config_.rtcp_ssrc, s.pub.ssrc,
                             std::span<const uint16_t>(lost.data(), count));
  if (m == 0) return;
  outbox_.send_rtcp(s.pub.transport, Bytes(buf.data(), n + m));
  ++s.counters.nacks_sent;
  ++counters_.nacks_sent;
}

bool Router::nack_enabled(const Stream& s) const {
  return s.pub.kind == Kind::kVideo || config_.nack_audio;
}

void Router::lower_deadline(const Stream& s) {
  if (nack_enabled(s) && s.nack.outstanding() > 0) lower_deadline(s.nack.next_deadline());
  if (s.keyframe_pending && s.pub.ssrc != 0) lower_deadline(s.has_pli ? s.last_pli + config_.keyframe_interval : now_);
}

void Router::recompute_deadline() {
  next_deadline_ = std::min(next_report_, next_layer_tick_);
  for (const auto& tw : twcc_) lower_deadline(tw->feedback.next_deadline());
  for (const auto& bw : bandwidth_) lower_deadline(*bw);
  for (const auto& s : streams_) lower_deadline(*s);
}

void Router::on_timeout(Instant now) {
  touch(now);
  for (auto& sp : streams_) {
    Stream& s = *sp;
    if (nack_enabled(s)) {
      if (s.nack.next_deadline() <= now) send_nacks(s, now);
      if (s.nack.take_keyframe_request()) keyframe_wanted(s, now);
    }
    maybe_send_pli(s, now);
  }
  send_twcc(now);
  for (auto& bw : bandwidth_) send_probes(*bw, now);
  if (now >= next_layer_tick_) choose_layers(now);
  if (now >= next_report_) {
    send_reports(now);
    next_report_ = now + config_.report_interval;
  }
  recompute_deadline();
}

void Router::send_reports(Instant now) {
  send_receiver_reports(now);
  for (auto& s : streams_) send_sender_reports(*s, now);
}

// One RR (+ SDES) per publisher transport, with a block for each of its streams.
void Router::send_receiver_reports(Instant now) {
  std::array<rtp::ReportBlock, rtp::kMaxReportBlocks> blocks;
  size_t count = 0;
  TransportId transport = 0;
  auto flush = [&] {
    if (count == 0) return;
    std::array<uint8_t, kRtcpBufferSize> buf;
    size_t n = rtp::build_rr(buf, config_.rtcp_ssrc, std::span(blocks.data(), count));
    n += rtp::build_sdes_cname(MutableBytes(buf).subspan(n), config_.rtcp_ssrc, config_.cname);
    outbox_.send_rtcp(transport, Bytes(buf.data(), n));
    count = 0;
  };
  for (const auto& k : stream_index_) {  // sorted by transport
    if (k.rtx || !k.stream->recv_stats.has_packets()) continue;
    if (k.transport != transport || count == blocks.size()) flush();
    transport = k.transport;
    blocks[count++] = k.stream->recv_stats.report_block(now);
  }
  flush();
}

// One SR + SDES per subscriber stream. With a publisher SR, the subscriber's SR carries the
// publisher's NTP timeline, so audio and video of one publisher stay in sync downstream.
void Router::send_sender_reports(Stream& s, Instant now) {
  const std::string& cname = s.pub.cname.empty() ? config_.cname : s.pub.cname;
  for (auto& o : s.outputs) {
    if (!o.send_stats.has_sent()) continue;
    rtp::SenderInfo info = o.send_stats.sender_info(now, ntp_clock_);
    if (s.has_sr && o.has_ts_offset) {
      Duration since = now - s.sr_arrival;
      info.ntp_timestamp = ntp_add(s.sr_ntp, since);
      info.rtp_timestamp = s.sr_rtp + o.ts_offset + rtp_ticks(since, s.pub.clock_rate);
    }
    std::array<uint8_t, kRtcpBufferSize> buf;
    size_t n = rtp::build_sr(buf, o.sub.ssrc, info);
    n += rtp::build_sdes_cname(MutableBytes(buf).subspan(n), o.sub.ssrc, cname);
    outbox_.send_rtcp(o.sub.transport, Bytes(buf.data(), n));
  }
}

}  // namespace umbrella::sfu
