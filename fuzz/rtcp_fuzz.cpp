// RTCP fuzz target: iterate a compound packet and run every parser that matches each
// packet's type; rebuild what parsed and check that the rebuilt packet parses the same.
#include <array>
#include <cstring>

#include "fuzz_target.hpp"
#include "rtp/rtcp_feedback.hpp"
#include "rtp/rtcp_packet.hpp"
#include "rtp/rtcp_reports.hpp"
#include "rtp/rtcp_twcc.hpp"
#include "rtp/seq.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void exercise(const umbrella::rtp::RtcpHeader& h) {
  using namespace umbrella;
  using namespace umbrella::rtp;
  static std::array<uint8_t, 2048> out;
  static std::array<uint8_t, 2048> copy;

  if (auto sr = parse_sr(h)) {
    std::array<ReportBlock, 31> blocks;
    for (size_t i = 0; i < sr->blocks.size(); ++i) blocks[i] = sr->blocks[i];
    size_t n = build_sr(out, sr->ssrc, sr->info, std::span(blocks.data(), sr->blocks.size()));
    check(n > 0);
    auto again = parse_sr(*parse_rtcp_header(Bytes(out.data(), n)));
    check(again.ok() && again->info == sr->info && again->blocks.size() == sr->blocks.size());
  }
  if (auto rr = parse_rr(h)) {
    for (size_t i = 0; i < rr->blocks.size(); ++i) (void)rr->blocks[i];
  }
  if (auto sdes = parse_sdes(h)) {
    for (size_t i = 0; i < sdes->count; ++i) {
      auto cname = sdes->chunks[i].cname;
      if (cname.empty()) continue;
      size_t n = build_sdes_cname(out, sdes->chunks[i].ssrc, cname);
      check(n > 0);
      auto again = parse_sdes(*parse_rtcp_header(Bytes(out.data(), n)));
      check(again.ok() && again->chunks[0].cname == cname);
    }
  }
  if (auto bye = parse_bye(h)) {
    for (size_t i = 0; i < bye->count; ++i) (void)bye->ssrc(i);
  }
  if (auto pli = parse_pli(h)) (void)pli->media_ssrc;
  if (auto fir = parse_fir(h)) {
    for (size_t i = 0; i < fir->size(); ++i) (void)(*fir)[i];
    if (h.packet.size() <= copy.size()) {
      std::memcpy(copy.data(), h.packet.data(), h.packet.size());
      check(set_fir_media_ssrc(std::span(copy.data(), h.packet.size()), 1));
    }
  }
  if (auto nack = parse_nack(h)) {
    std::array<uint16_t, 512> lost;
    size_t n = nack->lost(lost);
    size_t b = build_nack(out, nack->sender_ssrc, nack->media_ssrc, std::span(lost.data(), n));
    bool ascending = true;  // exact round trip only for strictly ascending (serial) lists
    for (size_t i = 1; i < n; ++i) ascending = ascending && seq_newer(lost[i], lost[i - 1]);
    if (n > 0) check(b > 0 || n > kMaxNackItems);
    if (n > 0 && n < lost.size() && ascending) {
      auto again = parse_nack(*parse_rtcp_header(Bytes(out.data(), b)));
      std::array<uint16_t, 512> lost2;
      check(again.ok() && again->lost(lost2) == n);
      check(std::memcmp(lost.data(), lost2.data(), n * 2) == 0);
    }
  }
  if (auto remb = parse_remb(h)) {
    for (size_t i = 0; i < remb->ssrc_count(); ++i) (void)remb->ssrc(i);
  }
  if (auto twcc = parse_twcc(h)) {
    std::array<TwccPacket, 64> packets;
    auto n = decode_twcc(*twcc, packets);
    // Re-encode what was decoded: times come back exactly (all are multiples of 250 us).
    if (n && *n > 0 && packets[0].status != TwccStatus::kNotReceived) {
      std::array<int64_t, 64> arrivals;
      for (size_t i = 0; i < *n; ++i)
        arrivals[i] = packets[i].status == TwccStatus::kNotReceived ? kTwccNotReceived
                                                                    : packets[i].receive_time_us;
      size_t b = build_twcc(out, 1, 2, 3, twcc->base_seq, std::span(arrivals.data(), *n));
      if (b > 0) {
        auto again = parse_twcc(*parse_rtcp_header(Bytes(out.data(), b)));
        check(again.ok());
        std::array<TwccPacket, 64> packets2;
        auto m = decode_twcc(*again, packets2);
        check(m && *m == *n);
        // The reference time is written modulo 2^24 ticks: a first arrival outside the
        // signed 24-bit range comes back shifted by whole wrap periods, all by the same.
        int64_t shift = packets[0].receive_time_us - packets2[0].receive_time_us;
        check(shift % kTwccReferenceWrapUs == 0);
        for (size_t i = 0; i < *n; ++i) {
          check((packets2[i].status == TwccStatus::kNotReceived) ==
                (packets[i].status == TwccStatus::kNotReceived));
          if (packets[i].status != TwccStatus::kNotReceived)
            check(packets2[i].receive_time_us + shift == packets[i].receive_time_us);
        }
      }
    }
  }
  if (parse_feedback(h) && h.packet.size() <= copy.size()) {
    std::memcpy(copy.data(), h.packet.data(), h.packet.size());
    check(set_feedback_media_ssrc(std::span(copy.data(), h.packet.size()), 7));
  }
}

}  // namespace

UMBRELLA_FUZZ_TARGET(rtcp) {
  using namespace umbrella;
  using namespace umbrella::rtp;
  Bytes in(data, size);
  (void)validate_compound(in);
  RtcpIterator it(in);
  size_t total = 0;
  while (auto h = it.next()) {
    total += h->packet.size();
    check(h->body.size() + 4 <= h->packet.size());
    exercise(*h);
  }
  check(total <= size);
  return 0;
}
