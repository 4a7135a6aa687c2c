// make_offer(): server-initiated renegotiation of an existing transport.
#include <algorithm>
#include <bitset>
#include <set>

#include "sdp/build.hpp"
#include "sdp/helpers.hpp"
#include "sdp/limits.hpp"
#include "sdp/names.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/negotiation_common.hpp"
#include "sdp/text.hpp"

namespace umbrella::sdp {
namespace {

const OutgoingTrack* track_for(const std::vector<OutgoingTrack>& tracks, const std::string& mid) {
  for (const auto& t : tracks) if (t.mid == mid) return &t;
  return nullptr;
}

std::string check_tracks(const std::vector<OutgoingTrack>& tracks) {
  std::set<std::string> mids;
  for (const auto& t : tracks) {
    if (!detail::is_token(t.mid) || t.mid.size() > 64) return "track with invalid mid";
    if (!mids.insert(t.mid).second) return "two tracks share mid " + t.mid;
    if (t.kind != MediaKind::kAudio && t.kind != MediaKind::kVideo) return "track " + t.mid + " is not audio/video";
    if (!detail::is_token(t.stream_id) || !detail::is_token(t.track_id)) return "track " + t.mid + " has no msid";
    if (!t.cname.empty() && !detail::is_token(t.cname)) return "track " + t.mid + " has an invalid cname";
    if (t.ssrc == 0 || t.rtx_ssrc == t.ssrc) return "track " + t.mid + " has invalid ssrcs";
    std::set<uint8_t> pts;
    for (const auto& c : t.codecs)
      if (c.pt > 127 || !pts.insert(c.pt).second || !detail::is_token(c.name) || c.clock_rate == 0)
        return "track " + t.mid + " has invalid codecs";
  }
  return {};
}

// Payload types and extension ids already in use on the transport, so that new m-lines
// reuse the same numbers for the same things and never reuse a number for something else.
struct Numbering {
  std::set<uint8_t> pts;
  std::vector<std::pair<std::string, uint16_t>> ext_ids;  // every (uri, id) seen, first first

  explicit Numbering(const NegotiatedState& state) {
    for (const auto& m : state.media) {
      for (const auto& c : m.codecs) pts.insert(c.pt);
      for (const auto& e : m.extmaps) ext_ids.emplace_back(e.uri, e.id);
    }
  }
  std::optional<uint8_t> free_pt(uint8_t preferred) {
    if (preferred && !pts.count(preferred)) return take(preferred);
    for (uint8_t pt = 96; pt <= 127; ++pt) if (!pts.count(pt)) return take(pt);
    for (uint8_t pt = 35; pt <= 63; ++pt) if (!pts.count(pt)) return take(pt);
    return std::nullopt;
  }
  // An id for cap.uri on a new m-line whose ids so far are `line`: the id the transport
  // already uses for that URI, else an id nobody uses (one-byte header range).
  std::optional<uint16_t> ext_id(const ExtensionCapability& cap, const std::vector<Extmap>& line) {
    auto in_line = [&](uint16_t id) {
      return std::any_of(line.begin(), line.end(), [&](const Extmap& e) { return e.id == id; });
    };
    for (const auto& [uri, id] : ext_ids)
      if (uri == cap.uri && !in_line(id)) return id;
    auto used = [&](uint16_t id) {
      return in_line(id) ||
             std::any_of(ext_ids.begin(), ext_ids.end(), [&](const auto& p) { return p.second == id; });
    };
    uint16_t id = cap.default_id;
    if (id == 0 || id > 14 || used(id)) {
      id = 0;
      for (uint16_t i = 1; i <= 14 && !id; ++i) if (!used(i)) id = i;
    }
    if (!id) return std::nullopt;
    ext_ids.emplace_back(cap.uri, id);
    return id;
  }

 private:
  uint8_t take(uint8_t pt) { pts.insert(pt); return pt; }
};

// Our codecs for a new m-line, reusing the payload types an existing m-line of the same
// kind negotiated for the same codec.
std::vector<Codec> default_codecs(MediaKind kind, const Capabilities& caps, const NegotiatedState& state,
                                  Numbering& numbers) {
  std::vector<Codec> out;
  std::bitset<128> in_line;  // a number reused from another m-line must still be unique here
  for (const auto& cap : caps.codecs) {
    if (cap.kind != kind) continue;
    int pt = -1, rtx = -1;
    for (const auto& m : state.media) {
      if (m.kind != kind || pt >= 0) continue;
      for (const auto& c : m.codecs) {
        if (c.has_rtpmap && !is_rtx(c) && codec_matches(cap, c) && !in_line[c.pt & 127]) {
          pt = c.pt;
          auto r = m.rtx_payload_type(c.pt);
          if (r && *r != c.pt && !in_line[*r & 127]) rtx = *r;
          break;
        }
      }
    }
    if (pt < 0)
      if (auto p = numbers.free_pt(cap.default_pt)) pt = *p;
    if (cap.rtx && rtx < 0 && pt >= 0)
      if (auto r = numbers.free_pt(cap.default_rtx_pt)) rtx = *r;
    if (pt < 0 || (cap.rtx && rtx < 0)) continue;  // out of payload types: offer fewer codecs
    in_line.set(size_t(pt));
    if (cap.rtx) in_line.set(size_t(rtx));
    for (auto& c : codecs_for(cap, uint8_t(pt), uint8_t(cap.rtx ? rtx : 0))) out.push_back(std::move(c));
  }
  return out;
}

// A sendonly audio/video m-line for `t` with our codecs and extensions, numbered
// consistently with the transport: a new m-line, or an inactive one that gets a track again.
std::string fill_send_line(MediaSection& m, const OutgoingTrack& t, const Capabilities& caps,
                           const NegotiatedState& state, Numbering& numbers) {
  m.kind = t.kind;
  m.media = std::string(to_string(t.kind));
  if (m.proto.empty()) m.proto = "UDP/TLS/RTP/SAVPF";
  m.mid = t.mid;
  std::vector<Codec> codecs = t.codecs.empty() ? default_codecs(t.kind, caps, state, numbers) : t.codecs;
  if (codecs.empty()) return "no codec for track " + t.mid;
  set_codecs(m, std::move(codecs));
  m.extmaps.clear();
  for (const auto& ext : caps.extensions) {
    if (!find_extension(caps, ext.uri, t.kind)) continue;
    if (auto id = numbers.ext_id(ext, m.extmaps)) m.extmaps.push_back({*id, Direction::kUnspecified, ext.uri, {}});
  }
  m.rtcp_rsize = true;
  m.direction = Direction::kSendOnly;
  detail::add_track(m, t);
  return {};
}

// An inactive audio/video m-line as small as RFC 8866 and JSEP allow: the m= line needs one
// format, and that format one the remote accepted (its rtpmap and fmtp; no feedback), so the
// remote can apply it. Extensions, msid and ssrc lines are left out.
std::vector<Codec> minimal_codecs(const std::vector<Codec>& negotiated) {
  for (const auto& c : negotiated) {
    if (is_rtx(c)) continue;
    Codec one = c;
    one.feedback.clear();
    return {one};
  }
  return negotiated;
}

void keep_receiving_simulcast(const NegotiatedMedia& n, MediaSection& m) {
  if (n.recv_rids.empty()) return;
  Simulcast s;
  for (const auto& rid : n.recv_rids) {
    m.rids.push_back({rid, RidDirection::kRecv, {}});
    s.recv.push_back({{rid, false}});
  }
  m.simulcast = std::move(s);
}

}  // namespace

Result<SessionDescription, std::string> make_offer(const NegotiatedState& state,
                                                   const std::vector<OutgoingTrack>& tracks,
                                                   const LocalTransport& local,
                                                   uint64_t data_channel_max_message_size) {
  if (auto e = detail::check_local(local); !e.empty()) return Err{e};
  if (auto e = check_tracks(tracks); !e.empty()) return Err{e};
  const Capabilities& caps = detail::capabilities_of(local);
  Numbering numbers(state);
  // What new m-lines number their codecs after: the negotiated ones and those this offer
  // adds, so a fresh session with many tracks (a viewer joining a full room) reuses one set
  // of payload types instead of running out of the 61 dynamic ones after a few m-lines.
  NegotiatedState numbered = state;
  auto numbered_like = [&](const MediaSection& m) {
    NegotiatedMedia n;
    n.mid = m.mid;
    n.kind = m.kind;
    n.codecs = m.codecs;
    numbered.media.push_back(std::move(n));
  };
  SessionDescription offer = detail::base_description(local);
  offer.extmap_allow_mixed = state.extmap_allow_mixed;
  Group bundle{"BUNDLE", {}};

  for (const auto& n : state.media) {
    const OutgoingTrack* track = track_for(tracks, n.mid);
    if (track && (n.rejected || track->kind != n.kind)) return Err{"track mid " + n.mid + " cannot reuse that m-line"};
    MediaSection m;
    // Rejected lines stay (an m-line is never removed, JSEP 5.2.2); an accepted data
    // channel line stays as negotiated.
    if (n.is_data_channel()) {
      m = detail::data_channel_media(n.mid, n.proto, n.local_max_message_size);
      detail::add_transport(m, local, Setup::kActpass);
      bundle.mids.push_back(m.mid);
      offer.media.push_back(std::move(m));
      continue;
    }
    if (n.rejected || (n.kind != MediaKind::kAudio && n.kind != MediaKind::kVideo)) {
      offer.media.push_back(
          detail::rejected_media(n.kind, n.media, n.proto, n.formats, n.mid, local, Setup::kActpass));
      continue;
    }
    if (track && !sends(n.direction) && !receives(n.direction)) {
      m.proto = n.proto;  // an inactive m-line gets a track again: full codecs as if new
      if (auto e = fill_send_line(m, *track, caps, numbered, numbers); !e.empty()) return Err{e};
      numbered_like(m);
    } else {
      m.kind = n.kind;
      m.media = std::string(to_string(n.kind));
      m.proto = n.proto;
      m.mid = n.mid;
      bool recv = receives(n.direction);
      m.direction = make_direction(track != nullptr, recv);
      if (m.direction == Direction::kInactive) {
        set_codecs(m, minimal_codecs(n.codecs));
      } else {
        set_codecs(m, n.codecs);
        m.extmaps = n.extmaps;
        m.rtcp_rsize = n.rtcp_rsize;
      }
      if (track) detail::add_track(m, *track);
      if (recv) keep_receiving_simulcast(n, m);
    }
    detail::add_transport(m, local, Setup::kActpass);
    bundle.mids.push_back(m.mid);
    offer.media.push_back(std::move(m));
  }

  for (const auto& t : tracks) {
    if (state.find(t.mid)) continue;
    if (offer.media.size() >= kMaxMediaSections) return Err{std::string("too many m-lines")};
    MediaSection m;
    if (auto e = fill_send_line(m, t, caps, numbered, numbers); !e.empty()) return Err{e};
    numbered_like(m);
    detail::add_transport(m, local, Setup::kActpass);
    bundle.mids.push_back(m.mid);
    offer.media.push_back(std::move(m));
  }
  if (data_channel_max_message_size && !state.data_channel() && !state.find("data")) {
    MediaSection m = detail::data_channel_media("data", "UDP/DTLS/SCTP", data_channel_max_message_size);
    detail::add_transport(m, local, Setup::kActpass);
    bundle.mids.push_back(m.mid);
    offer.media.push_back(std::move(m));
  }
  if (offer.media.empty()) return Err{std::string("nothing to offer")};
  if (!bundle.mids.empty()) offer.groups.push_back(std::move(bundle));
  return offer;
}

std::optional<std::string> reusable_mid(const NegotiatedState& state, MediaKind kind,
                                        const std::vector<std::string>& live_mids, std::string_view prefix) {
  for (const auto& n : state.media) {
    if (n.kind != kind || n.rejected || n.direction != Direction::kInactive) continue;
    if (n.mid.compare(0, prefix.size(), prefix) != 0) continue;
    if (std::find(live_mids.begin(), live_mids.end(), n.mid) != live_mids.end()) continue;
    return n.mid;
  }
  return std::nullopt;
}

std::string build_offer(const NegotiatedState& state, const std::vector<OutgoingTrack>& tracks,
                        const LocalTransport& local) {
  auto offer = make_offer(state, tracks, local);
  return offer ? build(*offer) : std::string();
}

}  // namespace umbrella::sdp
