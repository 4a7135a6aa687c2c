#include "sdp/parse_attributes.hpp"

#include <algorithm>

#include "sdp/limits.hpp"
#include "sdp/names.hpp"
#include "sdp/parse.hpp"
#include "sdp/text.hpp"

namespace umbrella::sdp::detail {
namespace {

std::optional<Fingerprint> parse_fingerprint(std::string_view v) {
  auto t = split_ws(v, 2);
  if (!t || t->size() != 2) return std::nullopt;
  return Fingerprint{std::string((*t)[0]), std::string((*t)[1])};
}

// "<pt> <rest>" where pt is a payload type number 0..127.
std::optional<std::pair<uint8_t, std::string_view>> split_pt(std::string_view v) {
  auto [pt_text, rest] = split_once(trim(v), ' ');
  auto pt = parse_uint<uint8_t>(pt_text);
  if (!pt || *pt > 127) return std::nullopt;
  return std::pair{*pt, trim(rest)};
}

Codec& codec_for(MediaSection& m, uint8_t pt) {
  for (auto& c : m.codecs) if (c.pt == pt) return c;
  Codec c;
  c.pt = pt;
  c.has_rtpmap = false;
  m.codecs.push_back(std::move(c));
  return m.codecs.back();
}

AttrStatus parse_rtpmap(MediaSection& m, std::string_view v) {
  auto p = split_pt(v);
  if (!p || p->second.empty()) return AttrStatus::kBad;
  // name/clock[/channels]
  auto [name, rest] = split_once(p->second, '/');
  auto [clock, channels] = split_once(rest, '/');
  auto clock_rate = parse_uint<uint32_t>(clock);
  if (!is_token(name) || !clock_rate) return AttrStatus::kBad;
  std::optional<uint16_t> ch = uint16_t{0};
  if (!channels.empty()) ch = parse_uint<uint16_t>(channels);
  if (!ch) return AttrStatus::kBad;
  if (m.codecs.size() >= kMaxFormatsPerMedia) return AttrStatus::kTooMany;
  Codec& c = codec_for(m, p->first);
  if (c.has_rtpmap && !c.name.empty()) return AttrStatus::kDuplicate;
  c.has_rtpmap = true;
  c.name = std::string(name);
  c.clock_rate = *clock_rate;
  c.channels = *ch;
  return AttrStatus::kOk;
}

AttrStatus parse_rtcp_fb(MediaSection& m, std::string_view v) {
  auto [pt_text, rest] = split_once(trim(v), ' ');
  auto [type, subtype] = split_once(trim(rest), ' ');
  if (!is_token(type)) return AttrStatus::kBad;
  RtcpFb fb{std::string(type), std::string(trim(subtype))};
  if (pt_text == "*") {
    m.feedback_all.push_back(std::move(fb));
    return AttrStatus::kOk;
  }
  auto pt = parse_uint<uint8_t>(pt_text);
  if (!pt || *pt > 127) return AttrStatus::kBad;
  if (m.codecs.size() >= kMaxFormatsPerMedia) return AttrStatus::kTooMany;
  codec_for(m, *pt).feedback.push_back(std::move(fb));
  return AttrStatus::kOk;
}

AttrStatus parse_extmap(MediaSection& m, std::string_view v) {
  auto [id_dir, rest] = split_once(trim(v), ' ');
  auto [uri, attributes] = split_once(trim(rest), ' ');
  auto [id_text, dir_text] = split_once(id_dir, '/');
  auto id = parse_uint<uint16_t>(id_text);
  if (!id || *id == 0 || *id > 255 || !is_token(uri)) return AttrStatus::kBad;
  Extmap e;
  e.id = *id;
  if (!dir_text.empty()) {
    auto d = parse_direction(dir_text);
    if (!d) return AttrStatus::kBad;
    e.direction = *d;
  }
  e.uri = std::string(uri);
  e.attributes = std::string(trim(attributes));
  m.extmaps.push_back(std::move(e));
  return AttrStatus::kOk;
}

AttrStatus parse_ssrc(MediaSection& m, std::string_view v) {
  auto [ssrc_text, rest] = split_once(trim(v), ' ');
  auto ssrc = parse_uint<uint32_t>(ssrc_text);
  rest = trim(rest);
  if (!ssrc || rest.empty()) return AttrStatus::kBad;
  auto [attr, value] = split_once(rest, ':');
  if (!is_token(attr)) return AttrStatus::kBad;
  m.ssrcs.push_back({*ssrc, std::string(attr), std::string(value)});
  return AttrStatus::kOk;
}

AttrStatus parse_ssrc_group(MediaSection& m, std::string_view v) {
  auto t = split_ws(v, kMaxTokensPerLine);
  if (!t || t->empty()) return AttrStatus::kBad;
  SsrcGroup g{std::string((*t)[0]), {}};
  for (size_t i = 1; i < t->size(); ++i) {
    auto s = parse_uint<uint32_t>((*t)[i]);
    if (!s) return AttrStatus::kBad;
    g.ssrcs.push_back(*s);
  }
  m.ssrc_groups.push_back(std::move(g));
  return AttrStatus::kOk;
}

bool is_rid_id(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

AttrStatus parse_rid(MediaSection& m, std::string_view v) {
  auto [id, rest] = split_once(trim(v), ' ');
  auto [dir, params] = split_once(trim(rest), ' ');
  if (!is_rid_id(id)) return AttrStatus::kBad;
  Rid r;
  r.id = std::string(id);
  if (dir == "send") r.direction = RidDirection::kSend;
  else if (dir == "recv") r.direction = RidDirection::kRecv;
  else return AttrStatus::kBad;
  r.params = std::string(trim(params));
  if (m.rids.size() >= kMaxRidsPerMedia) return AttrStatus::kTooMany;
  m.rids.push_back(std::move(r));
  return AttrStatus::kOk;
}

AttrStatus parse_msid(MediaSection& m, std::string_view v) {
  auto t = split_ws(v, 2);
  if (!t || t->empty()) return AttrStatus::kBad;
  m.msids.push_back({std::string((*t)[0]), t->size() > 1 ? std::string((*t)[1]) : std::string()});
  return AttrStatus::kOk;
}

void keep(std::vector<Attribute>& out, std::string_view name, std::string_view value, bool has_value) {
  out.push_back({std::string(name), std::string(value), has_value});
}

}  // namespace

AttrStatus parse_session_attribute(SessionDescription& s, std::string_view name, std::string_view value,
                                   bool has_value) {
  if (name == "group") {
    auto t = split_ws(value, kMaxMediaSections + 1);
    if (!t || t->empty()) return t ? AttrStatus::kBad : AttrStatus::kTooMany;
    Group g{std::string((*t)[0]), {}};
    for (size_t i = 1; i < t->size(); ++i) g.mids.emplace_back((*t)[i]);
    s.groups.push_back(std::move(g));
  } else if (name == "ice-lite") {
    s.ice_lite = true;
  } else if (name == "msid-semantic") {
    auto t = split_ws(value, kMaxTokensPerLine);
    if (!t || t->empty()) return AttrStatus::kBad;
    MsidSemantic ms{std::string((*t)[0]), {}};
    for (size_t i = 1; i < t->size(); ++i) ms.ids.emplace_back((*t)[i]);
    s.msid_semantic = std::move(ms);
  } else if (name == "ice-ufrag" && is_token(value)) {
    s.ice_ufrag = std::string(value);
  } else if (name == "ice-pwd" && is_token(value)) {
    s.ice_pwd = std::string(value);
  } else if (name == "ice-options") {
    s.ice_options = std::string(trim(value));
  } else if (name == "fingerprint" && !s.fingerprint) {
    s.fingerprint = parse_fingerprint(value);
    if (!s.fingerprint) return AttrStatus::kBad;
  } else if (name == "setup") {
    auto st = parse_setup(trim(value));
    if (!st) return AttrStatus::kBad;
    s.setup = *st;
  } else if (name == "extmap-allow-mixed") {
    s.extmap_allow_mixed = true;
  } else if (name == "ice-ufrag" || name == "ice-pwd") {
    return AttrStatus::kBad;
  } else {
    if (s.other_attributes.size() >= kMaxAttributesPerSection) return AttrStatus::kTooMany;
    keep(s.other_attributes, name, value, has_value);
  }
  return AttrStatus::kOk;
}

AttrStatus parse_media_attribute(MediaSection& m, std::string_view name, std::string_view value,
                                 bool has_value) {
  if (auto d = parse_direction(name); d && !has_value) {
    m.direction = *d;
  } else if (name == "mid") {
    if (!m.mid.empty()) return AttrStatus::kDuplicate;
    if (!is_token(value) || value.size() > 64) return AttrStatus::kBad;
    m.mid = std::string(value);
  } else if (name == "rtpmap") {
    return parse_rtpmap(m, value);
  } else if (name == "fmtp" && split_pt(value)) {
    auto p = split_pt(value);
    auto f = parse_fmtp_params(p->second);
    if (!f) return AttrStatus::kBad;
    if (m.codecs.size() >= kMaxFormatsPerMedia) return AttrStatus::kTooMany;
    codec_for(m, p->first).fmtp = std::move(*f);
  } else if (name == "rtcp-fb") {
    return parse_rtcp_fb(m, value);
  } else if (name == "extmap") {
    return parse_extmap(m, value);
  } else if (name == "ssrc") {
    return parse_ssrc(m, value);
  } else if (name == "ssrc-group") {
    return parse_ssrc_group(m, value);
  } else if (name == "rid") {
    return parse_rid(m, value);
  } else if (name == "simulcast" && !m.simulcast && parse_simulcast(value)) {
    m.simulcast = parse_simulcast(value);
  } else if (name == "msid") {
    return parse_msid(m, value);
  } else if (name == "rtcp") {
    m.rtcp = std::string(value);
  } else if (name == "rtcp-mux" && !has_value) {
    m.rtcp_mux = true;
  } else if (name == "rtcp-mux-only" && !has_value) {
    m.rtcp_mux_only = true;
  } else if (name == "rtcp-rsize" && !has_value) {
    m.rtcp_rsize = true;
  } else if (name == "ice-ufrag" || name == "ice-pwd") {
    if (!is_token(value)) return AttrStatus::kBad;
    (name == "ice-ufrag" ? m.ice_ufrag : m.ice_pwd) = std::string(value);
  } else if (name == "ice-options") {
    m.ice_options = std::string(trim(value));
  } else if (name == "fingerprint" && !m.fingerprint) {
    m.fingerprint = parse_fingerprint(value);
    if (!m.fingerprint) return AttrStatus::kBad;
  } else if (name == "setup") {
    auto st = parse_setup(trim(value));
    if (!st) return AttrStatus::kBad;
    m.setup = *st;
  } else if (name == "candidate") {
    if (m.candidates.size() >= kMaxCandidatesPerMedia) return AttrStatus::kTooMany;
    auto c = parse_candidate(value);
    if (!c) return AttrStatus::kBad;
    m.candidates.push_back(std::move(*c));
  } else if (name == "end-of-candidates") {
    m.end_of_candidates = true;
  } else if (name == "sctp-port") {
    auto p = parse_uint<uint16_t>(trim(value));
    if (!p) return AttrStatus::kBad;
    m.sctp_port = *p;
  } else if (name == "max-message-size") {
    auto p = parse_uint<uint64_t>(trim(value));
    if (!p) return AttrStatus::kBad;
    m.max_message_size = *p;
  } else {
    if (m.other_attributes.size() >= kMaxAttributesPerSection) return AttrStatus::kTooMany;
    keep(m.other_attributes, name, value, has_value);
  }
  return AttrStatus::kOk;
}

void finish_media(MediaSection& m) {
  std::vector<Codec> ordered;
  ordered.reserve(m.codecs.size());
  for (const auto& f : m.formats) {
    auto pt = parse_uint<uint8_t>(f);
    if (!pt) continue;
    auto it = std::find_if(m.codecs.begin(), m.codecs.end(), [&](const Codec& c) { return c.pt == *pt; });
    if (it != m.codecs.end()) {
      ordered.push_back(std::move(*it));
      m.codecs.erase(it);
    }
  }
  for (auto& c : m.codecs) ordered.push_back(std::move(c));
  m.codecs = std::move(ordered);
}

}  // namespace umbrella::sdp::detail
