// The media half of the rooms: SDP negotiation with each local participant, and its publisher
// tracks and subscriptions in the media plane.
#include <algorithm>

#include "core/log.hpp"
#include "sdp/helpers.hpp"
#include "sdp/limits.hpp"
#include "sdp/names.hpp"
#include "sdp/parse.hpp"
#include "server/conference.hpp"
#include "server/participant.hpp"
#include "server/track_media.hpp"
#include "signal/messages.hpp"

namespace umbrella::server {
namespace {
bool receives(const sdp::NegotiatedMedia* m) {
  return m && !m->rejected && (m->direction == sdp::Direction::kRecvOnly || m->direction == sdp::Direction::kSendRecv);
}
}  // namespace

Participant* Conference::by_transport(media::TransportId transport) {
  auto it = by_transport_.find(transport);
  return it == by_transport_.end() ? nullptr : it->second;
}

void Conference::on_video_paused(media::TransportId transport, bool paused, int64_t estimate_bps) {
  Participant* p = by_transport(transport);
  if (!p) return;
  LOG_INFO("media", "video to ", p->id, paused ? " paused" : " resumed", " for bandwidth (estimate ",
           estimate_bps / 1000, " kbit/s)");
  if (!p->channel) return;
  auto env = signal::new_envelope();
  signal::make_video_paused(*env, paused, uint64_t(estimate_bps));
  p->channel->send(*env);
}

void Conference::forget_transport(media::TransportId transport) {
  by_transport_.erase(transport);
  data_relay_.leave(transport);
}

void Conference::on_data_channel_event(media::TransportId transport, sctp::ChannelEvent& event) {
  Participant* p = by_transport(transport);
  if (!p) return;
  data_relay_.on_event(transport, p->id, p->room, event, media_.loop.now());
}

Result<uint16_t, std::string> Conference::open_channel(media::TransportId t, const sctp::ChannelInfo& info) {
  Participant* p = by_transport(t);
  if (!p || !p->transport) return Err{std::string("participant gone")};
  return p->transport->open_channel(info);
}

sctp::SendResult Conference::send_channel_message(media::TransportId t, uint16_t id, bool binary, Bytes data) {
  Participant* p = by_transport(t);
  return p && p->transport ? p->transport->send_channel_message(id, binary, data) : sctp::SendResult::kNotConnected;
}

void Conference::close_channel(media::TransportId t, uint16_t id) {
  if (Participant* p = by_transport(t); p && p->transport) p->transport->close_channel(id);
}

void Conference::for_each_room_track(const Participant& p, const TrackFn& fn) const {
  if (!p.may_subscribe) return;
  for_each_track(nullptr, [&](const PublisherTrack& t) {
    if (t.room == p.room && t.owner_id != p.id) fn(t);
  });
}

Result<std::string, std::string> Conference::accept_offer(Participant& p, const std::string& offer, Instant now) {
  sdp::AnswerOptions options;  // the SFU receives what the client sends
  // The room's bound on tracks, refused before anything of the offer is applied.
  if (auto parsed = sdp::parse(offer)) {
    if (!p.may_publish)
      for (auto& m : parsed->media)
        if (!sdp::is_rejected(*parsed, m) && (m.kind == sdp::MediaKind::kAudio || m.kind == sdp::MediaKind::kVideo) &&
            sdp::sends(m.direction)) {
          ++counters_.unauthorized;
          return Err{std::string(kMayNotPublish)};
        }
    size_t in_room = 0, added = 0;
    for_each_track(nullptr, [&](const PublisherTrack& t) { in_room += t.room == p.room; });
    for (auto& m : parsed->media) {
      if (sdp::is_rejected(*parsed, m) || (m.kind != sdp::MediaKind::kAudio && m.kind != sdp::MediaKind::kVideo) ||
          !sdp::sends(m.direction))
        continue;
      bool known = false;
      for (auto& t : p.published) known |= t.mid == m.mid;
      added += !known;
    }
    if (added && in_room + added > sdp::kMaxTracksPerRoom) {
      ++counters_.tracks_refused;
      return Err{"room " + p.room + " has " + std::to_string(in_room) + " tracks; a room may have at most " +
                 std::to_string(sdp::kMaxTracksPerRoom)};
    }
  }
  // Only an offer within the bounds gets a transport.
  if (!p.transport) {
    p.transport = std::make_unique<Peer>(media_, *this);
    by_transport_[p.transport->id()] = &p;
  }
  for (auto& o : p.subscriptions) {
    sdp::MidPolicy policy;
    policy.direction = sdp::Direction::kSendOnly;
    options.per_mid[o.mid] = policy;
  }
  auto answer = p.transport->answer(offer, options, now);
  if (!answer) return answer;
  // A re-offer that no longer sends on an m-line ends that track.
  for (auto it = p.published.begin(); it != p.published.end();) {
    if (receives(p.transport->negotiated().find(it->mid))) {
      ++it;
      continue;
    }
    if (it->stream) {
      media_.plane.unpublish(it->stream);
      auto env = signal::new_envelope();
      signal::make_track_removed(*env, it->track_id);
      broadcast_tracks(it->room, *env, &p);
    }
    std::string room = it->room;
    it = p.published.erase(it);
    renegotiate_room(room, &p);
  }
  // Tracks the client publishes: every accepted audio/video m-line the SFU receives on.
  for (const auto& m : p.transport->negotiated().media) {
    if (m.kind != sdp::MediaKind::kAudio && m.kind != sdp::MediaKind::kVideo) continue;
    if (!receives(&m)) continue;
    bool known = false;
    for (auto& t : p.published) known |= t.mid == m.mid;
    if (known) continue;
    PublisherTrack t;
    t.mid = m.mid;
    t.kind = m.kind == sdp::MediaKind::kAudio ? sfu::Kind::kAudio : sfu::Kind::kVideo;
    t.track_id = site_id_ + "/" + p.id + "/" + m.mid;
    t.owner_id = p.id;
    t.origin_site = site_id_;
    t.room = p.room;
    t.codecs = m.codecs;
    p.published.push_back(std::move(t));
  }
  return answer;
}

void Conference::handle_tile_views(Participant& p, const umbrella_TileViews& views) {
  if (!p.transport) return;
  for (auto& o : p.subscriptions) {
    if (o.kind != sfu::Kind::kVideo || !o.stream || !o.subscribed) continue;
    uint16_t height = sfu::kViewAnySize;  // not listed: the page does not know it, so no limit
    for (pb_size_t i = 0; i < views.views_count; ++i)
      if (o.track_id == views.views[i].track_id)
        height = uint16_t(std::min<uint32_t>(views.views[i].height, sfu::kViewAnySize - 1));  // 0: hidden
    media_.plane.set_view(o.stream, p.transport->id(), height);
  }
}

void Conference::publish_tracks(Participant& p) {
  if (!p.transport) return;
  bool added = false;
  for (auto& t : p.published) {
    if (t.stream) continue;
    auto s = published_stream(t, p.transport->negotiated(), p.transport->remote_offer());
    if (!s) continue;
    s->transport = p.transport->id();
    auto layers = simulcast_layers(t, p.transport->negotiated(), p.transport->remote_offer());
    t.stream = media_.plane.publish(*s, layers);
    t.layers = std::max<size_t>(1, std::min(layers.size(), sfu::kMaxLayers));
    auto env = signal::new_envelope();
    signal::make_track_added(*env, {t.track_id, to_proto(t.kind), t.owner_id, "", t.owner_id, t.origin_site, t.room});
    broadcast_tracks(t.room, *env, &p);
    added = true;
    LOG_INFO("sfu", "participant ", p.id, " publishes ", t.kind == sfu::Kind::kAudio ? "audio" : "video", " mid ",
             t.mid, " ssrc ", s->ssrc, s->rid.empty() ? "" : " rid " + s->rid,
             layers.empty() ? "" : ", " + std::to_string(layers.size()) + " simulcast layers" +
                                       (layers.front().rid.empty() ? " (SSRC group)" : ""));
  }
  if (added) {
    renegotiate_room(p.room, &p);
    watch_speakers();
  }
}

void Conference::unpublish_tracks(Participant& p) {
  for (auto& t : p.published)
    if (t.stream) {
      media_.plane.unpublish(t.stream);
      auto env = signal::new_envelope();
      signal::make_track_removed(*env, t.track_id);
      broadcast_tracks(t.room, *env, &p);
    }
  p.published.clear();
}

void Conference::renegotiate(Participant& p) {
  // Not before a first offer of its own was answered: nothing to build an offer on.
  if (!p.transport || p.transport->negotiated().media.empty() || p.fixed_session || !p.channel || !p.joined)
    return;
  if (p.offer_pending) {
    p.renegotiate = true;
    return;
  }
  p.renegotiate = false;
  bool changed = false;
  // Drop what is gone.
  for (auto it = p.subscriptions.begin(); it != p.subscriptions.end();) {
    bool alive = false;
    for_each_room_track(p, [&](const PublisherTrack& t) { alive |= t.stream == it->stream; });
    if (alive) {
      ++it;
      continue;
    }
    media_.plane.unsubscribe(it->stream, p.transport->id());
    auto env = signal::new_envelope();
    signal::make_track_removed(*env, it->track_id);
    p.channel->send(*env);
    it = p.subscriptions.erase(it);
    changed = true;
  }
  // Add what is new.
  for_each_room_track(p, [&](const PublisherTrack& t) {
    for (auto& o : p.subscriptions)
      if (o.stream == t.stream) return;
    // A departed track's m-line of the same kind if there is one, so the SDP stays the size
    // of what is live. Fresh SSRCs: Chrome decodes nothing on a reused m-line that comes back
    // with its old SSRC (test_browser_trunk's restart).
    std::vector<std::string> live;
    for (auto& x : p.subscriptions) live.push_back(x.mid);
    auto kind = t.kind == sfu::Kind::kAudio ? sdp::MediaKind::kAudio : sdp::MediaKind::kVideo;
    auto reused = sdp::reusable_mid(p.transport->negotiated(), kind, live, "t");
    SubscribedTrack o = output_for(t, reused ? *reused : new_mid('t'));
    auto env = signal::new_envelope();
    signal::make_track_added(*env, {o.track_id, to_proto(o.kind), o.publisher_id, o.mid, o.publisher_id,
                                    t.origin_site, t.room});
    p.channel->send(*env);
    p.subscriptions.push_back(std::move(o));
    changed = true;
  });
  if (!changed) return;
  std::vector<sdp::OutgoingTrack> tracks;
  for (auto& o : p.subscriptions) tracks.push_back(to_sdp_track(o));
  std::string offer = p.transport->offer(tracks);
  ++p.revision;
  if (!send_description(p, umbrella_SessionDescription_Type_TYPE_OFFER, offer)) return;
  p.offer_pending = true;
  ++counters_.offers_sent;
}

void Conference::subscribe_negotiated(Participant& p) {
  if (!p.transport || !p.transport->connected()) return;  // on_transport_connected retries
  for (auto& o : p.subscriptions) {
    if (o.subscribed) continue;
    const PublisherTrack* source = nullptr;
    for_each_track(nullptr, [&](const PublisherTrack& t) {
      if (t.stream == o.stream) source = &t;
    });
    if (!source) continue;
    auto s = subscription_for(o, *source, p.transport->negotiated(), p.transport->id());
    if (!s) continue;
    media_.plane.subscribe(*s);
    o.subscribed = true;
  }
}

Result<Conference::HttpSession, std::string> Conference::whep(const std::string& room, const std::string& offer,
                                                              Instant now, const RoomGrant& grant,
                                                              std::string_view credential) {
  auto parsed = sdp::parse(offer);
  if (!parsed) return Err{std::string("cannot parse SDP offer: ") + sdp::to_string(parsed.error())};
  Participant& p = create_http_participant(room, "WHEP", grant);
  uint64_t key = p.connection;
  p.fixed_session = true;
  // Each offered receive m-line gets the room's first track of its kind not yet taken whose
  // codec it decodes: one that sends a codec the line lists, else one sharing any codec (an
  // H264-only viewer gets the H264 publisher, not the VP8 one that came first).
  std::vector<const PublisherTrack*> publishers, taken;
  for_each_room_track(p, [&](const PublisherTrack& t) { publishers.push_back(&t); });
  for (auto& m : parsed->media) {
    if (m.kind != sdp::MediaKind::kAudio && m.kind != sdp::MediaKind::kVideo) continue;
    sfu::Kind kind = m.kind == sdp::MediaKind::kAudio ? sfu::Kind::kAudio : sfu::Kind::kVideo;
    const PublisherTrack* best = nullptr;
    int best_fit = 0;
    for (const PublisherTrack* t : publishers) {
      if (t->kind != kind || std::find(taken.begin(), taken.end(), t) != taken.end()) continue;
      if (int fit = codec_fit(*t, m); fit > best_fit) best = t, best_fit = fit;
    }
    if (!best) continue;
    taken.push_back(best);
    p.subscriptions.push_back(output_for(*best, m.mid));
  }
  p.transport = std::make_unique<Peer>(media_, *this);
  by_transport_[p.transport->id()] = &p;
  sdp::AnswerOptions options;
  options.default_direction = sdp::Direction::kInactive;
  for (auto& o : p.subscriptions) {
    sdp::MidPolicy policy;
    policy.direction = sdp::Direction::kSendOnly;
    policy.track = to_sdp_track(o);
    options.per_mid[o.mid] = policy;
  }
  auto answer = p.transport->answer(offer, options, now);
  if (!answer) {
    ++counters_.bad_sdp;
    forget_transport(p.transport->id());
    participants_.erase(key);
    return Err{answer.error()};
  }
  std::string resource = add_http_resource(key, credential);
  LOG_INFO("whep", "viewer ", p.id, " in room ", p.room, " receives ", p.subscriptions.size(), " tracks");
  return HttpSession{resource, *answer};
}

void Conference::on_transport_connected(media::TransportId transport, Instant now) {
  (void)now;
  if (Participant* p = by_transport(transport)) subscribe_negotiated(*p);
}

void Conference::on_transport_closed(media::TransportId transport, const std::string& reason) {
  // Called from inside the transport: tear down from the loop, not here.
  media_.loop.schedule(media_.loop.now(), [this, transport, reason] {
    Participant* p = by_transport(transport);
    if (!p) return;
    LOG_INFO("sfu", "participant ", p->id, " media ended: ", reason);
    if (p->channel) {
      p->channel->close(4000, "media transport closed: " + reason);
      return;  // on_closed() removes the participant
    }
    for (auto it = http_resources_.begin(); it != http_resources_.end(); ++it)
      if (it->second.key == p->connection) {
        http_resources_.erase(it);
        break;
      }
    remove_participant(*p);
  });
}

}  // namespace umbrella::server
