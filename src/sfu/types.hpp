// The SFU's forwarding vocabulary: who publishes which RTP stream, who subscribes to it, and
// the counters the router keeps about both.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "rtp/payload_format.hpp"

namespace umbrella::sfu {

using TransportId = uint32_t;  // one WebRTC transport (a browser, a WHIP/WHEP client, a trunk link)
using StreamId = uint32_t;     // one published RTP stream

enum class Kind : uint8_t { kAudio, kVideo };

// Negotiated RFC 8285 extension ids of one side; 0 = not negotiated.
struct ExtensionIds {
  uint8_t mid = 0, rid = 0, repaired_rid = 0, abs_send_time = 0, transport_cc = 0, audio_level = 0;
  uint8_t dependency_descriptor = 0;  // AV1 RTP spec appendix A (video)
};

struct PublishedStream {
  StreamId id = 0;
  TransportId transport = 0;
  Kind kind = Kind::kVideo;
  uint32_t ssrc = 0;      // 0: unknown, learned from the mid/rid header extensions
  uint32_t rtx_ssrc = 0;  // 0: unknown/none (learned from repaired-rid or the RTX pt)
  std::string rid;        // simulcast rid when the SSRC is not signalled ("" otherwise)
  std::string mid;        // publisher's mid, to match SSRC-less packets by the mid extension
  uint8_t rtx_payload_type = 0;
  uint32_t clock_rate = 90000;
  ExtensionIds extensions;  // publisher's negotiated ids
  std::string cname;        // put in subscribers' SDES ("" -> the router's cname)
  // Simulcast: the id of the track's first layer, in every layer of the track (0: a track of
  // one stream). Subscriptions name that id and the router moves each one between the layers.
  StreamId layer_of = 0;
  // Video payload types and their codecs: a layer switch waits for a keyframe, found with them.
  std::vector<std::pair<uint8_t, rtp::Codec>> codecs;
};

struct Subscription {
  StreamId stream = 0;
  TransportId transport = 0;
  uint32_t ssrc = 0;      // what the subscriber sees
  uint32_t rtx_ssrc = 0;  // 0: no RTX towards this subscriber
  std::array<uint8_t, 128> payload_type_map{};  // publisher pt -> subscriber pt (0 = drop)
  uint8_t rtx_payload_type = 0;                 // subscriber's RTX pt (0: retransmit plain)
  ExtensionIds extensions;  // subscriber's negotiated ids (rewritten, or dropped when 0)
  // The subscriber is another SFU (a trunk), which chooses layers and estimates bandwidth for
  // its own subscribers: it takes every layer (each simulcast layer a subscription of its own
  // that stays on its stream, every SVC layer), and the transport-cc element goes on with its
  // packets for the far SFU to number; nothing toward it is estimated or paused here.
  bool far_sfu = false;
};

struct StreamCounters {
  uint64_t packets = 0, bytes = 0, lost = 0, nacks_sent = 0, plis_sent = 0, rtx_received = 0;
  uint64_t duplicates = 0;  // media or RTX packets already in the cache (not forwarded again)
  // A VP9 payload descriptor or an AV1 dependency descriptor that does not parse (not forwarded).
  uint64_t malformed_payload = 0;
};

struct SubscriptionCounters {
  uint64_t packets = 0, bytes = 0, nacks_received = 0, retransmitted = 0, plis_received = 0;
  uint64_t retransmit_misses = 0;  // NACKed sequence numbers not (or no longer) in the cache
  uint64_t dropped_payload_type = 0;  // publisher pt not mapped for this subscriber
  uint64_t paused = 0;  // video not sent: the transport's bandwidth estimate cannot carry it
  uint64_t layer_switches = 0;  // simulcast layer changed (at a keyframe of the new layer)
  uint64_t hidden = 0;  // video not sent: the subscriber does not show it (set_view)
  uint64_t svc_dropped = 0;  // VP9 SVC packets of layers above the subscriber's
};

// How large a subscriber shows a video track: its picture height in device pixels.
inline constexpr uint16_t kViewHidden = 0, kViewAnySize = 0xFFFF;

// Why a subscriber gets the simulcast layer it gets.
enum class LayerReason : uint8_t { kNone, kBest, kBandwidth, kTileSize, kOnlyLayer, kOverload };

// A subscription's simulcast layer: index among the track's live layers, cheapest first. For
// VP9 SVC, the spatial layer (of those seen), and the temporal one.
struct LayerState {
  int layer = -1;   // -1: not simulcast, or no layer live yet
  int layers = 0;   // live layers
  int target = -1;  // a switch waiting for that layer's keyframe (-1: none)
  LayerReason reason = LayerReason::kNone;
  int temporal = -1;  // SVC: the highest temporal layer forwarded (-1: not SVC)
  int temporals = 0;  // SVC: temporal layers seen
};

struct RouterCounters {
  // Totals over every stream since start (the per-stream counters go with their stream), so
  // they only grow: what /metrics exports as Prometheus counters.
  uint64_t packets_received = 0, bytes_received = 0, packets_forwarded = 0, bytes_forwarded = 0;
  uint64_t nacks_sent = 0, nacks_received = 0, plis_sent = 0, plis_received = 0;
  uint64_t rtx_received = 0, retransmitted = 0;
  uint64_t unknown_ssrc_packets = 0;
  uint64_t unknown_ssrc_named = 0;      // of them, naming a rid or repaired rid no layer took
  uint64_t ssrc_changes_deferred = 0;   // a layer's move held back: it moved less than 1 s before
  uint64_t ssrc_changes = 0;  // a rid layer's sender moved it to a new SSRC (or RTX SSRC)
  uint64_t malformed_rtp = 0;
  uint64_t malformed_payload = 0;  // VP9 descriptors refused (the packet is not forwarded)
  uint64_t svc_dropped = 0;        // VP9 SVC packet copies not sent: layers above a subscriber's
  uint64_t malformed_rtcp = 0;
  uint64_t remb_dropped = 0;
  uint64_t twcc_dropped = 0;
  uint64_t unknown_feedback = 0;  // feedback about an SSRC the transport does not receive
  // Subscribers' bandwidth estimation (transport-cc toward them).
  uint64_t transport_feedback = 0;   // transport-cc feedback taken by an estimate
  uint64_t bandwidth_pauses = 0, bandwidth_resumes = 0;
  uint64_t probe_packets = 0;
  uint64_t layer_switches = 0;   // simulcast switches done (at a keyframe of the new layer)
  uint64_t layer_keyframes = 0;  // keyframes asked for because a subscriber waits to switch
  uint64_t load_shed = 0;        // video copies not made because the server was behind (load level)
};

struct RouterConfig {
  uint32_t rtcp_ssrc = 0x554D4252;  // sender SSRC of the router's own RTCP ("UMBR")
  std::string cname = "umbrella-sfu";
  Duration report_interval = milliseconds(1000);
  Duration keyframe_interval = milliseconds(300);  // at most one PLI per stream per interval
  Duration nack_rtt = milliseconds(100);           // NACK retry spacing
  int nack_max_retries = 3;
  Duration nack_max_age = milliseconds(1000);
  // Each cached packet pins a pool slot: ~2.5 s of 1 Mbps video is plenty for NACKs that
  // arrive within a few round trips, and audio is not NACKed by default.
  size_t video_cache_slots = 256;
  size_t audio_cache_slots = 16;
  Duration cache_max_age = milliseconds(1000);
  bool nack_audio = false;  // NACK publishers' audio gaps too
};

}  // namespace umbrella::sfu
