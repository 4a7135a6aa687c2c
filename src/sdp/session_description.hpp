// The SDP data model (RFC 8866 + the WebRTC attributes of JSEP, RFC 8829): one
// SessionDescription with its MediaSections. Signalling only, so std::string is fine;
// the parser bounds every count (see limits.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sdp/candidate.hpp"

namespace umbrella::sdp {

enum class MediaKind : uint8_t { kAudio, kVideo, kApplication, kOther };
// "Unspecified" means no direction attribute was present (the default is sendrecv).
enum class Direction : uint8_t { kUnspecified, kSendRecv, kSendOnly, kRecvOnly, kInactive };
enum class Setup : uint8_t { kUnspecified, kActpass, kActive, kPassive, kHoldconn };

struct Attribute {  // an a= line kept verbatim: "a=name:value" or "a=name"
  std::string name;
  std::string value;
  bool has_value = false;
};

struct ExtraLine {  // a non-a= line we do not model (b=, i=, k=, ...), kept verbatim
  char type = 0;
  std::string value;
};

struct Origin {
  std::string username = "-";
  std::string session_id = "0";
  uint64_t session_version = 0;
  std::string net_type = "IN";
  std::string addr_type = "IP4";
  std::string address = "0.0.0.0";
};

struct Connection {
  std::string net_type = "IN";
  std::string addr_type = "IP4";
  std::string address = "0.0.0.0";
};

struct Fingerprint {
  std::string algorithm;  // "sha-256"
  std::string value;      // "AB:CD:..."
};

struct Group {  // a=group:BUNDLE 0 1 2
  std::string semantics;
  std::vector<std::string> mids;
};

struct MsidSemantic {  // a=msid-semantic:WMS *
  std::string semantic;
  std::vector<std::string> ids;
};

struct Msid {  // a=msid:<stream id> <track id>
  std::string stream_id;
  std::string track_id;
};

struct FmtpParam {
  std::string key;
  std::string value;
  bool has_value = true;  // false for bare tokens such as telephone-event's "0-15"
};

struct Fmtp {
  std::vector<FmtpParam> params;  // ordered as written
  std::string raw;                // the text after "a=fmtp:<pt> "
  bool empty() const { return params.empty() && raw.empty(); }
};

struct RtcpFb {
  std::string type;     // "nack", "ccm", "goog-remb", "transport-cc"
  std::string subtype;  // "pli", "fir" or empty
  friend bool operator==(const RtcpFb&, const RtcpFb&) = default;
};

struct Codec {
  uint8_t pt = 0;
  std::string name;  // as written ("VP8", "opus")
  uint32_t clock_rate = 0;
  uint16_t channels = 0;  // 0: not written
  Fmtp fmtp;
  std::vector<RtcpFb> feedback;
  bool has_rtpmap = true;  // false when only fmtp/rtcp-fb named this payload type
};

struct Extmap {
  uint16_t id = 0;
  Direction direction = Direction::kUnspecified;
  std::string uri;
  std::string attributes;  // anything after the URI
};

struct SsrcLine {  // a=ssrc:<ssrc> <attribute>[:<value>]
  uint32_t ssrc = 0;
  std::string attribute;
  std::string value;
};

struct SsrcGroup {  // a=ssrc-group:FID 1 2
  std::string semantics;
  std::vector<uint32_t> ssrcs;
};

enum class RidDirection : uint8_t { kSend, kRecv };

struct Rid {  // a=rid:<id> send|recv [params]
  std::string id;
  RidDirection direction = RidDirection::kSend;
  std::string params;  // e.g. "pt=96;max-width=1280", kept verbatim
};

struct SimulcastStream {
  std::string rid;
  bool paused = false;  // written with a leading '~'
};
// One alternative list per ';'-separated entry; each entry lists ','-separated alternatives.
using SimulcastList = std::vector<std::vector<SimulcastStream>>;

struct Simulcast {
  SimulcastList send;
  SimulcastList recv;
  bool send_first = true;  // which list was written first
};

struct MediaSection {
  MediaKind kind = MediaKind::kOther;
  std::string media;  // the m= media token ("audio", "video", "application", ...)
  uint16_t port = 9;
  uint16_t port_count = 0;  // "m=video 9/2": 2, else 0
  std::string proto;
  std::vector<std::string> formats;  // the m= line's format list, in order
  std::optional<Connection> connection;
  std::vector<ExtraLine> extra_lines;  // b=, i=, k= lines of this section

  std::string mid;
  Direction direction = Direction::kUnspecified;
  std::vector<Msid> msids;
  std::optional<std::string> rtcp;  // a=rtcp value, kept verbatim
  bool rtcp_mux = false;
  bool rtcp_mux_only = false;
  bool rtcp_rsize = false;

  std::vector<Codec> codecs;  // formats' order first, then any others seen
  std::vector<RtcpFb> feedback_all;  // a=rtcp-fb:* lines
  std::vector<Extmap> extmaps;
  std::vector<SsrcLine> ssrcs;
  std::vector<SsrcGroup> ssrc_groups;
  std::vector<Rid> rids;
  std::optional<Simulcast> simulcast;

  std::string ice_ufrag;  // empty: inherit from the session level
  std::string ice_pwd;
  std::string ice_options;
  std::optional<Fingerprint> fingerprint;
  Setup setup = Setup::kUnspecified;
  std::vector<Candidate> candidates;
  bool end_of_candidates = false;

  std::optional<uint16_t> sctp_port;
  std::optional<uint64_t> max_message_size;

  std::vector<Attribute> other_attributes;  // unknown a= lines, in order
};

struct SessionDescription {
  int version = 0;
  Origin origin;
  std::string session_name = "-";
  uint64_t start_time = 0;
  uint64_t stop_time = 0;
  std::optional<Connection> connection;
  std::vector<ExtraLine> extra_lines;  // session-level lines other than v/o/s/t/c/a

  std::vector<Group> groups;
  bool ice_lite = false;
  std::optional<MsidSemantic> msid_semantic;
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string ice_options;
  std::optional<Fingerprint> fingerprint;
  Setup setup = Setup::kUnspecified;
  bool extmap_allow_mixed = false;
  std::vector<Attribute> other_attributes;

  std::vector<MediaSection> media;
};

}  // namespace umbrella::sdp
