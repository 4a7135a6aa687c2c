// Recording's depacketizers: the VP8, VP9, H264 and AV1 payload formats and Opus, the track
// formats read from keyframes (SPS, sequence header, frame headers), then the same bytes as a
// sequence of RTP packets through a FrameAssembler (the jitter window, the FrameJoiner) on
// virtual time. Checks that views stay inside their input and frames stay within what came in.
// Also the router's VP8/VP9 picture numbers (rtp/picture_ids.hpp): found inside the input,
// and written back unchanged.
#include <algorithm>
#include <vector>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "record/frame_assembler.hpp"
#include "rtp/payload_format.hpp"
#include "rtp/picture_ids.hpp"
#include "record/video_format.hpp"
#include "rtp/rtp_builder.hpp"

using namespace umbrella;
using namespace umbrella::record;
using namespace umbrella::rtp;
using fuzz::check;

namespace {

void check_view(Bytes in, const PayloadView& v) {
  check(v.data.data() >= in.data() && v.data.data() + v.data.size() <= in.data() + in.size());
  check(!v.data.empty());
  check(!v.keyframe || v.frame_start);
}

}  // namespace

UMBRELLA_FUZZ_TARGET(record_payload) {
  Bytes in(data, size);
  if (auto v = parse_vp8(in)) {
    check_view(in, *v);
    check(!v->keyframe || (v->width && v->height && v->data.size() >= 10));
  }
  if (auto o = parse_opus(in)) check_view(in, *o);
  for (Codec c : {Codec::kVp8, Codec::kVp9}) {
    auto ids = find_picture_ids(c, in);
    if (!ids) continue;
    check(ids->any() && (!ids->pid_at || ids->pid_at + (ids->pid_long ? 2u : 1u) <= size) && ids->tl0_at < size);
    std::vector<uint8_t> copy(in.begin(), in.end());
    check(write_picture_ids(copy, *ids) && std::equal(copy.begin(), copy.end(), in.begin()));
  }
  for (Codec c : {Codec::kVp9, Codec::kH264, Codec::kAv1}) {
    if (auto v = parse_payload(c, in)) check_view(in, *v);
    if (auto f = video_format(c, in)) check(f->width && f->height && f->codec_private.size() <= in.size() + 32);
  }

  // As packets: [codec/flags byte][seq delta][time step ms][length][payload]...
  static PacketPool pool(1024);
  fuzz::FuzzInput fin(data, size);
  // The first byte picks the codec (0 Opus, 1 VP8: the first seeds' flag).
  static constexpr Codec kCodecs[] = {Codec::kOpus, Codec::kVp8, Codec::kVp9, Codec::kH264, Codec::kAv1};
  Codec codec = kCodecs[fin.u8() % 5];
  FrameAssembler a(codec, {milliseconds(100), 64});
  Instant now{};
  uint16_t seq = 1000;
  uint32_t ts = 0;
  size_t bytes_in = 0;
  while (!fin.empty()) {
    uint8_t op = fin.u8();
    seq = uint16_t(seq + int8_t(fin.u8()));
    now += milliseconds(fin.u8() & 0x3f);
    if (op & 2) ts += 3000;
    Bytes payload = fin.bytes(fin.u8());
    Packet p = pool.acquire();
    if (!p) break;
    size_t n = rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), {bool(op & 1), 96, seq, ts, 0x1234}, {},
                                     payload);
    if (n == 0) continue;
    p.set_size(n);
    bytes_in += payload.size();
    a.push(p, now);
    // Joined frames grow by their AVCC lengths, obu_size fields or a superframe index.
    while (auto f = a.pop(now)) {
      check(f->data.size() <= 4 * bytes_in + 64 && !f->data.empty());
      if (f->keyframe) (void)video_format(codec, f->data);
    }
    Instant d = a.next_deadline();
    check(d == kNever || d > now - milliseconds(1000));
    (void)a.take_keyframe_request();
  }
  return 0;
}
