#include "record/sync_clock.hpp"

#include <algorithm>

namespace umbrella::record {

int64_t SyncClock::unwrap(Track& t, uint32_t ts) {
  if (!t.started) {
    t.started = true;
    t.last_ext = int64_t(ts) + (int64_t(1) << 32);  // room for a few older ones
    return t.last_ext;
  }
  int64_t v = t.last_ext + int32_t(ts - uint32_t(t.last_ext));
  if (v > t.last_ext) t.last_ext = v;
  return v;
}

void SyncClock::on_sender_report(size_t track, uint64_t ntp, uint32_t rtp_timestamp, Instant) {
  Track& t = tracks_[track];
  if (!t.started) return;  // unwrapped against the frames' timestamps: wait for one
  // The first report places the track; later ones would move it by the sender's jitter in
  // pairing NTP and RTP times (hundreds of ms for a loaded sender), while its RTP clock runs
  // true: a recording follows RTP time from there.
  if (t.has_sr) return;
  t.has_sr = true;
  t.sr_ext = t.last_ext + int32_t(rtp_timestamp - uint32_t(t.last_ext));
  t.sr_ntp_ns = ntp_to_ns(ntp);
  if (!has_offset_) {
    // The sender's clock onto ours, once for all its tracks, where this track's frames already
    // are (no jump for it; the other tracks move by their error, which is the point).
    has_offset_ = true;
    Instant here = t.anchor + ticks(t, t.sr_ext - t.anchor_ext);
    offset_ = (here - Instant{}) - Duration(t.sr_ntp_ns);
  }
}

Instant SyncClock::frame_time(size_t track, uint32_t rtp_timestamp, Instant arrival) {
  Track& t = tracks_[track];
  bool first = !t.started;
  int64_t newest = t.last_ext;
  int64_t ext = unwrap(t, rtp_timestamp);
  if (first) {
    t.anchor_ext = ext;
    t.anchor = arrival;
  }
  Instant at = t.has_sr && has_offset_ ? Instant{} + offset_ + Duration(t.sr_ntp_ns) + ticks(t, ext - t.sr_ext)
                                       : t.anchor + ticks(t, ext - t.anchor_ext);
  // A report that places the track earlier than its frames already went cannot move those
  // back: the frames after them go on at half their RTP spacing until they are where the
  // sender's clock says (rather than piling onto one time, which players refuse).
  if (!first && at < t.last_time + ticks(t, std::max<int64_t>(ext - newest, 0)) / 2)
    at = t.last_time + ticks(t, std::max<int64_t>(ext - newest, 0)) / 2;
  t.last_time = at;
  return at;
}

}  // namespace umbrella::record
