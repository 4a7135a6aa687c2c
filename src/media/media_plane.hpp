// The media plane: every transport's decrypted RTP/RTCP in, forwarded to the subscribers'
// transports out, through the SFU router. It knows transports and tracks by id only: no
// rooms, names or signalling (those sit above, in src/server, and call the methods below).
// One timer drives the router; it is re-armed once per event-loop iteration (a flusher),
// never per packet. The same flusher re-arms the timers of the transports that took input in
// that iteration (rearm_later), so a batch of datagrams costs one reschedule per transport.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event_loop.hpp"
#include "core/packet_pool.hpp"
#include "sfu/router.hpp"

namespace umbrella::media {

using TransportId = sfu::TransportId;
using TrackId = sfu::StreamId;  // one publisher track (an RTP stream, with its RTX)

// One layer of a simulcast track: by rid (SSRCs learned from the RTP header extensions) or by
// SSRC (an a=ssrc-group:SIM, each with its RTX from an FID group).
struct SimulcastLayer {
  std::string rid;
  uint32_t ssrc = 0, rtx_ssrc = 0;
};

// A transport as the media plane sees it: encrypts and sends. Implemented by the transport's
// owner (the server's Peer, or a test's in-memory transport).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual bool connected() const = 0;
  virtual bool send_rtp(Packet packet) = 0;   // the subscriber's own copy, rewritten
  virtual bool send_rtcp(Bytes compound) = 0;  // plaintext compound RTCP
  // Its own deadline may have moved: called from the plane's flusher after rearm_later().
  virtual void rearm_timer() = 0;
};

struct MediaPlaneCounters {
  uint64_t forwarded = 0;        // RTP copies handed to a transport
  uint64_t not_connected = 0;    // dropped: the subscriber's transport is not up (yet)
  uint64_t pool_exhausted = 0;   // dropped: no packet for the copy
  uint64_t rewrite_failed = 0;   // dropped: the copy could not take the subscriber's rewrite
  uint64_t timer_arms = 0;       // router timer re-armed (at most once per loop iteration)
  uint64_t transport_timer_arms = 0;  // transports' timers re-armed (at most once each per iteration)
};

class MediaPlane final : private sfu::Outbox {
 public:
  MediaPlane(EventLoop& loop, PacketPool& pool);
  ~MediaPlane() override;
  MediaPlane(const MediaPlane&) = delete;
  MediaPlane& operator=(const MediaPlane&) = delete;

  // The transport must outlive its registration (remove_transport, usually in its destructor).
  TransportId add_transport(Transport& transport);
  void remove_transport(TransportId id);  // with every track it published and subscription it had

  // A track the transport `track.transport` receives from its remote; track.id is assigned.
  // With simulcast (more than one layer, at most sfu::kMaxLayers), each layer is a stream of
  // its own, with ids id, id + 1, ... (id is the first layer's); unpublish(id) removes them all.
  TrackId publish(sfu::PublishedStream track, std::span<const SimulcastLayer> layers = {});
  // The same track from another source (a second copy of a trunked track, #18): the streams
  // id, id + 1, ... take the new transport, SSRCs and payload types, as publish() would lay
  // them out; subscriptions stay, their numbering continues, video waits for a keyframe.
  void republish(TrackId id, sfu::PublishedStream track, std::span<const SimulcastLayer> layers = {});
  // The transport track id comes in on now (0: none).
  TransportId track_source(TrackId id) const { return router_.stream_transport(id); }
  void unpublish(TrackId id);
  void subscribe(const sfu::Subscription& subscription);
  void unsubscribe(TrackId track, TransportId subscriber);
  void request_keyframe(TrackId track);
  // How large the subscriber shows the track (sfu::kViewHidden: not at all; Router::set_view).
  void set_view(TrackId track, TransportId subscriber, uint16_t height);
  // The server's load (sfu::LoadGovernor's level; Router::set_load_level).
  void set_load_level(int level) {
    router_.set_load_level(level, loop_.now());
    deadline_changed_ = true;
  }
  // Subscriptions to the track now (0: nobody receives it, so none need be brought in).
  size_t subscribers(TrackId track) const { return router_.subscribers(track); }
  // Called whenever a subscription may have come or gone (subscribe, unsubscribe, unpublish,
  // a transport removed), maybe from a destructor: trunks ask the far side for what is
  // watched (server/trunk_wants.hpp). It must only note the change, not act on it there.
  void on_subscriptions_changed(std::function<void()> fn) { subscriptions_changed_ = std::move(fn); }

  // The transport took input and its deadline may have moved: its rearm_timer() runs once at
  // the end of this loop iteration. The caller asks once until then (it keeps a flag); a
  // transport removed in between is skipped.
  void rearm_later(TransportId id) { stale_transports_.push_back(id); }

  // Decrypted media from a transport (its receive path calls these directly).
  void on_rtp(TransportId from, const Packet& packet, Instant now) {
    router_.on_rtp(from, packet, now);
    deadline_changed_ = true;
  }
  void on_rtcp(TransportId from, Bytes compound, Instant now) {
    router_.on_rtcp(from, compound, now);
    deadline_changed_ = true;
  }

  const sfu::StreamCounters* track_counters(TrackId id) const { return router_.stream_counters(id); }
  const sfu::SubscriptionCounters* subscription_counters(TrackId id, TransportId t) const {
    return router_.subscription_counters(id, t);
  }
  uint32_t track_ssrc(TrackId id) const { return router_.stream_ssrc(id); }
  int take_voice_activity(TrackId id) { return router_.take_voice_activity(id); }
  const MediaPlaneCounters& counters() const { return counters_; }
  const sfu::Router& router() const { return router_; }
  // Told (from the flusher, after the router returned) when a subscriber transport's video is
  // paused or resumed for bandwidth, with its estimate.
  using PauseListener = std::function<void(TransportId, bool paused, int64_t estimate_bps)>;
  void set_pause_listener(PauseListener listener) { pause_listener_ = std::move(listener); }
  size_t transports() const { return transports_.size(); }

  // Re-arms the router timer if anything may have moved its deadline, and the timers of the
  // transports that asked (the loop's flusher; tests without a loop iteration call it).
  void flush();

 private:
  // sfu::Outbox
  void forward_rtp(sfu::TransportId to, const Packet& source, const sfu::RtpRewrite& rewrite) override;
  void send_rtcp(sfu::TransportId to, Bytes compound) override;
  void send_padding(sfu::TransportId to, Bytes packet) override;

  EventLoop& loop_;
  PacketPool& pool_;
  sfu::Router router_;
  std::unordered_map<TransportId, Transport*> transports_;
  std::vector<TransportId> stale_transports_;
  TransportId next_transport_ = 1;
  TrackId next_track_ = 1;
  EventLoop::TimerId timer_ = 0;
  bool deadline_changed_ = false;
  MediaPlaneCounters counters_;
  PauseListener pause_listener_;
  std::vector<std::pair<TransportId, bool>> pause_changes_;
  std::function<void()> subscriptions_changed_;
  void changed() {
    deadline_changed_ = true;
    if (subscriptions_changed_) subscriptions_changed_();
  }
};

}  // namespace umbrella::media
