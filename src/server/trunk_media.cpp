// A trunk's media: the offers (we dialled) or answers (we accepted), the far rooms' tracks
// as publisher tracks here, and our rooms' tracks as subscriptions toward the far SFU.
#include <algorithm>

#include "core/log.hpp"
#include "sdp/helpers.hpp"
#include "sdp/limits.hpp"
#include "sdp/text.hpp"
#include "server/track_media.hpp"
#include "server/trunk_hub.hpp"
#include "server/trunk_participant.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"
#include "signal/strings.hpp"

namespace umbrella::server {
namespace {
sdp::MediaKind sdp_kind(sfu::Kind k) { return k == sfu::Kind::kAudio ? sdp::MediaKind::kAudio : sdp::MediaKind::kVideo; }
bool receives(const sdp::NegotiatedMedia* m) {
  return m && !m->rejected && (m->direction == sdp::Direction::kRecvOnly || m->direction == sdp::Direction::kSendRecv);
}
}  // namespace

void TrunkParticipant::ensure_peer() {
  if (!p_.transport) p_.transport = std::make_unique<Peer>(rooms_.media(), *this);
}

bool TrunkParticipant::send_description(umbrella_SessionDescription_Type type, const std::string& sdp,
                                        const std::vector<MidRequest>& receive) {
  auto env = signal::new_envelope();
  bool ok = !sdp.empty() && p_.channel && signal::make_description(*env, type, sdp, p_.revision);
  auto& d = env->body.description;
  for (auto& r : receive) {
    if (!ok) break;
    if (d.receive_count >= sizeof(d.receive) / sizeof(d.receive[0])) break;
    ok = signal::copy_string_exact(d.receive[d.receive_count].mid, r.mid) &&
         signal::copy_string_exact(d.receive[d.receive_count].track_id, r.track_id);
    ++d.receive_count;
  }
  if (ok) {
    p_.channel->send(*env);
    return true;
  }
  // Never an empty or cut description on the wire: the link is restarted instead.
  ++rooms_.signal_counters().description_failed;
  p_.offer_pending = false;
  LOG_WARN("trunk", "cannot ", sdp.empty() ? "build" : "send", " the ",
           type == umbrella_SessionDescription_Type_TYPE_OFFER ? "offer" : "answer", " for ", far_site_, " (",
           sdp.size(), " bytes); closing the trunk");
  close("session description could not be built");
  return false;
}

void TrunkParticipant::on_tracks_changed() {
  if (dialled_) offer();
  else announce();
  if (direct_ && prefer_) take_over_all();  // the cloud copy of a track we carry may be new
}

// Accepting side: tell the dialler which tracks it may ask for (far_tracks_ lists what we told).
void TrunkParticipant::announce() {
  if (!p_.joined || !p_.channel) return;
  auto env = signal::new_envelope();
  for (auto it = far_tracks_.begin(); it != far_tracks_.end();) {
    if (rooms_.find_track(it->track_id, this)) {
      ++it;
      continue;
    }
    for (auto o = p_.subscriptions.begin(); o != p_.subscriptions.end();) {
      if (o->track_id != it->track_id) {
        ++o;
        continue;
      }
      if (o->subscribed && p_.transport) rooms_.media().plane.unsubscribe(o->stream, p_.transport->id());
      o = p_.subscriptions.erase(o);
    }
    signal::make_track_removed(*env, it->track_id);
    p_.channel->send(*env);
    it = far_tracks_.erase(it);
  }
  rooms_.for_each_track(this, [&](const PublisherTrack& t) {
    if (t.origin_site == far_site_) return;  // never back where it came from
    if (direct_ && t.origin_site != rooms_.site_id()) return;  // loop-free: only our own
    for (auto& a : far_tracks_)
      if (a.track_id == t.track_id) return;
    far_tracks_.push_back({t.track_id, t.owner_id, t.origin_site, t.room, t.kind, ""});
    signal::make_track_added(*env, {t.track_id, to_proto(t.kind), t.owner_id, "", t.owner_id, t.origin_site, t.room});
    p_.channel->send(*env);
  });
}

// Accepting side: the dialler's offer sends its tracks and names the ones it wants from us.
void TrunkParticipant::handle_offer(const umbrella_SessionDescription& d, Instant now) {
  std::vector<MidRequest> receive;
  for (pb_size_t i = 0; i < d.receive_count; ++i) receive.push_back({d.receive[i].mid, d.receive[i].track_id});
  auto answer = accept_offer(std::string(signal::sdp_of(d)), now, receive);
  if (!answer) {
    ++rooms_.signal_counters().bad_sdp;
    send_error(umbrella_Error_Code_CODE_BAD_SDP, answer.error());
    return;
  }
  p_.revision = d.revision;
  if (!send_description(umbrella_SessionDescription_Type_TYPE_ANSWER, *answer)) return;
  publish_tracks();
  subscribe_negotiated();  // the trunk's answer is final: what it asked for flows now
}

Result<std::string, std::string> TrunkParticipant::accept_offer(const std::string& offer, Instant now,
                                                                const std::vector<MidRequest>& receive) {
  ensure_peer();
  media::MediaPlane& plane = rooms_.media().plane;
  // Keep the SSRCs of what it receives across offers.
  for (auto& want : receive) {
    const PublisherTrack* t = rooms_.find_track(want.track_id, this);
    if (!t) continue;
    SubscribedTrack* o = nullptr;
    for (auto& x : p_.subscriptions)
      if (x.track_id == want.track_id) o = &x;
    if (o && o->mid != want.mid) {
      if (o->subscribed) plane.unsubscribe(o->stream, p_.transport->id());
      std::erase_if(p_.subscriptions, [&](const SubscribedTrack& x) { return x.track_id == want.track_id; });
      o = nullptr;
    }
    if (!o) p_.subscriptions.push_back(output_for(*t, want.mid, true));
  }
  sdp::AnswerOptions options;
  options.data_channel_max_message_size = kTrunkDataMaxMessage;
  // A trunk carries whole rooms: only the parser's bound applies, not a participant's.
  options.max_media_sections = sdp::kMaxMediaSections;
  options.max_published_tracks = sdp::kMaxMediaSections;
  for (auto& o : p_.subscriptions) {
    sdp::MidPolicy policy;
    policy.direction = sdp::Direction::kSendOnly;
    policy.track = to_sdp_track(o);
    options.per_mid[o.mid] = policy;
  }
  auto answer = p_.transport->answer(offer, options, now);
  if (!answer) return answer;
  // A re-offer that no longer sends on an m-line ends that track.
  for (auto it = p_.published.begin(); it != p_.published.end();) {
    if (receives(p_.transport->negotiated().find(it->mid))) ++it;
    else it = (unpublish(it), p_.published.begin());
  }
  // Over a trunk the far SFU names track and owner (a=msid:<owner> <global track id>).
  const sdp::SessionDescription* remote = p_.transport->remote_offer();
  for (const auto& m : p_.transport->negotiated().media) {
    if (m.kind != sdp::MediaKind::kAudio && m.kind != sdp::MediaKind::kVideo) continue;
    if (!receives(&m)) continue;
    bool known = false;
    for (auto& t : p_.published) known |= t.mid == m.mid;
    const sdp::MediaSection* section = remote ? sdp::find_media(*remote, m.mid) : nullptr;
    if (known || !section || section->msids.empty()) continue;
    PublisherTrack t;
    t.mid = m.mid;
    t.kind = m.kind == sdp::MediaKind::kAudio ? sfu::Kind::kAudio : sfu::Kind::kVideo;
    t.owner_id = section->msids.front().stream_id;
    t.track_id = section->msids.front().track_id;
    t.origin_site = far_site_;
    t.room = "default";  // the owner's room, from the roster the trunk sent first
    for (auto& r : remote_participants_)
      if (r.id == t.owner_id) t.room = r.room;
    t.codecs = m.codecs;
    p_.published.push_back(std::move(t));
  }
  return answer;
}

// Dialling side: offer what we send and what we want to receive.
void TrunkParticipant::offer() {
  if (!p_.joined || !p_.channel) return;
  if (p_.offer_pending) {
    p_.renegotiate = true;
    return;
  }
  p_.renegotiate = false;
  bool changed = false;
  for (auto it = p_.subscriptions.begin(); it != p_.subscriptions.end();) {
    if (rooms_.find_track(it->track_id, this)) {
      ++it;
      continue;
    }
    if (it->subscribed && p_.transport) rooms_.media().plane.unsubscribe(it->stream, p_.transport->id());
    it = p_.subscriptions.erase(it);
    changed = true;
  }
  rooms_.for_each_track(this, [&](const PublisherTrack& t) {
    if (t.origin_site == far_site_) return;
    if (direct_ && t.origin_site != rooms_.site_id()) return;  // loop-free: only our own
    for (auto& o : p_.subscriptions)
      if (o.track_id == t.track_id) return;
    p_.subscriptions.push_back(output_for(t, rooms_.new_mid('s'), true));
    changed = true;
  });
  for (auto& a : far_tracks_)
    if (a.mid.empty()) {
      a.mid = rooms_.new_mid('r');
      changed = true;
    }
  // The first offer opens the transport even without tracks: its data channel carries chat.
  bool data = !p_.transport && rooms_.media().sctp;
  if (!changed && !data) return;
  if (!p_.transport && p_.subscriptions.empty() && far_tracks_.empty() && !data) return;  // an offer needs an m-line
  ensure_peer();
  std::vector<sdp::OutgoingTrack> send;
  for (auto& o : p_.subscriptions) send.push_back(to_sdp_track(o));
  std::vector<std::pair<std::string, sdp::MediaKind>> receive;
  std::vector<MidRequest> requests;
  for (auto& a : far_tracks_) {
    receive.push_back({a.mid, sdp_kind(a.kind)});
    requests.push_back({a.mid, a.track_id});
  }
  std::string sdp = p_.transport->client_offer(send, receive);
  ++p_.revision;
  if (!send_description(umbrella_SessionDescription_Type_TYPE_OFFER, sdp, requests)) return;
  p_.offer_pending = true;
  ++rooms_.signal_counters().offers_sent;
}

void TrunkParticipant::apply_answer(const umbrella_SessionDescription& d, Instant now) {
  SignalCounters& counters = rooms_.signal_counters();
  if (d.type != umbrella_SessionDescription_Type_TYPE_ANSWER || !p_.offer_pending || d.revision != p_.revision ||
      !p_.transport) {
    ++counters.unexpected;
    return;
  }
  ++counters.answers_received;
  p_.offer_pending = false;
  if (auto r = p_.transport->apply_client_answer(std::string(signal::sdp_of(d)), now); !r) {
    ++counters.bad_sdp;
    LOG_WARN("trunk", "answer from ", far_site_, " refused: ", r.error());
    return;
  }
  for (auto& a : far_tracks_) {
    const sdp::NegotiatedMedia* m = p_.transport->negotiated().find(a.mid);
    if (!m || m->rejected) continue;
    bool have = false;
    for (auto& t : p_.published) have |= t.track_id == a.track_id;
    if (have) continue;
    PublisherTrack t;
    t.track_id = a.track_id;
    t.owner_id = a.owner_id;
    t.origin_site = a.origin_site;
    t.room = a.room;
    t.kind = a.kind;
    t.mid = a.mid;
    t.codecs = m->codecs;
    p_.published.push_back(std::move(t));
  }
  publish_tracks();
  subscribe_negotiated();
  if (p_.renegotiate) offer();
}

void TrunkParticipant::publish_tracks() {
  if (!p_.transport) return;
  if (direct_) {  // never a first copy: ours feed the cloud's (take_over)
    if (prefer_) take_over_all();
    return;
  }
  std::vector<std::string> rooms;  // where tracks were added: those rooms renegotiate
  for (auto& t : p_.published) {
    if (t.stream) continue;
    // A track that already reached this room by another path (a trunk ring) is ignored.
    if (rooms_.find_track(t.track_id, this)) continue;
    auto source = source_of(t);
    if (!source) continue;
    auto& [stream, layers] = *source;
    t.stream = rooms_.media().plane.publish(stream, layers);
    t.layers = std::max<size_t>(1, std::min(layers.size(), sfu::kMaxLayers));
    auto env = signal::new_envelope();
    signal::make_track_added(*env, {t.track_id, to_proto(t.kind), t.owner_id, "", t.owner_id, t.origin_site, t.room});
    rooms_.track_event(t.room, *env, this);
    if (std::find(rooms.begin(), rooms.end(), t.room) == rooms.end()) rooms.push_back(t.room);
    LOG_INFO("sfu", "trunk from ", far_site_, " publishes ", t.kind == sfu::Kind::kAudio ? "audio" : "video",
             " mid ", t.mid, " ssrc ", stream.ssrc, layers.empty() ? "" : ", " + std::to_string(layers.size()) + " simulcast layers");
  }
  for (auto& room : rooms) rooms_.tracks_changed(room, this);
}

void TrunkParticipant::unpublish(std::vector<PublisherTrack>::iterator it) {
  if (direct_) {
    give_back(it->track_id);
    mismatched_.erase(it->track_id);
  }
  std::string room = it->room;
  bool live = it->stream != 0;
  if (live) {
    rooms_.media().plane.unpublish(it->stream);
    auto env = signal::new_envelope();
    signal::make_track_removed(*env, it->track_id);
    rooms_.track_event(room, *env, this);
  }
  p_.published.erase(it);
  if (live) rooms_.tracks_changed(room, this);
}

void TrunkParticipant::subscribe_negotiated() {
  if (!p_.transport || !p_.transport->connected()) return;  // on_transport_connected retries
  for (auto& o : p_.subscriptions) {
    if (o.subscribed || !wants_.far_wants(o.track_id)) continue;  // crosses only when wanted
    const PublisherTrack* source = rooms_.find_track(o.track_id, this);
    if (!source || source->stream != o.stream) continue;
    auto subs = subscriptions_for(o, *source, p_.transport->negotiated(), p_.transport->id());
    if (subs.empty()) continue;
    // Every layer goes and nothing is estimated here: the far SFU chooses for its own
    // subscribers, numbering what it sends them in the transport-cc element that crosses.
    for (auto& s : subs) {
      s.far_sfu = true;
      rooms_.media().plane.subscribe(s);
    }
    o.subscribed = true;
  }
}

// The far side's wants replace the last ones: what it no longer wants stops at once, what
// it wants starts as soon as it is negotiated (subscribe_negotiated), even if it comes later.
void TrunkParticipant::on_wants(const umbrella_TrunkWants& w) {
  std::vector<std::string_view> ids(w.track_ids, w.track_ids + w.track_ids_count);
  if (!wants_.set_far(ids)) return refuse_far("want");
  for (auto& o : p_.subscriptions)
    if (o.subscribed && !wants_.far_wants(o.track_id)) {
      rooms_.media().plane.unsubscribe(o.stream, p_.transport->id());
      o.subscribed = false;
    }
  subscribe_negotiated();
}

// We want what someone here receives: a participant, or another trunk whose far side wants it.
void TrunkParticipant::update_wants() {
  if (!p_.joined || !p_.channel) return;
  const media::MediaPlane& plane = rooms_.media().plane;
  // A stream is asked for from the trunk that feeds it now: the one that brought it in, unless
  // a direct trunk feeds it (fed_).
  media::TransportId mine = p_.transport ? p_.transport->id() : 0;
  std::vector<std::string> wanted;
  if (direct_) {
    for (auto& [id, stream] : fed_)
      if (plane.subscribers(stream) > 0) wanted.push_back(id);
  } else {
    wanted = wanted_tracks(p_.published, [&](media::TrackId t) {
      return plane.subscribers(t) > 0 && plane.track_source(t) == mine;
    });
  }
  if (!wants_.update(std::move(wanted))) return;
  auto env = signal::new_envelope();
  signal::reset(*env, umbrella_Envelope_trunk_wants_tag);
  auto& out = env->body.trunk_wants;
  for (auto& id : wants_.sent())  // at most kMaxTracks; an id too long to send was never announced whole
    out.track_ids_count += signal::copy_string_exact(out.track_ids[out.track_ids_count], id);
  p_.channel->send(*env);
}

}  // namespace umbrella::server

namespace umbrella::server {

void TrunkParticipant::on_data_channel_event(media::TransportId, sctp::ChannelEvent& event) {
  DataRelay& relay = rooms_.data_relay();
  if (std::holds_alternative<sctp::ChannelsUp>(event)) {
    if (!dialled_ || !p_.transport) return;
    auto id = p_.transport->open_channel({std::string(kTrunkChannelLabel), "", {}});
    if (!id) LOG_WARN("trunk", "no data channel to ", far_site_, ": ", id.error());
  } else if (auto* o = std::get_if<sctp::ChannelOpened>(&event)) {
    if (o->info.label != kTrunkChannelLabel || data_channel_) return;
    data_channel_ = o->id;
    relay.add_trunk(this);
  } else if (auto* m = std::get_if<sctp::ChannelMessage>(&event)) {
    if (m->id == data_channel_) relay.on_trunk_data(this, m->data);
    else relay.refuse_trunk_message();
  } else if (auto* c = std::get_if<sctp::ChannelClosed>(&event); c ? c->id == data_channel_
                                                                    : std::holds_alternative<sctp::ChannelsDown>(event)) {
    data_channel_.reset();
    relay.remove_trunk(this);
  }
}

sctp::SendResult TrunkParticipant::send_trunk_data(Bytes frame) {
  if (!p_.transport || !data_channel_) return sctp::SendResult::kNotConnected;
  return p_.transport->send_channel_message(*data_channel_, true, frame);
}

}  // namespace umbrella::server

namespace umbrella::server {
namespace {
// Whether packets of `mine` mean the same with `first`'s payload types (the subscriptions'
// payload type maps were made from those).
bool same_payload_types(const std::vector<sdp::Codec>& mine, const std::vector<sdp::Codec>& first) {
  for (auto& c : mine) {
    auto it = std::find_if(first.begin(), first.end(), [&](const sdp::Codec& f) { return f.pt == c.pt; });
    if (it == first.end() || !sdp::detail::iequals(it->name, c.name) || it->clock_rate != c.clock_rate) return false;
  }
  return true;
}
}  // namespace

std::optional<std::pair<sfu::PublishedStream, std::vector<media::SimulcastLayer>>> TrunkParticipant::source_of(
    const PublisherTrack& t) {
  if (!p_.transport) return std::nullopt;
  // SSRCs are in what the far side sent: its offer, or (we dialled) its answer.
  const sdp::SessionDescription* remote = dialled_ ? p_.transport->remote_answer() : p_.transport->remote_offer();
  auto s = published_stream(t, p_.transport->negotiated(), remote);
  if (!s) return std::nullopt;
  s->transport = p_.transport->id();
  return std::make_pair(*s, simulcast_layers(t, p_.transport->negotiated(), remote));
}

void TrunkParticipant::set_preferred(bool preferred) {
  if (prefer_ == preferred) return;
  prefer_ = preferred;
  if (preferred) take_over_all();
  else give_back_all();
}

void TrunkParticipant::take_over_all() {
  size_t n = 0;
  for (auto& t : p_.published) n += take_over(t);
  if (!n) return;
  LOG_INFO("direct", n, n == 1 ? " track" : " tracks", " of ", far_site_, " now come over the bridge (",
           fed_.size(), " in all)");
  hub_.wants_changed();
}

bool TrunkParticipant::take_over(const PublisherTrack& t) {
  if (fed_.count(t.track_id) || mismatched_.count(t.track_id)) return false;
  const PublisherTrack* first = rooms_.find_track(t.track_id, this);
  if (!first || !first->stream || first->kind != t.kind) return false;  // none to feed (yet)
  auto source = source_of(t);
  if (!source) return false;
  auto& [stream, layers] = *source;
  size_t count = std::max<size_t>(1, std::min(layers.size(), sfu::kMaxLayers));
  if (count != first->layers || !same_payload_types(t.codecs, first->codecs)) {
    // Both copies come from our own offers, so this should not happen; the cloud copy stays.
    ++rooms_.signal_counters().unexpected;
    LOG_WARN("direct", "the direct copy of ", t.track_id, " does not match the cloud's; it stays on the cloud");
    mismatched_.insert(t.track_id);  // once: bounded by the far tracks (kMaxFarTracks)
    return false;
  }
  rooms_.media().plane.republish(first->stream, stream, layers);
  fed_.emplace(t.track_id, first->stream);
  return true;
}

void TrunkParticipant::give_back(const std::string& track_id) {
  auto it = fed_.find(track_id);
  if (it == fed_.end()) return;
  media::TrackId stream = it->second;
  fed_.erase(it);
  hub_.restore_source(stream, this);
  hub_.wants_changed();
}

void TrunkParticipant::give_back_all() {
  if (fed_.empty()) return;
  LOG_INFO("direct", fed_.size(), fed_.size() == 1 ? " track" : " tracks", " of ", far_site_,
           " go back to the cloud path");
  for (auto& [id, stream] : std::exchange(fed_, {})) hub_.restore_source(stream, this);
  hub_.wants_changed();
}

bool TrunkParticipant::feed_again(media::TrackId stream) {
  for (auto& t : p_.published) {
    if (t.stream != stream) continue;
    if (auto source = source_of(t)) rooms_.media().plane.republish(stream, source->first, source->second);
    return true;
  }
  return false;
}

}  // namespace umbrella::server
