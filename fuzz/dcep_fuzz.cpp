// Fuzzes the DCEP parser (RFC 8832). Checks: what parses rebuilds to the same bytes, modulo
// the reliability parameter a reliable channel ignores.
#include "fuzz_target.hpp"

#include <cstring>
#include <vector>

#include "sctp/dcep.hpp"

using namespace umbrella;
using namespace umbrella::sctp;

UMBRELLA_FUZZ_TARGET(dcep) {
  Bytes in(data, size);
  (void)is_dcep_ack(in);
  (void)dcep_message_type(in);
  auto open = parse_dcep_open(in);
  if (!open) return 0;
  std::vector<uint8_t> out(dcep_open_size(*open));
  if (build_dcep_open(*open, out) != size) __builtin_trap();
  std::vector<uint8_t> expected(in.begin(), in.end());
  if (open->parameters.reliability == Reliability::kReliable) std::memset(&expected[4], 0, 4);
  if (out != expected) __builtin_trap();
  auto again = parse_dcep_open(out);
  if (!again || again->label != open->label || again->protocol != open->protocol) __builtin_trap();
  return 0;
}
