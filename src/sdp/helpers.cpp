#include "sdp/helpers.hpp"

#include <algorithm>

#include "sdp/text.hpp"

namespace umbrella::sdp {

using detail::iequals;

const Codec* find_codec(const MediaSection& m, std::string_view name, uint32_t clock_rate) {
  for (const auto& c : m.codecs)
    if (iequals(c.name, name) && (clock_rate == 0 || c.clock_rate == clock_rate)) return &c;
  return nullptr;
}

const Codec* find_codec_by_pt(const MediaSection& m, uint8_t pt) {
  for (const auto& c : m.codecs) if (c.pt == pt) return &c;
  return nullptr;
}

std::optional<std::string_view> fmtp_value(const Codec& c, std::string_view key) {
  for (const auto& p : c.fmtp.params)
    if (iequals(p.key, key)) return std::string_view(p.value);
  return std::nullopt;
}

bool is_rtx(const Codec& c) { return iequals(c.name, "rtx"); }

std::optional<uint8_t> rtx_apt(const Codec& rtx) {
  auto v = fmtp_value(rtx, "apt");
  if (!v) return std::nullopt;
  auto pt = detail::parse_uint<uint8_t>(*v);
  if (!pt || *pt > 127) return std::nullopt;
  return pt;
}

std::optional<uint8_t> rtx_payload_type(const MediaSection& m, uint8_t pt) {
  for (const auto& c : m.codecs)
    if (is_rtx(c) && rtx_apt(c) == pt) return c.pt;
  return std::nullopt;
}

std::optional<uint16_t> find_extmap_id(const MediaSection& m, std::string_view uri) {
  for (const auto& e : m.extmaps) if (e.uri == uri) return e.id;
  return std::nullopt;
}

const MediaSection* find_media(const SessionDescription& s, std::string_view mid) {
  for (const auto& m : s.media) if (m.mid == mid) return &m;
  return nullptr;
}

const Group* find_group(const SessionDescription& s, std::string_view semantics) {
  for (const auto& g : s.groups) if (iequals(g.semantics, semantics)) return &g;
  return nullptr;
}

bool in_bundle_group(const SessionDescription& s, std::string_view mid) {
  const Group* g = find_group(s, "BUNDLE");
  return g && !mid.empty() && std::find(g->mids.begin(), g->mids.end(), mid) != g->mids.end();
}

bool is_bundle_only(const MediaSection& m) {
  return std::any_of(m.other_attributes.begin(), m.other_attributes.end(),
                     [](const Attribute& a) { return a.name == "bundle-only"; });
}

bool is_rejected(const SessionDescription& s, const MediaSection& m) {
  if (m.port != 0 || !in_bundle_group(s, m.mid)) return m.port == 0;
  // Bundled at port 0: live only while the group has a tag with a port to share.
  const Group* g = find_group(s, "BUNDLE");
  return std::none_of(g->mids.begin(), g->mids.end(), [&](const std::string& mid) {
    const MediaSection* t = find_media(s, mid);
    return t && t->port != 0;
  });
}

const MediaSection& transport_line(const SessionDescription& s, const MediaSection& m) {
  if (m.port != 0 || !in_bundle_group(s, m.mid)) return m;
  for (const auto& mid : find_group(s, "BUNDLE")->mids)
    if (const MediaSection* t = find_media(s, mid); t && t->port != 0) return *t;
  return m;
}

void set_codecs(MediaSection& m, std::vector<Codec> codecs) {
  m.codecs = std::move(codecs);
  m.formats.clear();
  for (const auto& c : m.codecs) m.formats.push_back(std::to_string(c.pt));
}

std::string_view effective_ice_ufrag(const SessionDescription& s, const MediaSection& m) {
  return m.ice_ufrag.empty() ? std::string_view(s.ice_ufrag) : std::string_view(m.ice_ufrag);
}

std::string_view effective_ice_pwd(const SessionDescription& s, const MediaSection& m) {
  return m.ice_pwd.empty() ? std::string_view(s.ice_pwd) : std::string_view(m.ice_pwd);
}

const Fingerprint* effective_fingerprint(const SessionDescription& s, const MediaSection& m) {
  if (m.fingerprint) return &*m.fingerprint;
  return s.fingerprint ? &*s.fingerprint : nullptr;
}

Setup effective_setup(const SessionDescription& s, const MediaSection& m) {
  return m.setup != Setup::kUnspecified ? m.setup : s.setup;
}

bool is_rtp_savpf(std::string_view proto) {
  return proto == "UDP/TLS/RTP/SAVPF" || proto == "RTP/SAVPF" || proto == "TCP/TLS/RTP/SAVPF";
}

std::optional<uint16_t> sctp_port_of(const MediaSection& m) {
  if (m.sctp_port) return m.sctp_port;
  if (m.proto != "DTLS/SCTP" || m.formats.size() != 1) return std::nullopt;
  auto port = detail::parse_uint<uint32_t>(m.formats[0]);
  if (!port || *port == 0 || *port > 65535) return std::nullopt;
  return uint16_t(*port);
}

uint64_t max_message_size_of(const MediaSection& m) {
  if (!m.max_message_size) return 65536;
  return *m.max_message_size == 0 ? uint64_t(1) << 30 : *m.max_message_size;
}

bool is_sctp(std::string_view proto) {
  return proto == "UDP/DTLS/SCTP" || proto == "TCP/DTLS/SCTP" || proto == "DTLS/SCTP";
}

}  // namespace umbrella::sdp
