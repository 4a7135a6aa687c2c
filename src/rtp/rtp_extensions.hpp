// Values of the header extensions an SFU reads or rewrites. Readers take an element's data
// (from extension()); writers fill an element's data in place (from extension_mut()).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/time.hpp"

namespace umbrella::rtp {

// extmap URIs as they appear in SDP.
inline constexpr std::string_view kMidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kRidUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kRepairedRidUri =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kAbsSendTimeUri =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kTransportCcUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

// MID / RID / repaired RID (RFC 8843, RFC 8852): an SDES string; trailing NULs some senders
// pad with are ignored. Empty means absent.
std::optional<std::string_view> read_sdes_string(Bytes data);

// abs-send-time: 24-bit 6.18 fixed-point seconds, wrapping every 64 s.
std::optional<uint32_t> read_abs_send_time(Bytes data);
uint32_t abs_send_time_from(Duration since_epoch);
Duration abs_send_time_to_duration(uint32_t value);  // within one 64 s wrap
bool write_abs_send_time(MutableBytes data, uint32_t value);

// transport-wide-cc: 16-bit transport sequence number.
std::optional<uint16_t> read_transport_cc_seq(Bytes data);
bool write_transport_cc_seq(MutableBytes data, uint16_t seq);

// RFC 6464 client-to-mixer audio level: V flag and level in -dBov (0 loudest .. 127 silence).
struct AudioLevel {
  bool voice = false;
  uint8_t level = 127;
};
std::optional<AudioLevel> read_audio_level(Bytes data);
bool write_audio_level(MutableBytes data, AudioLevel value);

// Encoded values, for RtpHeaderBuilder's extension list.
std::array<uint8_t, 3> encode_abs_send_time(uint32_t value);
std::array<uint8_t, 2> encode_transport_cc_seq(uint16_t seq);
std::array<uint8_t, 1> encode_audio_level(AudioLevel value);

}  // namespace umbrella::rtp
