// The Router's side of subscribers' bandwidth estimation: transport-wide numbering of what it
// sends them, their transport-cc feedback into each transport's estimate, probe padding, and
// pausing video that the estimate cannot carry (audio always goes).
#include <algorithm>
#include <array>

#include "rtp/rtcp_twcc.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_extensions.hpp"
#include "sfu/router.hpp"

namespace umbrella::sfu {
namespace {

constexpr uint8_t kPaddingSize = 255;  // the most one RTP padding count byte describes

auto by_transport(TransportId t) {
  return [t](const std::unique_ptr<SubscriberBandwidth>& b) { return b->transport < t; };
}

}  // namespace

SubscriberBandwidth* Router::bandwidth_for(TransportId t) {
  auto it = std::partition_point(bandwidth_.begin(), bandwidth_.end(), by_transport(t));
  if (it != bandwidth_.end() && (*it)->transport == t) return it->get();
  return bandwidth_.insert(it, std::make_unique<SubscriberBandwidth>(t))->get();
}

SubscriberBandwidth* Router::find_bandwidth(TransportId t) const {
  auto it = std::partition_point(bandwidth_.begin(), bandwidth_.end(), by_transport(t));
  return it != bandwidth_.end() && (*it)->transport == t ? it->get() : nullptr;
}

void Router::forget_bandwidth(TransportId t) {
  std::erase_if(bandwidth_, [t](const auto& b) { return b->transport == t; });
  std::erase_if(pause_changes_, [t](const auto& c) { return c.first == t; });
}

void Router::stamp(Output& o, Kind kind, bool has_element, size_t size, RtpRewrite& rw, Instant now) {
  // Without the element in the source there is no room to number it: such a packet stays out
  // of the estimate (and of the subscriber's transport-wide sequence, so it is not "lost").
  if (!o.bw || !has_element || o.sub.extensions.transport_cc == 0) return;
  rw.transport_cc_id = o.sub.extensions.transport_cc;
  rw.transport_seq = o.bw->on_sent(size, kind, now);
}

void Router::on_transport_feedback(TransportId from, const rtp::RtcpHeader& h, Instant now) {
  SubscriberBandwidth* bw = find_bandwidth(from);
  if (!bw) {
    ++counters_.twcc_dropped;  // a publisher's own estimate: not relayed
    return;
  }
  auto malformed = [&] {
    ++bw->counters.malformed_feedback;
    ++counters_.malformed_rtcp;
  };
  auto view = rtp::parse_twcc(h);
  if (!view) return malformed();
  auto n = rtp::decode_twcc(*view, twcc_scratch_);
  if (!n) return malformed();
  auto& packets = twcc_scratch_;
  ++bw->counters.feedback;
  ++counters_.transport_feedback;
  bw->estimator.on_feedback(std::span(packets.data(), *n), to_us(now));
  if (bw->update(now)) {
    bool paused = bw->paused();
    ++(paused ? counters_.bandwidth_pauses : counters_.bandwidth_resumes);
    pause_changes_.emplace_back(from, paused);
    if (!paused) {
      // Continue each video output from its next packet without a gap, and ask for a
      // keyframe so the picture comes back at once.
      for (auto& s : streams_) {
        if (s->pub.kind != Kind::kVideo) continue;
        for (auto& o : s->outputs)
          if (o.bw == bw && s->pub.ssrc) o.rewriter.switch_source(s->pub.ssrc);
        if (std::any_of(s->outputs.begin(), s->outputs.end(), [bw](const Output& o) { return o.bw == bw; }))
          keyframe_wanted(*s, now);
      }
    }
  }
  if (!bw->pacer.active())
    if (auto probe = bw->estimator.poll_probe(to_us(now))) bw->pacer.start(*probe, to_us(now));
  lower_deadline(*bw);
}

void Router::lower_deadline(const SubscriberBandwidth& bw) {
  int64_t next = bw.pacer.next_us();
  if (next >= 0) lower_deadline(Instant{} + microseconds(next));
}

// Padding on the RTX stream of one of the transport's video outputs (what libwebrtc probes
// with): the receiver discards it, but its transport-wide numbers come back in feedback.
void Router::send_probes(SubscriberBandwidth& bw, Instant now) {
  if (!bw.pacer.active() || bw.pacer.next_us() > to_us(now)) return;
  Output* out = nullptr;
  for (auto it = std::lower_bound(output_index_.begin(), output_index_.end(), bw.transport,
                                  [](const detail::OutputKey& k, TransportId t) { return k.transport < t; });
       it != output_index_.end() && it->transport == bw.transport; ++it) {
    Output& o = it->stream->outputs[it->output];
    if (o.sub.rtx_ssrc && o.sub.rtx_payload_type && o.sub.extensions.transport_cc && o.rewriter.has_output()) {
      out = &o;
      break;
    }
  }
  std::array<uint8_t, 12 + 8 + kPaddingSize> buf;
  size_t packet = buf.size();
  while (bw.pacer.due(to_us(now), packet) > 0) {
    bw.pacer.sent(packet);
    if (!out) continue;  // nothing to probe on: the cluster runs out unsent and fails
    rtp::RtpHeader h{false, out->sub.rtx_payload_type, out->rtx_seq++, out->rewriter.last_timestamp(),
                     out->sub.rtx_ssrc};
    uint16_t seq = bw.next_seq;
    auto value = rtp::encode_transport_cc_seq(seq);
    rtp::ExtensionValue ext{out->sub.extensions.transport_cc, Bytes(value)};
    size_t n = rtp::write_rtp_packet(buf, h, std::span(&ext, 1), Bytes{}, kPaddingSize);
    if (n == 0) continue;
    bw.on_sent(n, Kind::kVideo, now, bw.pacer.cluster());
    ++bw.counters.probe_packets;
    ++counters_.probe_packets;
    outbox_.send_padding(bw.transport, Bytes(buf.data(), n));
  }
  lower_deadline(bw);
}

}  // namespace umbrella::sfu
