// Fuzzes a site's parser of the DirectSetup another site sends through the rendezvous
// (SiteSignal.payload, src/signal/direct_setup.hpp). Checks: what parses is within its bounds
// and survives a rebuild and re-parse unchanged.
#include "fuzz_target.hpp"

#include <array>

#include "signal/direct_setup.hpp"

using namespace umbrella;

UMBRELLA_FUZZ_TARGET(direct_setup) {
  auto s = signal::parse_direct_setup(Bytes(data, size));
  if (!s) return 0;
  if (s->candidates.empty() || s->candidates.size() > signal::DirectSetupFields::kMaxCandidates || s->ufrag.empty())
    __builtin_trap();
  std::array<uint8_t, signal::kMaxDirectSetupSize> out{};
  size_t n = signal::build_direct_setup(*s, out);
  if (n == 0) __builtin_trap();
  auto again = signal::parse_direct_setup(Bytes(out.data(), n));
  if (!again || !(*again == *s)) __builtin_trap();
  return 0;
}
