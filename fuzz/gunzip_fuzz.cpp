// gunzip over arbitrary bytes (it serves the embedded web app to clients without gzip; the
// input is ours, but the inflater is a parser like any other). Invariants: a result never
// exceeds the bound, and decompressing the same input twice gives the same bytes.
#include "fuzz_target.hpp"
#include "http/gunzip.hpp"

using namespace umbrella;

UMBRELLA_FUZZ_TARGET(gunzip) {
  constexpr size_t kBound = 1 << 20;
  auto out = http::gunzip(Bytes(data, size), kBound);
  if (out && out->size() > kBound) __builtin_trap();
  auto again = http::gunzip(Bytes(data, size), kBound);
  if (out.has_value() != again.has_value() || (out && *out != *again)) __builtin_trap();
  return 0;
}
