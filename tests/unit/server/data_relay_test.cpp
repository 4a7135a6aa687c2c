#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/data_relay.hpp"

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
  FakePeers peers;
  DataRelay relay{peers};
  Instant now = Instant{} + seconds(100);

  void event(media::TransportId t, const std::string& room, sctp::ChannelEvent e) {
    relay.on_event(t, "p" + std::to_string(t), room, e, now);
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
    CHECK(info.label == "p1");
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
  CHECK(r.peers.opened.back().second.label == "p2");
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
