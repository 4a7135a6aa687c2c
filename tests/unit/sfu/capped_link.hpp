// A subscriber behind a bottleneck, for the bandwidth and simulcast tests: what the router
// sends to transport 20 crosses `capacity` (a drop-tail queue of 300 ms, 20 ms each way) to a
// receiver that answers with transport-cc feedback every 50 ms, as a browser does.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <optional>

#include "rtp/picture_ids.hpp"
#include "rtp/rtp_extensions.hpp"
#include "sfu/twcc_feedback.hpp"
#include "sfu_test_util.hpp"

namespace umbrella::sfu::test {

inline std::optional<uint16_t> transport_seq(const std::vector<uint8_t>& bytes, uint8_t id) {
  auto v = rtp::parse_rtp(bytes);
  if (!v) return std::nullopt;
  auto e = rtp::extension(*v, id);
  return e ? rtp::read_transport_cc_seq(*e) : std::nullopt;
}

class CappedSubscriber final : public Outbox {
 public:
  explicit CappedSubscriber(PacketPool& pool) : pool_(pool) {}
  int64_t capacity_bps = 200000;
  Router* router = nullptr;
  uint64_t video_packets = 0, audio_packets = 0, padding_packets = 0;
  // The video the router sent (before the bottleneck): its numbering must have no gap.
  uint64_t video_seq_gaps = 0;
  std::optional<uint16_t> last_video_seq;
  size_t last_video_size = 0;
  // VP8 PictureID / TL0PICIDX as sent (rtp/picture_ids.hpp): one frame per packet here, so
  // each must be one past the last, across layer switches too.
  uint64_t picture_id_breaks = 0, tl0_breaks = 0;
  std::optional<rtp::PictureIds> last_picture;

  void forward_rtp(TransportId to, const Packet& source, const RtpRewrite& rw) override {
    Packet copy = pool_.copy_of(source.span());
    REQUIRE(apply_rewrite(copy, rw));
    if (to != 20) return;
    ++(rw.ssrc == 0xAAAA ? video_packets : audio_packets);
    if (rw.ssrc == 0xAAAA && !rw.repair) {
      if (last_video_seq && uint16_t(*last_video_seq + 1) != rw.seq) ++video_seq_gaps;
      last_video_seq = rw.seq;
      last_video_size = copy.size();
      auto v = rtp::parse_rtp(copy.span());
      REQUIRE(v);
      if (auto ids = rtp::find_picture_ids(rtp::Codec::kVp8, v->payload)) {
        if (last_picture && uint16_t((last_picture->pid + 1) & 0x7fff) != ids->pid) ++picture_id_breaks;
        if (last_picture && uint8_t(last_picture->tl0 + 1) != ids->tl0) ++tl0_breaks;
        last_picture = ids;
      }
    }
    enter(copy.span());
  }
  void send_rtcp(TransportId, Bytes) override {}
  void send_padding(TransportId to, Bytes packet) override {
    if (to != 20) return;
    ++padding_packets;
    enter(packet);
  }

  // Advances the path to now: arrivals recorded, feedback due sent to the router.
  void run_until(Instant now) {
    while (!in_flight_.empty() && in_flight_.front().first <= now) {
      receiver_.record(in_flight_.front().second, in_flight_.front().first);
      in_flight_.pop_front();
    }
    if (receiver_.next_deadline() <= now) {
      std::array<uint8_t, 1500> buf;
      size_t n = receiver_.build(buf, 0x5EED, 0xAAAA, now);
      if (n) router->on_rtcp(20, Bytes(buf.data(), n), now + milliseconds(20));
    }
    now_ = now;
  }

 private:
  void enter(Bytes packet) {
    auto seq = transport_seq(std::vector<uint8_t>(packet.begin(), packet.end()), 9);
    REQUIRE(seq);
    Instant start = std::max(now_, link_free_);
    if (start - now_ > milliseconds(300)) return;  // queue full
    link_free_ = start + microseconds(int64_t(packet.size()) * 8000000 / capacity_bps);
    in_flight_.push_back({link_free_ + milliseconds(20), *seq});
  }

  PacketPool& pool_;
  Instant now_ = t0(), link_free_ = t0();
  TwccFeedback receiver_;
  std::deque<std::pair<Instant, uint16_t>> in_flight_;
};

}  // namespace umbrella::sfu::test
