#include <doctest/doctest.h>

#include "record/sync_clock.hpp"
#include "rtp/ntp.hpp"

using namespace umbrella;
using namespace umbrella::record;

namespace {

constexpr size_t kAudio = 0, kVideo = 1;

// NTP of a sender whose clock reads `unix_s` seconds.
uint64_t ntp_at(Duration since_unix) { return rtp::ntp_from_unix(since_unix); }

}  // namespace

TEST_CASE("sync clock: before any sender report, arrival of the first frame plus RTP time") {
  SyncClock c;
  c.set_clock_rate(kVideo, 90000);
  Instant t0 = Instant{} + std::chrono::seconds(100);
  CHECK(c.frame_time(kVideo, 1000, t0) == t0);
  // Arrival jitter does not move later frames: RTP time does.
  CHECK(c.frame_time(kVideo, 1000 + 9000, t0 + milliseconds(140)) == t0 + milliseconds(100));
  // Wrapping RTP timestamps keep counting.
  SyncClock w;
  w.set_clock_rate(kAudio, 48000);
  CHECK(w.frame_time(kAudio, 0xffffff00u, t0) == t0);
  CHECK(w.frame_time(kAudio, 0x00000100u, t0) == t0 + Duration(512LL * 1000000000 / 48000));
}

TEST_CASE("sync clock: sender reports put audio and video captured together at one time") {
  // The sender captures audio and video at its NTP time 1000 s; audio RTP 48000 at that
  // instant, video RTP 900000. Video arrives 150 ms after audio (its frames are larger and
  // paced), which arrival times alone would keep as an offset.
  SyncClock c;
  c.set_clock_rate(kAudio, 48000);
  c.set_clock_rate(kVideo, 90000);
  Instant t = Instant{} + std::chrono::seconds(50);
  Instant a0 = c.frame_time(kAudio, 48000, t);
  Instant v0 = c.frame_time(kVideo, 900000, t + milliseconds(150));
  CHECK(v0 - a0 == milliseconds(150));
  // Reports, 1 s of sender time later, each saying where its RTP clock was at NTP 1001 s.
  Instant at = t + std::chrono::seconds(1);
  c.on_sender_report(kAudio, ntp_at(std::chrono::seconds(1001)), 48000 + 48000, at);
  c.on_sender_report(kVideo, ntp_at(std::chrono::seconds(1001)), 900000 + 90000, at + milliseconds(3));
  CHECK(c.synced(kAudio));
  CHECK(c.synced(kVideo));
  // Frames captured at sender time 1002 s now land on the same instant.
  Instant a = c.frame_time(kAudio, 48000 + 2 * 48000, at + milliseconds(1000));
  Instant v = c.frame_time(kVideo, 900000 + 2 * 90000, at + milliseconds(1150));
  CHECK(a == v);
  CHECK(a - at == std::chrono::seconds(1));  // one second after the first report arrived
}

TEST_CASE("sync clock: times never go backwards on a track, nor pile up when a report moves it back") {
  SyncClock c;
  c.set_clock_rate(kAudio, 48000);
  c.set_clock_rate(kVideo, 90000);
  Instant t = Instant{} + std::chrono::seconds(5);
  (void)c.frame_time(kAudio, 48000, t);
  Instant first = c.frame_time(kVideo, 90000, t);
  // Audio's report fixes the sender's clock; video's then places its frames 2 s earlier than
  // their arrival did.
  c.on_sender_report(kAudio, ntp_at(std::chrono::seconds(10)), 48000, t);
  c.on_sender_report(kVideo, ntp_at(std::chrono::seconds(10)), 90000 + 180000, t);
  Instant next = c.frame_time(kVideo, 90000 + 3000, t);
  CHECK(next == first + Duration(16666666));  // on by half its RTP step: not 2 s back, not piled up
  // Each frame goes on by at least half its RTP step until the frames are where the sender's
  // clock puts them (RTP 270000 at audio's RTP 48000, i.e. at t).
  Instant prev = next;
  for (uint32_t ts = 96000; ts <= 720000; ts += 3000) {
    Instant at = c.frame_time(kVideo, ts, t);
    CHECK(at - prev >= Duration(16666666));
    prev = at;
  }
  CHECK(prev == t + seconds(5));  // caught up: RTP 720000 is 5 s after 270000
}
