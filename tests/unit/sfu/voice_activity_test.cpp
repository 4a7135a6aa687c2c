#include <doctest/doctest.h>

#include "rtp/rtp_extensions.hpp"
#include "sfu_test_util.hpp"

namespace umbrella::sfu {
namespace {

using test::make_rtp;
using test::MediaSpec;
using test::NullOutbox;
using test::t0;

PublishedStream audio_stream(StreamId id, TransportId t, uint32_t ssrc, uint8_t audio_level_id) {
  PublishedStream s;
  s.id = id;
  s.transport = t;
  s.kind = Kind::kAudio;
  s.ssrc = ssrc;
  s.extensions.audio_level = audio_level_id;
  return s;
}

Packet audio_packet(PacketPool& pool, uint16_t seq, uint8_t level) {
  auto value = rtp::encode_audio_level({true, level});
  MediaSpec m{.ssrc = 0xA1, .seq = seq, .ts = seq * 960u, .pt = 111,
              .ext = {{1, Bytes(value)}}, .payload = 40};
  return make_rtp(pool, m);
}

TEST_CASE("an audio stream's share of speech-loud packets is sampled and reset") {
  PacketPool pool(64);
  NullOutbox out;
  Router router(out);
  router.add_stream(audio_stream(1, 10, 0xA1, 1));
  CHECK(router.take_voice_activity(1) == -1);  // nothing yet
  uint16_t seq = 1;
  for (int i = 0; i < 3; ++i) router.on_rtp(10, audio_packet(pool, seq++, 20), t0());   // speech
  router.on_rtp(10, audio_packet(pool, seq++, 90), t0());                                // noise
  CHECK(router.take_voice_activity(1) == 750);
  CHECK(router.take_voice_activity(1) == -1);  // reset by the take
  router.on_rtp(10, audio_packet(pool, seq++, 127), t0());
  CHECK(router.take_voice_activity(1) == 0);
  CHECK(router.take_voice_activity(99) == -1);  // unknown stream
}

TEST_CASE("a stream without the audio-level extension gives no evidence") {
  PacketPool pool(64);
  NullOutbox out;
  Router router(out);
  router.add_stream(audio_stream(1, 10, 0xA1, 0));
  router.on_rtp(10, audio_packet(pool, 1, 10), t0());
  CHECK(router.take_voice_activity(1) == -1);
}

TEST_CASE("the packet counter saturates instead of wrapping") {
  VoiceActivity v;
  for (int i = 0; i < 70000; ++i) v.on_level(10);
  CHECK(v.take() == 1000);
}

}  // namespace
}  // namespace umbrella::sfu
