// A whole SFU without sockets for the stateful server harnesses (conference_signal,
// trunk_client), as tests/unit/server/site_harness.hpp builds one for the unit tests but
// without doctest: a Conference and a TrunkHub on an EventLoop driven by a ManualTimeSource,
// a DatagramPort that drops everything it is given (nothing is ever sent anywhere),
// signalling channels that check every envelope the server sends, and browser-like clients
// whose offers and answers are built from the fuzz input (well-formed, mutated or raw).
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "fuzz_input.hpp"
#include "media/media_plane.hpp"
#include "sdp/build.hpp"
#include "sdp/candidate.hpp"
#include "sdp/limits.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"
#include "server/conference.hpp"
#include "server/media_port.hpp"
#include "server/trunk_hub.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"
#include "signal/strings.hpp"
#include "tls/certificate.hpp"

namespace umbrella::fuzz {

inline tls::Certificate& dtls_certificate() {
  static tls::Certificate c = std::move(tls::Certificate::generate_self_signed("fuzz", {}, {}, 30)).value();
  return c;
}

// One pool for every run (allocating it per input is slow); each run must hand every
// packet back, which the end of the run checks.
inline PacketPool& shared_pool() {
  static PacketPool p(256);
  return p;
}

// Drops what the transports send: the harness never puts a datagram on a network.
class NullPort final : public server::DatagramPort {
 public:
  uint16_t port() const override { return 40000; }
  PacketPool& pool() override { return shared_pool(); }
  bool reaches(const SocketAddress&) const override { return true; }
  void send(Packet packet, const SocketAddress&, SendTransform*) override {
    packet.reset();
    ++sent;
  }
  void flush() override {}
  size_t sent = 0;
};

// What the server sends on one connection, encoded as the WebSocket would carry it. Every
// envelope must encode, and no description may be empty.
struct RecordingChannel final : server::SignalChannel {
  std::deque<std::vector<uint8_t>> frames;
  bool close_requested = false;
  void send(const umbrella_Envelope& env) override {
    static std::vector<uint8_t> buf(signal::kMaxEnvelopeSize);
    size_t n = signal::encode(env, buf);
    check(n > 0);
    if (env.which_body == umbrella_Envelope_description_tag) check(!signal::sdp_of(env.body.description).empty());
    frames.emplace_back(buf.begin(), buf.begin() + long(n));
  }
  void close(uint16_t, std::string_view) override { close_requested = true; }
};

struct World {
  static constexpr const char* kSite = "site-a";
  static constexpr const char* kSecret = "trunk-secret";
  ManualTimeSource clock;
  EventLoop loop{clock};
  NullPort port;
  media::MediaPlane plane{loop, port.pool()};
  server::MediaContext context{loop, port, plane, dtls_certificate(), {"192.0.2.1"}};
  server::Conference conference{kSite, context};
  server::TrunkHub hub{conference, kSecret};  // after the conference: its trunks leave the rooms first

  World() { conference.set_trunk_acceptor(&hub); }
  Instant now() const { return clock.now(); }
  void run() { loop.run_once(Duration::zero()); }
  void advance(Duration d) {
    clock.advance(d);
    run();
  }
};

inline std::vector<uint8_t> encode(const umbrella_Envelope& env) {
  static std::vector<uint8_t> buf(signal::kMaxEnvelopeSize);
  size_t n = signal::encode(env, buf);
  return {buf.begin(), buf.begin() + long(n)};
}

inline umbrella_Envelope& scratch_envelope() {
  static auto env = std::make_unique<umbrella_Envelope>();
  return *env;
}

// A string from a small set (so ids and rooms collide across messages) or from the input.
inline std::string pick(FuzzInput& in, const std::vector<std::string>& set) {
  uint8_t b = in.u8();
  if (b < 240 || set.empty()) return set.empty() ? std::string() : set[b % set.size()];
  return std::string(in.sized_string());
}

// Overwrites, cuts or extends a description text at a chosen place (or leaves it).
inline void mutate(std::string& text, FuzzInput& in) {
  uint8_t mode = in.u8() % 8;
  if (mode >= 4 || text.empty()) return;
  size_t at = in.u16() % text.size();
  if (mode == 1) {
    text.resize(at);
  } else {
    auto b = as_string_view(in.sized_bytes());
    if (mode == 2) text.replace(at, std::min(b.size(), text.size() - at), b);
    else text.insert(at, b);
  }
}

inline sdp::LocalTransport client_transport(int index, uint64_t version) {
  sdp::LocalTransport l;
  l.ice_ufrag = "user" + std::to_string(index);
  l.ice_pwd = "client-password-0123456789-" + std::to_string(index);
  l.fingerprint = {"sha-256", dtls_certificate().fingerprint_sha256()};
  l.candidates = sdp::host_candidates({"192.0.2." + std::to_string(10 + index)}, 50000);
  l.session_version = version;
  return l;
}

// A browser on a /wsb connection (or, after a trunk Join, an accepted trunk's far side).
struct Client {
  int index = 0;
  RecordingChannel channel;
  uint64_t key = 0;
  bool open = false;
  std::vector<sdp::OutgoingTrack> sending;
  std::string last_offer;  // the server's latest offer, to answer
  uint32_t last_offer_revision = 0;
  uint64_t version = 1;
};

// Up to `max` mids of one kind, from a small alphabet so re-offers keep, drop and add tracks.
inline void add_tracks(FuzzInput& in, std::vector<sdp::OutgoingTrack>& out, sdp::MediaKind kind, size_t max,
                       int client) {
  size_t n = in.u8() % (max + 1);
  for (size_t i = 0; i < n; ++i) {
    sdp::OutgoingTrack t;
    t.kind = kind;
    t.mid = std::string(kind == sdp::MediaKind::kAudio ? "a" : "v") + std::to_string(in.u8() % 24);
    t.stream_id = "s" + std::to_string(client);
    t.track_id = t.mid + "-" + std::to_string(client);
    t.ssrc = std::max<uint32_t>(in.u32(), 1);
    // One payload type per codec on every m-line, as browsers do (ours would run out).
    if (kind == sdp::MediaKind::kAudio) {
      t.codecs = {{111, "opus", 48000, 2, {}, {}, true}};
    } else {
      t.codecs = {{96, "VP8", 90000, 0, {}, {{"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}}, true}};
      if (in.flag()) {
        t.rtx_ssrc = t.ssrc ^ 0x5a5a;
        t.codecs.push_back({97, "rtx", 90000, 0, {{{"apt", "96", true}}, ""}, {}, true});
      }
    }
    out.push_back(std::move(t));
  }
}

// A browser's offer: audio and video it sends (some m-lines then changed to recvonly,
// inactive, rejected or simulcast), a data channel maybe, then maybe mutated as text.
inline std::string client_offer(FuzzInput& in, Client& c) {
  std::vector<sdp::OutgoingTrack> tracks;
  bool many = in.u8() >= 224;  // sometimes far over the per-participant bound
  add_tracks(in, tracks, sdp::MediaKind::kAudio, many ? 40 : 2, c.index);
  add_tracks(in, tracks, sdp::MediaKind::kVideo, many ? 80 : 3, c.index);
  auto o = sdp::make_offer({}, tracks, client_transport(c.index, c.version++));
  if (!o) return {};
  o->ice_lite = false;
  for (auto& m : o->media) {
    uint8_t f = in.u8();
    if (f & 1) m.direction = sdp::Direction::kSendRecv;
    if (f & 2) {
      m.direction = (f & 4) ? sdp::Direction::kInactive : sdp::Direction::kRecvOnly;
      m.ssrcs.clear();
      m.ssrc_groups.clear();
      m.msids.clear();
    }
    if (f & 8) m.port = 0;
    if ((f & 16) && m.kind == sdp::MediaKind::kVideo) {  // simulcast by rid, no SSRCs (Chrome)
      m.ssrcs.clear();
      m.ssrc_groups.clear();
      m.simulcast = sdp::Simulcast{};
      for (const char* rid : {"h", "m", "l"}) {
        m.rids.push_back({rid, sdp::RidDirection::kSend, ""});
        m.simulcast->send.push_back({{rid, false}});
      }
    }
  }
  if (in.flag()) {
    sdp::MediaSection d;
    d.kind = sdp::MediaKind::kApplication;
    d.media = "application";
    d.proto = "UDP/DTLS/SCTP";
    d.formats = {"webrtc-datachannel"};
    d.mid = "d";
    d.sctp_port = 5000;
    d.setup = sdp::Setup::kActpass;
    if (!o->media.empty()) {
      d.ice_ufrag = o->media.front().ice_ufrag;
      d.ice_pwd = o->media.front().ice_pwd;
      d.fingerprint = o->media.front().fingerprint;
    }
    o->media.push_back(std::move(d));
    for (auto& g : o->groups) g.mids.push_back("d");
  }
  c.sending.clear();
  for (auto& t : tracks) c.sending.push_back(t);
  std::string text = sdp::build(*o);
  mutate(text, in);
  return text;
}

// The browser's answer to the server's latest offer: it receives everything, keeps sending
// its own tracks, rejects some m-lines; then maybe mutated. Empty if there is none to answer.
inline std::string client_answer(FuzzInput& in, Client& c) {
  uint8_t reject = in.u8();  // one byte whatever the offer, so sequences stay aligned
  auto o = sdp::parse(c.last_offer);
  if (!o) return {};
  sdp::AnswerOptions options;
  options.max_media_sections = sdp::kMaxMediaSections;
  options.max_published_tracks = sdp::kMaxMediaSections;
  for (auto& t : c.sending) options.per_mid[t.mid] = {sdp::Direction::kSendOnly, t};
  if (reject >= 200 && !o->media.empty())
    options.per_mid[o->media[reject % o->media.size()].mid] = {sdp::Direction::kInactive, std::nullopt};
  auto a = sdp::answer_offer(*o, client_transport(c.index, c.version++), options);
  if (!a) return {};
  a->ice_lite = false;
  std::string text = sdp::build(*a);
  mutate(text, in);
  return text;
}

inline umbrella_Envelope& description(umbrella_SessionDescription_Type type, const std::string& sdp,
                                      uint32_t revision) {
  umbrella_Envelope& env = scratch_envelope();
  if (!signal::make_description(env, type, sdp, revision)) signal::reset(env, umbrella_Envelope_description_tag);
  return env;
}

// Any envelope a client may send, with fields from the input (most of them wrong here).
inline umbrella_Envelope& any_envelope(FuzzInput& in, const std::vector<std::string>& names) {
  static const pb_size_t kTags[] = {
      umbrella_Envelope_join_tag,          umbrella_Envelope_leave_tag,
      umbrella_Envelope_set_mute_tag,      umbrella_Envelope_description_tag,
      umbrella_Envelope_ping_tag,          umbrella_Envelope_pong_tag,
      umbrella_Envelope_joined_tag,        umbrella_Envelope_participant_joined_tag,
      umbrella_Envelope_participant_left_tag, umbrella_Envelope_participant_updated_tag,
      umbrella_Envelope_track_added_tag,   umbrella_Envelope_track_removed_tag,
      umbrella_Envelope_error_tag,         umbrella_Envelope_set_trunks_tag,
      umbrella_Envelope_get_trunks_tag,    umbrella_Envelope_trunks_tag,
      umbrella_Envelope_trunk_wants_tag};
  umbrella_Envelope& env = scratch_envelope();
  signal::reset(env, kTags[in.u8() % (sizeof(kTags) / sizeof(kTags[0]))]);
  switch (env.which_body) {
    case umbrella_Envelope_joined_tag:
      signal::copy_string(env.body.joined.participant_id, pick(in, names));
      signal::copy_string(env.body.joined.site_id, pick(in, {"site-a", "site-b"}));
      break;
    case umbrella_Envelope_participant_left_tag:
      signal::copy_string(env.body.participant_left.participant_id, pick(in, names));
      break;
    case umbrella_Envelope_track_removed_tag:
      signal::copy_string(env.body.track_removed.track_id, pick(in, names));
      break;
    case umbrella_Envelope_set_trunks_tag:
      env.body.set_trunks.urls_count = in.u8() % 3;
      for (pb_size_t i = 0; i < env.body.set_trunks.urls_count; ++i)
        signal::copy_string(env.body.set_trunks.urls[i], in.sized_string());
      break;
    case umbrella_Envelope_error_tag:
      env.body.error.code = umbrella_Error_Code(in.u8() % 7);
      signal::copy_string(env.body.error.message, in.sized_string());
      break;
    case umbrella_Envelope_ping_tag:
      env.body.ping.nonce = in.u32();
      break;
    case umbrella_Envelope_trunk_wants_tag:  // the far side pulls some of our tracks
      env.body.trunk_wants.track_ids_count = in.u8() % 4;
      for (pb_size_t i = 0; i < env.body.trunk_wants.track_ids_count; ++i)
        signal::copy_string(env.body.trunk_wants.track_ids[i], pick(in, names));
      break;
    default:
      break;
  }
  return env;
}

}  // namespace umbrella::fuzz
