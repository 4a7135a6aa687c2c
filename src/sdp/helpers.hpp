// Lookups over a parsed description: codecs, RTX association, extmap ids, and the
// effective (media level overrides session level) transport attributes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sdp/session_description.hpp"

namespace umbrella::sdp {

// First codec with this name (case-insensitive) and, if non-zero, clock rate.
const Codec* find_codec(const MediaSection& m, std::string_view name, uint32_t clock_rate = 0);
const Codec* find_codec_by_pt(const MediaSection& m, uint8_t pt);
std::optional<std::string_view> fmtp_value(const Codec& c, std::string_view key);
bool is_rtx(const Codec& c);
// The apt= of an RTX codec.
std::optional<uint8_t> rtx_apt(const Codec& rtx);
// The RTX payload type associated with media payload type pt (via fmtp apt=).
std::optional<uint8_t> rtx_payload_type(const MediaSection& m, uint8_t pt);
std::optional<uint16_t> find_extmap_id(const MediaSection& m, std::string_view uri);
const MediaSection* find_media(const SessionDescription& s, std::string_view mid);
// The first group with these semantics ("BUNDLE"), or null.
const Group* find_group(const SessionDescription& s, std::string_view semantics);

// BUNDLE (RFC 8843): whether `mid` is in the description's BUNDLE group, whether the
// m-line carries a=bundle-only, and whether it is rejected. Port 0 rejects an m-line
// unless it sits in the BUNDLE group (an offer's "m=video 0 ... a=bundle-only" line, or an
// answer's bundled line): a rejected m-line is never listed in the group (RFC 8843 7.3.3, 7.5.3).
bool in_bundle_group(const SessionDescription& s, std::string_view mid);
bool is_bundle_only(const MediaSection& m);
bool is_rejected(const SessionDescription& s, const MediaSection& m);
// The m-line whose ICE/DTLS attributes apply to `m`: for a bundled line at port 0 the
// BUNDLE tag (the group's first m-line with a port, RFC 8843 7.2), else `m` itself.
const MediaSection& transport_line(const SessionDescription& s, const MediaSection& m);

// Replaces the codecs and rewrites the m= format list to match.
void set_codecs(MediaSection& m, std::vector<Codec> codecs);

// Effective transport parameters for an m-line: its own if present, else the session's.
std::string_view effective_ice_ufrag(const SessionDescription& s, const MediaSection& m);
std::string_view effective_ice_pwd(const SessionDescription& s, const MediaSection& m);
const Fingerprint* effective_fingerprint(const SessionDescription& s, const MediaSection& m);
Setup effective_setup(const SessionDescription& s, const MediaSection& m);

// An RTP proto with secure feedback (UDP/TLS/RTP/SAVPF, ...), or a data channel proto.
bool is_rtp_savpf(std::string_view proto);
bool is_sctp(std::string_view proto);
// An SCTP line's port: a=sctp-port (RFC 8841), or the legacy "DTLS/SCTP <port>" format.
std::optional<uint16_t> sctp_port_of(const MediaSection& m);
// a=max-message-size, where absent means 64 KiB and 0 means no limit (RFC 8841 6).
uint64_t max_message_size_of(const MediaSection& m);

}  // namespace umbrella::sdp
