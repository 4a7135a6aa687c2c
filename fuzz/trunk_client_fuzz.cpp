// The dialling side of trunks: this SFU's TrunkParticipants (TrunkHub::open_dialled) receive
// arbitrary sequences of envelopes from the far SFU (the handshake and Joined with its roster, people and track
// events, answers built from our offers or mutated or raw, errors, pings, leaves, raw frames),
// while local browsers on the same Conference join, publish, answer and leave, so our
// offers carry their tracks too. Up to three links at once (two to the same far site test
// the "dialled each other" rule), virtual time, no sockets.
// After every step: everything sent (to the far SFU and to the browsers) encodes and
// decodes, descriptions are non-empty and parse, every track asked of the far side is a
// receive-only m-line of our offer; tracks within the bounds of sdp/limits.hpp. At the end
// every link and connection closes and nothing may be left.
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "fuzz_target.hpp"
#include "sdp/helpers.hpp"
#include "server/trunk_auth.hpp"
#include "server_world.hpp"

using namespace umbrella;
using namespace umbrella::fuzz;

namespace {

const std::vector<std::string> kRooms = {"", "a", "b", "default"};
const std::vector<std::string> kSites = {"site-b", "site-c", "site-a", ""};
const std::vector<std::string> kPeople = {"p1.site-b", "p2.site-b", "p1.site-c", "p1.site-a", "p9.site-b"};
const std::vector<std::string> kTracks = {"site-b/p1.site-b/a0", "site-b/p1.site-b/v0", "site-b/p2.site-b/v1",
                                          "site-c/p1.site-c/v0", "site-a/p1.site-a/a0", "site-b/p9.site-b/v3"};

struct Link {
  RecordingChannel channel;
  uint64_t key = 0;
  bool open = false;
  std::string last_offer;
  uint32_t last_offer_revision = 0;
  std::vector<std::pair<std::string, std::string>> receive;  // (mid, track id) of the last offer
  uint64_t version = 1;
  server::TrunkNonce response{};  // our nonce in the handshake, for the far side's proof
};

struct Run {
  World w;
  std::vector<std::unique_ptr<Link>> links;
  std::vector<std::unique_ptr<Client>> locals;
  std::unique_ptr<umbrella_Envelope> received = std::make_unique<umbrella_Envelope>();

  template <typename T>
  static size_t open_count(const std::vector<std::unique_ptr<T>>& v) {
    size_t n = 0;
    for (auto& x : v) n += x->open;
    return n;
  }
  template <typename T>
  static T* pick_open(FuzzInput& in, const std::vector<std::unique_ptr<T>>& v) {
    if (v.empty()) return nullptr;
    T* x = v[in.u8() % v.size()].get();
    return x->open ? x : nullptr;
  }
  void send(Link& l, const umbrella_Envelope& env) { w.hub.on_frame(l.key, encode(env), w.now()); }

  // What we sent the far SFU: a Join first, offers whose requested mids receive.
  void drain(Link& l) {
    for (auto& f : l.channel.frames) {
      check(signal::decode(f, *received).ok());
      if (received->which_body != umbrella_Envelope_description_tag) continue;
      const auto& d = received->body.description;
      check(d.type == umbrella_SessionDescription_Type_TYPE_OFFER);
      std::string text(signal::sdp_of(d));
      auto offer = sdp::parse(text);
      check(offer.ok());
      l.receive.clear();
      for (pb_size_t i = 0; i < d.receive_count; ++i) {
        const sdp::MediaSection* m = sdp::find_media(*offer, d.receive[i].mid);
        check(m && m->direction == sdp::Direction::kRecvOnly);
        l.receive.emplace_back(d.receive[i].mid, d.receive[i].track_id);
      }
      l.last_offer = std::move(text);
      l.last_offer_revision = d.revision;
    }
    l.channel.frames.clear();
  }
  void drain(Client& c) {
    for (auto& f : c.channel.frames) {
      check(signal::decode(f, *received).ok());
      if (received->which_body != umbrella_Envelope_description_tag) continue;
      std::string sdp(signal::sdp_of(received->body.description));
      check(sdp::parse(sdp).ok());
      if (received->body.description.type == umbrella_SessionDescription_Type_TYPE_OFFER) {
        c.last_offer = std::move(sdp);
        c.last_offer_revision = received->body.description.revision;
      }
    }
    c.channel.frames.clear();
  }

  void person(FuzzInput& in, umbrella_Participant& p) {
    signal::fill_participant(p, {pick(in, kPeople), "", false, false, pick(in, kSites), pick(in, kRooms)});
    signal::copy_string(p.display_name, in.sized_string());
    p.audio_muted = in.flag();
  }

  // The far SFU's answer to our latest offer, as its accepting side writes one: each track
  // we asked for sent on the mid we named (msid owner and global track id), then maybe mutated.
  std::string far_answer(FuzzInput& in, Link& l) {
    // A fixed number of bytes whatever we asked for, so sequences stay aligned.
    uint8_t skip = in.u8(), swap = in.u8();
    std::string owner = pick(in, kPeople), other = pick(in, kTracks);
    uint32_t ssrc = in.u32();
    bool rtx = in.flag();
    auto o = sdp::parse(l.last_offer);
    if (!o) return {};
    sdp::AnswerOptions options;
    options.max_media_sections = sdp::kMaxMediaSections;
    options.max_published_tracks = sdp::kMaxMediaSections;
    for (size_t i = 0; i < l.receive.size(); ++i) {
      auto& [mid, track_id] = l.receive[i];
      const sdp::MediaSection* m = sdp::find_media(*o, mid);
      if (!m || (skip >= 200 && i == skip % l.receive.size())) continue;  // not sent after all
      sdp::OutgoingTrack t;
      t.mid = mid;
      t.kind = m->kind;
      t.stream_id = owner;
      t.track_id = swap >= 200 && i == swap % l.receive.size() ? other : track_id;
      t.ssrc = ssrc + uint32_t(4 * i);
      if (rtx) t.rtx_ssrc = t.ssrc + 1;
      options.per_mid[mid] = {sdp::Direction::kSendOnly, t};
    }
    auto a = sdp::answer_offer(*o, client_transport(20, l.version++), options);
    if (!a) return {};
    std::string text = sdp::build(*a);
    mutate(text, in);
    return text;
  }

  void far_message(FuzzInput& in, Link& l, uint8_t op) {
    umbrella_Envelope& env = scratch_envelope();
    switch (op) {
      case 1: {
        // The far SFU's side of the handshake first (its challenge, then Joined with its proof
        // over our response), the proof wrong when the input says so.
        std::string site = pick(in, kSites);
        auto challenge = std::make_unique<umbrella_Envelope>();
        signal::reset(*challenge, umbrella_Envelope_trunk_challenge_tag);
        challenge->body.trunk_challenge.nonce.size = server::kTrunkNonceBytes;
        std::fill_n(challenge->body.trunk_challenge.nonce.bytes, server::kTrunkNonceBytes, uint8_t(0x5a));
        signal::copy_string(challenge->body.trunk_challenge.site_id, site);
        send(l, *challenge);
        for (auto& f : l.channel.frames)
          if (signal::decode(f, *received).ok() && received->which_body == umbrella_Envelope_trunk_response_tag &&
              received->body.trunk_response.nonce.size == l.response.size())
            std::copy_n(received->body.trunk_response.nonce.bytes, l.response.size(), l.response.begin());
        signal::make_joined(env, "trunk-site-a", "", site);
        auto& j = env.body.joined;
        j.participants_count = in.u8() % 8;
        for (pb_size_t i = 0; i < j.participants_count; ++i) person(in, j.participants[i]);
        const uint8_t* nonce = challenge->body.trunk_challenge.nonce.bytes;
        server::TrunkMac proof = server::trunk_mac(
            World::kSecret, server::TrunkSide::kAcceptor,
            {Bytes(nonce, server::kTrunkNonceBytes), Bytes(l.response.data(), l.response.size()), World::kSite, site});
        if (in.u8() < 16) proof[in.u8() % proof.size()] ^= 1;
        j.trunk_proof.size = pb_size_t(proof.size());
        std::copy(proof.begin(), proof.end(), j.trunk_proof.bytes);
        break;
      }
      case 2:
        signal::reset(env, in.flag() ? umbrella_Envelope_participant_joined_tag : umbrella_Envelope_participant_updated_tag);
        person(in, env.which_body == umbrella_Envelope_participant_joined_tag ? env.body.participant_joined.participant
                                                                              : env.body.participant_updated.participant);
        break;
      case 3:
        signal::make_participant_left(env, pick(in, kPeople));
        break;
      case 4:
      case 5: {
        uint8_t kind = in.u8() % 3;
        std::string track = pick(in, kTracks), owner = pick(in, kPeople), site = pick(in, kSites),
                    room = pick(in, kRooms);
        signal::make_track_added(env, {track, umbrella_MediaKind(kind), owner, "", owner, site, room});
        break;
      }
      case 6:
        signal::make_track_removed(env, pick(in, kTracks));
        break;
      case 7:
      case 8: {
        std::string sdp = far_answer(in, l);
        uint32_t revision = in.u8() < 224 ? l.last_offer_revision : in.u32();
        send(l, description(umbrella_SessionDescription_Type_TYPE_ANSWER, sdp, revision));
        return;
      }
      case 9: {
        bool answer = in.flag();
        std::string sdp(as_string_view(in.sized_bytes16(4096)));
        send(l, description(answer ? umbrella_SessionDescription_Type_TYPE_ANSWER
                                   : umbrella_SessionDescription_Type_TYPE_OFFER,
                            sdp, l.last_offer_revision));
        return;
      }
      case 10:
        any_envelope(in, kTracks);
        break;
      default:  // 11: a raw frame
        w.hub.on_frame(l.key, in.sized_bytes16(2048), w.now());
        return;
    }
    send(l, env);
  }

  // A browser on this SFU: open, join, publish, answer, leave, go away.
  void local(FuzzInput& in) {
    uint8_t op = in.u8() % 6;
    if (op == 0) {
      if (open_count(locals) < 4 && locals.size() < 12) {
        auto c = std::make_unique<Client>();
        c->index = int(locals.size());
        c->key = w.conference.open(&c->channel);
        c->open = true;
        locals.push_back(std::move(c));
      }
      return;
    }
    Client* c = pick_open(in, locals);
    if (!c) return;
    umbrella_Envelope& env = scratch_envelope();
    switch (op) {
      case 1:
        signal::reset(env, umbrella_Envelope_join_tag);
        signal::copy_string(env.body.join.room, pick(in, kRooms));
        signal::copy_string(env.body.join.display_name, "local");
        w.conference.on_message(c->key, encode(env), w.now());
        return;
      case 2: {
        std::string sdp = client_offer(in, *c);
        w.conference.on_message(c->key, encode(description(umbrella_SessionDescription_Type_TYPE_OFFER, sdp, 1)),
                                w.now());
        return;
      }
      case 3: {
        std::string sdp = client_answer(in, *c);
        w.conference.on_message(
            c->key, encode(description(umbrella_SessionDescription_Type_TYPE_ANSWER, sdp, c->last_offer_revision)),
            w.now());
        return;
      }
      case 4:
        signal::reset(env, umbrella_Envelope_leave_tag);
        w.conference.on_message(c->key, encode(env), w.now());
        return;
      default:
        w.conference.on_closed(c->key);
        c->open = false;
        return;
    }
  }

  void step(FuzzInput& in) {
    uint8_t op = in.u8();
    Link* l = nullptr;
    switch (op % 16) {
      case 0:
        if (open_count(links) < 3 && links.size() < 8) {
          auto n = std::make_unique<Link>();
          n->key = w.hub.open_dialled(&n->channel);
          n->open = true;
          check(!n->channel.frames.empty());  // the Join
          links.push_back(std::move(n));
        }
        break;
      case 12:  // the WebSocket to the far SFU closed
        if ((l = pick_open(in, links))) {
          w.hub.on_closed(l->key);
          l->open = false;
        }
        break;
      case 13:
        w.advance(in.time_step());
        break;
      case 14:
      case 15:
        local(in);
        break;
      default:
        if ((l = pick_open(in, links))) far_message(in, *l, op % 16);
        break;
    }
    w.run();
    // Closes the server asked for happen now, or later when the top bit says so.
    for (auto& x : links) {
      if (!x->open) continue;
      drain(*x);
      if (x->channel.close_requested && !(op & 0x80)) {
        w.hub.on_closed(x->key);
        x->open = false;
      }
    }
    for (auto& x : locals) {
      if (!x->open) continue;
      drain(*x);
      if (x->channel.close_requested && !(op & 0x80)) {
        w.conference.on_closed(x->key);
        x->open = false;
      }
    }
    check_invariants();
  }

  void check_invariants() {
    check(w.hub.size() <= open_count(links));
    check(w.conference.participants() <= open_count(locals));
    size_t far = 0;
    std::map<std::string, size_t> per_room;
    w.conference.for_each_track(nullptr, [&](const server::PublisherTrack& t) {
      check(t.stream != 0 && !t.track_id.empty());
      if (t.origin_site == World::kSite) ++per_room[t.room];
      else ++far;
    });
    for (auto& [room, n] : per_room) check(n <= sdp::kMaxTracksPerRoom);
    check(far <= sdp::kMaxMediaSections * open_count(links));
    check(w.plane.transports() <= w.conference.participants() + w.hub.size());
  }

  void finish() {
    for (auto& l : links)
      if (l->open) {
        w.hub.on_closed(l->key);
        l->open = false;
      }
    for (auto& c : locals)
      if (c->open) {
        w.conference.on_closed(c->key);
        c->open = false;
      }
    w.run();
    check(w.conference.participants() == 0);
    check(w.hub.size() == 0);
    size_t tracks = 0, people = 0;
    w.conference.for_each_track(nullptr, [&](const server::PublisherTrack&) { ++tracks; });
    w.conference.for_each_person(nullptr, [&](const signal::ParticipantFields&) { ++people; });
    check(tracks == 0 && people == 0);
    check(w.plane.transports() == 0);
    check(w.port.endpoints() == 0);
  }
};

}  // namespace

UMBRELLA_FUZZ_TARGET(trunk_client) {
  // Quiet unless UMBRELLA_FUZZ_LOG is set (to see what the server said about a crash input).
  static bool quiet = (getenv("UMBRELLA_FUZZ_LOG") || (set_log_level(LogLevel::kOff), true));
  (void)quiet;
  FuzzInput in(data, size);
  {
    Run run;
    for (int steps = 0; !in.empty() && steps < 400; ++steps) run.step(in);
    run.finish();
  }
  check(shared_pool().in_use() == 0);
  return 0;
}
