#include "sdp/capabilities.hpp"

#include "sdp/helpers.hpp"
#include "sdp/parse.hpp"
#include "sdp/text.hpp"

namespace umbrella::sdp {
namespace {

std::vector<RtcpFb> video_feedback() {
  return {{"goog-remb", ""}, {"transport-cc", ""}, {"ccm", "fir"}, {"nack", ""}, {"nack", "pli"}};
}

CodecCapability video(std::string name, std::vector<FmtpParam> fmtp, uint8_t pt) {
  return {MediaKind::kVideo, std::move(name), 90000, 0, std::move(fmtp), video_feedback(), true, pt,
          uint8_t(pt + 1)};
}

Capabilities make_defaults() {
  Capabilities c;
  c.codecs.push_back({MediaKind::kAudio, "opus", 48000, 2,
                      {{"minptime", "10", true}, {"useinbandfec", "1", true}}, {{"transport-cc", ""}}, false,
                      111, 0});
  c.codecs.push_back(video("VP8", {}, 96));
  c.codecs.push_back(video("VP9", {{"profile-id", "0", true}}, 98));
  c.codecs.push_back(video("H264",
                           {{"level-asymmetry-allowed", "1", true},
                            {"packetization-mode", "1", true},
                            {"profile-level-id", "42e01f", true}},
                           102));
  c.codecs.push_back(video("AV1", {}, 45));
  c.extensions = {
      {std::string(ext::kAudioLevel), true, false, 1},
      {std::string(ext::kAbsSendTime), true, true, 2},
      {std::string(ext::kTransportCc), true, true, 3},
      {std::string(ext::kMid), true, true, 4},
      {std::string(ext::kRtpStreamId), false, true, 10},
      {std::string(ext::kRepairedRtpStreamId), false, true, 11},
      {std::string(ext::kDependencyDescriptor), false, true, 12},
  };
  return c;
}

int hex_byte(std::string_view s) {
  int v = 0;
  for (char ch : s) {
    char c = detail::lower(ch);
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// RFC 6184 profile-level-id: profile_idc, profile-iop, level_idc. Constrained Baseline is
// what every WebRTC endpoint decodes (the patterns libwebrtc also uses).
bool is_constrained_baseline(std::string_view profile_level_id) {
  if (profile_level_id.size() != 6) return false;
  int idc = hex_byte(profile_level_id.substr(0, 2));
  int iop = hex_byte(profile_level_id.substr(2, 2));
  if (idc < 0 || iop < 0 || hex_byte(profile_level_id.substr(4, 2)) < 0) return false;
  if (idc == 0x42) return (iop & 0x40) != 0;
  if (idc == 0x4d) return (iop & 0x80) != 0;
  if (idc == 0x58) return (iop & 0xc0) == 0xc0;
  return false;
}

}  // namespace

const Capabilities& default_capabilities() {
  static const Capabilities caps = make_defaults();
  return caps;
}

bool codec_matches(const CodecCapability& cap, const Codec& offered) {
  if (!detail::iequals(cap.name, offered.name) || cap.clock_rate != offered.clock_rate) return false;
  if (cap.channels && (offered.channels ? offered.channels : 1) != cap.channels) return false;
  if (detail::iequals(cap.name, "VP9")) return fmtp_value(offered, "profile-id").value_or("0") == "0";
  if (detail::iequals(cap.name, "AV1")) return fmtp_value(offered, "profile").value_or("0") == "0";
  if (detail::iequals(cap.name, "H264")) {
    return fmtp_value(offered, "packetization-mode").value_or("0") == "1" &&
           is_constrained_baseline(fmtp_value(offered, "profile-level-id").value_or("42000a"));
  }
  return true;
}

const ExtensionCapability* find_extension(const Capabilities& caps, std::string_view uri, MediaKind kind) {
  for (const auto& e : caps.extensions) {
    if (e.uri != uri) continue;
    if ((kind == MediaKind::kAudio && e.audio) || (kind == MediaKind::kVideo && e.video)) return &e;
  }
  return nullptr;
}

std::vector<Codec> codecs_for(const CodecCapability& cap, uint8_t pt, uint8_t rtx_pt) {
  std::vector<Codec> out;
  Codec c;
  c.pt = pt;
  c.name = cap.name;
  c.clock_rate = cap.clock_rate;
  c.channels = cap.channels;
  c.fmtp.params = cap.fmtp;
  c.fmtp.raw = format_fmtp_params(c.fmtp);
  c.feedback = cap.feedback;
  out.push_back(std::move(c));
  if (cap.rtx) {
    Codec r;
    r.pt = rtx_pt;
    r.name = "rtx";
    r.clock_rate = cap.clock_rate;
    r.fmtp.params = {{"apt", std::to_string(pt), true}};
    r.fmtp.raw = "apt=" + std::to_string(pt);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace umbrella::sdp
