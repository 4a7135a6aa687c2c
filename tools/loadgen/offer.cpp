#include "offer.hpp"

#include "media_source.hpp"

#include <algorithm>

#include "sdp/build.hpp"
#include "sdp/capabilities.hpp"
#include "sdp/negotiation_common.hpp"
#include "sdp/helpers.hpp"
#include "sdp/parse.hpp"

namespace umbrella::loadgen {
namespace {

sdp::MediaSection section(const OfferParams& p, sdp::MediaKind kind, const std::string& mid) {
  sdp::MediaSection m;
  m.kind = kind;
  bool video = kind == sdp::MediaKind::kVideo;
  m.media = video ? "video" : "audio";
  m.proto = "UDP/TLS/RTP/SAVPF";
  m.connection = sdp::Connection{};
  m.mid = mid;
  m.direction = p.publish ? sdp::Direction::kSendOnly : sdp::Direction::kRecvOnly;
  m.rtcp_mux = true;
  m.ice_ufrag = p.ice.ufrag;
  m.ice_pwd = p.ice.pwd;
  m.fingerprint = sdp::Fingerprint{"sha-256", p.fingerprint};
  m.setup = sdp::Setup::kActpass;
  if (video) {
    sdp::Codec vp8{kVideoPt, "VP8", 90000, 0, {}, {{"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}, {"transport-cc", ""}}, true};
    sdp::Codec rtx{kVideoRtxPt, "rtx", 90000, 0, {}, {}, true};
    rtx.fmtp.params = {{"apt", std::to_string(kVideoPt), true}};
    rtx.fmtp.raw = "apt=" + std::to_string(kVideoPt);
    m.codecs = {vp8, rtx};
    m.formats = {std::to_string(kVideoPt), std::to_string(kVideoRtxPt)};
  } else {
    sdp::Codec opus{kAudioPt, "opus", 48000, 2, {}, {{"transport-cc", ""}}, true};
    opus.fmtp.params = {{"minptime", "10", true}, {"useinbandfec", "1", true}};
    opus.fmtp.raw = "minptime=10;useinbandfec=1";
    m.codecs = {opus};
    m.formats = {std::to_string(kAudioPt)};
  }
  // Chrome's ids for the extensions it sends.
  if (!video) m.extmaps.push_back({kAudioLevelId, sdp::Direction::kUnspecified, std::string(sdp::ext::kAudioLevel), {}});
  m.extmaps.push_back({kAbsSendTimeId, sdp::Direction::kUnspecified, std::string(sdp::ext::kAbsSendTime), {}});
  m.extmaps.push_back({kTransportCcId, sdp::Direction::kUnspecified, std::string(sdp::ext::kTransportCc), {}});
  m.extmaps.push_back({kMidId, sdp::Direction::kUnspecified, std::string(sdp::ext::kMid), {}});
  if (p.publish && video && p.simulcast) {
    m.extmaps.push_back({kRidId, sdp::Direction::kUnspecified, std::string(sdp::ext::kRtpStreamId), {}});
    m.msids.push_back({"loadgen", m.media});
    m.simulcast = sdp::Simulcast{};
    for (const char* rid : kRids) {
      m.rids.push_back({rid, sdp::RidDirection::kSend, {}});
      m.simulcast->send.push_back({{rid, false}});
    }
  } else if (p.publish && video && !p.simulcast_ssrcs.empty()) {
    m.msids.push_back({"loadgen", m.media});
    for (uint32_t ssrc : p.simulcast_ssrcs) {
      m.ssrcs.push_back({ssrc, "cname", "loadgen"});
      m.ssrcs.push_back({ssrc, "msid", "loadgen " + m.media});
    }
    m.ssrc_groups.push_back({"SIM", p.simulcast_ssrcs});
  } else if (p.publish) {
    uint32_t ssrc = video ? p.video_ssrc : p.audio_ssrc;
    m.msids.push_back({"loadgen", m.media});
    m.ssrcs.push_back({ssrc, "cname", "loadgen"});
    m.ssrcs.push_back({ssrc, "msid", "loadgen " + m.media});
  }
  sdp::Candidate c;
  c.foundation = "1";
  c.priority = sdp::candidate_priority(126, 65535, 1);
  c.address = p.local.ip_string();
  c.port = p.local.port();
  m.candidates.push_back(c);
  m.end_of_candidates = true;
  return m;
}

// Our data channel line (offer or answer): the SDP model's own, with our transport.
sdp::MediaSection data_section(const OfferParams& p, const std::string& mid, sdp::Setup setup = sdp::Setup::kActpass,
                               const std::string& proto = "UDP/DTLS/SCTP") {
  sdp::MediaSection m = sdp::detail::data_channel_media(mid, proto, kDataMaxMessageSize);
  m.connection = sdp::Connection{};
  m.ice_ufrag = p.ice.ufrag;
  m.ice_pwd = p.ice.pwd;
  m.fingerprint = sdp::Fingerprint{"sha-256", p.fingerprint};
  m.setup = setup;
  return m;
}

}  // namespace

std::string build_offer(const OfferParams& p) {
  sdp::SessionDescription s;
  s.origin.session_id = std::to_string(p.video_ssrc ^ (p.audio_ssrc << 1) ^ 0x5eed);
  s.origin.session_version = 1;
  s.msid_semantic = sdp::MsidSemantic{"WMS", {"*"}};
  sdp::Group bundle{"BUNDLE", {}};
  int vids = p.publish ? 1 : p.recv_video, auds = p.publish ? 1 : p.recv_audio;
  for (int i = 0; i < vids; ++i) s.media.push_back(section(p, sdp::MediaKind::kVideo, std::to_string(s.media.size())));
  for (int i = 0; i < auds; ++i) s.media.push_back(section(p, sdp::MediaKind::kAudio, std::to_string(s.media.size())));
  if (p.data) s.media.push_back(data_section(p, std::to_string(s.media.size())));
  for (auto& m : s.media) bundle.mids.push_back(m.mid);
  s.groups.push_back(bundle);
  return sdp::build(s);
}

namespace {

Result<AnswerInfo, std::string> read_description(const std::string& text) {
  auto s = sdp::parse(text);
  if (!s) return Err{"cannot parse SDP: " + sdp::to_string(s.error())};
  AnswerInfo a;
  a.ice = {s->ice_ufrag, s->ice_pwd};
  if (s->fingerprint) a.fingerprint = s->fingerprint->algorithm + " " + s->fingerprint->value;
  for (auto& m : s->media) {
    if (a.ice.ufrag.empty()) a.ice = {m.ice_ufrag, m.ice_pwd};
    if (a.fingerprint.empty() && m.fingerprint) a.fingerprint = m.fingerprint->algorithm + " " + m.fingerprint->value;
    if (&m == &s->media.front()) a.dtls_server = sdp::effective_setup(*s, m) == sdp::Setup::kActive;
    if (m.kind == sdp::MediaKind::kApplication && m.port != 0 && !a.sctp_port) {
      a.sctp_port = m.sctp_port.value_or(5000);
      a.max_message_size = m.max_message_size.value_or(65536);
    }
    for (auto& c : m.candidates) {
      if (c.transport != "udp" && c.transport != "UDP") continue;
      auto addr = SocketAddress::parse_ip(c.address);
      if (!addr) continue;
      SocketAddress full = addr->is_ipv4() ? SocketAddress::parse(c.address, c.port).value_or(SocketAddress{})
                                           : SocketAddress{};
      if (full.valid() && std::find(a.candidates.begin(), a.candidates.end(), full) == a.candidates.end())
        a.candidates.push_back(full);
    }
    for (auto& e : m.extmaps) {
      uint8_t id = e.id < 15 ? uint8_t(e.id) : 0;  // one-byte form only, as we write them
      ExtensionIds& x = a.extensions;
      if (e.uri == sdp::ext::kMid && !x.mid) x.mid = id;
      if (e.uri == sdp::ext::kAbsSendTime && !x.abs_send_time) x.abs_send_time = id;
      if (e.uri == sdp::ext::kTransportCc && !x.transport_cc) x.transport_cc = id;
      if (e.uri == sdp::ext::kAudioLevel && !x.audio_level) x.audio_level = id;
      if (e.uri == sdp::ext::kRtpStreamId && !x.rid) x.rid = id;
    }
    std::vector<uint32_t> rtx;
    for (auto& g : m.ssrc_groups)
      if (g.semantics == "FID" && g.ssrcs.size() == 2) {
        rtx.push_back(g.ssrcs[1]);
        a.rtx.push_back({g.ssrcs[1], g.ssrcs[0]});
      }
    for (auto& l : m.ssrcs) {
      if (l.attribute != "cname") continue;
      if (std::find(rtx.begin(), rtx.end(), l.ssrc) != rtx.end()) continue;
      (m.kind == sdp::MediaKind::kVideo ? a.video_ssrcs : a.audio_ssrcs).push_back(l.ssrc);
    }
  }
  return a;
}

sdp::Direction mirror(sdp::Direction d) {
  switch (d) {
    case sdp::Direction::kSendOnly: return sdp::Direction::kRecvOnly;
    case sdp::Direction::kRecvOnly: return sdp::Direction::kSendOnly;
    case sdp::Direction::kInactive: return sdp::Direction::kInactive;
    default: return sdp::Direction::kSendRecv;
  }
}

}  // namespace

Result<AnswerInfo, std::string> read_offer_streams(const std::string& text) { return read_description(text); }

Result<std::string, std::string> build_answer(const std::string& offer_sdp, const OfferParams& p) {
  auto offer = sdp::parse(offer_sdp);
  if (!offer) return Err{"cannot parse the server's offer: " + sdp::to_string(offer.error())};
  sdp::SessionDescription s;
  s.origin.session_id = std::to_string(p.video_ssrc ^ (p.audio_ssrc << 1) ^ 0x5eed);
  s.origin.session_version = offer->origin.session_version;
  s.msid_semantic = sdp::MsidSemantic{"WMS", {"*"}};
  s.extmap_allow_mixed = offer->extmap_allow_mixed;
  sdp::Group bundle{"BUNDLE", {}};
  for (const auto& o : offer->media) {
    sdp::MediaSection m;
    m.kind = o.kind;
    m.media = o.media;
    m.proto = o.proto;
    m.formats = o.formats;
    m.mid = o.mid;
    m.connection = sdp::Connection{};
    bool av = o.kind == sdp::MediaKind::kAudio || o.kind == sdp::MediaKind::kVideo;
    if (p.data && o.port != 0 && o.kind == sdp::MediaKind::kApplication) {
      s.media.push_back(data_section(p, o.mid, sdp::Setup::kActive, o.proto));
      bundle.mids.push_back(o.mid);
      continue;
    }
    if (o.port == 0 || !av) {  // rejected by the SFU, or nothing we simulate
      m.port = 0;
      m.direction = sdp::Direction::kInactive;
      m.codecs = o.codecs;
      s.media.push_back(std::move(m));
      continue;
    }
    m.codecs = o.codecs;
    m.extmaps = o.extmaps;
    m.rtcp_rsize = o.rtcp_rsize;
    m.rtcp_mux = true;
    m.direction = mirror(o.direction);
    bool ours = p.publish && (m.direction == sdp::Direction::kSendOnly || m.direction == sdp::Direction::kSendRecv);
    if (ours) {
      uint32_t ssrc = o.kind == sdp::MediaKind::kVideo ? p.video_ssrc : p.audio_ssrc;
      m.msids.push_back({"loadgen", o.media});
      m.ssrcs.push_back({ssrc, "cname", "loadgen"});
      m.ssrcs.push_back({ssrc, "msid", "loadgen " + o.media});
    }
    m.ice_ufrag = p.ice.ufrag;
    m.ice_pwd = p.ice.pwd;
    m.fingerprint = sdp::Fingerprint{"sha-256", p.fingerprint};
    // RFC 8842: an actpass or passive offerer makes us the DTLS client; an active one, the server.
    m.setup = sdp::effective_setup(*offer, o) == sdp::Setup::kActive ? sdp::Setup::kPassive : sdp::Setup::kActive;
    bundle.mids.push_back(m.mid);
    s.media.push_back(std::move(m));
  }
  if (bundle.mids.empty()) return Err{std::string("the server's offer has no audio or video m-line")};
  s.groups.push_back(bundle);
  return sdp::build(s);
}

Result<AnswerInfo, std::string> read_answer(const std::string& text) {
  auto r = read_description(text);
  if (!r) return r;
  AnswerInfo& a = *r;
  if (a.ice.ufrag.empty() || a.ice.pwd.empty()) return Err{"answer has no ICE credentials"};
  if (a.fingerprint.empty()) return Err{"answer has no fingerprint"};
  if (a.candidates.empty()) return Err{"answer has no IPv4 UDP candidate"};
  return a;
}

}  // namespace umbrella::loadgen
