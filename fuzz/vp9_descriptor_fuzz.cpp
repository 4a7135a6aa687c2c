// The VP9 payload descriptor parser on arbitrary payloads. Invariants: what parses leaves at
// least one VP9 byte after the descriptor, its indices are in range, and it survives a
// rebuild and re-parse field for field (the picture group, which is not kept, aside); and
// parse_vp9 agrees with it about what parses.
#include <array>

#include "fuzz_target.hpp"
#include "fuzz_input.hpp"
#include "rtp/payload_format.hpp"
#include "rtp/vp9_descriptor.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using umbrella::fuzz::check;

namespace {

bool same(const Vp9Descriptor& a, const Vp9Descriptor& b) {
  bool ss = a.has_scalability == b.has_scalability &&
            (!a.has_scalability || (a.scalability.spatial_layers == b.scalability.spatial_layers &&
                                    a.scalability.has_sizes == b.scalability.has_sizes &&
                                    a.scalability.width == b.scalability.width &&
                                    a.scalability.height == b.scalability.height));
  return ss && a.inter == b.inter && a.flexible == b.flexible && a.begin == b.begin && a.end == b.end &&
         a.not_upper_ref == b.not_upper_ref && a.has_picture_id == b.has_picture_id &&
         a.picture_id_long == b.picture_id_long && a.picture_id == b.picture_id &&
         a.has_layers == b.has_layers && a.temporal == b.temporal && a.switch_up == b.switch_up &&
         a.spatial == b.spatial && a.inter_layer == b.inter_layer && a.has_tl0 == b.has_tl0 &&
         a.tl0_picture_index == b.tl0_picture_index && a.reference_count == b.reference_count &&
         a.reference_diff == b.reference_diff;
}

}  // namespace

UMBRELLA_FUZZ_TARGET(vp9_descriptor) {
  Bytes in(data, size);
  auto d = parse_vp9_descriptor(in);
  check(d.ok() == parse_vp9(in).ok());
  if (!d) return 0;
  check(d->size >= 1 && d->size < size);
  check(d->temporal < 8 && d->spatial < 8 && d->reference_count <= 3);
  check(d->has_layers || (d->temporal == 0 && d->spatial == 0));
  check(!d->has_tl0 || !d->flexible);
  std::array<uint8_t, 64> buf{};
  size_t n = write_vp9_descriptor(buf, *d);
  check(n > 0 && n <= d->size);  // the picture group is all that may be left out
  check(n == d->size || (d->has_scalability && d->scalability.group_size > 0) ||
        (d->has_scalability && d->size > n));
  buf[n] = 0x80;  // a VP9 byte after it
  auto again = parse_vp9_descriptor(Bytes(buf.data(), n + 1));
  check(again.ok() && again->size == n && same(*d, *again));
  return 0;
}
