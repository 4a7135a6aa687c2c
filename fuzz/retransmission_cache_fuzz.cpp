// The retransmission cache under arbitrary inserts (new, late, duplicate, wrapped), lookups
// and time steps, against a model of its slots. Invariants: a lookup returns exactly the
// packet the model holds for that number (never another number's, never one past max_age);
// a refused insert means the slot keeps a newer, still fresh number; the cache pins at most
// one pool buffer per slot and none after clear().
#include <vector>

#include "core/packet_pool.hpp"
#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "rtp/retransmission_cache.hpp"
#include "rtp/seq.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using umbrella::fuzz::check;

namespace {

struct ModelSlot {
  bool used = false;
  uint16_t sequence = 0;
  uint32_t tag = 0;  // what the stored packet carries
  Instant stored{};
};

uint32_t tag_of(const Packet& p) {
  check(p.size() == 6);
  const uint8_t* d = p.data();
  return uint32_t(d[2]) << 24 | uint32_t(d[3]) << 16 | uint32_t(d[4]) << 8 | d[5];
}

}  // namespace

UMBRELLA_FUZZ_TARGET(retransmission_cache) {
  umbrella::fuzz::FuzzInput in(data, size);
  size_t requested = in.u16() % 1200;  // 0 and odd sizes round up to a power of two
  Duration max_age = milliseconds(1 + in.u16() % 3000);
  // One pool for all runs (allocating megabytes per input made the harness slow); it outlives
  // every cache, and each run must leave it empty.
  static PacketPool pool(2048 + 4);
  check(pool.in_use() == 0);
  RetransmissionCache cache(requested, max_age);
  size_t slots = cache.slots();
  check(slots >= 1 && (slots & (slots - 1)) == 0 && slots >= std::min<size_t>(requested, 0x8000));
  std::vector<ModelSlot> model(slots);
  Instant now = Instant{} + seconds(1000);
  uint16_t seq = in.u16();
  uint32_t next_tag = 1;

  while (!in.empty()) {
    uint8_t op = in.u8();
    switch (op & 3) {
      case 0: {  // insert: next, same, or an arbitrary distance away
        if (op & 0x04) seq = uint16_t(seq + 1);
        if (op & 0x08) seq = uint16_t(seq + int16_t(in.u16()));
        Packet p = pool.acquire();
        check(bool(p));  // the cache never holds more than one buffer per slot
        uint32_t tag = next_tag++;
        uint8_t bytes[6] = {uint8_t(seq >> 8), uint8_t(seq), uint8_t(tag >> 24), uint8_t(tag >> 16),
                            uint8_t(tag >> 8), uint8_t(tag)};
        std::copy(bytes, bytes + 6, p.data());
        p.set_size(6);
        cache.insert(seq, std::move(p), now);
        ModelSlot& m = model[seq & (slots - 1)];
        Packet got = cache.lookup(seq, now);
        if (got) {
          check(tag_of(got) == tag);
          m = {true, seq, tag, now};
        } else {
          // Refused: the slot keeps a newer number that is still fresh.
          check(m.used && m.sequence != seq && seq_newer(m.sequence, seq) && now - m.stored < max_age);
        }
        break;
      }
      case 1: {  // lookup of a number near the head, or anywhere
        uint16_t s = (op & 0x04) ? in.u16() : uint16_t(seq - (op >> 3));
        Packet got = cache.lookup(s, now);
        const ModelSlot& m = model[s & (slots - 1)];
        bool expect = m.used && m.sequence == s && now - m.stored < max_age;
        check(bool(got) == expect);
        if (got) check(tag_of(got) == m.tag && got.data()[0] == uint8_t(s >> 8) && got.data()[1] == uint8_t(s));
        break;
      }
      case 2:
        now += in.time_step();
        break;
      default:
        if (op & 0x04) {
          cache.clear();
          for (auto& m : model) m = {};
          check(pool.in_use() == 0);
        }
        break;
    }
    check(pool.in_use() <= slots);
  }
  return 0;
}
