// Text forms of the SDP enums, and direction algebra.
#pragma once

#include <optional>
#include <string_view>

#include "sdp/session_description.hpp"

namespace umbrella::sdp {

inline std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::kSendRecv: return "sendrecv";
    case Direction::kSendOnly: return "sendonly";
    case Direction::kRecvOnly: return "recvonly";
    case Direction::kInactive: return "inactive";
    case Direction::kUnspecified: break;
  }
  return "";
}

inline std::optional<Direction> parse_direction(std::string_view s) {
  if (s == "sendrecv") return Direction::kSendRecv;
  if (s == "sendonly") return Direction::kSendOnly;
  if (s == "recvonly") return Direction::kRecvOnly;
  if (s == "inactive") return Direction::kInactive;
  return std::nullopt;
}

inline bool sends(Direction d) {
  return d == Direction::kSendRecv || d == Direction::kSendOnly || d == Direction::kUnspecified;
}
inline bool receives(Direction d) {
  return d == Direction::kSendRecv || d == Direction::kRecvOnly || d == Direction::kUnspecified;
}
inline Direction make_direction(bool send, bool recv) {
  if (send && recv) return Direction::kSendRecv;
  if (send) return Direction::kSendOnly;
  if (recv) return Direction::kRecvOnly;
  return Direction::kInactive;
}
// The direction as the other side sees it (sendonly <-> recvonly).
inline Direction reverse(Direction d) { return make_direction(receives(d), sends(d)); }

inline std::string_view to_string(Setup s) {
  switch (s) {
    case Setup::kActpass: return "actpass";
    case Setup::kActive: return "active";
    case Setup::kPassive: return "passive";
    case Setup::kHoldconn: return "holdconn";
    case Setup::kUnspecified: break;
  }
  return "";
}

inline std::optional<Setup> parse_setup(std::string_view s) {
  if (s == "actpass") return Setup::kActpass;
  if (s == "active") return Setup::kActive;
  if (s == "passive") return Setup::kPassive;
  if (s == "holdconn") return Setup::kHoldconn;
  return std::nullopt;
}

inline MediaKind media_kind(std::string_view media) {
  if (media == "audio") return MediaKind::kAudio;
  if (media == "video") return MediaKind::kVideo;
  if (media == "application") return MediaKind::kApplication;
  return MediaKind::kOther;
}

inline std::string_view to_string(MediaKind k) {
  switch (k) {
    case MediaKind::kAudio: return "audio";
    case MediaKind::kVideo: return "video";
    case MediaKind::kApplication: return "application";
    case MediaKind::kOther: break;
  }
  return "";
}

}  // namespace umbrella::sdp
