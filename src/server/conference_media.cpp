// The media half of the conference: SDP negotiation per participant, publishing and
// subscribing tracks in the router, and the glue between transports and the router.
#include <algorithm>
#include <random>

#include "core/log.hpp"
#include "sdp/capabilities.hpp"
#include "sdp/helpers.hpp"
#include "sdp/limits.hpp"
#include "sdp/names.hpp"
#include "sdp/parse.hpp"
#include "server/conference.hpp"
#include "server/participant.hpp"
#include "signal/messages.hpp"

namespace umbrella::server {
namespace {

sfu::ExtensionIds extension_ids(const sdp::NegotiatedMedia& m) {
  auto id = [&m](std::string_view uri) { return uint8_t(m.extension_id(uri).value_or(0)); };
  sfu::ExtensionIds e;
  e.mid = id(sdp::ext::kMid);
  e.rid = id(sdp::ext::kRtpStreamId);
  e.repaired_rid = id(sdp::ext::kRepairedRtpStreamId);
  e.abs_send_time = id(sdp::ext::kAbsSendTime);
  e.transport_cc = id(sdp::ext::kTransportCc);
  e.audio_level = id(sdp::ext::kAudioLevel);
  return e;
}

bool is_rtx_codec(const sdp::Codec& c) { return sdp::is_rtx(c); }

bool same_codec_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

umbrella_MediaKind to_proto(sfu::Kind k) {
  return k == sfu::Kind::kAudio ? umbrella_MediaKind_MEDIA_KIND_AUDIO : umbrella_MediaKind_MEDIA_KIND_VIDEO;
}

}  // namespace

OutgoingTrack Conference::output_for(const PublishedTrack& t, std::string mid) {
  OutgoingTrack o;
  o.track_id = t.track_id;
  o.publisher_id = t.owner_id;
  o.stream = t.stream;
  o.kind = t.kind;
  o.mid = std::move(mid);
  o.ssrc = new_ssrc();
  if (t.kind == sfu::Kind::kVideo) o.rtx_ssrc = new_ssrc();
  return o;
}

uint32_t Conference::new_ssrc() {
  static std::mt19937 rng(std::random_device{}());
  uint32_t s;
  do s = rng(); while (s == 0);
  return s;
}

Participant* Conference::by_peer(uint32_t peer) {
  auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? nullptr : it->second;
}

Result<std::string, std::string> Conference::accept_offer(Participant& p, const std::string& offer, Instant now,
                                                          const std::vector<MidRequest>& receive) {
  if (!p.peer) {
    p.peer = std::make_unique<Peer>(media_, next_peer_++, *this);
    by_peer_[p.peer->id()] = &p;
  }
  sdp::AnswerOptions options;  // the SFU receives what the client sends
  if (p.is_trunk()) {  // a trunk carries whole rooms: only the parser's bound applies
    options.max_media_sections = sdp::kMaxMediaSections;
    options.max_published_tracks = sdp::kMaxMediaSections;
  } else if (auto parsed = sdp::parse(offer)) {
    // The room's bound on tracks, refused before anything of the offer is applied.
    size_t in_room = 0, added = 0;
    for (auto& [key, other] : participants_)
      if (other->in_room(p.room))
        for (auto& t : other->published) in_room += t.room == p.room;
    for (auto& m : parsed->media) {
      if (m.port == 0 || (m.kind != sdp::MediaKind::kAudio && m.kind != sdp::MediaKind::kVideo) || !sdp::sends(m.direction))
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
  // A trunk names the tracks it wants on its receive m-lines; keep their SSRCs across offers.
  for (auto& want : receive) {
    const PublishedTrack* t = find_track(want.track_id, &p);
    if (!t) continue;
    OutgoingTrack* o = nullptr;
    for (auto& x : p.outgoing) if (x.track_id == want.track_id) o = &x;
    if (o && o->mid != want.mid) {
      if (o->subscribed) router_.remove_subscription(o->stream, p.peer->id());
      std::erase_if(p.outgoing, [&](const OutgoingTrack& x) { return x.track_id == want.track_id; });
      o = nullptr;
    }
    if (!o) {
      p.outgoing.push_back(output_for(*t, want.mid));
    }
  }
  for (auto& o : p.outgoing) {
    sdp::MidPolicy policy;
    policy.direction = sdp::Direction::kSendOnly;
    if (p.is_trunk()) policy.track = to_sdp_track(o);
    options.per_mid[o.mid] = policy;
  }
  auto answer = p.peer->answer(offer, options, now);
  if (!answer) return answer;
  // A re-offer that no longer sends on an m-line ends that track.
  for (auto it = p.published.begin(); it != p.published.end();) {
    const sdp::NegotiatedMedia* m = p.peer->negotiated().find(it->mid);
    bool receiving = m && !m->rejected &&
                     (m->direction == sdp::Direction::kRecvOnly || m->direction == sdp::Direction::kSendRecv);
    if (receiving) {
      ++it;
      continue;
    }
    if (it->stream) {
      router_.remove_stream(it->stream);
      auto env = std::make_unique<umbrella_Envelope>();
      signal::make_track_removed(*env, it->track_id);
      broadcast(it->room, *env, &p);
    }
    std::string room = it->room;
    it = p.published.erase(it);
    renegotiate_room(room, &p);
  }
  // Tracks the client publishes: every accepted audio/video m-line the SFU receives on.
  const sdp::SessionDescription* remote = p.peer->remote_offer();
  for (const auto& m : p.peer->negotiated().media) {
    if (m.rejected || (m.kind != sdp::MediaKind::kAudio && m.kind != sdp::MediaKind::kVideo)) continue;
    if (m.direction != sdp::Direction::kRecvOnly && m.direction != sdp::Direction::kSendRecv) continue;
    bool known = false;
    for (auto& t : p.published) known |= t.mid == m.mid;
    if (known) continue;
    PublishedTrack t;
    t.mid = m.mid;
    t.kind = m.kind == sdp::MediaKind::kAudio ? sfu::Kind::kAudio : sfu::Kind::kVideo;
    t.track_id = site_id_ + "/" + p.id + "/" + m.mid;
    t.owner_id = p.id;
    t.origin_site = site_id_;
    t.room = p.room;
    t.codecs = m.codecs;
    if (p.is_trunk()) {
      // Over a trunk the far SFU names track and owner (a=msid:<owner> <global track id>).
      const sdp::MediaSection* section = remote ? sdp::find_media(*remote, m.mid) : nullptr;
      if (!section || section->msids.empty()) continue;
      t.owner_id = section->msids.front().stream_id;
      t.track_id = section->msids.front().track_id;
      t.origin_site = p.far_site;
      t.room = "default";  // the owner's room, from the roster the trunk sent first
      for (auto& r : p.remote_participants)
        if (r.id == t.owner_id) t.room = r.room;
    }
    p.published.push_back(std::move(t));
  }
  return answer;
}

void Conference::publish_tracks(Participant& p) {
  if (!p.peer) return;
  // SSRCs are in what the remote sent: its offer, or (a trunk we dialled) its answer.
  const sdp::SessionDescription* remote = p.dialled ? p.peer->remote_answer() : p.peer->remote_offer();
  std::vector<std::string> rooms;  // where tracks were added: those rooms renegotiate
  for (auto& t : p.published) {
    if (t.stream) continue;
    // A track that already reached this room by another path (a trunk ring) is ignored.
    if (p.is_trunk() && find_track(t.track_id, &p)) continue;
    const sdp::NegotiatedMedia* m = p.peer->negotiated().find(t.mid);
    const sdp::MediaSection* section = remote ? sdp::find_media(*remote, t.mid) : nullptr;
    if (!m || !section) continue;
    sfu::PublishedStream s;
    s.id = next_stream_++;
    s.transport = p.peer->id();
    s.kind = t.kind;
    s.mid = t.mid;
    s.extensions = extension_ids(*m);
    // SSRCs as signalled: the FID group gives media + RTX; else the first a=ssrc.
    for (auto& g : section->ssrc_groups)
      if (g.semantics == "FID" && g.ssrcs.size() == 2) {
        s.ssrc = g.ssrcs[0];
        s.rtx_ssrc = g.ssrcs[1];
      }
    if (!s.ssrc && !section->ssrcs.empty()) s.ssrc = section->ssrcs.front().ssrc;
    // Simulcast without SSRCs: forward the first rid's layer, learned from the rid extension.
    if (!section->rids.empty()) {
      s.ssrc = 0;
      s.rtx_ssrc = 0;
      s.rid = section->rids.front().id;
    }
    for (auto& c : m->codecs) {
      if (is_rtx_codec(c)) {
        if (!s.rtx_payload_type) s.rtx_payload_type = c.pt;
      } else if (s.clock_rate == 90000 || t.kind == sfu::Kind::kAudio) {
        s.clock_rate = c.clock_rate ? c.clock_rate : s.clock_rate;
      }
    }
    router_.add_stream(s);
    t.stream = s.id;
    signal::TrackFields f{t.track_id, to_proto(t.kind), t.owner_id, "", t.owner_id, t.origin_site, t.room};
    auto env = std::make_unique<umbrella_Envelope>();
    signal::make_track_added(*env, f);
    broadcast(t.room, *env, &p);
    if (std::find(rooms.begin(), rooms.end(), t.room) == rooms.end()) rooms.push_back(t.room);
    LOG_INFO("sfu", "participant ", p.id, p.is_trunk() ? " (trunk from " + p.far_site + ")" : "", " publishes ", t.kind == sfu::Kind::kAudio ? "audio" : "video", " mid ",
             t.mid, " ssrc ", s.ssrc, s.rid.empty() ? "" : " rid " + s.rid);
  }
  for (auto& room : rooms) renegotiate_room(room, &p);
}

void Conference::unpublish_tracks(Participant& p) {
  for (auto& t : p.published)
    if (t.stream) {
      router_.remove_stream(t.stream);
      auto env = std::make_unique<umbrella_Envelope>();
      signal::make_track_removed(*env, t.track_id);
      broadcast(t.room, *env, &p);
    }
  p.published.clear();
}

void Conference::renegotiate_room(const std::string& room, const Participant* except) {
  for (auto& [key, other] : participants_)
    if (other.get() != except && other->in_room(room)) renegotiate(*other);
}

void Conference::renegotiate(Participant& p) {
  if (p.is_trunk()) {
    if (p.dialled) trunk_offer(p);
    else announce_to_trunk(p);
    return;
  }
  if (!p.peer || p.fixed_session || !p.channel || !p.joined) return;
  if (p.offer_pending) {
    p.renegotiate = true;
    return;
  }
  p.renegotiate = false;
  bool changed = false;
  // Drop what is gone.
  for (auto it = p.outgoing.begin(); it != p.outgoing.end();) {
    bool alive = false;
    for (auto& [key, other] : participants_)
      if (other.get() != &p && other->in_room(p.room))
        for (auto& t : other->published) alive |= t.stream == it->stream && t.stream != 0 && t.room == p.room;
    if (alive) {
      ++it;
      continue;
    }
    router_.remove_subscription(it->stream, p.peer->id());
    auto env = std::make_unique<umbrella_Envelope>();
    signal::make_track_removed(*env, it->track_id);
    p.channel->send(*env);
    it = p.outgoing.erase(it);
    changed = true;
  }
  // Add what is new.
  for (auto& [key, other] : participants_) {
    if (other.get() == &p || !other->in_room(p.room)) continue;
    for (auto& t : other->published) {
      if (!t.stream || t.room != p.room) continue;
      bool have = false;
      for (auto& o : p.outgoing) have |= o.stream == t.stream;
      if (have) continue;
      // A departed track's m-line of the same kind if there is one, so the SDP stays the
      // size of what is live. Fresh SSRCs: Chrome decodes nothing on a reused m-line that
      // comes back with its old SSRC (test_browser_trunk's restart).
      std::vector<std::string> live;
      for (auto& x : p.outgoing) live.push_back(x.mid);
      auto kind = t.kind == sfu::Kind::kAudio ? sdp::MediaKind::kAudio : sdp::MediaKind::kVideo;
      auto reused = sdp::reusable_mid(p.peer->negotiated(), kind, live, "t");
      OutgoingTrack o = output_for(t, reused ? *reused : "t" + std::to_string(next_mid_++));
      signal::TrackFields f{o.track_id, to_proto(o.kind), o.publisher_id, o.mid, o.publisher_id, t.origin_site, t.room};
      auto env = std::make_unique<umbrella_Envelope>();
      signal::make_track_added(*env, f);
      p.channel->send(*env);
      p.outgoing.push_back(std::move(o));
      changed = true;
    }
  }
  if (!changed) return;
  std::vector<sdp::OutgoingTrack> tracks;
  for (auto& o : p.outgoing) tracks.push_back(to_sdp_track(o));
  std::string offer = p.peer->offer(tracks);
  auto env = std::make_unique<umbrella_Envelope>();
  if (offer.empty() ||
      !signal::make_description(*env, umbrella_SessionDescription_Type_TYPE_OFFER, offer, p.revision + 1)) {
    fail_description(p, offer.empty() ? "cannot build an offer (see the peer log line)"
                                       : "offer of " + std::to_string(offer.size()) + " bytes is over the signalling bound");
    return;
  }
  ++p.revision;
  p.offer_pending = true;
  ++counters_.offers_sent;
  p.channel->send(*env);
}

std::optional<sfu::Subscription> Conference::make_subscription(const Participant& subscriber,
                                                              const OutgoingTrack& out) const {
  const sdp::NegotiatedMedia* mine = subscriber.peer->negotiated().find(out.mid);
  if (!mine || mine->rejected || mine->direction == sdp::Direction::kInactive ||
      mine->direction == sdp::Direction::kRecvOnly)
    return std::nullopt;
  const PublishedTrack* source = nullptr;
  for (auto& [key, other] : participants_)
    for (auto& t : other->published)
      if (t.stream == out.stream) source = &t;
  if (!source) return std::nullopt;
  sfu::Subscription s;
  s.stream = out.stream;
  s.transport = subscriber.peer->id();
  s.ssrc = out.ssrc;
  s.extensions = extension_ids(*mine);
  bool any = false;
  for (auto& pc : source->codecs) {
    if (is_rtx_codec(pc) || pc.pt >= 128) continue;
    for (auto& sc : mine->codecs) {
      if (is_rtx_codec(sc) || !same_codec_name(sc.name, pc.name) || sc.clock_rate != pc.clock_rate) continue;
      s.payload_type_map[pc.pt] = sc.pt;
      if (!any) {
        if (auto rtx = mine->rtx_payload_type(sc.pt); rtx && out.rtx_ssrc) {
          s.rtx_payload_type = *rtx;
          s.rtx_ssrc = out.rtx_ssrc;
        }
      }
      any = true;
      break;
    }
  }
  if (!any) return std::nullopt;
  return s;
}

void Conference::subscribe_negotiated(Participant& p) {
  if (!p.peer || !p.peer->connected()) return;  // on_peer_connected retries
  for (auto& o : p.outgoing) {
    if (o.subscribed) continue;
    auto s = make_subscription(p, o);
    if (!s) continue;
    router_.add_subscription(*s);
    o.subscribed = true;
  }
  arm_router_timer();
}

Result<Conference::HttpSession, std::string> Conference::whep(const std::string& room, const std::string& offer,
                                                              Instant now) {
  auto parsed = sdp::parse(offer);
  if (!parsed) return Err{std::string("cannot parse SDP offer: ") + sdp::to_string(parsed.error())};
  Participant& p = create_http_participant(room, "WHEP");
  uint64_t key = p.connection;
  p.fixed_session = true;
  // Each offered receive m-line gets the next published track of its kind in the room.
  std::vector<const PublishedTrack*> taken;
  std::vector<std::pair<const PublishedTrack*, std::string>> publishers;
  for (auto& [k, other] : participants_)
    if (other.get() != &p && other->in_room(p.room))
      for (auto& t : other->published)
        if (t.stream && t.room == p.room) publishers.push_back({&t, other->id});
  for (auto& m : parsed->media) {
    if (m.kind != sdp::MediaKind::kAudio && m.kind != sdp::MediaKind::kVideo) continue;
    sfu::Kind kind = m.kind == sdp::MediaKind::kAudio ? sfu::Kind::kAudio : sfu::Kind::kVideo;
    for (auto& [t, owner] : publishers) {
      if (t->kind != kind || std::find(taken.begin(), taken.end(), t) != taken.end()) continue;
      taken.push_back(t);
      p.outgoing.push_back(output_for(*t, m.mid));
      break;
    }
  }
  if (!p.peer) {
    p.peer = std::make_unique<Peer>(media_, next_peer_++, *this);
    by_peer_[p.peer->id()] = &p;
  }
  sdp::AnswerOptions options;
  options.default_direction = sdp::Direction::kInactive;
  for (auto& o : p.outgoing) {
    sdp::MidPolicy policy;
    policy.direction = sdp::Direction::kSendOnly;
    policy.track = to_sdp_track(o);
    options.per_mid[o.mid] = policy;
  }
  auto answer = p.peer->answer(offer, options, now);
  if (!answer) {
    ++counters_.bad_sdp;
    by_peer_.erase(p.peer->id());
    participants_.erase(key);
    return Err{answer.error()};
  }
  std::string resource = "whep-" + p.id;
  http_resources_[resource] = key;
  LOG_INFO("whep", "viewer ", p.id, " in room ", p.room, " receives ", p.outgoing.size(), " tracks");
  return HttpSession{resource, *answer};
}

void Conference::arm_router_timer() {
  media_.loop.reschedule(router_timer_, router_.next_deadline(), [this] {
    router_timer_ = 0;
    router_.on_timeout(media_.loop.now());
    arm_router_timer();
  });
}

void Conference::on_peer_connected(uint32_t peer, Instant now) {
  (void)now;
  if (Participant* p = by_peer(peer)) subscribe_negotiated(*p);
}

void Conference::on_peer_rtp(uint32_t peer, Packet& packet, Instant now) {
  router_.on_rtp(peer, packet, now);
  arm_router_timer();
}

void Conference::on_peer_rtcp(uint32_t peer, Packet& packet, Instant now) {
  router_.on_rtcp(peer, packet.span(), now);
  arm_router_timer();
}

void Conference::on_peer_closed(uint32_t peer, const std::string& reason) {
  // Called from inside the transport: tear down from the loop, not here.
  media_.loop.schedule(media_.loop.now(), [this, peer, reason] {
    Participant* p = by_peer(peer);
    if (!p) return;
    LOG_INFO("sfu", "participant ", p->id, " media ended: ", reason);
    if (p->channel) {
      p->channel->close(4000, "media transport closed: " + reason);
      return;  // on_closed() removes the participant
    }
    for (auto it = http_resources_.begin(); it != http_resources_.end(); ++it)
      if (it->second == p->connection) {
        http_resources_.erase(it);
        break;
      }
    remove_participant(*p);
  });
}

void Conference::forward_rtp(sfu::TransportId to, const Packet& source, const sfu::RtpRewrite& rewrite) {
  Participant* p = by_peer(to);
  if (!p || !p->peer || !p->peer->connected()) return;
  Packet copy = media_.port.pool().copy_of(source.span());
  if (!copy || !sfu::apply_rewrite(copy, rewrite)) return;
  if (!rewrite.repair) copy.set_received_ns(source.received_ns());  // measures the SFU's delay
  p->peer->send_rtp(std::move(copy));
}

void Conference::send_rtcp(sfu::TransportId to, Bytes compound) {
  Participant* p = by_peer(to);
  if (!p || !p->peer) return;
  p->peer->send_rtcp(compound);
}

}  // namespace umbrella::server
