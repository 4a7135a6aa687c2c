#include "media/media_plane.hpp"

#include <algorithm>
#include <chrono>

namespace umbrella::media {

MediaPlane::MediaPlane(EventLoop& loop, PacketPool& pool) : loop_(loop), pool_(pool), router_(*this) {
  // Sender reports carry wall-clock NTP time: anchor the loop's monotonic clock to it once.
  router_.set_ntp_clock(rtp::NtpClock(loop_.now(), std::chrono::duration_cast<Duration>(
                                                        std::chrono::system_clock::now().time_since_epoch())));
  loop_.add_flusher([this] { flush(); });
}

MediaPlane::~MediaPlane() {
  if (timer_) loop_.cancel(timer_);
}

TransportId MediaPlane::add_transport(Transport& transport) {
  TransportId id = next_transport_++;
  transports_[id] = &transport;
  return id;
}

void MediaPlane::remove_transport(TransportId id) {
  router_.remove_transport(id);
  transports_.erase(id);
  changed();
}

TrackId MediaPlane::publish(sfu::PublishedStream track, std::span<const SimulcastLayer> layers) {
  TrackId first = next_track_;
  next_track_ += std::max<size_t>(1, std::min(layers.size(), sfu::kMaxLayers));
  republish(first, std::move(track), layers);
  return first;
}

void MediaPlane::republish(TrackId first, sfu::PublishedStream track, std::span<const SimulcastLayer> layers) {
  if (layers.size() <= 1) {
    track.id = first;
    router_.add_stream(track);
  }
  for (size_t i = 0; layers.size() > 1 && i < layers.size() && i < sfu::kMaxLayers; ++i) {
    track.id = first + i;
    track.rid = layers[i].rid;
    track.ssrc = layers[i].ssrc;
    track.rtx_ssrc = layers[i].rtx_ssrc;
    track.layer_of = first;
    router_.add_stream(track);
  }
  deadline_changed_ = true;
}

void MediaPlane::unpublish(TrackId id) {
  router_.remove_stream(id);
  changed();
}

void MediaPlane::subscribe(const sfu::Subscription& subscription) {
  router_.add_subscription(subscription);
  changed();
}

void MediaPlane::unsubscribe(TrackId track, TransportId subscriber) {
  router_.remove_subscription(track, subscriber);
  changed();
}

void MediaPlane::set_view(TrackId track, TransportId subscriber, uint16_t height) {
  router_.set_view(track, subscriber, height, loop_.now());
  deadline_changed_ = true;
}

void MediaPlane::request_keyframe(TrackId track) {
  router_.request_keyframe(track, loop_.now());
  deadline_changed_ = true;
}

void MediaPlane::flush() {
  if (!stale_transports_.empty()) {
    // Swapped out: a transport's rearm_timer() may ask again (for the next iteration).
    std::vector<TransportId> stale;
    stale.swap(stale_transports_);
    for (TransportId id : stale) {
      auto it = transports_.find(id);
      if (it == transports_.end()) continue;
      ++counters_.transport_timer_arms;
      it->second->rearm_timer();
    }
    stale.clear();
    if (stale_transports_.empty()) stale_transports_.swap(stale);  // keeps the capacity
  }
  if (!deadline_changed_) return;
  deadline_changed_ = false;
  router_.take_pause_changes(pause_changes_);
  for (auto [id, paused] : pause_changes_) {
    const sfu::SubscriberBandwidth* bw = router_.bandwidth(id);
    if (pause_listener_ && bw) pause_listener_(id, paused, bw->estimator.bps());
  }
  ++counters_.timer_arms;
  loop_.reschedule(timer_, router_.next_deadline(), [this] {
    timer_ = 0;
    router_.on_timeout(loop_.now());
    deadline_changed_ = true;  // re-armed by the flusher after this iteration's timers
  });
}

void MediaPlane::forward_rtp(sfu::TransportId to, const Packet& source, const sfu::RtpRewrite& rewrite) {
  auto it = transports_.find(to);
  if (it == transports_.end() || !it->second->connected()) {
    ++counters_.not_connected;
    return;
  }
  Packet copy = pool_.copy_of(source.span());
  if (!copy) {
    ++counters_.pool_exhausted;
    return;
  }
  if (!sfu::apply_rewrite(copy, rewrite)) {
    ++counters_.rewrite_failed;
    return;
  }
  if (!rewrite.repair) copy.set_received_ns(source.received_ns());  // measures the SFU's delay
  ++counters_.forwarded;
  it->second->send_rtp(std::move(copy));
}

void MediaPlane::send_padding(sfu::TransportId to, Bytes packet) {
  auto it = transports_.find(to);
  if (it == transports_.end() || !it->second->connected()) {
    ++counters_.not_connected;
    return;
  }
  Packet copy = pool_.copy_of(packet);
  if (!copy) {
    ++counters_.pool_exhausted;
    return;
  }
  it->second->send_rtp(std::move(copy));
}

void MediaPlane::send_rtcp(sfu::TransportId to, Bytes compound) {
  auto it = transports_.find(to);
  if (it != transports_.end()) it->second->send_rtcp(compound);
}

}  // namespace umbrella::media
