// NTP timestamps for RTCP (RFC 3550 section 4): 64-bit fixed point seconds since 1900.
// Cores never read the wall clock: the event loop samples (Instant, system time) once and
// hands an NtpClock to whoever builds SRs; everything else works on Instants.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/time.hpp"

namespace umbrella::rtp {

inline constexpr uint64_t kNtpUnixEpochOffset = 2208988800ULL;  // 1900 -> 1970, seconds

// Unix time (since 1970) to 64-bit NTP.
constexpr uint64_t ntp_from_unix(Duration since_unix_epoch) {
  auto ns = uint64_t(since_unix_epoch.count());
  uint64_t secs = ns / 1000000000ULL + kNtpUnixEpochOffset;
  uint64_t frac = ((ns % 1000000000ULL) << 32) / 1000000000ULL;
  return secs << 32 | frac;
}

// Middle 32 bits (16.16 seconds): the LSR field and the unit of round-trip arithmetic.
constexpr uint32_t ntp_compact(uint64_t ntp) { return uint32_t(ntp >> 16); }

// Durations in 1/65536 s, as DLSR carries them (saturating at the field's maximum).
constexpr uint32_t to_compact_ntp(Duration d) {
  if (d.count() <= 0) return 0;
  uint64_t v = (uint64_t(d.count()) << 16) / 1000000000ULL;
  return v > 0xFFFFFFFFULL ? 0xFFFFFFFFu : uint32_t(v);
}
constexpr Duration from_compact_ntp(uint32_t v) {
  return Duration((int64_t(v) * 1000000000LL) >> 16);
}

// Maps the monotonic Instants of the event loop onto NTP time via one anchor sample.
class NtpClock {
 public:
  NtpClock() = default;
  NtpClock(Instant anchor, Duration anchor_since_unix_epoch)
      : anchor_(anchor), anchor_unix_(anchor_since_unix_epoch) {}
  uint64_t ntp(Instant t) const { return ntp_from_unix(anchor_unix_ + (t - anchor_)); }

 private:
  Instant anchor_{};
  Duration anchor_unix_{};
};

// Round-trip time from a report block about our stream (RFC 3550 6.4.1): arrival - LSR - DLSR,
// all in compact NTP. Negative results (clock mismatch) clamp to zero; no LSR gives -1.
inline Duration rtt_from_report(uint32_t arrival_compact_ntp, uint32_t lsr, uint32_t dlsr) {
  if (lsr == 0) return Duration(-1);
  int32_t rtt = int32_t(arrival_compact_ntp - lsr - dlsr);
  return rtt < 0 ? Duration(0) : from_compact_ntp(uint32_t(rtt));
}

}  // namespace umbrella::rtp
