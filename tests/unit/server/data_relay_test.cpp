#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/data_relay.hpp"
#include "server/trunk_data_frame.hpp"

using namespace umbrella;
using namespace umbrella::server;

namespace {

// Records what the relay asks of participants' transports.
struct FakePeers final : DataChannelPeers {
  struct Sent {
    media::TransportId to;
    uint16_t id;
    bool binary;
    std::string data;
  };
  std::vector<std::pair<media::TransportId, sctp::ChannelInfo>> opened;
  std::vector<Sent> sent;
  std::vector<std::pair<media::TransportId, uint16_t>> closed;
  uint16_t next_id = 1;

  Result<uint16_t, std::string> open_channel(media::TransportId t, const sctp::ChannelInfo& info) override {
    opened.emplace_back(t, info);
    uint16_t id = next_id;
    next_id += 2;
    return id;
  }
  sctp::SendResult send_channel_message(media::TransportId t, uint16_t id, bool binary, Bytes data) override {
    sent.push_back({t, id, binary, std::string(as_string_view(data))});
    return sctp::SendResult::kOk;
  }
  void close_channel(media::TransportId t, uint16_t id) override { closed.emplace_back(t, id); }
};

struct Room {
  explicit Room(std::string site = "s") : site(site), relay(peers, site, 7) {}
  std::string site;
  FakePeers peers;
  DataRelay relay;
  Instant now = Instant{} + seconds(100);

  void event(media::TransportId t, const std::string& room, sctp::ChannelEvent e) {
    relay.on_event(t, site + "p" + std::to_string(t), room, e, now);
  }
  void join(media::TransportId t, const std::string& room = "r", sctp::ChannelParameters params = {}) {
    event(t, room, sctp::ChannelsUp{});
    event(t, room, sctp::ChannelOpened{0, {"room", "", params}, true});
  }
  void say(media::TransportId t, const std::string& text, uint16_t channel = 0, const std::string& room = "r") {
    event(t, room, sctp::ChannelMessage{channel, false, std::vector<uint8_t>(text.begin(), text.end())});
  }
};

}  // namespace

TEST_CASE("relay: a room message reaches everyone else in the room, on one channel per sender") {
  Room r;
  sctp::ChannelParameters unordered;
  unordered.ordered = false;
  r.join(1, "r", unordered);
  r.join(2);
  r.join(3);
  r.join(4, "elsewhere");
  r.say(1, "hi");
  r.say(1, "again");
  // Channels toward 2 and 3 only, labelled p1, with p1's ordering, opened once each.
  REQUIRE(r.peers.opened.size() == 2);
  for (auto& [t, info] : r.peers.opened) {
    CHECK((t == 2 || t == 3));
    CHECK(info.label == "sp1");
    CHECK(info.protocol == "umbrella-relay");
    CHECK_FALSE(info.parameters.ordered);
  }
  REQUIRE(r.peers.sent.size() == 4);
  CHECK(r.peers.sent[0].data == "hi");
  CHECK(r.peers.sent[3].data == "again");
  for (auto& s : r.peers.sent) CHECK(s.to != 1);  // nothing goes back to its sender
  CHECK(r.relay.counters().messages_relayed == 4);

  // A direct reply on the channel p1 opened toward 2 goes to 1 alone, labelled p2.
  uint16_t toward_2 = r.peers.sent[0].to == 2 ? r.peers.sent[0].id : r.peers.sent[1].id;
  r.peers.sent.clear();
  r.say(2, "just you", toward_2);
  REQUIRE(r.peers.sent.size() == 1);
  CHECK(r.peers.sent[0].to == 1);
  CHECK(r.peers.sent[0].data == "just you");
  CHECK(r.peers.opened.back().second.label == "sp2");
}

TEST_CASE("relay: unknown channels refused, rates enforced and counted, leaving closes the sender's channels") {
  Room r;
  r.join(1);
  r.join(2);
  r.say(1, "on no channel", 42);
  CHECK(r.relay.counters().refused_channel == 1);
  CHECK(r.peers.sent.empty());

  for (int i = 0; i < 150; ++i) r.say(1, "x");
  CHECK(r.relay.counters().refused_rate == 50);  // a burst of 100 (twice 50 a second)
  r.now += seconds(1);
  r.say(1, "after a second");
  CHECK(r.peers.sent.back().data == "after a second");

  // Byte rate: 512 KiB burst, then refused.
  std::string big(200 * 1024, 'b');
  r.now += seconds(10);
  uint64_t before = r.relay.counters().refused_rate;
  for (int i = 0; i < 3; ++i) r.say(1, big);
  CHECK(r.relay.counters().refused_rate == before + 1);

  r.relay.leave(1);
  REQUIRE(r.peers.closed.size() == 1);
  CHECK(r.peers.closed[0].first == 2);
  r.say(2, "anyone?");
  CHECK(r.relay.counters().messages_relayed == 101 + 2);  // nobody left to hear 2
}

TEST_CASE("relay: a receiver that closes a relayed channel gets a fresh one with the next message") {
  Room r;
  r.join(1);
  r.join(2);
  r.say(1, "one");
  uint16_t first = r.peers.sent[0].id;
  r.event(2, "r", sctp::ChannelClosed{first});
  r.say(1, "two");
  CHECK(r.peers.opened.size() == 2);
  CHECK(r.peers.sent.back().id != first);
  // An association that goes down forgets its channels; it hears nothing until it is up again.
  r.event(2, "r", sctp::ChannelsDown{"lost"});
  r.say(1, "three");
  CHECK(r.peers.sent.back().data == "two");
}

namespace {

// One end of a trunk between two relays: what it sends arrives at the far relay at once.
struct FakeTrunk final : DataTrunk {
  std::string far;
  DataRelay* far_relay = nullptr;
  FakeTrunk* far_end = nullptr;
  std::vector<std::string> frames;  // what went out here
  bool up = true;
  const std::string& far_site() const override { return far; }
  sctp::SendResult send_trunk_data(Bytes frame) override {
    if (!up) return sctp::SendResult::kNotConnected;
    frames.emplace_back(as_string_view(frame));
    far_relay->on_trunk_data(far_end, frame);
    return sctp::SendResult::kOk;
  }
};

void link(Room& a, FakeTrunk& at_a, Room& b, FakeTrunk& at_b) {
  at_a.far = b.site, at_a.far_relay = &b.relay, at_a.far_end = &at_b;
  at_b.far = a.site, at_b.far_relay = &a.relay, at_b.far_end = &at_a;
  a.relay.add_trunk(&at_a);
  b.relay.add_trunk(&at_b);
}

// What participant `t` of `room` received, as "label:text".
std::vector<std::string> heard(const Room& room, media::TransportId t) {
  std::vector<std::string> out;
  for (auto& s : room.peers.sent) {
    if (s.to != t) continue;
    std::string label;
    uint16_t id = 1;  // FakePeers numbers channels 1, 3, 5... in the order it opens them
    for (auto& [to, info] : room.peers.opened) {
      if (to == t && id == s.id) label = info.label;
      id += 2;
    }
    out.push_back(label + ":" + s.data);
  }
  return out;
}

}  // namespace

TEST_CASE("trunk data frame: round trip, and every malformed frame refused") {
  sctp::ChannelParameters p;
  p.ordered = false;
  p.reliability = sctp::Reliability::kMaxRetransmits;
  p.reliability_parameter = 3;
  std::string payload = "hello";
  TrunkDataFrame f{9, 42, "site-a", "room", "alice", true, p, as_bytes(payload)};
  std::vector<uint8_t> out(kTrunkDataMaxHeader + payload.size());
  size_t n = build_trunk_data(f, out);
  REQUIRE(n == 14 + 7 + 5 + 6 + payload.size());
  auto g = parse_trunk_data({out.data(), n});
  REQUIRE(g);
  CHECK(g->epoch == 9);
  CHECK(g->seq == 42);
  CHECK(g->origin == "site-a");
  CHECK(g->room == "room");
  CHECK(g->sender == "alice");
  CHECK(g->binary);
  CHECK_FALSE(g->parameters.ordered);
  CHECK(g->parameters.reliability == sctp::Reliability::kMaxRetransmits);
  CHECK(g->parameters.reliability_parameter == 3);
  CHECK(as_string_view(g->payload) == "hello");
  for (size_t cut = 0; cut < n - payload.size(); ++cut)
    CHECK(parse_trunk_data({out.data(), cut}).error() == TrunkDataError::kTruncated);
  out[0] = 0x04;
  CHECK(parse_trunk_data({out.data(), n}).error() == TrunkDataError::kBadFlags);
  out[0] = 0;
  out[1] = 3;
  CHECK(parse_trunk_data({out.data(), n}).error() == TrunkDataError::kBadReliability);
  f.room = "";
  CHECK(build_trunk_data(f, out) == 0);
  std::string long_id(256, 'x');
  f.room = "r";
  f.sender = long_id;
  CHECK(build_trunk_data(f, out) == 0);
}

TEST_CASE("relay over trunks: a room message reaches the far SFU's room, labelled with its sender, and back") {
  Room a("A"), b("B");
  FakeTrunk ab, ba;
  link(a, ab, b, ba);
  a.join(1);
  b.join(1);
  b.join(2, "other");
  a.say(1, "from a");
  CHECK(heard(b, 1) == std::vector<std::string>{"Ap1:from a"});
  CHECK(heard(b, 2).empty());  // another room
  CHECK(ba.frames.empty());    // nothing back where it came from
  b.say(1, "from b");
  CHECK(heard(a, 1) == std::vector<std::string>{"Bp1:from b"});
  CHECK(a.relay.counters().trunk_sent == 1);
  CHECK(a.relay.counters().trunk_received == 1);
  // A direct reply to a remote sender stays here: refused, counted.
  uint16_t toward = a.peers.sent[0].id;
  a.say(1, "direct", toward);
  CHECK(a.relay.counters().refused_channel == 1);
  // The remote sender leaves: its channel here closes.
  b.relay.sender_gone("Ap1");
  REQUIRE(b.peers.closed.size() == 1);
  CHECK(b.peers.closed[0].first == 1);
  // Garbage from a trunk is refused and counted.
  uint8_t junk[] = {0xff};
  b.relay.on_trunk_data(&ba, junk);
  CHECK(b.relay.counters().trunk_refused == 1);
}

TEST_CASE("relay over a ring of three: each message exactly once to each participant, no storm") {
  Room a("A"), b("B"), c("C");
  FakeTrunk ab, ba, bc, cb, ca, ac;
  link(a, ab, b, ba);
  link(b, bc, c, cb);
  link(c, ca, a, ac);
  for (Room* r : {&a, &b, &c}) {
    r->join(1);
    r->join(2);
  }
  a.say(1, "one");
  b.say(2, "two");
  c.say(1, "three");
  CHECK(heard(a, 1) == std::vector<std::string>{"Bp2:two", "Cp1:three"});
  CHECK(heard(a, 2) == std::vector<std::string>{"Ap1:one", "Bp2:two", "Cp1:three"});
  CHECK(heard(b, 1) == std::vector<std::string>{"Ap1:one", "Bp2:two", "Cp1:three"});
  CHECK(heard(b, 2) == std::vector<std::string>{"Ap1:one", "Cp1:three"});
  CHECK(heard(c, 1) == std::vector<std::string>{"Ap1:one", "Bp2:two"});
  CHECK(heard(c, 2) == std::vector<std::string>{"Ap1:one", "Bp2:two", "Cp1:three"});
  // Each message crossed each of the three links at most once in each direction, and the
  // second copy (around the ring) was dropped as a duplicate, never delivered.
  uint64_t duplicates = 0, sent = 0;
  for (Room* r : {&a, &b, &c}) duplicates += r->relay.counters().trunk_duplicates, sent += r->relay.counters().trunk_sent;
  CHECK(duplicates == 3);
  CHECK(sent == 3 * 3);
  for (FakeTrunk* t : {&ab, &ba, &bc, &cb, &ca, &ac}) CHECK(t->frames.size() <= 3);
}

TEST_CASE("relay over trunks: a chain passes messages on; replays, loops and restarts by message id") {
  Room a("A"), b("B"), c("C");
  FakeTrunk ab, ba, bc, cb;
  link(a, ab, b, ba);
  link(b, bc, c, cb);
  c.join(1);
  a.join(1);
  a.say(1, "via b");
  CHECK(heard(c, 1) == std::vector<std::string>{"Ap1:via b"});
  REQUIRE(ab.frames.size() == 1);
  std::string frame = ab.frames[0];
  Bytes bytes = as_bytes(frame);
  // The same frame again (a replay, or a second path): dropped at B, not passed on.
  b.relay.on_trunk_data(&ba, bytes);
  CHECK(b.relay.counters().trunk_duplicates == 1);
  CHECK(heard(c, 1).size() == 1);
  // Our own message back: dropped.
  a.relay.on_trunk_data(&ab, bytes);
  CHECK(a.relay.counters().trunk_duplicates == 1);
  // Out of order within the window is fine once; a restarted origin (new epoch) starts afresh.
  auto f = *parse_trunk_data(bytes);
  std::vector<uint8_t> out(kTrunkDataMaxHeader + 16);
  for (uint32_t seq : {10u, 5u, 5u, 100u, 20u}) {
    f.seq = seq;
    b.relay.on_trunk_data(&ba, {out.data(), build_trunk_data(f, out)});
  }
  CHECK(b.relay.counters().trunk_duplicates == 1 + 2);  // 5 again; 20 is too far below 100
  f.epoch = 8;
  f.seq = 1;
  b.relay.on_trunk_data(&ba, {out.data(), build_trunk_data(f, out)});
  CHECK(heard(c, 1).size() == 1 + 3 + 1);
  // A trunk that went away hears nothing more.
  b.relay.remove_trunk(&bc);
  a.say(1, "not to c");
  CHECK(heard(c, 1).size() == 5);
}
