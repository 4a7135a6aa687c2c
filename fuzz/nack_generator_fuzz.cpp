// The NACK generator under arbitrary arrivals (in order, late, duplicate, far jumps, wraps),
// time steps, polls and resets. Invariants: bounded outstanding list; every sequence number
// found missing is recovered, given up or still outstanding (nothing lost from the books);
// polls return ascending numbers, at most as many as asked, only numbers never received since
// they went missing, and nothing before next_deadline().
#include <array>
#include <set>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "rtp/nack_generator.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using umbrella::fuzz::check;

UMBRELLA_FUZZ_TARGET(nack_generator) {
  umbrella::fuzz::FuzzInput in(data, size);
  NackConfig config;
  config.rtt = milliseconds(1 + in.u8());
  config.reorder_delay = milliseconds(in.u8() % 50);
  config.max_retries = 1 + in.u8() % 12;
  config.max_age = milliseconds(100 + 10 * in.u8());
  config.max_outstanding = in.u16() % 300;  // 0 and > kCapacity are clamped
  NackGenerator gen(config);
  size_t limit = std::clamp<size_t>(config.max_outstanding, 1, NackGenerator::kCapacity);

  // A model of what arrived, in the generator's unwrapped numbering.
  SeqUnwrapper unwrap;
  std::set<int64_t> received;
  int64_t highest = 0;
  uint64_t dropped_by_reset = 0;
  uint16_t seq = in.u16();
  Instant now = Instant{} + seconds(1000);

  while (!in.empty()) {
    uint8_t op = in.u8();
    switch (op & 7) {
      case 0: case 1: case 2: {  // next packets in order, or after a gap of op >> 3
        seq = uint16_t(seq + 1 + ((op & 7) == 2 ? (op >> 3) * 3 : 0));
        [[fallthrough]];
      }
      case 3: {  // the current number again (duplicate)
        gen.on_packet(seq, now);
        int64_t u = unwrap.unwrap(seq);
        // Far behind the head (a stray or a restarted sender): forget the model, which only
        // ever loses checks, never invents them.
        if (highest - u > 3000) received.clear();
        received.insert(u);
        highest = std::max(highest, u);
        break;
      }
      case 4: {  // an arbitrary number: late retransmission, reordering, jump or restart
        uint16_t s = in.u16();
        if (op & 0x08) s = uint16_t(seq - (s & 0x3FF));
        gen.on_packet(s, now);
        int64_t u = unwrap.unwrap(s);
        if (highest - u > 3000) received.clear();
        received.insert(u);
        highest = std::max(highest, u);
        if (op & 0x10) seq = s;
        break;
      }
      case 5:
        now += in.time_step();
        break;
      case 6: {  // poll, at the deadline when asked to
        Instant deadline = gen.next_deadline();
        if ((op & 0x08) && deadline != kNever && deadline > now) now = deadline;
        std::array<uint16_t, 300> out;
        size_t want = 1 + in.u8() % out.size();
        size_t outstanding = gen.outstanding();
        size_t n = gen.poll(now, std::span(out.data(), want));
        check(n <= want);
        if (now < deadline) check(n == 0 && gen.outstanding() == outstanding);
        for (size_t i = 0; i < n; ++i) {
          if (i > 0) check(seq_newer(out[i], out[i - 1]));
          check(!received.contains(unwrap.peek(out[i])));
        }
        break;
      }
      default:
        if (op & 0x08) {
          dropped_by_reset += gen.outstanding();
          gen.reset();
          unwrap.reset();
          received.clear();
          highest = 0;
        } else {
          gen.set_rtt(milliseconds(1 + in.u8()));
        }
        break;
    }
    check(gen.outstanding() <= limit);
    const auto& c = gen.counters();
    check(c.missing == c.recovered + c.given_up + gen.outstanding() + dropped_by_reset);
    if (gen.outstanding() == 0) check(gen.next_deadline() == kNever);
    else check(gen.next_deadline() != kNever);
  }
  (void)gen.take_keyframe_request();
  return 0;
}
