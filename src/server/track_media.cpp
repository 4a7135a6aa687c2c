#include "server/track_media.hpp"

#include <algorithm>
#include <cctype>

#include "rtp/payload_format.hpp"
#include "sfu/layer_allocation.hpp"
#include "sdp/capabilities.hpp"
#include "sdp/helpers.hpp"

namespace umbrella::server {
namespace {

bool same_codec_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

uint32_t new_ssrc() {
  static std::mt19937 rng(std::random_device{}());
  uint32_t s;
  do s = rng(); while (s == 0);
  return s;
}

}  // namespace

umbrella_MediaKind to_proto(sfu::Kind k) {
  return k == sfu::Kind::kAudio ? umbrella_MediaKind_MEDIA_KIND_AUDIO : umbrella_MediaKind_MEDIA_KIND_VIDEO;
}

sfu::ExtensionIds extension_ids(const sdp::NegotiatedMedia& m) {
  auto id = [&m](std::string_view uri) { return uint8_t(m.extension_id(uri).value_or(0)); };
  sfu::ExtensionIds e;
  e.mid = id(sdp::ext::kMid);
  e.rid = id(sdp::ext::kRtpStreamId);
  e.repaired_rid = id(sdp::ext::kRepairedRtpStreamId);
  e.abs_send_time = id(sdp::ext::kAbsSendTime);
  e.transport_cc = id(sdp::ext::kTransportCc);
  e.audio_level = id(sdp::ext::kAudioLevel);
  e.dependency_descriptor = id(sdp::ext::kDependencyDescriptor);
  return e;
}

int codec_fit(const PublisherTrack& t, const sdp::MediaSection& offered) {
  int fit = 0;
  bool first = true;
  for (auto& pc : t.codecs) {
    if (sdp::is_rtx(pc)) continue;
    for (auto& c : offered.codecs)
      if (c.has_rtpmap && same_codec_name(c.name, pc.name) && c.clock_rate == pc.clock_rate) {
        auto& caps = sdp::default_capabilities().codecs;
        // Only what we would answer: H264 in another profile or packetization mode is not it.
        if (std::any_of(caps.begin(), caps.end(), [&](auto& cap) { return sdp::codec_matches(cap, c); }))
          return first ? 2 : 1;
      }
    first = false;
  }
  return fit;
}

SubscribedTrack output_for(const PublisherTrack& t, std::string mid, bool all_layers) {
  SubscribedTrack o;
  o.track_id = t.track_id;
  o.publisher_id = t.owner_id;
  o.stream = t.stream;
  o.kind = t.kind;
  o.mid = std::move(mid);
  o.ssrc = new_ssrc();
  if (t.kind == sfu::Kind::kVideo) o.rtx_ssrc = new_ssrc();
  for (size_t i = 1; all_layers && i < t.layers; ++i) o.more_layers.emplace_back(new_ssrc(), new_ssrc());
  return o;
}

std::vector<media::SimulcastLayer> simulcast_layers(const PublisherTrack& t, const sdp::NegotiatedState& negotiated,
                                                    const sdp::SessionDescription* remote) {
  const sdp::NegotiatedMedia* m = negotiated.find(t.mid);
  if (!m || t.kind != sfu::Kind::kVideo) return {};
  std::vector<media::SimulcastLayer> layers;
  for (size_t i = 0; m->recv_rids.size() >= 2 && i < std::min(m->recv_rids.size(), sfu::kMaxLayers); ++i)
    layers.push_back({m->recv_rids[i], 0, 0});
  if (!layers.empty()) return layers;
  const sdp::MediaSection* section = remote ? sdp::find_media(*remote, t.mid) : nullptr;
  if (!section) return {};
  for (auto& g : section->ssrc_groups) {
    if (g.semantics != "SIM" || g.ssrcs.size() < 2) continue;
    for (size_t i = 0; i < g.ssrcs.size() && layers.size() < sfu::kMaxLayers; ++i) {
      // A zero or repeated SSRC (a malformed group) is not a layer of its own.
      if (g.ssrcs[i] == 0 || std::any_of(layers.begin(), layers.end(),
                                         [&](const media::SimulcastLayer& l) { return l.ssrc == g.ssrcs[i]; }))
        continue;
      media::SimulcastLayer l{"", g.ssrcs[i], 0};
      for (auto& fid : section->ssrc_groups)
        if (fid.semantics == "FID" && fid.ssrcs.size() == 2 && fid.ssrcs[0] == l.ssrc) l.rtx_ssrc = fid.ssrcs[1];
      layers.push_back(l);
    }
    break;
  }
  return layers;
}

std::optional<sfu::PublishedStream> published_stream(const PublisherTrack& t, const sdp::NegotiatedState& negotiated,
                                                     const sdp::SessionDescription* remote) {
  const sdp::NegotiatedMedia* m = negotiated.find(t.mid);
  const sdp::MediaSection* section = remote ? sdp::find_media(*remote, t.mid) : nullptr;
  if (!m || !section) return std::nullopt;
  sfu::PublishedStream s;
  s.kind = t.kind;
  s.mid = t.mid;
  s.extensions = extension_ids(*m);
  // SSRCs as signalled: the FID group gives media + RTX; else the first a=ssrc.
  for (auto& g : section->ssrc_groups)
    if (g.semantics == "FID" && g.ssrcs.size() == 2) {
      s.ssrc = g.ssrcs[0];
      s.rtx_ssrc = g.ssrcs[1];
    }
  if (!s.ssrc && !section->ssrcs.empty()) s.ssrc = section->ssrcs.front().ssrc;
  // Simulcast: the media plane makes a stream of each layer; this is the first.
  if (auto layers = simulcast_layers(t, negotiated, remote); !layers.empty()) {
    s.ssrc = layers.front().ssrc;
    s.rtx_ssrc = layers.front().rtx_ssrc;
    s.rid = layers.front().rid;
  } else if (!section->rids.empty()) {
    s.ssrc = 0;
    s.rtx_ssrc = 0;
    s.rid = section->rids.front().id;
  }
  for (auto& c : m->codecs) {
    if (auto codec = rtp::codec_named(c.name); codec && t.kind == sfu::Kind::kVideo && c.pt < 128)
      s.codecs.emplace_back(uint8_t(c.pt), *codec);
    if (sdp::is_rtx(c)) {
      if (!s.rtx_payload_type) s.rtx_payload_type = c.pt;
    } else if (s.clock_rate == 90000 || t.kind == sfu::Kind::kAudio) {
      s.clock_rate = c.clock_rate ? c.clock_rate : s.clock_rate;
    }
  }
  return s;
}

std::optional<sfu::Subscription> subscription_for(const SubscribedTrack& out, const PublisherTrack& source,
                                                  const sdp::NegotiatedState& negotiated, sfu::TransportId transport) {
  const sdp::NegotiatedMedia* mine = negotiated.find(out.mid);
  if (!mine || mine->rejected || mine->direction == sdp::Direction::kInactive ||
      mine->direction == sdp::Direction::kRecvOnly)
    return std::nullopt;
  sfu::Subscription s;
  s.stream = out.stream;
  s.transport = transport;
  s.ssrc = out.ssrc;
  s.extensions = extension_ids(*mine);
  bool any = false;
  for (auto& pc : source.codecs) {
    if (sdp::is_rtx(pc) || pc.pt >= 128) continue;
    for (auto& sc : mine->codecs) {
      if (sdp::is_rtx(sc) || !same_codec_name(sc.name, pc.name) || sc.clock_rate != pc.clock_rate) continue;
      s.payload_type_map[pc.pt] = sc.pt;
      if (!any) {
        if (auto rtx = mine->rtx_payload_type(sc.pt); rtx && out.rtx_ssrc) {
          s.rtx_payload_type = *rtx;
          s.rtx_ssrc = out.rtx_ssrc;
        }
      }
      any = true;
      break;
    }
  }
  if (!any) return std::nullopt;
  return s;
}

std::vector<sfu::Subscription> subscriptions_for(const SubscribedTrack& out, const PublisherTrack& source,
                                                 const sdp::NegotiatedState& negotiated, sfu::TransportId transport) {
  auto first = subscription_for(out, source, negotiated, transport);
  if (!first) return {};
  std::vector<sfu::Subscription> subs{*first};
  if (out.more_layers.empty() || out.more_layers.size() + 1 != source.layers) return subs;
  for (size_t i = 0; i < out.more_layers.size(); ++i) {
    sfu::Subscription s = *first;
    s.stream = out.stream + media::TrackId(i + 1);  // the layers' ids follow the first's
    s.ssrc = out.more_layers[i].first;
    s.rtx_ssrc = first->rtx_ssrc ? out.more_layers[i].second : 0;
    subs.push_back(s);
  }
  return subs;
}

}  // namespace umbrella::server
