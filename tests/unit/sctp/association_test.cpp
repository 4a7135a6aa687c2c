#include <doctest/doctest.h>

#include <string>

#include "channel_pair.hpp"

using namespace umbrella;
using namespace umbrella::sctp;
using umbrella::sctp::test::ChannelPair;

namespace {

std::string text(const ChannelMessage& m) { return {m.data.begin(), m.data.end()}; }

// Opens a channel from the client and waits until both sides have it.
uint16_t open_channel(ChannelPair& p, ChannelParameters params = {}, std::string label = "room") {
  auto id = p.client->open({label, "", params});
  REQUIRE(id);
  REQUIRE(p.run_until([&] { return !ChannelPair::of<ChannelOpened>(p.client_events).empty(); }));
  return *id;
}

}  // namespace

TEST_CASE("two associations connect on virtual time and a channel opens both ways") {
  ChannelPair p;
  REQUIRE(p.connect());
  CHECK(p.client->association().streams() == 64);
  auto id = open_channel(p);
  CHECK(id % 2 == 0);  // the DTLS client's ids are even
  auto at_server = ChannelPair::of<ChannelOpened>(p.server_events);
  REQUIRE(at_server.size() == 1);
  CHECK(at_server[0].by_peer);
  CHECK(at_server[0].info.label == "room");
  CHECK(at_server[0].id == id);

  // The server opens one too: odd id.
  auto sid = p.server->open({"back", "proto", {}});
  REQUIRE(sid);
  CHECK(*sid % 2 == 1);
  REQUIRE(p.run_until([&] { return ChannelPair::of<ChannelOpened>(p.client_events).size() == 2; }));
  CHECK(ChannelPair::of<ChannelOpened>(p.client_events)[1].info.protocol == "proto");
}

TEST_CASE("messages flow both ways: strings stay strings, binary stays binary, empty ones too") {
  ChannelPair p;
  REQUIRE(p.connect());
  auto id = open_channel(p);
  CHECK(p.client->send(id, false, as_bytes("hello")) == SendResult::kOk);
  CHECK(p.client->send(id, true, as_bytes("\x01\x02")) == SendResult::kOk);
  CHECK(p.client->send(id, false, {}) == SendResult::kOk);
  CHECK(p.client->send(id, true, {}) == SendResult::kOk);
  CHECK(p.server->send(id, false, as_bytes("back")) == SendResult::kOk);
  REQUIRE(p.run_until([&] {
    return ChannelPair::of<ChannelMessage>(p.server_events).size() == 4 &&
           ChannelPair::of<ChannelMessage>(p.client_events).size() == 1;
  }));
  auto got = ChannelPair::of<ChannelMessage>(p.server_events);
  CHECK(text(got[0]) == "hello");
  CHECK_FALSE(got[0].binary);
  CHECK(got[1].binary);
  CHECK(got[1].data == std::vector<uint8_t>{1, 2});
  CHECK_FALSE(got[2].binary);
  CHECK(got[2].data.empty());
  CHECK(got[3].binary);
  CHECK(got[3].data.empty());
  CHECK(text(ChannelPair::of<ChannelMessage>(p.client_events)[0]) == "back");
}

TEST_CASE("a large message arrives whole; one over our maximum is dropped and counted") {
  AssociationConfig config;
  config.max_message_size = 65536;
  config.remote_max_message_size = 70000;  // so the sender lets the oversized one go
  ChannelPair p(config);
  REQUIRE(p.connect());
  auto id = open_channel(p);
  std::vector<uint8_t> big(65536);
  for (size_t i = 0; i < big.size(); ++i) big[i] = uint8_t(i * 7);
  CHECK(p.client->send(id, true, big) == SendResult::kOk);
  REQUIRE(p.run_until([&] { return ChannelPair::of<ChannelMessage>(p.server_events).size() == 1; }));
  CHECK(ChannelPair::of<ChannelMessage>(p.server_events)[0].data == big);

  std::vector<uint8_t> too_big(65537, 1);
  CHECK(p.client->send(id, true, too_big) == SendResult::kOk);
  CHECK(p.client->send(id, false, as_bytes("after")) == SendResult::kOk);
  REQUIRE(p.run_until([&] { return ChannelPair::of<ChannelMessage>(p.server_events).size() == 2; }));
  CHECK(text(ChannelPair::of<ChannelMessage>(p.server_events)[1]) == "after");
  CHECK(p.server->association().counters().messages_too_large == 1);

  // Over what the peer accepts: refused before usrsctp sees it.
  std::vector<uint8_t> over(70001);
  CHECK(p.client->send(id, true, over) == SendResult::kTooLarge);
}

TEST_CASE("lost DTLS records are retransmitted: every reliable message arrives, in order") {
  ChannelPair p;
  REQUIRE(p.connect());
  auto id = open_channel(p);
  uint32_t seed = 12345;
  int lost = 0;
  p.filter = [&](bool, const std::vector<uint8_t>&) {  // a fifth lost, either way
    seed = seed * 1103515245 + 12345;
    return (seed >> 16) % 5 != 0 || (++lost, false);
  };
  for (int i = 0; i < 20; ++i) CHECK(p.client->send(id, false, as_bytes(std::to_string(i))) == SendResult::kOk);
  bool all = p.run_until([&] { return ChannelPair::of<ChannelMessage>(p.server_events).size() == 20; });
  INFO(ChannelPair::of<ChannelMessage>(p.server_events).size(), " down ", ChannelPair::of<ChannelsDown>(p.client_events).size());
  REQUIRE(all);
  auto got = ChannelPair::of<ChannelMessage>(p.server_events);
  for (int i = 0; i < 20; ++i) CHECK(text(got[size_t(i)]) == std::to_string(i));
  CHECK(lost > 0);
}

TEST_CASE("an unordered channel with no retransmissions loses what is lost, and nothing else") {
  ChannelPair p;
  REQUIRE(p.connect());
  ChannelParameters params;
  params.ordered = false;
  params.reliability = Reliability::kMaxRetransmits;
  params.reliability_parameter = 0;
  auto id = open_channel(p, params, "lossy");
  CHECK_FALSE(ChannelPair::of<ChannelOpened>(p.server_events)[0].info.parameters.ordered);
  int n = 0;
  p.filter = [&](bool from_client, const std::vector<uint8_t>&) { return !from_client || ++n != 2; };
  for (int i = 0; i < 5; ++i) CHECK(p.client->send(id, false, as_bytes(std::to_string(i))) == SendResult::kOk);
  p.run_until([] { return false; }, seconds(5));
  auto got = ChannelPair::of<ChannelMessage>(p.server_events);
  CHECK(got.size() == 4);  // the second packet (one message) is abandoned, not resent
}

TEST_CASE("closing a channel resets the stream on both sides and frees the id") {
  ChannelPair p;
  REQUIRE(p.connect());
  auto id = open_channel(p);
  p.client->close(id);
  REQUIRE(p.run_until([&] { return !ChannelPair::of<ChannelClosed>(p.server_events).empty(); }));
  REQUIRE(p.run_until([&] { return !ChannelPair::of<ChannelClosed>(p.client_events).empty(); }));
  CHECK(p.client->channel_count() == 0);
  CHECK(p.server->channel_count() == 0);
  CHECK(p.client->send(id, false, as_bytes("x")) == SendResult::kNotConnected);
  // The id can be opened again once the reset is through.
  p.run_until([] { return false; }, seconds(1));
  auto again = p.client->open({"again", "", {}});
  std::string why = again ? std::string() : again.error();
  INFO(why);
  REQUIRE(again);
  CHECK(*again == id);
  REQUIRE(p.run_until([&] { return ChannelPair::of<ChannelOpened>(p.server_events).size() == 2; }));
}

TEST_CASE("a peer that goes silent ends the association; garbage is survived") {
  ChannelPair p;
  REQUIRE(p.connect());
  auto id = open_channel(p);
  const uint8_t garbage[] = {0x13, 0x88, 0x13, 0x88, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 1};
  p.server->receive(garbage);
  p.server->receive(std::vector<uint8_t>(1));
  p.filter = [](bool, const std::vector<uint8_t>&) { return false; };
  CHECK(p.client->send(id, false, as_bytes("into the void")) == SendResult::kOk);
  REQUIRE(p.run_until([&] { return !ChannelPair::of<ChannelsDown>(p.client_events).empty(); }, seconds(120)));
  CHECK(p.client->send(id, false, as_bytes("x")) == SendResult::kNotConnected);
}
