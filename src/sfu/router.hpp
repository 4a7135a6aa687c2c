// The SFU media plane as a sans-IO core: publisher streams fanned out to subscriber outputs
// with per-subscriber SSRC/sequence/timestamp/pt/extension rewriting, keyframe requests, loss
// repair (NACK both ways, RTX) and RTCP reports. Decrypted packets and Instants in; rewrites
// and compound RTCP out through the Outbox; on_timeout() at next_deadline().
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/bytes.hpp"
#include "core/packet_pool.hpp"
#include "core/time.hpp"
#include "rtp/ntp.hpp"
#include "rtp/rtcp_twcc.hpp"
#include "rtp/vp9_descriptor.hpp"
#include "sfu/layer_allocation.hpp"
#include "sfu/load_governor.hpp"
#include "sfu/router_state.hpp"
#include "sfu/subscriber_bandwidth.hpp"
#include "sfu/twcc_feedback.hpp"
#include "sfu/rtp_rewrite.hpp"
#include "sfu/types.hpp"

namespace umbrella::sfu {

class Router {
 public:
  explicit Router(Outbox& outbox) : Router(outbox, RouterConfig{}) {}
  Router(Outbox& outbox, RouterConfig config);
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Re-adding an existing id replaces the publisher (e.g. reconnect): subscriptions stay and
  // their numbering continues across the new source.
  void add_stream(const PublishedStream& stream);
  void remove_stream(StreamId id);
  // A subscription on the same transport with the same subscriber SSRC as an existing one (or
  // one removed recently) takes over its numbering: that is how a simulcast layer switch or a
  // publisher swap stays continuous for the subscriber. Video asks for a keyframe at once.
  void add_subscription(const Subscription& subscription);
  void remove_subscription(StreamId stream, TransportId transport);
  void remove_transport(TransportId transport);  // all its streams and subscriptions

  void on_rtp(TransportId from, const Packet& packet /* decrypted */, Instant now);
  void on_rtcp(TransportId from, Bytes compound /* decrypted */, Instant now);
  // O(1): a cached lower bound, lowered as packets arrive and recomputed by on_timeout and
  // registration changes (a timer that fires early finds nothing due and re-arms).
  Instant next_deadline() const { return next_deadline_; }
  void on_timeout(Instant now);

  // Maps Instants onto NTP time for sender reports (sampled once by the event loop).
  void set_ntp_clock(const rtp::NtpClock& clock) { ntp_clock_ = clock; }
  // How large `transport` shows track id (kViewHidden: not at all, so its video is not sent;
  // kViewAnySize, the default: no limit). Simulcast gets the smallest layer at least that tall.
  void set_view(StreamId id, TransportId transport, uint16_t height, Instant now);
  // The server's own load (LoadGovernor's level): from 1, simulcast subscriptions are held that
  // many layers below the best; at kMaxLoadLevel no video is forwarded (audio goes on), and
  // lowering it brings video back from a keyframe without a gap.
  void set_load_level(int level, Instant now);
  int load_level() const { return load_level_; }
  // Asks the publisher of a video stream for a keyframe (rate limited).
  void request_keyframe(StreamId id, Instant now);

  const StreamCounters* stream_counters(StreamId id) const;
  size_t subscribers(StreamId id) const;  // over all its simulcast layers
  const SubscriptionCounters* subscription_counters(StreamId id, TransportId transport) const;
  LayerState subscription_layer(StreamId id, TransportId transport) const;
  // Permille of an audio stream's packets loud enough to be speech since the last call (-1:
  // none carried an audio level), for active-speaker detection; resets.
  int take_voice_activity(StreamId id);
  // The transport a stream comes in on now (0: no such stream).
  TransportId stream_transport(StreamId id) const;
  // Learned SSRC of a stream registered by rid/mid only (0 until seen).
  uint32_t stream_ssrc(StreamId id) const;
  uint32_t stream_rtx_ssrc(StreamId id) const;
  // Whether the publisher sent a sender report: the SRs to subscribers then carry its clock
  // (before that, the router's own), which is what a recording syncs its tracks by.
  bool stream_has_sender_report(StreamId id) const;
  uint64_t unknown_ssrc_packets() const { return counters_.unknown_ssrc_packets; }
  const RouterCounters& counters() const { return counters_; }
  size_t stream_count() const { return streams_.size(); }
  size_t subscription_count() const { return output_index_.size(); }
  // The bandwidth estimate toward a subscriber transport (null: it did not negotiate
  // transport-cc, or receives nothing yet).
  const SubscriberBandwidth* bandwidth(TransportId transport) const { return find_bandwidth(transport); }
  size_t paused_subscribers() const {
    return size_t(std::count_if(bandwidth_.begin(), bandwidth_.end(), [](const auto& b) { return b->paused(); }));
  }
  // Subscriber transports whose video was paused (true) or resumed (false) since the last
  // call, oldest first; the caller's vector is cleared first.
  void take_pause_changes(std::vector<std::pair<TransportId, bool>>& out) {
    out.clear();
    out.swap(pause_changes_);
  }

 private:
  using Stream = detail::Stream;
  using Output = detail::Output;

  struct OutputRef {
    Stream* stream = nullptr;
    size_t index = 0;
  };

  Stream* find_stream(StreamId id) const;
  // The subscription of transport to track id, in whichever of its layers it sits now.
  OutputRef find_subscription(StreamId id, TransportId transport) const;
  const detail::StreamKey* find_by_ssrc(TransportId transport, uint32_t ssrc) const;
  const detail::OutputKey* find_output(TransportId transport, uint32_t ssrc) const;
  void rebuild_indexes();
  bool retire_output(Output&& output);
  Stream* learn_ssrc(TransportId from, const rtp::RtpView& v, bool& rtx);
  void count_unknown_ssrc(TransportId from, const rtp::RtpView& v);

  void forward(Stream& s, const Packet& packet, const rtp::RtpView& v, uint16_t seq, bool unwrap,
               Instant now);
  void retransmit(Stream& s, Output& o, uint16_t out_seq, Instant now);
  void on_feedback(TransportId from, const rtp::RtcpHeader& h, Instant now);
  void on_sender_report(TransportId from, const rtp::RtcpHeader& h, Instant now);
  void keyframe_wanted(Stream& s, Instant now);
  void maybe_send_pli(Stream& s, Instant now);
  void send_nacks(Stream& s, Instant now);
  void send_reports(Instant now);
  void send_receiver_reports(Instant now);
  void send_sender_reports(Stream& s, Instant now);
  void touch(Instant now);
  bool nack_enabled(const Stream& s) const;
  void lower_deadline(Instant t) { next_deadline_ = std::min(next_deadline_, t); }
  void lower_deadline(const Stream& s);  // its NACK and keyframe deadlines
  void recompute_deadline();

  Outbox& outbox_;
  RouterConfig config_;
  rtp::NtpClock ntp_clock_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<detail::StreamKey> stream_index_;  // sorted by (transport, ssrc)
  std::vector<detail::OutputKey> output_index_;  // sorted by (transport, ssrc)
  std::vector<Output> retired_;                  // recently removed outputs, newest last
  Instant now_{};                                // newest time seen (registration has none)
  Instant next_report_ = kNever;
  Instant next_deadline_ = kNever;
  RouterCounters counters_;
  // Congestion feedback per publisher transport that negotiated transport-cc.
  struct TwccState {
    TransportId transport;
    uint32_t media_ssrc;
    TwccFeedback feedback;
  };
  std::vector<std::unique_ptr<TwccState>> twcc_;
  void record_twcc(TransportId from, const Stream& s, const rtp::RtpView& v, Instant now);
  void send_twcc(Instant now);

  // Subscribers' bandwidth (router_bandwidth.cpp), sorted by transport.
  std::vector<std::unique_ptr<SubscriberBandwidth>> bandwidth_;
  std::vector<std::pair<TransportId, bool>> pause_changes_;
  std::array<rtp::TwccPacket, bwe::SendHistory::kSize> twcc_scratch_;  // decoded feedback
  SubscriberBandwidth* bandwidth_for(TransportId transport);  // created on first use
  SubscriberBandwidth* find_bandwidth(TransportId transport) const;
  void forget_bandwidth(TransportId transport);
  // Numbers rw for the output's transport when the source carries a transport-cc element.
  void stamp(Output& o, Kind kind, bool has_element, size_t size, RtpRewrite& rw, Instant now);
  void on_transport_feedback(TransportId from, const rtp::RtcpHeader& h, Instant now);
  void send_probes(SubscriberBandwidth& bw, Instant now);
  void lower_deadline(const SubscriberBandwidth& bw);

  // Simulcast (router_layers.cpp).
  int load_level_ = 0;
  Instant next_layer_tick_ = kNever;
  Instant last_layer_tick_{};
  size_t layers_of(StreamId group, std::array<Stream*, kMaxLayers>& out) const;
  size_t live_layers(StreamId group, std::array<Stream*, kMaxLayers>& out) const;  // cheapest first
  bool starts_keyframe(Stream& s, const rtp::RtpView& v);  // notes a VP8 layer's height
  // SVC (router_svc.cpp). What a packet is to layer selection: not SVC, a layer's packet, or
  // a descriptor that does not parse; and whether its dependency descriptor goes.
  struct SvcRead {
    std::optional<SvcPacket> packet;
    bool malformed = false;
    uint8_t drop_extension = 0;  // the publisher's dependency descriptor id when it must not go
    const rtp::DdStructure* structure = nullptr;  // a new AV1 structure the packet carries
    uint8_t spatial_layers = 0, temporal_layers = 0;  // as the descriptor says (0: not said)
    std::array<uint16_t, kMaxLayers> height{};        // layer heights it says (0: not said)
  };
  SvcRead read_svc(Stream& s, const rtp::RtpView& v, uint8_t pt, bool unwrap);
  // A newer packet than all before: counts its bytes to its layer, learns the layers.
  void note_svc_layers(Stream& s, const SvcRead& r, size_t size);
  void apply_svc(Output& o, Stream& s, const LayerChoice& choice, int64_t budget_left, Instant now);
  void move_output(Stream& from, size_t index, Stream& to);
  void complete_switches(Stream& to);  // at its keyframe: the outputs waiting for it move in
  void place_new_output(Stream& s);    // its newest output, onto the best live layer
  void measure_streams(Instant now);
  void choose_layers(Instant now);
  void apply_layer(Output* o, Stream& current, const std::array<Stream*, kMaxLayers>& live,
                   const LayerChoice& choice, Instant now);
};

}  // namespace umbrella::sfu
