// The AV1 dependency descriptor parser on a stream of extension values (a length byte, then
// that many bytes), each read with the structure the ones before left, as the router does.
// Invariants: what parses has its layer ids within the structure and bounded diffs, and
// survives a rebuild and re-parse field for field (the structure too, when it brings one).
#include <cstring>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "rtp/dependency_descriptor.hpp"

using namespace umbrella;
using namespace umbrella::rtp;
using umbrella::fuzz::check;

namespace {

bool same(const DependencyDescriptor& a, const DependencyDescriptor& b, size_t chains) {
  bool chains_same = true;
  for (size_t c = 0; c < chains; ++c) chains_same = chains_same && a.chain_fdiffs[c] == b.chain_fdiffs[c];
  return chains_same && a.start == b.start && a.end == b.end && a.template_id == b.template_id &&
         a.frame_number == b.frame_number && a.attached_structure == b.attached_structure &&
         a.has_active_targets == b.has_active_targets && a.active_targets == b.active_targets &&
         a.spatial == b.spatial && a.temporal == b.temporal && a.dtis == b.dtis &&
         a.fdiff_count == b.fdiff_count && a.fdiffs == b.fdiffs;
}

bool same(const DdStructure& a, const DdStructure& b) {
  if (a.template_id_offset != b.template_id_offset || a.decode_targets != b.decode_targets ||
      a.templates != b.templates || a.chains != b.chains || a.max_spatial != b.max_spatial ||
      a.max_temporal != b.max_temporal || a.has_resolutions != b.has_resolutions ||
      a.protected_by != b.protected_by || a.dt_spatial != b.dt_spatial || a.dt_temporal != b.dt_temporal)
    return false;
  for (size_t t = 0; t < a.templates; ++t) {
    const DdTemplate &x = a.templ[t], &y = b.templ[t];
    if (x.spatial != y.spatial || x.temporal != y.temporal || x.dtis != y.dtis ||
        x.fdiff_count != y.fdiff_count || x.fdiffs != y.fdiffs || x.chain_fdiffs != y.chain_fdiffs)
      return false;
  }
  return !a.has_resolutions || (a.width == b.width && a.height == b.height);
}

}  // namespace

UMBRELLA_FUZZ_TARGET(dependency_descriptor) {
  fuzz::FuzzInput in(data, size);
  static DdStructure slots[2], again;  // 2.5 KB each: not on the stack per run
  int current = -1;
  while (!in.empty()) {
    Bytes value = in.sized_bytes();
    DdStructure& next = slots[current == 0 ? 1 : 0];
    const DdStructure* cur = current < 0 ? nullptr : &slots[current];
    auto d = parse_dependency_descriptor(value, cur, next);
    if (!d) continue;
    const DdStructure& s = d->attached_structure ? next : *cur;
    check(s.decode_targets >= 1 && s.decode_targets <= kDdMaxDecodeTargets);
    check(s.templates >= 1 && s.templates <= kDdMaxTemplates && s.chains <= s.decode_targets);
    check(d->spatial <= s.max_spatial && s.max_spatial < kDdMaxSpatial);
    check(d->temporal <= s.max_temporal && s.max_temporal < kDdMaxTemporal);
    check(d->fdiff_count <= kDdMaxFdiffs);
    check(d->starts_keyframe() == (d->start && d->attached_structure));
    uint8_t buf[256];
    size_t n = write_dependency_descriptor(buf, *d, s);
    check(n >= 3 && n <= value.size());
    auto back = parse_dependency_descriptor(Bytes(buf, n), d->attached_structure ? nullptr : cur, again);
    check(back.ok() && same(*d, *back, s.chains));
    if (d->attached_structure) {
      check(same(s, again));
      current = current == 0 ? 1 : 0;
    }
  }
  return 0;
}
