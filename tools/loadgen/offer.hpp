// The SDP a simulated peer offers (with the project's SDP model) and what it needs from the
// SFU's answer: ICE credentials, DTLS fingerprint, candidates and, for a viewer, the SSRCs.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/socket_address.hpp"
#include "ice/credentials.hpp"

namespace umbrella::loadgen {

inline constexpr uint8_t kVideoPt = 96;
inline constexpr uint8_t kVideoRtxPt = 97;
inline constexpr uint8_t kAudioPt = 111;
inline constexpr uint8_t kAudioLevelId = 1, kAbsSendTimeId = 2, kTransportCcId = 3, kMidId = 4, kRidId = 10;

// RTP header extension ids a description accepted (0: not negotiated).
struct ExtensionIds {
  uint8_t mid = 0, abs_send_time = 0, transport_cc = 0, audio_level = 0, rid = 0;
};

struct OfferParams {
  ice::Credentials ice;
  std::string fingerprint;          // "AB:CD:..." sha-256 of our certificate
  SocketAddress local;              // our host candidate
  bool publish = false;             // sendonly video+audio with the SSRCs below, else recvonly
  uint32_t video_ssrc = 0, audio_ssrc = 0;
  bool simulcast = false;           // publish: video as rids q, h, f (no a=ssrc for it, as Chrome)
  std::vector<uint32_t> simulcast_ssrcs;  // publish: video layers by SSRC, lowest first (a=ssrc-group:SIM)
  int recv_video = 1, recv_audio = 1;  // viewer: how many m-lines of each kind
  bool data = false;                   // an m=application line for data channels
};

// a=setup:actpass (RFC 8842): the answerer picks the DTLS roles.
std::string build_offer(const OfferParams& p);

struct AnswerInfo {
  ice::Credentials ice;
  std::string fingerprint;  // the a=fingerprint value "sha-256 AB:.."
  std::vector<SocketAddress> candidates;
  std::vector<uint32_t> video_ssrcs, audio_ssrcs;  // what the SFU will send
  std::vector<std::pair<uint32_t, uint32_t>> rtx;   // (rtx ssrc, media ssrc) from FID groups
  bool dtls_server = false;  // the answer took a=setup:active: we wait for its ClientHello
  ExtensionIds extensions;
  // The accepted data channel line: the peer's SCTP port and a=max-message-size.
  uint16_t sctp_port = 0;  // 0: none
  uint64_t max_message_size = 65536;
};

inline constexpr uint64_t kDataMaxMessageSize = 65536;

Result<AnswerInfo, std::string> read_answer(const std::string& sdp);

// /wsb: the SFU renegotiates by offering (one m-line per remote track). Our answer, as a
// browser's: every m-line kept in order, codecs and extensions as offered, direction
// mirrored (we receive what it sends; on our own m-lines we keep sending `p`'s SSRCs),
// our ICE credentials and fingerprint, setup:active, one BUNDLE.
Result<std::string, std::string> build_answer(const std::string& offer_sdp, const OfferParams& p);
// What the SFU's offer says it will send (ssrcs, rtx pairs); transport fields are optional.
Result<AnswerInfo, std::string> read_offer_streams(const std::string& offer_sdp);

}  // namespace umbrella::loadgen
