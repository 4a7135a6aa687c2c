// What the SFU can forward: codecs (with the fmtp/feedback it answers with) and RTP
// header extensions. Matching decides whether an offered codec is one of ours.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/session_description.hpp"

namespace umbrella::sdp {

namespace ext {
inline constexpr std::string_view kMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kRepairedRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kAbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr std::string_view kDependencyDescriptor =
    "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension";
}  // namespace ext

struct CodecCapability {
  MediaKind kind = MediaKind::kVideo;
  std::string name;  // canonical spelling: "opus", "VP8", "VP9", "H264", "AV1"
  uint32_t clock_rate = 90000;
  uint16_t channels = 0;
  std::vector<FmtpParam> fmtp;  // what we write in answers and offers
  std::vector<RtcpFb> feedback;
  bool rtx = false;
  uint8_t default_pt = 0;  // used when a new m-line needs a payload type
  uint8_t default_rtx_pt = 0;
};

struct ExtensionCapability {
  std::string uri;
  bool audio = false;
  bool video = false;
  uint16_t default_id = 0;
};

struct Capabilities {
  std::vector<CodecCapability> codecs;  // in our preference order
  std::vector<ExtensionCapability> extensions;
};

const Capabilities& default_capabilities();

// Whether an offered codec is acceptable as `cap` (name, clock, channels, and the fmtp
// parameters that change the bitstream: VP9 profile-id, H264 packetization-mode and
// constrained-baseline profile, AV1 profile).
bool codec_matches(const CodecCapability& cap, const Codec& offered);
const ExtensionCapability* find_extension(const Capabilities& caps, std::string_view uri, MediaKind kind);

// Codec entries for a capability with the given payload types (rtx_pt used when cap.rtx).
std::vector<Codec> codecs_for(const CodecCapability& cap, uint8_t pt, uint8_t rtx_pt);

}  // namespace umbrella::sdp
