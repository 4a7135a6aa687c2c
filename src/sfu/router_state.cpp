#include "sfu/router_state.hpp"

#include "sfu/extension_map.hpp"

namespace umbrella::sfu::detail {
namespace {

// Initial numbering derived from the SSRC: deterministic (no clock or RNG in the core) yet
// different per subscriber stream, as RFC 3550 wants them unpredictable-ish.
uint16_t initial_sequence(uint32_t ssrc) { return uint16_t((ssrc * 2654435761u) >> 16); }
uint32_t initial_timestamp(uint32_t ssrc) { return ssrc * 2246822519u; }

}  // namespace

Output::Output(const Subscription& s, uint32_t clock_rate)
    : sub(s),
      rewriter(clock_rate, initial_sequence(s.ssrc), initial_timestamp(s.ssrc)),
      send_stats(s.ssrc, clock_rate),
      rtx_seq(initial_sequence(s.rtx_ssrc)) {}

Stream::Stream(const PublishedStream& p, const RouterConfig& config)
    : pub(p),
      cache(p.kind == Kind::kVideo ? config.video_cache_slots : config.audio_cache_slots,
            config.cache_max_age),
      nack(rtp::NackConfig{config.nack_rtt, milliseconds(0), config.nack_max_retries,
                           config.nack_max_age, rtp::NackGenerator::kCapacity}),
      recv_stats(p.ssrc, p.clock_rate) {}

}  // namespace umbrella::sfu::detail
