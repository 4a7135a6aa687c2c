// Feeds SCTP packets of the fuzzer's making into a live association (usrsctp's parser is C
// code facing the network: it must not crash, leak or hang). Two DataChannels connect on
// virtual time and open a channel; then the input is a sequence of [u8 op][u16 length][bytes]:
// op bit 0 sends the bytes to the server side, else to the client; bit 1 keeps the bytes'
// own ports, verification tag and checksum (else the harness writes the right ones, so the
// packet reaches chunk parsing); bits 2-7 advance time by that many 50 ms steps first.
// Checks: both sides stay usable (sending never crashes; the Stack is torn down cleanly).
#include "fuzz_target.hpp"

#include <memory>
#include <vector>

#include "fuzz_input.hpp"
#include "sctp/data_channels.hpp"
#include "sctp/stack.hpp"

using namespace umbrella;
using namespace umbrella::sctp;

namespace {

uint32_t crc32c(Bytes b) {
  uint32_t crc = 0xffffffff;
  for (uint8_t byte : b) {
    crc ^= byte;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0x82f63b78 & (0u - (crc & 1)));
  }
  return ~crc;
}

struct Side {
  std::unique_ptr<DataChannels> channels;
  uint32_t peer_tag = 0;  // the verification tag packets to this side carry
};

void move_packets(Side& from, Side& to) {
  for (auto& p : from.channels->take_packets()) {
    if (p.size() >= 12) to.peer_tag = load_be32(&p[4]);
    to.channels->receive(p);
  }
}

void settle(Stack& stack, Side& a, Side& b, Instant& now, int ticks) {
  for (int i = 0; i < ticks; ++i) {
    for (int round = 0; round < 50; ++round) {
      move_packets(a, b);
      move_packets(b, a);
      (void)a.channels->take_events();
      (void)b.channels->take_events();
      if (!a.channels->association().has_output() && !b.channels->association().has_output()) break;
    }
    now += Stack::kTick;
    stack.on_timeout(now);
  }
}

}  // namespace

UMBRELLA_FUZZ_TARGET(sctp_association) {
  Instant now = Instant{} + seconds(1000);
  auto stack = Stack::create(now);
  if (!stack) __builtin_trap();
  Side client, server;
  {
    auto c = DataChannels::create(**stack, {}, true);
    auto s = DataChannels::create(**stack, {}, false);
    if (!c || !s) __builtin_trap();
    client.channels = std::move(*c);
    server.channels = std::move(*s);
  }
  settle(**stack, client, server, now, 10);
  if (!client.channels->up()) __builtin_trap();
  auto id = client.channels->open({"fuzz", "", {}});
  settle(**stack, client, server, now, 5);

  fuzz::FuzzInput in(data, size);
  for (int step = 0; !in.empty() && step < 64; ++step) {
    uint8_t op = in.u8();
    std::vector<uint8_t> packet;
    Bytes b = in.sized_bytes16(4096);
    packet.assign(b.begin(), b.end());
    Side& to = (op & 1) ? server : client;
    if (!(op & 2) && packet.size() >= 12) {
      store_be16(&packet[0], 5000);
      store_be16(&packet[2], 5000);
      store_be32(&packet[4], to.peer_tag);
      store_be32(&packet[8], 0);
      uint32_t crc = crc32c(packet);
      // SCTP writes its CRC32c least significant byte first (RFC 4960 B).
      packet[8] = uint8_t(crc);
      packet[9] = uint8_t(crc >> 8);
      packet[10] = uint8_t(crc >> 16);
      packet[11] = uint8_t(crc >> 24);
    }
    if (op >> 2) settle(**stack, client, server, now, op >> 2);
    to.channels->receive(packet);
    (void)to.channels->take_events();
    settle(**stack, client, server, now, 1);
  }
  if (id) (void)client.channels->send(*id, false, as_bytes("still here"));
  settle(**stack, client, server, now, 5);
  client.channels.reset();
  server.channels.reset();
  if ((*stack)->associations() != 0) __builtin_trap();
  return 0;
}
