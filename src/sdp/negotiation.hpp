// The SFU's side of offer/answer (JSEP, RFC 8829), as pure functions over descriptions.
// The SFU is ICE-lite, bundles everything on one transport, always uses rtcp-mux, and is
// the DTLS server. SDP it writes carries only the server's own candidates and addresses:
// nothing from the remote description (addresses, candidates, ssrcs) is copied into it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "sdp/capabilities.hpp"
#include "sdp/limits.hpp"
#include "sdp/session_description.hpp"

namespace umbrella::sdp {

// The server's side of the transport.
struct LocalTransport {
  std::string ice_ufrag;
  std::string ice_pwd;
  Fingerprint fingerprint;             // {"sha-256", "AB:CD:..."}
  std::vector<Candidate> candidates;   // host candidates; see host_candidates()
  std::string session_id = "1";        // o= line: stable per peer connection
  uint64_t session_version = 1;        // o= line: bump on every new description
  const Capabilities* capabilities = nullptr;  // null: default_capabilities()
};

// A track the SFU sends to the remote.
struct OutgoingTrack {
  std::string mid;
  MediaKind kind = MediaKind::kVideo;
  std::string stream_id;
  std::string track_id;
  uint32_t ssrc = 0;
  std::optional<uint32_t> rtx_ssrc;
  // Simulcast by SSRC (between SFUs: a trunk carries every layer): the further layers, each
  // with its RTX (0: none), signalled with ssrc/rtx_ssrc as one a=ssrc-group:SIM.
  std::vector<std::pair<uint32_t, uint32_t>> more_layers;
  std::vector<Codec> codecs;  // for a new m-line; empty: our defaults. Ignored for existing mids.
  std::string cname;          // empty: stream_id (same cname = lip sync across tracks)
};

// What the SFU wants on one mid of a remote offer.
struct MidPolicy {
  Direction direction = Direction::kRecvOnly;  // the SFU's wish; intersected with the offer
  std::optional<OutgoingTrack> track;          // announced (msid, ssrc) when the answer sends
};

struct AnswerOptions {
  std::map<std::string, MidPolicy> per_mid;
  Direction default_direction = Direction::kRecvOnly;  // for mids not in per_mid
  // Offers above these are refused with a clear error. A trunk carries whole rooms and
  // passes the parser's bound (kMaxMediaSections) for both.
  size_t max_media_sections = kMaxSessionMediaSections;
  size_t max_published_tracks = kMaxTracksPerParticipant;  // m-lines the offerer sends on
  // Data channels: 0 refuses them (port 0); else the first bundled SCTP m-line is accepted
  // with this a=max-message-size (what the SFU's SCTP reassembles at most).
  uint64_t data_channel_max_message_size = 0;
};

// One m-line after negotiation, from the SFU's point of view.
struct NegotiatedMedia {
  std::string mid;
  MediaKind kind = MediaKind::kOther;
  std::string media;  // the m= token as written ("audio", or an unknown kind's name)
  std::string proto;
  bool rejected = false;
  Direction direction = Direction::kInactive;  // what the SFU does: sendonly = SFU sends
  std::vector<Codec> codecs;                   // negotiated payload types, RTX included
  std::vector<Extmap> extmaps;                 // negotiated extension ids
  std::vector<std::string> formats;            // the m= format list as written
  std::vector<std::string> recv_rids;          // simulcast rids the remote sends to us
  bool rtcp_rsize = false;
  // An accepted SCTP (data channel) line: the remote's SCTP port and a=max-message-size
  // (RFC 8841: absent means 64 KiB), and ours.
  uint16_t remote_sctp_port = 5000;
  uint64_t remote_max_message_size = 65536;
  uint64_t local_max_message_size = 0;

  bool is_data_channel() const { return kind == MediaKind::kApplication && !rejected && local_max_message_size != 0; }
  std::optional<uint8_t> payload_type(std::string_view codec_name) const;
  std::optional<uint8_t> rtx_payload_type(uint8_t pt) const;
  std::optional<uint16_t> extension_id(std::string_view uri) const;
};

struct NegotiatedState {
  std::vector<NegotiatedMedia> media;  // in m-line order
  bool extmap_allow_mixed = false;
  const NegotiatedMedia* find(std::string_view mid) const;
  const NegotiatedMedia* data_channel() const;  // the accepted SCTP line, if any
};

// Answers a remote offer: ice-lite, setup:passive, BUNDLE of the accepted mids, codecs and
// extensions intersected with ours (offerer's payload types, ids and order), direction per
// options. Bundle-only m-lines (port 0 + a=bundle-only in the offer's BUNDLE group, RFC 8843)
// are answered like the others; the first bundled SCTP line is accepted when
// options.data_channel_max_message_size allows data channels (in the offer's style: RFC 8841
// a=sctp-port, or the legacy "DTLS/SCTP 5000" + a=sctpmap aiortc writes); other unsupported
// m-lines are rejected (port 0, with c= and transport attributes so every stack parses them).
Result<SessionDescription, std::string> answer_offer(const SessionDescription& offer, const LocalTransport& local,
                                                     const AnswerOptions& options = {});
// The negotiated state after answer_offer(): codecs, ids and direction from the SFU's answer.
NegotiatedState negotiated_state(const SessionDescription& remote_offer, const SessionDescription& local_answer);

// Server-initiated renegotiation: keeps every m-line of `state` in order with its payload
// types and extension ids, marks existing mids sending a track in `tracks` sendonly (plus
// recv if they received before), drops send from the rest (inactive if nothing remains),
// and appends a sendonly m-line for each track whose mid is new. setup:actpass.
// An audio/video m-line left inactive is written minimally (one codec, no extensions, no
// msid/ssrc), so departed tracks cost little; when a track comes back to such an m-line
// (reusable_mid()) it gets the full codec list again, with the transport's numbering.
// A non-zero data_channel_max_message_size adds a data channel line (mid "data", RFC 8841)
// when `state` has none (the SFU dialling another: a trunk).
Result<SessionDescription, std::string> make_offer(const NegotiatedState& state,
                                                   const std::vector<OutgoingTrack>& tracks,
                                                   const LocalTransport& local,
                                                   uint64_t data_channel_max_message_size = 0);
// The mid for a new outgoing track of `kind` that the SFU offers: the first m-line of that
// kind, named with `prefix` (the SFU's own m-lines: a client's m-lines stay the client's),
// that is negotiated inactive (its track departed and the remote applied that) and that no
// live track in `live_mids` holds. None: the caller names a new m-line. Reusing m-lines
// keeps a session's SDP proportional to the tracks it has at once, not to every track it
// ever had. The remote sees the m-line come back sendonly with a new msid and new SSRCs: a
// browser fires `track` again for it (its [[FiredDirection]] went inactive; with the old
// SSRC Chrome decoded nothing); aiortc 1.4 fires nothing, keeps the receiver track and
// learns the new SSRC from the payload type when that is unique among its receivers.
std::optional<std::string> reusable_mid(const NegotiatedState& state, MediaKind kind,
                                        const std::vector<std::string>& live_mids, std::string_view prefix);

// make_offer() built to text; empty string on error.
std::string build_offer(const NegotiatedState& state, const std::vector<OutgoingTrack>& tracks,
                        const LocalTransport& local);

// Checks a remote answer against the offer the SFU sent and returns the negotiated state
// (per mid: payload types, extension ids, direction as the SFU now acts).
Result<NegotiatedState, std::string> apply_answer(const SessionDescription& offer, const SessionDescription& answer);

// The remote's ICE/DTLS parameters for the bundled transport.
struct RemoteTransport {
  std::string ice_ufrag;
  std::string ice_pwd;
  Fingerprint fingerprint;
  Setup setup = Setup::kUnspecified;  // unspecified means active (RFC 4145)
  std::vector<Candidate> candidates;
  bool ice_lite = false;
};
// The first mid of the BUNDLE group whose m-line has a port (the "BUNDLE tag").
std::optional<std::string> bundle_tag(const SessionDescription& s);
// The effective transport parameters of m-line `mid` of a remote description (a bundled
// line without its own: the remote's BUNDLE tag's). Use the BUNDLE tag of the answer: remote_transport(remote, *bundle_tag(answer)).
std::optional<RemoteTransport> remote_transport(const SessionDescription& remote, std::string_view mid);

}  // namespace umbrella::sdp
