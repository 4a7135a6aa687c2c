// One libsrtp session (srtp_t) for one direction of one transport. Protect for outbound,
// unprotect for inbound; the SSRC is a wildcard so one session covers every stream on
// the transport. Replay protection stays on. No allocation per packet (libsrtp allocates
// a stream the first time it sees an SSRC).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "srtp/error.hpp"
#include "srtp/profile.hpp"

struct srtp_ctx_t_;

namespace umbrella::srtp {

enum class Direction { kInbound, kOutbound };

// Large enough for video with NACK/RTX, where retransmissions arrive late.
inline constexpr size_t kDefaultReplayWindow = 1024;

class SrtpSession {
 public:
  // key: 16 bytes, salt: 14 bytes. replay_window: 64..32768 (libsrtp's bounds).
  static Result<SrtpSession, Error> create(Profile profile, Bytes key, Bytes salt, Direction direction,
                                           size_t replay_window = kDefaultReplayWindow);
  // Outbound uses keys.local_*, inbound keys.remote_*.
  static Result<SrtpSession, Error> create(const SrtpKeys& keys, Direction direction,
                                           size_t replay_window = kDefaultReplayWindow);

  SrtpSession(SrtpSession&& o) noexcept
      : ctx_(std::exchange(o.ctx_, nullptr)), profile_(o.profile_), direction_(o.direction_) {}
  SrtpSession& operator=(SrtpSession&& o) noexcept;
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;
  ~SrtpSession();

  // In place. buf holds an RTP/RTCP packet of len bytes inside capacity bytes; the
  // result is the new length. Protect needs capacity >= len + rtp_tag_length(profile)
  // (RTCP: len + rtcp_trailer_length(profile)). Only valid on the matching direction (kBadParam
  // otherwise). On error the buffer content is unspecified.
  Result<size_t, Error> protect_rtp(uint8_t* buf, size_t len, size_t capacity);
  Result<size_t, Error> unprotect_rtp(uint8_t* buf, size_t len);
  Result<size_t, Error> protect_rtcp(uint8_t* buf, size_t len, size_t capacity);
  Result<size_t, Error> unprotect_rtcp(uint8_t* buf, size_t len);

  Profile profile() const { return profile_; }
  Direction direction() const { return direction_; }

 private:
  SrtpSession(srtp_ctx_t_* ctx, Profile profile, Direction direction)
      : ctx_(ctx), profile_(profile), direction_(direction) {}

  srtp_ctx_t_* ctx_ = nullptr;
  Profile profile_;
  Direction direction_;
};

}  // namespace umbrella::srtp
