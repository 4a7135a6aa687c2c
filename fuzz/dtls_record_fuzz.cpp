// Fuzzes the DTLS record framing check, the filter in front of mbedTLS and the ClientHello
// assembler. Input: one byte of filter state (role, phase, epoch 1 readable, accept the first
// ClientHello), then datagrams as [u16 length][bytes] (the rest, if it does not fit, is the
// last datagram). Checks: what the filter keeps is whole records of the datagram in order, a
// drop is always counted, and an assembled ClientHello is one well-formed record.
#include "fuzz_target.hpp"

#include <vector>

#include "dtls/client_hello_assembler.hpp"
#include "dtls/record.hpp"
#include "dtls/record_filter.hpp"

using namespace umbrella;
using namespace umbrella::dtls;

namespace {

std::vector<Bytes> split_datagrams(Bytes in) {
  std::vector<Bytes> out;
  while (in.size() >= 2) {
    size_t n = load_be16(in.data());
    if (n > in.size() - 2) break;
    out.push_back(in.subspan(2, n));
    in = in.subspan(2 + n);
  }
  if (!in.empty()) out.push_back(in);
  return out;
}

// Every record of `kept` is a whole record of `datagram`, in the same order.
void check_kept(Bytes kept, Bytes datagram) {
  size_t at = 0;
  while (!kept.empty()) {
    ParsedRecord k = parse_record(kept);
    if (k.error != RecordError::kNone) __builtin_trap();
    bool found = false;
    while (at < datagram.size() && !found) {
      ParsedRecord d = parse_record(datagram.subspan(at));
      if (d.error != RecordError::kNone) break;
      at += d.record.bytes.size();
      found = d.record.bytes.size() == k.record.bytes.size() &&
              std::equal(d.record.bytes.begin(), d.record.bytes.end(), k.record.bytes.begin());
    }
    if (!found) __builtin_trap();
    kept = kept.subspan(k.record.bytes.size());
  }
}

void check_assembled(Bytes a) {
  ParsedRecord r = parse_record(a);
  if (r.error != RecordError::kNone || r.record.bytes.size() != a.size()) __builtin_trap();
  if (r.record.type != ContentType::kHandshake || r.record.epoch != 0) __builtin_trap();
  ParsedFragment f = parse_handshake_fragment(r.record.body);
  if (f.error != HandshakeError::kNone || f.fragment.type != HandshakeType::kClientHello) __builtin_trap();
  if (f.fragment.offset != 0 || f.fragment.fragment.size() != f.fragment.length) __builtin_trap();
  if (f.fragment.length > ClientHelloAssembler::kMaxLength || f.fragment.bytes.size() != r.record.body.size())
    __builtin_trap();
}

}  // namespace

UMBRELLA_FUZZ_TARGET(dtls_record) {
  if (size < 1) return 0;
  uint8_t flags = data[0];
  FilterState state;
  state.role = flags & 1 ? Role::kClient : Role::kServer;
  state.phase = Phase((flags >> 1) % 3);
  state.epoch1_readable = flags & 8;
  ClientHelloAssembler hello;
  state.hello = &hello;
  DtlsCounters counters;
  std::vector<uint8_t> scratch;
  bool first = true;
  for (Bytes d : split_datagrams(Bytes(data + 1, size - 1))) {
    for (Bytes rest = d; !rest.empty();) {
      ParsedRecord p = parse_record(rest);
      if (p.error != RecordError::kNone) break;
      if (p.record.bytes.size() != kRecordHeaderSize + p.record.body.size() || p.record.bytes.size() > rest.size())
        __builtin_trap();
      if (p.record.type == ContentType::kHandshake) (void)well_formed_handshake_body(p.record.body);
      rest = rest.subspan(p.record.bytes.size());
    }
    scratch.resize(d.size());
    uint64_t before = counters.total();
    Bytes kept = filter_datagram(d, state, scratch, counters);
    if (kept.size() > d.size()) __builtin_trap();
    if (kept.size() < d.size() && counters.total() == before) __builtin_trap();
    check_kept(kept, d);
    uint64_t ignored = 0;
    if (hello.add(d, ignored) == ClientHelloAssembler::Outcome::kComplete) check_assembled(hello.assembled());
    if (first && (flags & 16)) hello.accept();
    first = false;
  }
  return 0;
}
