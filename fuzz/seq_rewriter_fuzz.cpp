// The per-subscriber sequence/timestamp rewriter under arbitrary packets of several sources
// (in order, reordered, late from a previous source, wrapping) and source switches.
// Invariants: within one source the output keeps the input's spacing (same offset for
// sequence and timestamp); the first packet of a new source continues right after the
// highest sequence sent, with a timestamp that moves forward; nothing older than a source's
// first forwarded packet and nothing from another SSRC is forwarded; to_source_sequence()
// inverts the mapping over the source's forwarded range. Skipped packets (SVC layers not
// sent): a source's numbers are base + (packets since its first) - (skips before), where only
// a skip of a packet newer than every one seen counts; a skipped packet is never mapped, and
// after any skip nothing 1024 or more behind the newest is.
#include <optional>
#include <set>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "rtp/seq.hpp"
#include "rtp/seq_ts_rewriter.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using umbrella::fuzz::check;

namespace {

bool ts_newer(uint32_t a, uint32_t b) { return a != b && uint32_t(a - b) < 0x80000000u; }

struct Source {
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;
};

}  // namespace

UMBRELLA_FUZZ_TARGET(seq_rewriter) {
  umbrella::fuzz::FuzzInput in(data, size);
  uint32_t clock_rate = (in.u8() & 1) ? 48000 : 90000;
  uint16_t first_seq = in.u16();
  uint32_t first_ts = in.u32();
  SeqTimestampRewriter rw(clock_rate, first_seq, first_ts);
  Source sources[3] = {{0x1111, in.u16(), in.u32()}, {0x2222, in.u16(), in.u32()}, {0x1111, 0, 0}};
  sources[2].seq = in.u16();  // same SSRC restarted (trunk reconnect) with new numbering
  sources[2].ts = in.u32();

  Instant now = Instant{} + seconds(1000);
  std::optional<uint32_t> current;  // SSRC being forwarded
  std::optional<uint32_t> pending;  // switch_source() target not seen yet
  uint16_t base_out = 0;      // the source's first packet's number (mapped or skipped)
  std::set<int64_t> skips;    // counted skips of the current source (unwrapped)
  bool ts_known = false;      // the source's timestamp offset (unknown after a skipped start)
  uint32_t ts_offset = 0;
  uint16_t max_out = uint16_t(first_seq - 1);
  uint32_t max_ts = first_ts;
  bool has_output = false;
  SeqUnwrapper unwrap;
  int64_t first_in = 0, highest_in = 0;

  while (!in.empty()) {
    uint8_t op = in.u8();
    Source& src = sources[(op >> 2) % 3];
    switch (op & 3) {
      case 0:  // next packet of a source, maybe a new frame, maybe after a gap
        src.seq = uint16_t(src.seq + 1 + ((op & 0x20) ? in.u8() : 0));
        if (op & 0x40) src.ts += 3000;
        [[fallthrough]];
      case 1: {  // the source's current packet again, or an older one (reordered / late)
        uint16_t s = (op & 3) == 1 ? uint16_t(src.seq - in.u8()) : src.seq;
        uint32_t t = (op & 3) == 1 ? src.ts - 3000 * (op >> 5) : src.ts;
        bool starts = (pending && src.ssrc == *pending) || (!current && !pending);
        bool expected_drop = !starts && (!current || src.ssrc != *current);
        auto m = rw.map(src.ssrc, s, t, now);
        if (starts) {
          check(m.has_value());
          // Continues right after the highest sequence sent; time moves forward.
          check(m->sequence == uint16_t(max_out + 1));
          if (has_output) check(ts_newer(m->timestamp, max_ts));
          current = src.ssrc;
          pending.reset();
          base_out = m->sequence;
          skips.clear();
          ts_offset = m->timestamp - t;
          ts_known = true;
          unwrap.reset();
          first_in = highest_in = unwrap.unwrap(s);
        } else if (expected_drop) {
          check(!m);
          break;
        } else {
          int64_t u = unwrap.unwrap(s);
          if (u < first_in || skips.count(u) || (!skips.empty() && highest_in - u >= 1024)) {
            // From before this source's first packet, skipped, or past the skips' window.
            check(!m);
            break;
          }
          check(m.has_value());
          auto before = int64_t(std::distance(skips.begin(), skips.lower_bound(u)));
          check(m->sequence == uint16_t(base_out + (u - first_in) - before));
          if (ts_known) check(m->timestamp == t + ts_offset);
          ts_offset = m->timestamp - t;
          ts_known = true;
        }
        int64_t u = unwrap.peek(s);
        // A late packet behind counted skips can land past every number sent.
        if (u >= highest_in || !has_output || seq_newer(m->sequence, max_out)) max_out = m->sequence;
        highest_in = std::max(highest_in, u);
        if (!has_output || ts_newer(m->timestamp, max_ts)) max_ts = m->timestamp;
        has_output = true;
        check(rw.has_output() && rw.last_sequence() == max_out && rw.last_timestamp() == max_ts);
        // NACKs from the subscriber find the source packet (as far as 16 bits can tell:
        // up to 2^15 - 1 behind the newest).
        auto back = rw.to_source_sequence(m->sequence);
        if (highest_in - u < 0x8000) check(back && *back == s);
        else check(!back);
        break;
      }
      case 2:
        rw.switch_source(src.ssrc);
        pending = src.ssrc;
        if (src.ssrc == sources[2].ssrc && (op & 0x10)) sources[2].seq = in.u16();
        break;
      default:
        if (!(op & 0x80)) {
          now += in.time_step();
          break;
        }
        {  // a packet not sent: the source's next (maybe after a gap) or an older one
          if (op & 0x40) {
            src.seq = uint16_t(src.seq + 1 + ((op & 0x20) ? in.u8() : 0));
          }
          uint16_t s = (op & 0x40) ? src.seq : uint16_t(src.seq - in.u8());
          bool starts = (pending && src.ssrc == *pending) || (!current && !pending);
          bool other = !starts && (!current || src.ssrc != *current);
          rw.skip(src.ssrc, s, src.ts, now);
          if (starts) {
            current = src.ssrc;
            pending.reset();
            base_out = uint16_t(max_out + 1);
            unwrap.reset();
            first_in = highest_in = unwrap.unwrap(s);
            skips = {first_in};
            ts_known = false;
          } else if (!other) {
            int64_t u = unwrap.unwrap(s);
            if (u > highest_in) {  // older ones keep their numbers
              skips.insert(u);
              highest_in = u;
            }
          }
          if (has_output) check(rw.last_sequence() == max_out && rw.last_timestamp() == max_ts);
        }
        break;
    }
    if (current) check(rw.current_ssrc() == *current);
    // Numbers beyond the highest sent are not the source's (yet).
    if (has_output) check(!rw.to_source_sequence(uint16_t(max_out + 1)));
  }
  return 0;
}
