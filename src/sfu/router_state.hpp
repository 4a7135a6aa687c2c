// Router internals: per published stream and per subscription state. Everything that grows
// is sized when a stream or subscription is registered, never per packet.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/time.hpp"
#include "rtp/dependency_descriptor.hpp"
#include "rtp/nack_generator.hpp"
#include "rtp/picture_ids.hpp"
#include "rtp/retransmission_cache.hpp"
#include "rtp/rtcp_packet.hpp"
#include "rtp/rtp_packet.hpp"
#include "rtp/rtcp_stats.hpp"
#include "rtp/rtp_mutate.hpp"
#include "rtp/seq_ts_rewriter.hpp"
#include "sfu/layer_allocation.hpp"
#include "sfu/subscriber_bandwidth.hpp"
#include "sfu/svc_selector.hpp"
#include "sfu/types.hpp"
#include "sfu/voice_activity.hpp"

namespace umbrella::sfu::detail {

// One subscriber's view of a stream.
struct Output {
  Output(const Subscription& s, uint32_t clock_rate);

  Subscription sub;
  rtp::ExtensionIdMap ext_map;
  rtp::SeqTimestampRewriter rewriter;
  rtp::PictureIdRewriter pictures;  // simulcast VP8/VP9: numbers go on across layer switches
  rtp::SendStatistics send_stats;
  uint16_t rtx_seq = 0;      // the subscriber-side RTX stream's own numbering
  uint32_t ts_offset = 0;    // out - in timestamp of the newest forwarded packet (for SR)
  bool has_ts_offset = false;
  SubscriptionCounters counters;
  SubscriberBandwidth* bw = nullptr;  // the transport's, when it negotiated transport-cc
  // Simulcast: the layer (stream id) this output moves to at that layer's next keyframe.
  StreamId target = 0;
  LayerState layer;  // as chosen at the last layer tick, for status
  uint8_t down_ticks = 0;  // layer ticks in a row that wanted a lower layer
  uint16_t view_height = kViewAnySize;  // as the subscriber shows it (kViewHidden: not at all)
  SvcSelector svc;  // SVC (VP9, AV1): the layers of the stream this subscriber gets
};

// AV1 SVC: the dependency descriptor structure the stream's packets refer to, and the slot a
// packet's own structure is read into (the current one once it is the newest packet's). Made
// at the stream's first descriptor, never per packet.
struct DdState {
  std::array<rtp::DdStructure, 2> slots;
  int current = -1;  // none yet
  const rtp::DdStructure* structure() const { return current < 0 ? nullptr : &slots[size_t(current)]; }
  rtp::DdStructure& scratch() { return slots[current == 0 ? 1 : 0]; }
  void adopt() { current = current == 0 ? 1 : 0; }
};

// SVC (VP9, AV1): what the stream's layers are and cost, from the descriptors. Indices past
// kMaxLayers - 1 are counted with the highest (choosing it then means "everything").
struct SvcLayers {
  uint8_t spatial = 0, temporal = 0;  // layers seen: highest index + 1 (at most kMaxLayers)
  std::array<uint16_t, kMaxLayers> height{};  // from keyframes' scalability structure (0: unknown)
  std::array<uint64_t, kMaxLayers * kMaxLayers> bytes{}, bytes_at_tick{};  // [spatial][temporal]
  std::array<int64_t, kMaxLayers * kMaxLayers> bps{};
  bool has_sequence = false;  // newest sequence number with layer indices seen
  uint16_t newest_sequence = 0;
  bool active() const { return spatial > 1 || temporal > 1; }
  // Bits per second of the layers up to (s, t).
  int64_t cost(size_t s, size_t t) const {
    int64_t sum = 0;
    for (size_t i = 0; i <= s; ++i)
      for (size_t j = 0; j <= t; ++j) sum += bps[i * kMaxLayers + j];
    return sum;
  }
};

struct Stream {
  Stream(const PublishedStream& p, const RouterConfig& config);

  PublishedStream pub;
  rtp::RetransmissionCache cache;
  rtp::NackGenerator nack;
  rtp::ReceiveStatistics recv_stats;
  uint8_t media_payload_type = 0;  // newest primary pt, restored when unwrapping RTX
  bool keyframe_pending = false;
  Instant last_ssrc_change[2]{};  // learn_ssrc: the sender last moved this rid layer, its RTX
  bool has_pli = false;
  Instant last_pli{};
  // Newest SR from the publisher, to give subscribers an SR on the same NTP timeline.
  bool has_sr = false;
  uint64_t sr_ntp = 0;
  uint32_t sr_rtp = 0;
  Instant sr_arrival{};
  std::vector<Output> outputs;
  StreamCounters counters;
  VoiceActivity voice;  // audio with the audio-level extension
  // Measured at each layer tick from counters.bytes (nothing per packet): what the stream
  // carries, and when it last grew (a simulcast layer the publisher stopped goes quiet).
  uint64_t bytes_at_tick = 0;
  int64_t bps = 0;
  Instant last_growth{};
  bool live = false;
  size_t switches_waiting = 0;  // outputs in sibling layers waiting for this one's keyframe
  uint16_t height = 0;          // a simulcast layer's picture height, from its keyframes (0: unknown)
  SvcLayers svc;
  std::unique_ptr<DdState> dd;  // AV1 with the dependency descriptor
};

// Sorted lookup rows, rebuilt on registration changes.
struct StreamKey {
  TransportId transport;
  uint32_t ssrc;
  Stream* stream;
  bool rtx;
};
struct OutputKey {
  TransportId transport;
  uint32_t ssrc;
  Stream* stream;
  size_t output;
};


}  // namespace umbrella::sfu::detail
