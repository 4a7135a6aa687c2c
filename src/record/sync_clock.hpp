// One participant's media timeline: RTP timestamps of its tracks onto the SFU's clock, so the
// audio and video of a recording line up. Before a track's first RTCP sender report its
// frames are placed by the arrival of its first packet plus RTP time; once the publisher's
// NTP clock is known (RFC 3550 section 6.4.1: an SR pairs an NTP time with an RTP time), by
// that clock, which all tracks of one sender share, shifted once onto ours (where the first
// reported track already was); each track's first report places it, RTP time runs it on.
// Times are monotone per track: a track a report moves back catches up at half speed.
#pragma once

#include <array>
#include <cstdint>

#include "core/time.hpp"

namespace umbrella::record {

class SyncClock {
 public:
  static constexpr size_t kTracks = 2;  // audio, video

  void set_clock_rate(size_t track, uint32_t rate) { tracks_[track].rate = rate ? rate : 90000; }
  void on_sender_report(size_t track, uint64_t ntp, uint32_t rtp_timestamp, Instant now);
  // Where a frame with this RTP timestamp, whose first packet arrived at `arrival`, belongs.
  Instant frame_time(size_t track, uint32_t rtp_timestamp, Instant arrival);
  bool synced(size_t track) const { return tracks_[track].has_sr && has_offset_; }

 private:
  struct Track {
    uint32_t rate = 90000;
    bool started = false;
    int64_t last_ext = 0;  // unwrapped RTP time of the newest frame
    int64_t anchor_ext = 0;
    Instant anchor{};      // arrival of the first frame
    bool has_sr = false;
    int64_t sr_ext = 0;
    int64_t sr_ntp_ns = 0;
    Instant last_time{};
  };
  int64_t unwrap(Track& t, uint32_t ts);
  Duration ticks(const Track& t, int64_t d) const { return Duration(d * 1000000000LL / int64_t(t.rate)); }

  std::array<Track, kTracks> tracks_{};
  bool has_offset_ = false;
  Duration offset_{};  // our Instant minus the sender's NTP time
};

// NTP (RFC 3550 64-bit fixed point) in nanoseconds.
constexpr int64_t ntp_to_ns(uint64_t ntp) {
  return int64_t((ntp >> 32) * 1000000000ULL + (((ntp & 0xffffffffULL) * 1000000000ULL) >> 32));
}

}  // namespace umbrella::record
