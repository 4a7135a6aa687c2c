// Fuzzes what a trunk's data channel delivers (trunk_data_frame.hpp) through the data relay
// of an SFU with one participant in room "r". Checks: what parses rebuilds to the same bytes;
// a frame is delivered at most once, however often it comes.
#include "fuzz_target.hpp"

#include <algorithm>
#include <vector>

#include "server/data_relay.hpp"
#include "server/trunk_data_frame.hpp"

using namespace umbrella;
using namespace umbrella::server;

namespace {
struct Peers final : DataChannelPeers {
  size_t sent = 0;
  Result<uint16_t, std::string> open_channel(media::TransportId, const sctp::ChannelInfo&) override { return 1; }
  sctp::SendResult send_channel_message(media::TransportId, uint16_t, bool, Bytes) override {
    ++sent;
    return sctp::SendResult::kOk;
  }
  void close_channel(media::TransportId, uint16_t) override {}
};
struct Trunk final : DataTrunk {
  std::string far = "far";
  const std::string& far_site() const override { return far; }
  sctp::SendResult send_trunk_data(Bytes) override { return sctp::SendResult::kOk; }
};
}  // namespace

UMBRELLA_FUZZ_TARGET(trunk_data) {
  Bytes in(data, size);
  auto f = parse_trunk_data(in);
  if (f) {
    std::vector<uint8_t> out(kTrunkDataMaxHeader + f->payload.size());
    size_t n = build_trunk_data(*f, out);
    if (n != size || !std::equal(out.begin(), out.begin() + long(n), in.begin())) __builtin_trap();
  }
  Peers peers;
  DataRelay relay(peers, "here", 1);
  Trunk from, other;
  relay.add_trunk(&from);
  relay.add_trunk(&other);
  sctp::ChannelEvent up = sctp::ChannelsUp{};
  relay.on_event(1, "p", "r", up, Instant{});
  for (int i = 0; i < 2; ++i) relay.on_trunk_data(&from, in);
  if (peers.sent > 1) __builtin_trap();
  return 0;
}
