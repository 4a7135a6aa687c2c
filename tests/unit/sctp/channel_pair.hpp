// Two DataChannels in one process on virtual time, as two WebRTC peers over DTLS: packets
// move between them through a filter that may drop them, time moves from tick to tick.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <vector>

#include "sctp/data_channels.hpp"
#include "sctp/stack.hpp"

namespace umbrella::sctp::test {

struct ChannelPair {
  Instant now = Instant{} + seconds(1000);
  std::unique_ptr<Stack> stack;
  std::unique_ptr<DataChannels> client, server;  // DTLS client and server
  std::vector<ChannelEvent> client_events, server_events;
  // Returns false to drop the packet (from client when `from_client`).
  std::function<bool(bool from_client, const std::vector<uint8_t>&)> filter = [](bool, const auto&) { return true; };

  explicit ChannelPair(AssociationConfig config = {}) {
    auto s = Stack::create(now);
    REQUIRE(s);
    stack = std::move(*s);
    auto c = DataChannels::create(*stack, config, true);
    auto v = DataChannels::create(*stack, config, false);
    REQUIRE(c);
    REQUIRE(v);
    client = std::move(*c);
    server = std::move(*v);
  }
  ~ChannelPair() {
    client.reset();
    server.reset();
  }

  // Moves packets both ways until both are quiet; returns the packets moved.
  size_t shuttle() {
    size_t moved = 0;
    for (int round = 0; round < 1000; ++round) {
      auto a = client->take_packets();
      auto b = server->take_packets();
      collect();
      if (a.empty() && b.empty()) break;
      for (auto& p : a)
        if (filter(true, p)) server->receive(p), ++moved;
      for (auto& p : b)
        if (filter(false, p)) client->receive(p), ++moved;
    }
    collect();
    return moved;
  }
  void collect() {
    for (auto& e : client->take_events()) client_events.push_back(std::move(e));
    for (auto& e : server->take_events()) server_events.push_back(std::move(e));
  }
  // Advances virtual time tick by tick, moving packets after each, until `done` or `limit`.
  bool run_until(const std::function<bool()>& done, Duration limit = seconds(30)) {
    Instant end = now + limit;
    shuttle();
    while (!done()) {
      if (now >= end) return false;
      now = std::min(stack->next_deadline(), end);
      stack->on_timeout(now);
      shuttle();
    }
    return true;
  }
  bool connect() {
    return run_until([&] { return client->up() && server->up(); });
  }

  template <typename T>
  static std::vector<T> of(const std::vector<ChannelEvent>& events) {
    std::vector<T> out;
    for (auto& e : events)
      if (auto* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
  }
};

}  // namespace umbrella::sctp::test
