// Access control in the rooms, without sockets: room tokens on /wsb joins, viewer tokens,
// and the administrator secret on SetTrunks/GetTrunks.
#include "auth/jwt.hpp"
#include "server/access.hpp"
#include "server/site_harness.hpp"

namespace umbrella::server::test {
namespace {

constexpr int64_t kNow = 1900000000;
const std::string kRoomKey = "unit-room-key-0123456789";
const std::string kAdmin = "unit-admin-secret-0123456789";

std::string token(const std::string& room, bool publish = true, int64_t expires = kNow + 60,
                  const std::string& key = kRoomKey) {
  auth::RoomClaims c;
  c.room = room;
  c.identity = "ann@example";
  c.name = "Ann from the token";
  c.can_publish = publish;
  c.expires = expires;
  return auth::sign_token(c, Bytes(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
}

void join_with(Client& c, const std::string& room, const std::string& tok) {
  auto env = std::make_unique<umbrella_Envelope>();
  signal::reset(*env, umbrella_Envelope_join_tag);
  signal::copy_string(env->body.join.room, room);
  signal::copy_string(env->body.join.token, tok);
  c.send(*env);
}

// The last Error the client received, decoded from its raw frames.
std::string last_error(Client& c) {
  std::string out;
  for (auto& f : c.channel.frames) {
    auto env = std::make_unique<umbrella_Envelope>();
    if (signal::decode(f, *env) && env->which_body == umbrella_Envelope_error_tag) out = env->body.error.message;
  }
  return out;
}

struct Fixture {
  World w;
  Site site{w.net, w.clock, "sfu-a", "198.51.100.1"};
  Access access{kAdmin, kRoomKey, [] { return kNow; }};
  Fixture() {
    site.conference.set_access(&access);
    w.sites = {&site};
  }
};

}  // namespace

TEST_CASE("room tokens on /wsb: valid joins; missing, expired, other room, other key refused with the reason") {
  Fixture f;
  Client ann(f.w.net, f.w.clock, "192.0.2.1", "ann"), eve(f.w.net, f.w.clock, "192.0.2.2", "eve");
  f.w.clients = {&ann, &eve};
  eve.open(f.site);
  struct Case {
    std::string token, expect;
  } cases[] = {
      {"", "needs a room access token"},
      {token("lobby", true, kNow - 1), "expired"},
      {token("board"), "for room 'board', not 'lobby'"},
      {token("lobby", true, kNow + 60, "someone-elses-key-0123"), "signature is wrong"},
      {"not-a-token", "malformed"},
  };
  for (auto& c : cases) {
    CAPTURE(c.expect);
    join_with(eve, "lobby", c.token);
    CHECK(last_error(eve).find(c.expect) != std::string::npos);
    eve.channel.frames.clear();
  }
  CHECK(f.site.conference.counters().unauthorized == 5);
  CHECK(f.site.conference.counters().joins == 0);

  ann.open(f.site);
  join_with(ann, "lobby", token("lobby"));
  ann.pump();
  CHECK(ann.count(umbrella_Envelope_joined_tag) == 1);
  CHECK(f.site.conference.counters().joins == 1);
  // The display name comes from the token, not from the client.
  signal::StatusSnapshot s;
  f.site.conference.snapshot(s);
  REQUIRE(s.clients.size() == 1);
  CHECK(s.clients[0].display_name == "Ann from the token");
}

TEST_CASE("a viewer token joins and receives but its offers that send media are refused") {
  Fixture f;
  Client viewer(f.w.net, f.w.clock, "192.0.2.1", "viewer"), pub(f.w.net, f.w.clock, "192.0.2.2", "pub");
  f.w.clients = {&viewer, &pub};
  pub.open(f.site);
  join_with(pub, "r", token("r"));
  pub.publish();
  REQUIRE(f.w.run_until([&] { return pub.connected(); }));

  viewer.open(f.site);
  join_with(viewer, "r", token("r", false));
  viewer.publish();  // offers to send audio and video
  CHECK(last_error(viewer).find("may not publish") != std::string::npos);
  viewer.pump();
  CHECK(viewer.count(umbrella_Envelope_joined_tag) == 1);
  CHECK(f.site.plane.router().stream_count() == 2);  // only pub's tracks exist
  CHECK(f.site.conference.counters().unauthorized == 1);
}

TEST_CASE("SetTrunks and GetTrunks need the administrator secret") {
  Fixture f;
  struct Control : TrunkControl {
    std::vector<std::string> urls;
    int sets = 0;
    void set_urls(const std::vector<std::string>& u) override { urls = u, ++sets; }
    void describe(std::vector<signal::TrunkSnapshot>&) const override {}
  } control;
  f.site.conference.set_trunk_control(&control);
  Client op(f.w.net, f.w.clock, "192.0.2.9", "operator");
  f.w.clients = {&op};
  op.open(f.site);
  auto set = [&](const std::string& admin) {
    auto env = std::make_unique<umbrella_Envelope>();
    signal::reset(*env, umbrella_Envelope_set_trunks_tag);
    env->body.set_trunks.urls_count = 1;
    signal::copy_string(env->body.set_trunks.urls[0], "wss://far.example/wsb");
    signal::copy_string(env->body.set_trunks.admin, admin);
    op.send(*env);
  };
  auto get = [&](const std::string& admin) {
    auto env = std::make_unique<umbrella_Envelope>();
    signal::reset(*env, umbrella_Envelope_get_trunks_tag);
    signal::copy_string(env->body.get_trunks.admin, admin);
    op.send(*env);
  };
  set("");
  set("wrong-secret-0123456789");
  get("");
  CHECK(control.sets == 0);
  CHECK(last_error(op).find("needs the administrator secret") != std::string::npos);
  op.pump();
  CHECK(op.count(umbrella_Envelope_trunks_tag) == 0);
  CHECK(op.count(umbrella_Envelope_error_tag) == 3);
  set(kAdmin);
  get(kAdmin);
  op.pump();
  CHECK(control.sets == 1);
  CHECK(control.urls == std::vector<std::string>{"wss://far.example/wsb"});
  CHECK(op.count(umbrella_Envelope_trunks_tag) == 2);

  // Without any administrator secret configured, nothing is allowed.
  Access none("", "");
  CHECK_FALSE(none.is_admin(""));
  CHECK(none.rooms_open());
}

TEST_CASE("Access: open rooms admit anyone; a room key makes the token decide") {
  Access open("admin-secret-0123456789", "");
  auto g = open.admit("", "any");
  REQUIRE(g.ok());
  CHECK(g->can_publish);
  Access closed("admin-secret-0123456789", kRoomKey, [] { return kNow; });
  CHECK(closed.admit("", "r").error().http_status == 401);
  CHECK(closed.admit(token("q"), "r").error().http_status == 403);
  auto viewer = closed.admit(token("r", false), "r");
  REQUIRE(viewer.ok());
  CHECK_FALSE(viewer->can_publish);
  CHECK(viewer->identity == "ann@example");
  CHECK(closed.is_admin("admin-secret-0123456789"));
  CHECK_FALSE(closed.is_admin("admin-secret-012345678"));
  CHECK_FALSE(closed.is_admin(""));
}

TEST_CASE("the administrator's invite: a token the server's own admission accepts, for its room only") {
  Access access(kAdmin, kRoomKey, [] { return kNow; });
  auth::RoomClaims c;
  c.room = "live";
  c.identity = "bea";
  c.can_publish = false;
  auto tok = access.issue(c, parse_lifetime("15m"));
  REQUIRE(tok.ok());
  auto grant = access.admit(*tok, "live");
  REQUIRE(grant.ok());
  CHECK_FALSE(grant->can_publish);
  CHECK(grant->identity == "bea");
  CHECK(access.admit(*tok, "other").error().http_status == 403);
  CHECK(Access(kAdmin, kRoomKey, [] { return kNow + 901; }).admit(*tok, "live").error().http_status == 401);
  // Refused: no room key, no identity, a lifetime out of range, an oversized claim.
  CHECK_FALSE(Access(kAdmin, "").issue(c, 60).ok());
  c.identity.clear();
  CHECK_FALSE(access.issue(c, 60).ok());
  c.identity = "bea";
  CHECK_FALSE(access.issue(c, 0).ok());
  CHECK_FALSE(access.issue(c, 400 * 86400).ok());
  c.name = std::string(64, 'n');
  CHECK_FALSE(access.issue(c, 60).ok());
  CHECK(parse_lifetime("90") == 90);
  CHECK(parse_lifetime("7d") == 7 * 86400);
  CHECK(parse_lifetime("1h30m") == 0);
  CHECK(parse_lifetime("") == 0);
}

}  // namespace umbrella::server::test
