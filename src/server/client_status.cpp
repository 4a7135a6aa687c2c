#include "server/client_status.hpp"

#include "server/participant.hpp"
#include "server/track_media.hpp"

namespace umbrella::server {
namespace {

const char* layer_reason(sfu::LayerReason r) {
  switch (r) {
    case sfu::LayerReason::kBest: return "best";
    case sfu::LayerReason::kBandwidth: return "bandwidth";
    case sfu::LayerReason::kTileSize: return "tile size";
    case sfu::LayerReason::kOnlyLayer: return "only layer";
    case sfu::LayerReason::kOverload: return "overload";
    case sfu::LayerReason::kNone: break;
  }
  return "";
}

}  // namespace

uint64_t RateMeter::rate(const std::string& key, uint64_t bytes, Instant now) {
  Sample sample{bytes, now, 0};
  if (auto it = samples_.find(key); it != samples_.end()) {
    Duration dt = now - it->second.at;
    sample.bps = it->second.bps;
    if (dt >= milliseconds(200) && bytes >= it->second.bytes) {
      sample.bps = uint64_t(double(bytes - it->second.bytes) * 8e9 / double(dt.count()));
    } else {
      sample = it->second;  // too soon: keep the older reference point
    }
  }
  next_[key] = sample;
  return sample.bps;
}

signal::ClientSnapshot describe_client(const Participant& p, const media::MediaPlane& plane, RateMeter& rates,
                                       Instant now) {
  signal::ClientSnapshot c;
  c.participant_id = p.id;
  c.display_name = p.display_name;
  c.room = p.room;
  // A trunk's id is "trunk-" and the far site's id, a direct trunk's "direct-" and the peer
  // site's (trunk_participant.cpp); no client's is.
  if (p.role == umbrella_Role_ROLE_TRUNK && p.id.rfind("trunk-", 0) == 0) c.trunk_site = p.id.substr(6);
  if (p.role == umbrella_Role_ROLE_TRUNK && p.id.rfind("direct-", 0) == 0) c.trunk_site = p.id.substr(7) + " direct";
  const Peer* t = p.transport.get();
  c.ice_state = t ? t->ice_state() : "new";
  c.dtls_state = t ? t->dtls_state() : "new";
  if (t && t->remote_address()) c.address = t->remote_address()->to_string();
  if (const sfu::SubscriberBandwidth* bw = t ? plane.router().bandwidth(t->id()) : nullptr) {
    c.bandwidth_estimate_bps = uint64_t(bw->estimator.bps());
    c.video_paused = bw->paused();
  }
  if (t) {
    c.bytes_received = t->bytes_received();
    c.bytes_sent = t->bytes_sent();
  }
  for (auto& track : p.published) {
    if (!track.stream) continue;  // not forwarded (e.g. a duplicate that came round a ring)
    signal::TrackStats s;
    s.track_id = track.track_id;
    s.kind = to_proto(track.kind);
    s.ssrc = plane.track_ssrc(track.stream);
    // A trunk asks the far side for what has a subscriber here (trunk_wants.hpp), unless a
    // direct trunk feeds it now.
    s.pulled = !c.trunk_site.empty() && plane.subscribers(track.stream) > 0 && t &&
               plane.track_source(track.stream) == t->id();
    if (auto* sc = plane.track_counters(track.stream)) {
      s.packets = sc->packets;
      s.bytes = sc->bytes;
      s.packets_lost = sc->lost;
      s.nacks = sc->nacks_sent;
      s.plis = sc->plis_sent;
      s.bitrate_bps = rates.rate("in " + track.track_id, sc->bytes, now);
    }
    c.published.push_back(std::move(s));
  }
  for (auto& o : p.subscriptions) {
    if (!o.subscribed || !t) continue;
    signal::TrackStats s;
    s.track_id = o.track_id;
    s.kind = to_proto(o.kind);
    s.ssrc = o.ssrc;
    if (auto* sc = plane.subscription_counters(o.stream, t->id())) {
      s.packets = sc->packets;
      s.bytes = sc->bytes;
      s.nacks = sc->nacks_received;
      s.plis = sc->plis_received;
      s.bitrate_bps = rates.rate("out " + p.id + " " + o.track_id, sc->bytes, now);
      s.layer_switches = sc->layer_switches;
    }
    if (auto layer = plane.router().subscription_layer(o.stream, t->id()); layer.layers > 0) {
      s.layer = layer.layer;
      s.layers = uint32_t(layer.layers);
      s.layer_reason = layer_reason(layer.reason);
      if (layer.temporals > 0) {
        s.temporal_layer = layer.temporal;
        s.temporal_layers = uint32_t(layer.temporals);
      }
    }
    c.forwarded.push_back(std::move(s));
  }
  return c;
}

}  // namespace umbrella::server
