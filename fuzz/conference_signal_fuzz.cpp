// The conference's signalling state machine under sequences of client messages, not single
// decodes: a Conference (with its TrunkHub, so a Join as a trunk is accepted too) on virtual
// time with no sockets, and up to six /wsb connections plus WHIP/WHEP sessions. The input is
// a sequence of operations: open a connection, join (any room, role, trunk secret), leave,
// offers and answers (built as a browser would from the input, mutated, or raw bytes), pings,
// mutes, arbitrary envelopes and frames, client disconnects, WHIP/WHEP, time steps.
// After every step: everything the server sent encodes, decodes and (descriptions) is a
// non-empty SDP that parses; tracks per participant and per room within sdp/limits.hpp;
// participants never more than the connections and HTTP sessions open. At the end every
// connection closes and nothing may be left: participants, tracks, people, transports in the
// media plane or at the port, trunks, packets out of the pool.
#include <cstring>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.hpp"
#include "fuzz_target.hpp"
#include "server_world.hpp"

using namespace umbrella;
using namespace umbrella::fuzz;

namespace {

constexpr size_t kMaxOpen = 6;
constexpr size_t kMaxConnections = 16;  // ever opened in one run
const std::vector<std::string> kRooms = {"", "a", "b", "default"};

struct Run {
  World w;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::string> resources;  // WHIP/WHEP sessions (maybe ended)
  size_t http_sessions = 0;            // created and not ended by the harness
  std::vector<std::string> names = {"p1.site-a", "site-a/p1.site-a/v0", "trunk-site-b"};
  std::unique_ptr<umbrella_Envelope> received = std::make_unique<umbrella_Envelope>();

  size_t open_count() const {
    size_t n = 0;
    for (auto& c : clients) n += c->open;
    return n;
  }
  Client* pick_client(FuzzInput& in) {
    if (clients.empty()) return nullptr;
    Client* c = clients[in.u8() % clients.size()].get();
    return c->open ? c : nullptr;
  }
  void send(Client& c, const umbrella_Envelope& env) { w.conference.on_message(c.key, encode(env), w.now()); }
  void send(Client& c, Bytes frame) { w.conference.on_message(c.key, frame, w.now()); }

  // What the server sent: it decodes; descriptions it wrote parse.
  void drain(Client& c) {
    for (auto& f : c.channel.frames) {
      check(signal::decode(f, *received).ok());
      switch (received->which_body) {
        case umbrella_Envelope_description_tag: {
          std::string sdp(signal::sdp_of(received->body.description));
          check(sdp::parse(sdp).ok());
          if (received->body.description.type == umbrella_SessionDescription_Type_TYPE_OFFER) {
            c.last_offer = std::move(sdp);
            c.last_offer_revision = received->body.description.revision;
          }
          break;
        }
        case umbrella_Envelope_error_tag:
          // Within the bounds a session's offer can always be built; only trunks bring in
          // tracks beyond the room's bound (then closing the session is the handling).
          if (std::string_view(received->body.error.message).starts_with("cannot build")) check(far_tracks() > 0);
          break;
        case umbrella_Envelope_joined_tag:
          if (names.size() < 64) names.push_back(received->body.joined.participant_id);
          break;
        case umbrella_Envelope_track_added_tag:
          if (names.size() < 64) names.push_back(received->body.track_added.track.track_id);
          break;
        default:
          break;
      }
    }
    c.channel.frames.clear();
  }

  size_t far_tracks() const {
    size_t n = 0;
    w.conference.for_each_track(nullptr, [&](const server::PublisherTrack& t) { n += t.origin_site != World::kSite; });
    return n;
  }

  void join(FuzzInput& in, Client& c) {
    umbrella_Envelope& env = scratch_envelope();
    signal::reset(env, umbrella_Envelope_join_tag);
    auto& j = env.body.join;
    signal::copy_string(j.room, pick(in, kRooms));
    signal::copy_string(j.display_name, in.sized_string());
    uint8_t role = in.u8();
    // Past 250 a number outside the enum, written as nanopb would decode it off the wire.
    int value = role < 200 ? int(umbrella_Role_ROLE_PARTICIPANT)
                : role < 220 ? int(umbrella_Role_ROLE_VIEWER)
                : role < 250 ? int(umbrella_Role_ROLE_TRUNK)
                             : role;
    std::memcpy(&j.role, &value, sizeof value);
    if (value == umbrella_Role_ROLE_TRUNK) {
      signal::copy_string(j.token, in.flag() ? std::string(World::kSecret) : std::string(in.sized_string()));
      signal::copy_string(j.site_id, pick(in, {"site-b", "site-c", "site-a", ""}));
      j.path_count = in.u8() % 3;
      for (pb_size_t i = 0; i < j.path_count; ++i) signal::copy_string(j.path[i], pick(in, {"site-b", "site-a"}));
    }
    send(c, env);
  }

  void http_session(FuzzInput& in) {
    Client browser;
    browser.index = 40 + int(resources.size());
    std::string offer = client_offer(in, browser);
    std::string room = pick(in, kRooms);
    auto r = in.flag() ? w.conference.whip(room, offer, w.now()) : w.conference.whep(room, offer, w.now());
    if (!r) return;
    check(!r->answer.empty() && sdp::parse(r->answer).ok());
    resources.push_back(r->resource);
    ++http_sessions;
  }

  void step(FuzzInput& in) {
    uint8_t op = in.u8();
    Client* c = nullptr;
    switch (op % 16) {
      case 0:
        if (open_count() < kMaxOpen && clients.size() < kMaxConnections) {
          auto n = std::make_unique<Client>();
          n->index = int(clients.size());
          n->key = w.conference.open(&n->channel);
          n->open = true;
          clients.push_back(std::move(n));
        }
        break;
      case 1:
        if ((c = pick_client(in))) join(in, *c);
        break;
      case 2:
        if ((c = pick_client(in))) {
          signal::reset(scratch_envelope(), umbrella_Envelope_leave_tag);
          send(*c, scratch_envelope());
        }
        break;
      case 3:
      case 4:
        if ((c = pick_client(in))) {
          std::string sdp = client_offer(in, *c);
          uint32_t revision = in.u8() < 128 ? c->last_offer_revision + 1 : in.u32();
          send(*c, description(umbrella_SessionDescription_Type_TYPE_OFFER, sdp, revision));
        }
        break;
      case 5:
        if ((c = pick_client(in))) {
          bool offer = in.flag();
          std::string sdp(as_string_view(in.sized_bytes16(4096)));
          send(*c, description(offer ? umbrella_SessionDescription_Type_TYPE_OFFER
                                     : umbrella_SessionDescription_Type_TYPE_ANSWER,
                               sdp, c->last_offer_revision));
        }
        break;
      case 6:
      case 7:
        if ((c = pick_client(in))) {
          std::string sdp = client_answer(in, *c);
          uint32_t revision = in.u8() < 224 ? c->last_offer_revision : in.u32();
          send(*c, description(umbrella_SessionDescription_Type_TYPE_ANSWER, sdp, revision));
        }
        break;
      case 8:
        if ((c = pick_client(in))) {
          umbrella_Envelope& env = scratch_envelope();
          if (in.flag()) {
            signal::reset(env, umbrella_Envelope_set_mute_tag);
            env.body.set_mute.audio_muted = in.flag();
            env.body.set_mute.video_muted = in.flag();
          } else {
            signal::reset(env, umbrella_Envelope_ping_tag);
            env.body.ping.nonce = in.u32();
          }
          send(*c, env);
        }
        break;
      case 9:
      case 10:
        if ((c = pick_client(in))) send(*c, any_envelope(in, names));
        break;
      case 11:
        if ((c = pick_client(in))) send(*c, in.sized_bytes16(2048));
        break;
      case 12:  // the client goes away
        if ((c = pick_client(in))) {
          w.conference.on_closed(c->key);
          c->open = false;
        }
        break;
      case 13:
        w.advance(in.time_step());
        break;
      case 14:
        if (http_sessions < 4) http_session(in);
        break;
      case 15:
        if (!resources.empty()) {
          std::string r = pick(in, resources);
          if (w.conference.end_http_session(r)) --http_sessions;
        }
        break;
    }
    w.run();
    for (auto& x : clients) {
      if (!x->open) continue;
      drain(*x);
      // The server asked to close the connection: the WebSocket layer ends it (now, or later
      // when the input's top bit says so; the client may still send meanwhile).
      if (x->channel.close_requested && !(op & 0x80)) {
        w.conference.on_closed(x->key);
        x->open = false;
      }
    }
    check_invariants();
  }

  void check_invariants() {
    check(w.conference.participants() <= open_count() + http_sessions);
    std::map<std::string, size_t> per_room, per_owner;
    w.conference.for_each_track(nullptr, [&](const server::PublisherTrack& t) {
      check(t.stream != 0 && !t.track_id.empty());
      if (t.origin_site != World::kSite) return;  // trunks' tracks are bounded by the far side's rooms
      ++per_room[t.room];
      ++per_owner[t.owner_id];
    });
    for (auto& [room, n] : per_room) check(n <= sdp::kMaxTracksPerRoom);
    for (auto& [owner, n] : per_owner) check(n <= sdp::kMaxTracksPerParticipant);
    check(w.plane.transports() <= w.conference.participants() + w.hub.size());
  }

  // Every connection and session ends: nothing of them may remain.
  void finish() {
    for (auto& c : clients)
      if (c->open) {
        w.conference.on_closed(c->key);
        c->open = false;
      }
    for (auto& r : resources) w.conference.end_http_session(r);
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

UMBRELLA_FUZZ_TARGET(conference_signal) {
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
