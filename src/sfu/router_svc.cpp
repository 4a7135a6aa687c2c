// SVC streams in the Router: what a packet is to layer selection, from the VP9 payload
// descriptor or the AV1 dependency descriptor, and what the stream's layers are and cost.
// The per-subscriber choice is SvcSelector's; forward() and retransmit() apply it.
#include <algorithm>

#include "rtp/rtp_extensions.hpp"
#include "sfu/router.hpp"

namespace umbrella::sfu {
namespace {

std::optional<rtp::Codec> codec_of(const detail::Stream& s, uint8_t pt) {
  for (auto [codec_pt, codec] : s.pub.codecs)
    if (codec_pt == pt) return codec;
  return std::nullopt;
}

}  // namespace

Router::SvcRead Router::read_svc(Stream& s, const rtp::RtpView& v, uint8_t pt, bool unwrap) {
  SvcRead r;
  if (s.pub.kind != Kind::kVideo) return r;
  auto codec = codec_of(s, pt);
  // Layers are selected by the dependency descriptor for AV1 on a stream of its own; anywhere
  // else (VP8, VP9 by its own descriptor, simulcast layers with numbers and structures of their
  // own) receivers never relied on it here, and a copy that disagreed with what was dropped
  // would mislead them: it goes.
  uint8_t dd_id = s.pub.extensions.dependency_descriptor;
  auto dd = dd_id ? rtp::extension(v, dd_id) : std::nullopt;
  bool by_dd = dd && codec == rtp::Codec::kAv1 && !s.pub.layer_of;
  if (dd && !by_dd) r.drop_extension = dd_id;
  size_t skip = unwrap ? 2 : 0;
  if (s.pub.layer_of || v.payload.size() <= skip) return r;  // padding passes as before
  if (codec == rtp::Codec::kVp9) {
    auto d = rtp::parse_vp9_descriptor(v.payload.subspan(skip));
    if (!d) {
      r.malformed = true;
      return r;
    }
    if (!d->has_layers) return r;
    r.packet = svc_packet(*d);
    if (d->has_scalability) {
      const rtp::Vp9Scalability& ss = d->scalability;
      r.spatial_layers = ss.spatial_layers;
      if (ss.has_sizes)
        for (size_t i = 0; i < kMaxLayers && i < ss.spatial_layers; ++i) r.height[i] = ss.height[i];
    }
    return r;
  }
  if (!by_dd) return r;
  if (!s.dd) s.dd = std::make_unique<detail::DdState>();  // once per stream
  auto d = rtp::parse_dependency_descriptor(*dd, s.dd->structure(), s.dd->scratch());
  if (!d) {
    r.malformed = true;  // also before any structure: no receiver could read it either
    return r;
  }
  const rtp::DdStructure& st = d->attached_structure ? s.dd->scratch() : *s.dd->structure();
  r.packet = svc_packet(*d, st);
  if (d->attached_structure) {
    r.structure = &st;
    r.spatial_layers = uint8_t(st.max_spatial + 1);
    r.temporal_layers = uint8_t(st.max_temporal + 1);
    if (st.has_resolutions)
      for (size_t i = 0; i < kMaxLayers && i <= st.max_spatial; ++i)
        r.height[i] = uint16_t(std::min<uint32_t>(st.height[i], 0xffff));
  }
  return r;
}

void Router::note_svc_layers(Stream& s, const SvcRead& r, size_t size) {
  detail::SvcLayers& l = s.svc;
  const SvcPacket& p = *r.packet;
  size_t sid = std::min<size_t>(p.spatial, kMaxLayers - 1), tid = std::min<size_t>(p.temporal, kMaxLayers - 1);
  l.bytes[sid * kMaxLayers + tid] += size;
  bool was_active = l.active();
  l.spatial = uint8_t(std::max(size_t(l.spatial), sid + 1));
  l.temporal = uint8_t(std::max(size_t(l.temporal), tid + 1));
  l.spatial = uint8_t(std::max<size_t>(l.spatial, std::min<size_t>(r.spatial_layers, kMaxLayers)));
  l.temporal = uint8_t(std::max<size_t>(l.temporal, std::min<size_t>(r.temporal_layers, kMaxLayers)));
  for (size_t i = 0; i < kMaxLayers; ++i)
    if (r.height[i]) l.height[i] = r.height[i];
  if (r.structure && s.dd && r.structure != s.dd->structure()) s.dd->adopt();
  if (!was_active && l.active() && next_layer_tick_ == kNever) {  // layers to choose from now on
    next_layer_tick_ = now_;
    lower_deadline(now_);
  }
}

}  // namespace umbrella::sfu
