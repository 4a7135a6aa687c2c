// RTP parser fuzz target: parse, look up every extension ID, then on a copy rewrite IDs and
// header fields and wrap/unwrap RTX, checking that edits keep the packet parseable.
#include <algorithm>
#include <array>
#include <cstring>

#include "fuzz_target.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_extensions.hpp"
#include "rtp/rtp_mutate.hpp"
#include "rtp/rtp_packet.hpp"
#include "rtp/rtx.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

UMBRELLA_FUZZ_TARGET(rtp) {
  using namespace umbrella;
  using namespace umbrella::rtp;
  Bytes in(data, size);
  (void)looks_like_rtp_or_rtcp(in);
  (void)is_rtcp(in);
  auto v = parse_rtp(in);
  if (!v) return 0;
  check(v->header_size + v->payload.size() + v->padding_size == size);

  std::array<ExtensionValue, 16> found{};
  size_t nfound = 0;
  for (int id = 1; id < 256; ++id) {
    auto e = extension(*v, uint8_t(id));
    if (!e) continue;
    (void)read_sdes_string(*e);
    (void)read_abs_send_time(*e);
    (void)read_transport_cc_seq(*e);
    (void)read_audio_level(*e);
    if (nfound < found.size()) found[nfound++] = {uint8_t(id), *e};
  }
  (void)rtx_original_sequence(*v);

  static std::array<uint8_t, 4096> buf;
  static std::array<uint8_t, 4096> buf2;
  if (size + 2 > buf.size()) return 0;

  // Rewrite IDs with a map derived from the input: length and payload must not change.
  std::memcpy(buf.data(), data, size);
  MutableBytes copy(buf.data(), size);
  ExtensionIdMap map;
  for (int id = 0; id < 256; ++id) map.set(uint8_t(id), uint8_t(data[id % size] ^ id));
  check(rewrite_extension_ids(copy, map));
  auto w = parse_rtp(copy);
  check(w.ok());
  check(w->header_size == v->header_size);
  check(std::equal(w->payload.begin(), w->payload.end(), v->payload.begin(), v->payload.end()));
  check(set_sequence(copy, 1) && set_timestamp(copy, 2) && set_ssrc(copy, 3) &&
        set_payload_type(copy, 4) && set_marker(copy, true));
  check(parse_rtp(copy).ok());
  (void)extension_mut(copy, data[0]);

  // RTX round trip restores the packet exactly (with the original PT and SSRC).
  size_t n = rtx_wrap_into(buf2, in, {97, 0x5555, 9});
  check(n == size + 2);
  size_t m = rtx_unwrap_into(buf2, Bytes(buf2.data(), n), v->payload_type, v->ssrc);
  check(m == size);
  check(std::memcmp(buf2.data(), data, size) == 0);

  // Rebuild a header from what was parsed; it must parse back to the same fields.
  RtpHeader h{v->marker, v->payload_type, v->sequence, v->timestamp, v->ssrc};
  size_t hn = write_rtp_header(buf2, h, std::span(found.data(), nfound));
  if (hn > 0) {
    auto r = parse_rtp(Bytes(buf2.data(), hn));
    check(r.ok() && r->sequence == v->sequence && r->ssrc == v->ssrc);
    for (size_t i = 0; i < nfound; ++i) {
      auto e = extension(*r, found[i].id);
      check(e && std::equal(e->begin(), e->end(), found[i].data.begin(), found[i].data.end()));
    }
  }
  return 0;
}
