// Shared helpers for the sfu tests: a recording Outbox that applies each rewrite to a fresh
// pool copy (as the server does) and packet builders.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/packet_pool.hpp"
#include "core/time.hpp"
#include "rtp/rtcp_packet.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_packet.hpp"
#include "sfu/router.hpp"

namespace umbrella::sfu::test {

struct SentRtp {
  TransportId to;
  RtpRewrite rewrite;
  std::vector<uint8_t> bytes;  // after apply_rewrite
  bool ok;
};
struct SentRtcp {
  TransportId to;
  std::vector<uint8_t> bytes;
};

class RecordingOutbox final : public Outbox {
 public:
  explicit RecordingOutbox(PacketPool& pool) : pool_(pool) {}
  void forward_rtp(TransportId to, const Packet& source, const RtpRewrite& rewrite) override {
    Packet copy = pool_.copy_of(source.span());
    bool ok = apply_rewrite(copy, rewrite);
    rtp.push_back({to, rewrite, std::vector<uint8_t>(copy.span().begin(), copy.span().end()), ok});
  }
  void send_rtcp(TransportId to, Bytes compound) override {
    rtcp.push_back({to, std::vector<uint8_t>(compound.begin(), compound.end())});
  }
  void send_padding(TransportId to, Bytes packet) override {
    padding.push_back({to, std::vector<uint8_t>(packet.begin(), packet.end())});
  }
  // RTCP packets of a type (and fmt, for feedback) sent to a transport.
  size_t count_rtcp(TransportId to, rtp::RtcpType type, int fmt = -1) const {
    size_t n = 0;
    for (const auto& r : rtcp) {
      if (r.to != to) continue;
      rtp::RtcpIterator it(r.bytes);
      while (auto h = it.next())
        if (h->is(type) && (fmt < 0 || h->fmt() == fmt)) ++n;
    }
    return n;
  }
  void clear() { rtp.clear(); rtcp.clear(); padding.clear(); }

  std::vector<SentRtp> rtp;
  std::vector<SentRtcp> rtcp;
  std::vector<SentRtcp> padding;  // probe packets the router built

 private:
  PacketPool& pool_;
};

class NullOutbox final : public Outbox {
 public:
  void forward_rtp(TransportId, const Packet&, const RtpRewrite& r) override { sink += r.seq; }
  void send_rtcp(TransportId, Bytes) override {}
  void send_padding(TransportId, Bytes) override {}
  uint64_t sink = 0;
};

inline Instant t0() { return Instant{} + seconds(1000); }

struct MediaSpec {
  uint32_t ssrc = 0x1111;
  uint16_t seq = 100;
  uint32_t ts = 5000;
  uint8_t pt = 96;
  std::vector<rtp::ExtensionValue> ext = {};
  size_t payload = 100;
};

inline Packet make_rtp(PacketPool& pool, const MediaSpec& m) {
  Packet p = pool.acquire();
  std::vector<uint8_t> payload(m.payload, 0xAB);
  rtp::RtpHeader h{false, m.pt, m.seq, m.ts, m.ssrc};
  size_t n = rtp::write_rtp_packet(MutableBytes(p.data(), p.capacity()), h, m.ext, payload);
  p.set_size(n);
  return p;
}

inline PublishedStream video_stream(StreamId id, TransportId t, uint32_t ssrc) {
  PublishedStream s;
  s.id = id;
  s.transport = t;
  s.kind = Kind::kVideo;
  s.ssrc = ssrc;
  s.extensions.abs_send_time = 3;
  s.extensions.transport_cc = 5;
  s.extensions.mid = 1;
  s.extensions.rid = 2;
  s.extensions.repaired_rid = 4;
  return s;
}

inline Subscription subscription(StreamId stream, TransportId t, uint32_t ssrc) {
  Subscription s;
  s.stream = stream;
  s.transport = t;
  s.ssrc = ssrc;
  s.payload_type_map[96] = 102;
  s.extensions.abs_send_time = 7;
  s.extensions.transport_cc = 9;
  return s;
}


}  // namespace umbrella::sfu::test
