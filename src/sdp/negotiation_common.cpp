#include "sdp/negotiation_common.hpp"

#include "sdp/helpers.hpp"
#include "sdp/names.hpp"
#include "sdp/text.hpp"

namespace umbrella::sdp::detail {

const Capabilities& capabilities_of(const LocalTransport& local) {
  return local.capabilities ? *local.capabilities : default_capabilities();
}

std::string check_local(const LocalTransport& local) {
  // RFC 8839: ufrag 4..256 and pwd 22..256 ice-chars.
  if (local.ice_ufrag.size() < 4 || local.ice_ufrag.size() > 256 || !is_token(local.ice_ufrag))
    return "local ice-ufrag invalid";
  if (local.ice_pwd.size() < 22 || local.ice_pwd.size() > 256 || !is_token(local.ice_pwd))
    return "local ice-pwd invalid";
  if (!is_token(local.fingerprint.algorithm) || !is_token(local.fingerprint.value))
    return "local fingerprint missing";
  if (!is_token(local.session_id)) return "local session id invalid";
  return {};
}

SessionDescription base_description(const LocalTransport& local) {
  SessionDescription s;
  s.origin.username = "-";
  s.origin.session_id = local.session_id;
  s.origin.session_version = local.session_version;
  s.session_name = "-";
  s.ice_lite = true;
  s.msid_semantic = MsidSemantic{"WMS", {"*"}};
  return s;
}

void add_transport(MediaSection& m, const LocalTransport& local, Setup setup) {
  m.ice_ufrag = local.ice_ufrag;
  m.ice_pwd = local.ice_pwd;
  m.fingerprint = local.fingerprint;
  m.setup = setup;
  m.candidates = local.candidates;
  m.end_of_candidates = true;  // ice-lite: all candidates are known up front
  Connection c;
  if (!local.candidates.empty()) {
    // The default candidate's address in c= and m= (RFC 8839 4.2.1.2): ours, never the remote's.
    const auto& first = local.candidates.front();
    c.addr_type = first.address.find(':') != std::string::npos ? "IP6" : "IP4";
    c.address = first.address;
    m.port = first.port;
  } else {
    m.port = 9;  // JSEP's "discard" port when no candidate is known
  }
  m.connection = c;
  m.rtcp_mux = m.kind == MediaKind::kAudio || m.kind == MediaKind::kVideo;
}

MediaSection data_channel_media(const std::string& mid, const std::string& proto, uint64_t max_message_size) {
  MediaSection m;
  m.kind = MediaKind::kApplication;
  m.media = "application";
  m.mid = mid;
  m.proto = proto;
  if (proto == "DTLS/SCTP") {
    m.formats = {"5000"};
    m.other_attributes.push_back({"sctpmap", "5000 webrtc-datachannel 65535", true});
  } else {
    m.formats = {"webrtc-datachannel"};
    m.sctp_port = 5000;
  }
  m.max_message_size = max_message_size;
  return m;
}

MediaSection rejected_media(MediaKind kind, const std::string& media, const std::string& proto,
                            const std::vector<std::string>& formats, const std::string& mid,
                            const LocalTransport& local, Setup setup) {
  MediaSection m;
  m.kind = kind;
  m.media = media.empty() ? std::string(to_string(kind)) : media;
  m.port = 0;
  m.proto = proto.empty() ? "UDP/TLS/RTP/SAVPF" : proto;
  m.formats = formats.empty() ? std::vector<std::string>{"0"} : formats;
  m.connection = Connection{};  // IN IP4 0.0.0.0
  m.mid = mid;
  m.ice_ufrag = local.ice_ufrag;
  m.ice_pwd = local.ice_pwd;
  m.fingerprint = local.fingerprint;
  m.setup = setup;
  return m;
}

void add_track(MediaSection& m, const OutgoingTrack& track) {
  const std::string& cname = track.cname.empty() ? track.stream_id : track.cname;
  std::string msid = track.stream_id + ' ' + track.track_id;
  m.msids.push_back({track.stream_id, track.track_id});
  if (track.rtx_ssrc) m.ssrc_groups.push_back({"FID", {track.ssrc, *track.rtx_ssrc}});
  m.ssrcs.push_back({track.ssrc, "cname", cname});
  m.ssrcs.push_back({track.ssrc, "msid", msid});
  if (track.rtx_ssrc) {
    m.ssrcs.push_back({*track.rtx_ssrc, "cname", cname});
    m.ssrcs.push_back({*track.rtx_ssrc, "msid", msid});
  }
  if (track.more_layers.empty()) return;
  SsrcGroup sim{"SIM", {track.ssrc}};
  for (auto [ssrc, rtx] : track.more_layers) {
    sim.ssrcs.push_back(ssrc);
    for (uint32_t s : {ssrc, rtx}) {
      if (!s) continue;
      m.ssrcs.push_back({s, "cname", cname});
      m.ssrcs.push_back({s, "msid", msid});
    }
    if (rtx) m.ssrc_groups.push_back({"FID", {ssrc, rtx}});
  }
  m.ssrc_groups.push_back(std::move(sim));
}

}  // namespace umbrella::sdp::detail

namespace umbrella::sdp {

std::optional<uint8_t> NegotiatedMedia::payload_type(std::string_view codec_name) const {
  for (const auto& c : codecs) if (detail::iequals(c.name, codec_name)) return c.pt;
  return std::nullopt;
}

std::optional<uint8_t> NegotiatedMedia::rtx_payload_type(uint8_t pt) const {
  for (const auto& c : codecs) if (is_rtx(c) && rtx_apt(c) == pt) return c.pt;
  return std::nullopt;
}

std::optional<uint16_t> NegotiatedMedia::extension_id(std::string_view uri) const {
  for (const auto& e : extmaps) if (e.uri == uri) return e.id;
  return std::nullopt;
}

const NegotiatedMedia* NegotiatedState::find(std::string_view mid) const {
  for (const auto& m : media) if (m.mid == mid) return &m;
  return nullptr;
}

const NegotiatedMedia* NegotiatedState::data_channel() const {
  for (const auto& m : media) if (m.is_data_channel()) return &m;
  return nullptr;
}

}  // namespace umbrella::sdp
