// Speech evidence of one audio stream from the RFC 6464 levels its packets carry: loud packets
// counted per interval, O(1) per packet. The conference samples and resets it a few times a
// second to pick a room's active speakers (server/active_speakers.hpp).
#pragma once

#include <cstdint>

namespace umbrella::sfu {

struct VoiceActivity {
  // -dBov at or under which a packet counts as speech: voices sit some 20-40 dB under full
  // scale, room and comfort noise further down.
  static constexpr uint8_t kSpeechLevel = 50;

  uint16_t loud = 0, packets = 0;

  void on_level(uint8_t level) {
    if (packets == UINT16_MAX) return;
    ++packets;
    loud += level <= kSpeechLevel;
  }
  // Permille of loud packets since the last take, or -1 when none carried a level; resets.
  int take() {
    int share = packets ? int(uint32_t(loud) * 1000 / packets) : -1;
    loud = packets = 0;
    return share;
  }
};

}  // namespace umbrella::sfu
