// The SFU router's media input: a few publisher streams (signalled SSRC with RTX, audio, and
// simulcast layers learned from rid/mid) and subscriptions, then a sequence of
// (transport, RTP | RTCP | timeout | registration change, bytes, time step) operations. RTP
// and RTCP come raw from the input or built from it (so the forwarding, NACK/RTX and report
// paths are reached). A recording Outbox checks everything the router emits: RTP only to a
// subscriber of a live stream, rewritten to that subscription's SSRC, sequence and payload
// type; RTCP always a valid compound; no pool buffer leaked once the publishers leave.
#include <array>
#include <map>
#include <vector>

#include "core/packet_pool.hpp"
#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "rtp/dependency_descriptor.hpp"
#include "rtp/rtcp_feedback.hpp"
#include "rtp/rtcp_packet.hpp"
#include "rtp/rtcp_reports.hpp"
#include "rtp/rtcp_twcc.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_packet.hpp"
#include "sfu/router.hpp"

using namespace umbrella;
using namespace umbrella::sfu;
using umbrella::fuzz::check;

namespace {

constexpr std::array<TransportId, 6> kTransports = {10, 11, 12, 20, 21, 99};

// Publisher streams: 1 video (VP9 SVC, and AV1 SVC with the dependency descriptor as pt 45) with RTX on 10, 2 audio on 11, 3 and 4 simulcast layers of one
// track on 12 (VP8, so layer switches at keyframes are reached).
std::vector<PublishedStream> publishers() {
  std::vector<PublishedStream> p(4);
  p[0].id = 1;
  p[0].transport = 10;
  p[0].ssrc = 0x1111;
  p[0].rtx_ssrc = 0x1112;
  p[0].rtx_payload_type = 97;
  p[0].extensions.mid = 1;
  p[0].extensions.abs_send_time = 3;
  p[0].extensions.transport_cc = 5;
  p[0].extensions.dependency_descriptor = 8;
  p[0].codecs = {{96, rtp::Codec::kVp9}, {45, rtp::Codec::kAv1}};
  p[1].id = 2;
  p[1].transport = 11;
  p[1].kind = Kind::kAudio;
  p[1].ssrc = 0x2222;
  p[1].clock_rate = 48000;
  p[1].extensions.mid = 1;
  p[1].extensions.audio_level = 6;
  for (int i = 0; i < 2; ++i) {
    PublishedStream& s = p[2 + i];
    s.id = StreamId(3 + i);
    s.transport = 12;
    s.rid = i ? "l" : "h";
    s.mid = "v";
    s.rtx_payload_type = 97;
    s.extensions.mid = 1;
    s.extensions.rid = 2;
    s.extensions.repaired_rid = 4;
    s.extensions.transport_cc = 5;
    s.layer_of = 3;
    s.codecs = {{96, rtp::Codec::kVp8}};
  }
  return p;
}

Subscription subscription(StreamId stream, TransportId t, bool rtx) {
  Subscription s;
  s.stream = stream;
  s.transport = t;
  s.ssrc = 0xA0000 + t * 16 + stream;
  if (rtx) {
    s.rtx_ssrc = s.ssrc + 0x100;
    s.rtx_payload_type = 99;
  }
  s.payload_type_map[96] = 102;
  s.payload_type_map[111] = 111;
  s.payload_type_map[45] = 45;
  s.extensions.dependency_descriptor = 12;
  s.extensions.abs_send_time = 7;
  s.extensions.transport_cc = 9;
  s.extensions.audio_level = 2;
  return s;
}

class CheckingOutbox final : public Outbox {
 public:
  explicit CheckingOutbox(PacketPool& pool) : pool_(pool) {}

  void forward_rtp(TransportId to, const Packet& source, const RtpRewrite& rw) override {
    auto sub = subs.find({to, rw.ssrc});
    check(sub != subs.end() || rtx_ssrcs.contains({to, rw.ssrc}));
    Packet copy = pool_.copy_of(source.span());
    if (!copy || !apply_rewrite(copy, rw)) return;  // counted by the owner in the server
    auto v = rtp::parse_rtp(copy.span());
    check(v.ok() && v->ssrc == rw.ssrc && v->sequence == rw.seq && v->payload_type == rw.payload_type);
    if (!rw.rtx) last_seq[{to, rw.ssrc}] = rw.seq;
    if (rw.transport_cc_id) last_twcc[to] = rw.transport_seq;
    ++forwarded;
  }
  void send_rtcp(TransportId to, Bytes compound) override {
    check(to != 99 && !compound.empty() && compound.size() <= 1500 && rtp::validate_compound(compound));
    ++rtcp;
  }
  void send_padding(TransportId to, Bytes packet) override {
    // Probe padding: only on an RTX stream of a subscriber transport, a valid RTP packet.
    auto v = rtp::parse_rtp(packet);
    check(v.ok() && rtx_ssrcs.contains({to, v->ssrc}) && v->payload.empty());
    ++padding;
  }

  std::map<std::pair<TransportId, uint32_t>, StreamId> subs;  // live subscriptions by (transport, ssrc)
  std::map<std::pair<TransportId, uint32_t>, StreamId> rtx_ssrcs;
  std::map<std::pair<TransportId, uint32_t>, uint16_t> last_seq;
  std::map<TransportId, uint16_t> last_twcc;  // newest transport-wide number sent to each
  uint64_t forwarded = 0, rtcp = 0, padding = 0;

 private:
  PacketPool& pool_;
};

// Chromium's AV1 L3T3 dependency descriptor structure (a keyframe's first packet), and its
// templates by spatial layer: keyframe, then temporal layers 0, 1, 2.
rtp::DdStructure l3t3_structure() {
  static const uint8_t key[] = {
      0xc1, 0x01, 0x72, 0x80, 0x08, 0x14, 0x85, 0x21, 0x4e, 0xaf, 0xff, 0xaa, 0xaa, 0x86, 0x3c, 0xf0, 0x43, 0x0c, 0x10,
      0xc3, 0x02, 0xaf, 0xc0, 0xaa, 0xa0, 0x06, 0x3c, 0x00, 0x43, 0x00, 0x10, 0xc0, 0x02, 0xa0, 0x00, 0xa8, 0x00, 0x06,
      0x00, 0x00, 0x40, 0x00, 0x1d, 0x95, 0x49, 0x26, 0xe0, 0x82, 0xb0, 0x4a, 0x09, 0x41, 0xb8, 0x20, 0xac, 0x12, 0x82,
      0x50, 0x31, 0x57, 0xf9, 0x74, 0x00, 0x0c, 0xa8, 0x64, 0x33, 0x0e, 0x22, 0x22, 0x22, 0xec, 0xa8, 0x65, 0x53, 0x04,
      0x22, 0x42, 0x30, 0xec, 0xa8, 0x77, 0x53, 0x00, 0x77, 0x00, 0x42, 0x00, 0xef, 0x00, 0x86, 0x01, 0xdf, 0x01, 0x0d};
  rtp::DdStructure s;
  check(rtp::parse_dependency_descriptor(key, nullptr, s).ok());
  return s;
}
constexpr uint8_t kL3t3Templates[3][4] = {{1, 0, 2, 3}, {6, 5, 7, 8}, {11, 10, 12, 13}};

struct PublisherState {
  uint16_t seq = 1000;
  uint32_t ts = 90000;
  uint16_t twcc = 1;
};

struct Harness {
  // One pool for all runs (allocating it per input made the harness slow); each run must
  // leave it empty, which the end of the run checks.
  PacketPool& pool = shared_pool();
  static PacketPool& shared_pool() {
    static PacketPool p(1400);
    return p;
  }
  CheckingOutbox out{pool};
  Router router{out};
  std::vector<PublishedStream> pubs = publishers();
  std::array<PublisherState, 4> state{};

  void subscribe(StreamId stream, TransportId t, bool rtx, bool far_sfu = false) {
    auto s = subscription(stream, t, rtx);
    s.far_sfu = far_sfu;  // a trunk: one subscription per layer, never moved
    router.add_subscription(s);
    // A subscription replaces the transport's earlier one to the same stream.
    std::erase_if(out.subs, [&](const auto& kv) { return kv.first.first == t && kv.second == stream; });
    std::erase_if(out.rtx_ssrcs, [&](const auto& kv) { return kv.first.first == t && kv.second == stream; });
    out.subs[{t, s.ssrc}] = stream;
    if (rtx) out.rtx_ssrcs[{t, s.rtx_ssrc}] = stream;
  }
  void unsubscribe(StreamId stream, TransportId t) {
    router.remove_subscription(stream, t);
    // Outputs of a removed stream may still be retired and come back: the expected set is
    // only ever narrowed when the router says the subscription is gone.
    if (!router.subscription_counters(stream, t)) {
      std::erase_if(out.subs, [&](const auto& kv) { return kv.first.first == t && kv.second == stream; });
      std::erase_if(out.rtx_ssrcs, [&](const auto& kv) { return kv.first.first == t && kv.second == stream; });
    }
  }

  void setup() {
    for (const auto& p : pubs) router.add_stream(p);
    subscribe(1, 20, true);
    subscribe(2, 20, false);
    subscribe(3, 20, true);
    subscribe(1, 21, false);
    subscribe(2, 21, false);
    subscribe(4, 21, false);
  }
};

// A packet of publisher stream `i` (media or RTX), numbered on from the stream's last one.
Packet build_rtp(Harness& h, umbrella::fuzz::FuzzInput& in, size_t i) {
  const PublishedStream& p = h.pubs[i];
  PublisherState& st = h.state[i];
  uint8_t flags = in.u8();
  st.seq = uint16_t(st.seq + 1 + ((flags & 0x01) ? in.u8() : 0));
  if (flags & 0x02) st.ts += p.kind == Kind::kAudio ? 960 : 3000;
  bool rtx = flags & 0x04;
  uint8_t pt = p.kind == Kind::kAudio ? 111 : (rtx ? 97 : 96);
  if (flags & 0x80) pt = in.u8() & 0x7F;
  uint32_t ssrc = p.ssrc ? (rtx ? p.rtx_ssrc : p.ssrc) : (0x3000 + uint32_t(i) * 2 + (rtx ? 1 : 0));
  std::array<uint8_t, 2> osn{};
  uint16_t original = uint16_t(st.seq - (in.u8() % 40));
  osn = {uint8_t(original >> 8), uint8_t(original)};
  std::array<uint8_t, 2> twcc{uint8_t(st.twcc >> 8), uint8_t(st.twcc)};
  ++st.twcc;
  std::vector<rtp::ExtensionValue> ext;
  if (flags & 0x08) ext.push_back({1, as_bytes(p.kind == Kind::kAudio ? "a" : "v")});
  if ((flags & 0x10) && !p.rid.empty()) ext.push_back({uint8_t(rtx ? 4 : 2), as_bytes(p.rid)});
  if (flags & 0x20) ext.push_back({5, Bytes(twcc)});
  std::array<uint8_t, 1200> payload{};
  size_t payload_size = in.u8() * 4;
  Bytes body = Bytes(payload).first(payload_size);
  if (rtx) {
    std::copy(osn.begin(), osn.end(), payload.begin());
    body = Bytes(payload).first(std::max<size_t>(payload_size, 2));
  }
  size_t at = rtx ? 2 : 0;
  uint16_t q = rtx ? original : st.seq;
  std::array<uint8_t, 128> dd{};
  if (p.id == 1 && (q / 120) % 2 == 1) {
    // Every other 120 packets stream 1 is AV1 SVC: the same picture layout, its layers named
    // by a dependency descriptor (the structure on a keyframe's first packet; sometimes a
    // template id from the input, which may not exist).
    static const rtp::DdStructure structure = l3t3_structure();
    if (!(flags & 0x80)) pt = rtx ? 97 : 45;
    rtp::DependencyDescriptor d;
    d.start = q % 2 == 0;
    d.end = !d.start;
    bool key = q % 60 < 6;
    d.template_id = kL3t3Templates[q % 6 / 2][key ? 0 : 1 + q / 6 % 3];
    if (payload_size % 5 == 1) d.template_id = in.u8() & 0x3f;
    d.frame_number = uint16_t(q / 2);
    d.attached_structure = key && q % 6 == 0;
    size_t n = rtp::write_dependency_descriptor(dd, d, structure);
    if (n) ext.push_back({8, Bytes(dd.data(), n)});
  } else if (p.id == 1 && payload_size >= at + 4) {
    // Stream 1 is VP9 SVC: a descriptor from the sequence number (6 packets a picture, two
    // per spatial layer, temporal pattern 0 1 2, a keyframe every 10 pictures), so the
    // layer dropping and its renumbering are reached by every input.
    payload[at] = uint8_t(0x20 | (q % 2 == 0 ? 0x08 : 0x04) | (q % 60 < 6 ? 0 : 0x40));
    payload[at + 1] = uint8_t((q / 6 % 3) << 5 | (q / 6 % 2) << 4 | (q % 6 / 2) << 1);
    payload[at + 2] = uint8_t(q / 6);
  }
  Packet packet = h.pool.acquire();
  if (!packet) return packet;
  rtp::RtpHeader header{bool(flags & 0x40), pt, rtx ? uint16_t(st.seq ^ 0x5555) : st.seq, st.ts, ssrc};
  size_t n = rtp::write_rtp_packet(MutableBytes(packet.data(), packet.capacity()), header, ext, body);
  packet.set_size(n);
  return packet;
}

void build_rtcp(Harness& h, umbrella::fuzz::FuzzInput& in, TransportId from, Instant now) {
  std::array<uint8_t, 1500> buf{};
  size_t n = 0;
  uint8_t kind = in.u8();
  // The subscription this feedback is about (any, live or not).
  uint32_t media = 0;
  uint16_t last = 0;
  if (!h.out.subs.empty()) {
    auto it = h.out.subs.begin();
    std::advance(it, in.u8() % h.out.subs.size());
    media = it->first.second;
    if (auto l = h.out.last_seq.find(it->first); l != h.out.last_seq.end()) last = l->second;
  }
  switch (kind % 6) {
    case 0: {  // NACK for recently forwarded packets
      std::array<uint16_t, 17> lost{};
      size_t count = 1 + in.u8() % lost.size();
      uint8_t back = in.u8();
      for (size_t i = 0; i < count; ++i) lost[i] = uint16_t(last - back + i * (1 + (kind >> 5)));
      n = rtp::build_rr(buf, 0x5000 + from);
      n += rtp::build_nack(MutableBytes(buf).subspan(n), 0x5000 + from, media, std::span(lost.data(), count));
      break;
    }
    case 1:
      n = rtp::build_rr(buf, 0x5000 + from);
      n += rtp::build_pli(MutableBytes(buf).subspan(n), 0x5000 + from, media);
      break;
    case 2: {  // a publisher's SR
      size_t i = in.u8() % 4;
      rtp::SenderInfo info{};
      info.ntp_timestamp = uint64_t(in.u32()) << 16;
      info.rtp_timestamp = h.state[i].ts;
      info.packet_count = in.u16();
      n = rtp::build_sr(buf, h.pubs[i].ssrc ? h.pubs[i].ssrc : 0x3000 + uint32_t(i) * 2, info);
      break;
    }
    case 3: {  // RR with a report block about a subscription
      rtp::ReportBlock block{};
      block.ssrc = media;
      block.fraction_lost = in.u8();
      block.extended_highest_seq = last;
      block.lsr = in.u32();
      block.dlsr = in.u16();
      n = rtp::build_rr(buf, 0x5000 + from, std::span(&block, 1));
      break;
    }
    case 4: {  // transport-cc feedback about what the router numbered for this transport
      std::array<int64_t, 64> arrivals{};
      size_t count = 1 + in.u8() % arrivals.size();
      uint16_t base = uint16_t(h.out.last_twcc[from] - in.u8());
      int64_t t = int64_t(in.u16()) * 1000;
      for (size_t i = 0; i < count; ++i) {
        uint8_t step = in.u8();
        t += step * 250;
        arrivals[i] = step < 16 ? rtp::kTwccNotReceived : t;
      }
      n = rtp::build_twcc(buf, 0x5000 + from, media, in.u8(), base, std::span(arrivals.data(), count));
      break;
    }
    default: {
      std::array<uint32_t, 1> ssrcs{media};
      n = rtp::build_rr(buf, 0x5000 + from);
      n += rtp::build_remb(MutableBytes(buf).subspan(n), 0x5000 + from, uint64_t(in.u32()) * 8, ssrcs);
      break;
    }
  }
  h.router.on_rtcp(from, Bytes(buf.data(), n), now);
}

}  // namespace

UMBRELLA_FUZZ_TARGET(router) {
  umbrella::fuzz::FuzzInput in(data, size);
  Harness h;
  h.setup();
  Instant now = Instant{} + seconds(1000);
  h.router.set_ntp_clock(rtp::NtpClock(now, seconds(1700000000)));
  while (!in.empty()) {
    uint8_t op = in.u8();
    TransportId from = kTransports[(op >> 3) % kTransports.size()];
    now += in.time_step();
    switch (op & 7) {
      case 0: {  // raw RTP
        Bytes raw = in.sized_bytes16(1400);
        Packet p = h.pool.copy_of(raw);
        h.router.on_rtp(from, p, now);
        break;
      }
      case 1:  // raw compound RTCP
        h.router.on_rtcp(from, in.sized_bytes16(1500), now);
        break;
      case 2: case 3: {  // built RTP from its publisher (or, rarely, from another transport)
        size_t i = in.u8();
        TransportId t = (i & 0x80) ? from : h.pubs[i % 4].transport;
        Packet p = build_rtp(h, in, i % 4);
        h.router.on_rtp(t, p, now);
        break;
      }
      case 4:
        build_rtcp(h, in, from, now);
        break;
      case 5: {  // timers, at the deadline when asked to
        Instant deadline = h.router.next_deadline();
        if ((op & 0x40) && deadline != kNever && deadline > now) now = deadline;
        h.router.on_timeout(now);
        break;
      }
      case 6: {  // registration changes
        uint8_t c = in.u8();
        StreamId stream = StreamId(1 + c % 4);
        TransportId sub = (c & 0x10) ? 21 : 20;
        switch ((c >> 5) & 7) {
          case 0: h.subscribe(stream, sub, c & 0x08); break;
          case 1: h.unsubscribe(stream, sub); break;
          case 2: h.router.add_stream(h.pubs[stream - 1]); break;  // publisher reconnect
          case 3: h.router.remove_stream(stream); break;
          case 4: h.router.request_keyframe(stream, now); break;
          case 5: h.subscribe(StreamId(3 + (c & 1)), 22, c & 0x08, true); break;  // a layer, for a trunk
          case 6: h.router.set_load_level(c & 3, now); break;                     // the server's load
          default: break;
        }
        break;
      }
      default:
        break;
    }
    check(h.pool.in_use() <= 4 * 256 + 16);  // what the stream caches may pin
  }
  for (TransportId t : kTransports) h.router.remove_transport(t);
  h.router.remove_transport(22);  // the trunk-like one (case 6, 5)
  check(h.router.stream_count() == 0 && h.router.subscription_count() == 0);
  check(h.pool.in_use() == 0);  // nothing pinned once every publisher left
  return 0;
}
