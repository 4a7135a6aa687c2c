// Internal: pieces shared by answer_offer, make_offer and apply_answer.
#pragma once

#include <string>

#include "sdp/negotiation.hpp"

namespace umbrella::sdp::detail {

const Capabilities& capabilities_of(const LocalTransport& local);
// Empty when usable, else why not.
std::string check_local(const LocalTransport& local);
// v=, o=, s=, t=, ice-lite, msid-semantic.
SessionDescription base_description(const LocalTransport& local);
// Our ICE/DTLS parameters, candidates and c=/port on an accepted m-line.
void add_transport(MediaSection& m, const LocalTransport& local, Setup setup);
// A rejected m-line (port 0) for `mid`, written so that every stack parses it: c= (RFC 8866
// wants one per m-line without a session-level one; Firefox refuses the description
// otherwise) and our ICE/DTLS attributes (GStreamer's webrtcbin wants ufrag, pwd, setup and
// a fingerprint on every m-line). No candidates, no rtcp-mux: nothing is sent on it.
// Our SCTP m-line (no transport attributes yet): legacy "DTLS/SCTP 5000" + a=sctpmap when
// `proto` is that, else "UDP/DTLS/SCTP webrtc-datachannel" + a=sctp-port (RFC 8841).
MediaSection data_channel_media(const std::string& mid, const std::string& proto, uint64_t max_message_size);
MediaSection rejected_media(MediaKind kind, const std::string& media, const std::string& proto,
                            const std::vector<std::string>& formats, const std::string& mid,
                            const LocalTransport& local, Setup setup);
// a=msid, a=ssrc cname/msid, and ssrc-group FID when the track has an RTX ssrc.
void add_track(MediaSection& m, const OutgoingTrack& track);

}  // namespace umbrella::sdp::detail
