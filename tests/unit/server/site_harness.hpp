// Whole SFUs without sockets, on virtual time (like rtc/call_pair.hpp for one call): each Site
// is a Conference, a TrunkHub and a MediaPlane on an EventLoop driven by a ManualTimeSource,
// with an in-memory DatagramPort. Clients are browser-like: a fake signalling channel that
// answers the SFU's offers, and an rtc::Transport (controlling ICE). World::step() shuttles signalling
// frames and datagrams and moves time on.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event_loop.hpp"
#include "media/media_plane.hpp"
#include "rtc/call_pair.hpp"
#include "rtc/transport.hpp"
#include "sdp/limits.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_packet.hpp"
#include "sdp/build.hpp"
#include "sdp/candidate.hpp"
#include "sdp/helpers.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"
#include "server/conference.hpp"
#include "server/media_port.hpp"
#include "server/trunk_auth.hpp"
#include "server/trunk_hub.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"
#include "signal/strings.hpp"
#include "stun/message.hpp"

namespace umbrella::server::test {

using rtc::test::certificate;

// Datagrams in flight between in-memory hosts.
struct Net {
  struct InFlight {
    Packet packet;
    SocketAddress from, to;
  };
  std::deque<InFlight> queue;
  std::unordered_map<SocketAddress, std::function<void(Packet, const SocketAddress&)>> hosts;
  size_t undeliverable = 0;
  std::function<bool(const InFlight&)> lose;  // true: this datagram is lost on the way

  void deliver() {
    while (!queue.empty()) {
      InFlight d = std::move(queue.front());
      queue.pop_front();
      if (lose && lose(d)) continue;
      auto it = hosts.find(d.to);
      if (it == hosts.end()) {
        ++undeliverable;
        continue;
      }
      it->second(std::move(d.packet), d.from);
    }
  }
};

class MemoryPort final : public DatagramPort {
 public:
  MemoryPort(Net& net, SocketAddress address, const TimeSource& clock) : net_(net), address_(address), clock_(clock) {
    // Copied into our pool as a socket would: the sender's pool may go first.
    net_.hosts[address_] = [this](Packet p, const SocketAddress& from) {
      Packet copy = pool_.copy_of(p.span());
      p.reset();
      if (copy) dispatch(copy, from, clock_.now(), 0);
    };
  }
  ~MemoryPort() override { net_.hosts.erase(address_); }
  uint16_t port() const override { return address_.port(); }
  PacketPool& pool() override { return pool_; }
  bool reaches(const SocketAddress&) const override { return true; }
  void send(Packet packet, const SocketAddress& to, SendTransform* transform) override {
    if (transform && !transform->apply(packet)) return;
    net_.queue.push_back({std::move(packet), address_, to});
  }
  void flush() override {}

 private:
  Net& net_;
  SocketAddress address_;
  const TimeSource& clock_;
  PacketPool pool_{2048};
};

// Envelopes one side sends, kept encoded until the harness delivers them.
struct Channel : SignalChannel {
  std::deque<std::vector<uint8_t>> frames;
  std::optional<std::string> closed;
  void send(const umbrella_Envelope& env) override {
    std::vector<uint8_t> buf(signal::kMaxEnvelopeSize);
    size_t n = signal::encode(env, buf);
    REQUIRE(n > 0);
    buf.resize(n);
    frames.push_back(std::move(buf));
  }
  void close(uint16_t, std::string_view reason) override { closed = std::string(reason); }
};

inline std::vector<uint8_t> encode(const umbrella_Envelope& env) {
  std::vector<uint8_t> buf(signal::kMaxEnvelopeSize);
  buf.resize(signal::encode(env, buf));
  return buf;
}

struct Site {
  Site(Net& net, const TimeSource& clock, std::string id, std::string ip, std::string secret = "trunk-secret",
       AdmissionLimits limits = {})
      : loop(clock),
        port(net, *SocketAddress::parse(ip + ":40000"), clock),
        plane(loop, port.pool()),
        context{loop, port, plane, certificate(1), {ip}},
        conference(id, context, limits),
        hub(conference, std::move(secret)) {
    conference.set_trunk_acceptor(&hub);
  }
  EventLoop loop;
  MemoryPort port;
  media::MediaPlane plane;
  MediaContext context;
  Conference conference;
  TrunkHub hub;  // after the conference: its trunks leave the rooms first
};

// A browser: joins over signalling (or uses WHIP/WHEP), answers every offer, receives media.
class Client final : public rtc::TransportListener, public rtc::DatagramSink {
 public:
  Client(Net& net, const TimeSource& clock, std::string ip, std::string name)
      : net_(net), clock_(clock), address_(*SocketAddress::parse(ip + ":50000")), name_(std::move(name)) {
    local_ = {"u" + name_, "client-password-" + name_ + "-0123456789"};
    net_.hosts[address_] = [this](Packet p, const SocketAddress& from) {
      Packet copy = pool_.copy_of(p.span());
      p.reset();
      if (transport_ && copy) transport_->on_datagram(std::move(copy), from, clock_.now());
    };
  }
  ~Client() override { net_.hosts.erase(address_); }

  // --- signalling over a fake /wsb connection
  void open(Site& site) {
    site_ = &site;
    connection_ = site.conference.open(&channel);
  }
  uint64_t connection() const { return connection_; }
  void send(const umbrella_Envelope& env) { site_->conference.on_message(connection_, encode(env), clock_.now()); }
  void join(const std::string& room) {
    auto env = std::make_unique<umbrella_Envelope>();
    signal::reset(*env, umbrella_Envelope_join_tag);
    signal::copy_string(env->body.join.room, room);
    signal::copy_string(env->body.join.display_name, name_);
    send(*env);
  }
  void leave() {
    auto env = std::make_unique<umbrella_Envelope>();
    signal::reset(*env, umbrella_Envelope_leave_tag);
    send(*env);
  }
  void close() { site_->conference.on_closed(connection_); }
  // TileViews: remote video tracks with the heights they are shown at (0: not shown).
  void show(const std::vector<std::pair<std::string, uint32_t>>& views) {
    auto env = std::make_unique<umbrella_Envelope>();
    *env = umbrella_Envelope_init_zero;
    env->which_body = umbrella_Envelope_tile_views_tag;
    for (const auto& [track, height] : views) {
      auto& v = env->body.tile_views.views[env->body.tile_views.views_count++];
      std::snprintf(v.track_id, sizeof v.track_id, "%s", track.c_str());
      v.height = height;
    }
    send(*env);
  }
  // One audio and one video track to send (WHIP uses this and offer() without signalling).
  void add_tracks() { sending_ = {track("a0", sdp::MediaKind::kAudio), track("v0", sdp::MediaKind::kVideo)}; }
  // Offers only codec `name` (and its RTX) on our track `mid`, as a one-codec encoder does.
  void only_codec(const std::string& mid, const std::string& name, uint8_t pt) {
    for (auto& t : sending_)
      for (auto& cap : sdp::default_capabilities().codecs)
        if (t.mid == mid && cap.name == name) t.codecs = sdp::codecs_for(cap, pt, uint8_t(pt + 1));
  }
  // Offers to send them (a browser's first offer).
  void publish() {
    add_tracks();
    auto env = std::make_unique<umbrella_Envelope>();
    std::string sdp = offer();  // make_description() keeps a view of it
    REQUIRE(signal::make_description(*env, umbrella_SessionDescription_Type_TYPE_OFFER, sdp, 1));
    send(*env);
  }
  // Handles what the SFU sent: answers offers, applies answers, records events.
  void pump() {
    while (!channel.frames.empty()) {
      auto frame = std::move(channel.frames.front());
      channel.frames.pop_front();
      auto env = std::make_unique<umbrella_Envelope>();
      REQUIRE(signal::decode(frame, *env));
      received.push_back(env->which_body);
      if (env->which_body == umbrella_Envelope_joined_tag) {
        id = env->body.joined.participant_id;
        for (pb_size_t i = 0; i < env->body.joined.participants_count; ++i)
          roster.push_back(env->body.joined.participants[i].participant_id);
      } else if (env->which_body == umbrella_Envelope_track_added_tag) {
        if (env->body.track_added.track.kind == umbrella_MediaKind_MEDIA_KIND_VIDEO)
          video_tracks.push_back(env->body.track_added.track.track_id);
      } else if (env->which_body == umbrella_Envelope_participant_joined_tag) {
        roster.push_back(env->body.participant_joined.participant.participant_id);
      } else if (env->which_body == umbrella_Envelope_participant_left_tag) {
        std::erase(roster, std::string(env->body.participant_left.participant_id));
      } else if (env->which_body == umbrella_Envelope_description_tag) {
        const auto& d = env->body.description;
        if (d.type == umbrella_SessionDescription_Type_TYPE_ANSWER) {
          take_answer(std::string(signal::sdp_of(d)));
        } else {
          ++offers_received;
          auto reply = std::make_unique<umbrella_Envelope>();
          std::string sdp = answer(std::string(signal::sdp_of(d)));
          REQUIRE(signal::make_description(*reply, umbrella_SessionDescription_Type_TYPE_ANSWER, sdp, d.revision));
          send(*reply);
        }
      }
    }
  }
  size_t count(pb_size_t body_tag) const { return size_t(std::count(received.begin(), received.end(), body_tag)); }

  // --- SDP, as a browser would do it
  std::string offer(bool receive_only = false) {
    auto o = sdp::make_offer({}, sending_, local_transport());
    REQUIRE_MESSAGE(o.ok(), (o.ok() ? std::string() : o.error()));
    o->ice_lite = false;
    if (receive_only)
      for (auto& m : o->media) {
        m.direction = sdp::Direction::kRecvOnly;
        m.ssrcs.clear();
        m.ssrc_groups.clear();
        m.msids.clear();
      }
    offer_ = *o;
    return sdp::build(*o);
  }
  void take_answer(const std::string& text) {
    auto a = sdp::parse(text);
    REQUIRE(a.ok());
    REQUIRE(offer_);
    auto state = sdp::apply_answer(*offer_, *a);
    REQUIRE(state.ok());
    negotiated_ = *state;
    if (transport_) return;
    auto tag = sdp::bundle_tag(*a);
    REQUIRE(tag);
    auto remote = sdp::remote_transport(*a, *tag);
    REQUIRE(remote);
    rtc::TransportConfig config;
    config.local = local_;
    config.remote = {remote->ice_ufrag, remote->ice_pwd};
    config.remote_fingerprint = remote->fingerprint.algorithm + " " + remote->fingerprint.value;
    rtc::FullIce ice;
    for (auto& c : remote->candidates) {
      auto addr = SocketAddress::parse_ip(c.address);
      REQUIRE(addr);
      addr->set_port(c.port);
      ice.remote_candidates.push_back(*addr);
    }
    config.ice = std::move(ice);
    auto t = rtc::Transport::create(config, certificate(0), pool_, *this, *this, clock_.now());
    REQUIRE(t.ok());
    transport_ = std::move(t).value();
  }
  std::string answer(const std::string& text) {
    auto o = sdp::parse(text);
    REQUIRE(o.ok());
    sdp::AnswerOptions options;  // receive what the SFU sends; keep sending ours
    for (auto& t : sending_) options.per_mid[t.mid] = {sdp::Direction::kSendOnly, t};
    // A browser, not the SFU: the SFU's bounds on what one participant publishes do not apply.
    options.max_media_sections = sdp::kMaxMediaSections;
    options.max_published_tracks = sdp::kMaxMediaSections;
    auto a = sdp::answer_offer(*o, local_transport(), options);
    REQUIRE_MESSAGE(a.ok(), (a.ok() ? std::string() : a.error()));
    negotiated_ = sdp::negotiated_state(*o, *a);
    return sdp::build(*a);
  }

  // --- media
  bool connected() const { return transport_ && transport_->connected(); }
  // One RTP packet on our track `mid` (payload: `marker` repeated).
  bool send_media(const std::string& mid, uint8_t marker) {
    const sdp::OutgoingTrack* t = nullptr;
    for (auto& s : sending_)
      if (s.mid == mid) t = &s;
    const sdp::NegotiatedMedia* m = negotiated_.find(mid);
    if (!t || !m || m->codecs.empty() || !connected()) return false;
    Packet p = pool_.acquire();
    std::vector<uint8_t> payload(160, marker);
    rtp::RtpHeader h{false, m->codecs.front().pt, seq_++, uint32_t(seq_) * 960, t->ssrc};
    size_t n = rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity() - 64), h, {}, payload);
    p.set_size(n);
    return n > 0 && transport_->send_rtp(std::move(p));
  }
  // RTP payload bytes received, by first payload byte.
  size_t received_media(uint8_t marker) const {
    size_t n = 0;
    for (auto& p : rtp) n += !p.empty() && p.back() == marker;
    return n;
  }
  void step(Instant now) {
    if (transport_ && transport_->next_deadline() <= now) transport_->on_timeout(now);
  }

  // rtc::TransportListener
  void on_rtp(Packet& p, Instant) override { rtp.emplace_back(p.data(), p.data() + p.size()); }
  void on_rtcp(Packet&, Instant) override { ++rtcp; }
  void on_closed(const std::string& reason) override { closed = reason; }
  // rtc::DatagramSink
  void send_datagram(Packet packet, const SocketAddress& to) override {
    net_.queue.push_back({std::move(packet), address_, to});
  }
  void bind_address(const SocketAddress&) override {}

  Channel channel;
  std::string id;
  std::vector<std::string> roster;
  std::vector<std::string> video_tracks;  // remote video track ids, as TrackAdded said
  std::vector<pb_size_t> received;
  size_t offers_received = 0;
  std::vector<std::vector<uint8_t>> rtp;
  size_t rtcp = 0;
  std::optional<std::string> closed;

 private:
  sdp::OutgoingTrack track(const std::string& mid, sdp::MediaKind kind) {
    sdp::OutgoingTrack t;
    t.mid = mid;
    t.kind = kind;
    t.stream_id = "s-" + name_;
    t.track_id = name_ + "-" + mid;
    t.ssrc = 0x1000 + uint32_t(next_ssrc_++) + uint32_t(std::hash<std::string>{}(name_) & 0xfff0000);
    return t;
  }
  sdp::LocalTransport local_transport() {
    sdp::LocalTransport l;
    l.ice_ufrag = local_.ufrag;
    l.ice_pwd = local_.pwd;
    l.fingerprint = {"sha-256", certificate(0).fingerprint_sha256()};
    l.candidates = sdp::host_candidates({address_.ip_string()}, address_.port());
    l.session_version = version_++;
    return l;
  }

  Net& net_;
  const TimeSource& clock_;
  SocketAddress address_;
  std::string name_;
  Site* site_ = nullptr;
  uint64_t connection_ = 0;
  ice::Credentials local_;
  PacketPool pool_{256};
  std::vector<sdp::OutgoingTrack> sending_;
  std::optional<sdp::SessionDescription> offer_;
  sdp::NegotiatedState negotiated_;
  std::unique_ptr<rtc::Transport> transport_;
  uint16_t seq_ = 1;
  int next_ssrc_ = 0;
  uint64_t version_ = 1;
};

// A dialled trunk's WebSocket: frames each way, delivered by World::step.
struct TrunkWire {
  Site& from;  // dials
  Site& to;
  Channel dial_side, accept_side;
  uint64_t dial_key = 0, accept_key = 0;
  std::vector<std::vector<uint8_t>> dialled, answered;  // every frame each way, as sent
  TrunkWire(Site& a, Site& b, SocketAddress dialler = *SocketAddress::parse("203.0.113.9:4000")) : from(a), to(b) {
    accept_key = to.conference.open(&accept_side, dialler);
    dial_key = from.hub.open_dialled(&dial_side);
  }
  bool pump(Instant now) {
    bool any = false;
    while (!dial_side.frames.empty()) {
      auto f = std::move(dial_side.frames.front());
      dial_side.frames.pop_front();
      dialled.push_back(f);
      to.conference.on_message(accept_key, f, now);
      any = true;
    }
    while (!accept_side.frames.empty()) {
      auto f = std::move(accept_side.frames.front());
      accept_side.frames.pop_front();
      answered.push_back(f);
      from.hub.on_frame(dial_key, f, now);
      any = true;
    }
    return any;
  }
};

// Plays the accepting SFU `far_site` (secret "trunk-secret") for a trunk `site` dialled as
// `key`: challenges it, reads its response and sends `joined` with the proof.
inline void accept_as_far_site(Site& site, uint64_t key, Channel& far, const std::string& far_site,
                               umbrella_Envelope& joined, Instant now, std::string secret = "trunk-secret") {
  auto env = std::make_unique<umbrella_Envelope>();
  signal::reset(*env, umbrella_Envelope_trunk_challenge_tag);
  TrunkNonce challenge = trunk_nonce();
  env->body.trunk_challenge.nonce.size = pb_size_t(challenge.size());
  std::copy(challenge.begin(), challenge.end(), env->body.trunk_challenge.nonce.bytes);
  signal::copy_string(env->body.trunk_challenge.site_id, far_site);
  far.frames.clear();
  site.hub.on_frame(key, encode(*env), now);
  REQUIRE(far.frames.size() == 1);
  REQUIRE(signal::decode(far.frames.front(), *env));
  REQUIRE(env->which_body == umbrella_Envelope_trunk_response_tag);
  far.frames.clear();
  const auto& r = env->body.trunk_response;
  TrunkMac proof = trunk_mac(secret, TrunkSide::kAcceptor,
                             {Bytes(challenge.data(), challenge.size()), Bytes(r.nonce.bytes, r.nonce.size),
                              site.conference.site_id(), far_site});
  joined.body.joined.trunk_proof.size = pb_size_t(proof.size());
  std::copy(proof.begin(), proof.end(), joined.body.joined.trunk_proof.bytes);
  site.hub.on_frame(key, encode(joined), now);
}

struct World {
  ManualTimeSource clock;
  Net net;
  std::vector<Site*> sites;
  std::vector<Client*> clients;
  std::vector<TrunkWire*> wires;

  void settle() {
    for (int i = 0; i < 100; ++i) {
      bool any = false;
      for (auto* w : wires) any |= w->pump(clock.now());
      for (auto* c : clients) {
        any |= !c->channel.frames.empty();
        c->pump();
      }
      any |= !net.queue.empty();
      net.deliver();
      for (auto* s : sites) s->loop.run_once(Duration::zero());
      if (!any) return;
    }
  }
  void step(Duration d = milliseconds(5)) {
    settle();
    clock.advance(d);
    for (auto* c : clients) c->step(clock.now());
    for (auto* s : sites) s->loop.run_once(Duration::zero());
    settle();
  }
  bool run_until(const std::function<bool()>& done, Duration limit = seconds(10)) {
    Instant end = clock.now() + limit;
    while (!done() && clock.now() < end) step();
    return done();
  }
};

}  // namespace umbrella::server::test
