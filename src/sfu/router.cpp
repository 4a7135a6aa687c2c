// Registration, lookup and the RTP path of the Router. RTCP and timers: router_rtcp.cpp.
#include "sfu/router.hpp"

#include <algorithm>

#include "rtp/rtp_extensions.hpp"
#include "rtp/rtx.hpp"
#include "sfu/extension_map.hpp"

namespace umbrella::sfu {
namespace {

constexpr size_t kMaxRetiredOutputs = 64;

template <typename Key>
bool key_less(const Key& a, const Key& b) {
  return a.transport != b.transport ? a.transport < b.transport : a.ssrc < b.ssrc;
}

template <typename Key>
const Key* lookup(const std::vector<Key>& index, TransportId transport, uint32_t ssrc) {
  auto it = std::lower_bound(index.begin(), index.end(), std::pair{transport, ssrc},
                             [](const Key& k, const std::pair<TransportId, uint32_t>& v) {
                               return k.transport != v.first ? k.transport < v.first
                                                             : k.ssrc < v.second;
                             });
  if (it == index.end() || it->transport != transport || it->ssrc != ssrc) return nullptr;
  return &*it;
}

std::optional<std::string_view> sdes_extension(const rtp::RtpView& v, uint8_t id) {
  if (id == 0) return std::nullopt;
  auto data = rtp::extension(v, id);
  if (!data) return std::nullopt;
  return rtp::read_sdes_string(*data);
}

// The VP8/VP9 picture numbers of a media payload (an RTX payload's after its OSN).
std::optional<rtp::PictureIds> picture_ids(const detail::Stream& s, uint8_t pt, Bytes payload, bool rtx) {
  if (rtx && payload.size() < 2) return std::nullopt;
  for (auto [codec_pt, codec] : s.pub.codecs)
    if (codec_pt == pt) return rtp::find_picture_ids(codec, payload.subspan(rtx ? 2 : 0));
  return std::nullopt;
}

}  // namespace

Router::Router(Outbox& outbox, RouterConfig config) : outbox_(outbox), config_(std::move(config)) {}

Router::Stream* Router::find_stream(StreamId id) const {
  for (const auto& s : streams_)
    if (s->pub.id == id) return s.get();
  return nullptr;
}

const detail::StreamKey* Router::find_by_ssrc(TransportId transport, uint32_t ssrc) const {
  return lookup(stream_index_, transport, ssrc);
}

const detail::OutputKey* Router::find_output(TransportId transport, uint32_t ssrc) const {
  return lookup(output_index_, transport, ssrc);
}

void Router::rebuild_indexes() {
  stream_index_.clear();
  output_index_.clear();
  for (const auto& s : streams_) {
    if (s->pub.ssrc) stream_index_.push_back({s->pub.transport, s->pub.ssrc, s.get(), false});
    if (s->pub.rtx_ssrc) stream_index_.push_back({s->pub.transport, s->pub.rtx_ssrc, s.get(), true});
    for (size_t i = 0; i < s->outputs.size(); ++i)
      output_index_.push_back({s->outputs[i].sub.transport, s->outputs[i].sub.ssrc, s.get(), i});
  }
  std::sort(stream_index_.begin(), stream_index_.end(), key_less<detail::StreamKey>);
  std::sort(output_index_.begin(), output_index_.end(), key_less<detail::OutputKey>);
  recompute_deadline();  // registration changed: streams and their deadlines come and go
}

bool Router::retire_output(Output&& output) {
  if (retired_.size() >= kMaxRetiredOutputs) retired_.erase(retired_.begin());
  retired_.push_back(std::move(output));
  return true;
}

void Router::add_stream(const PublishedStream& p) {
  if (Stream* s = find_stream(p.id)) {
    // Publisher replaced: fresh receive state, same outputs, numbering continues.
    auto outputs = std::move(s->outputs);
    auto counters = s->counters;
    *s = Stream(p, config_);
    s->outputs = std::move(outputs);
    s->counters = counters;
    for (auto& o : s->outputs) {
      o.ext_map = make_extension_map(p.extensions, o.sub.extensions);
      if (p.ssrc) o.rewriter.switch_source(p.ssrc);
    }
    if (!s->outputs.empty()) keyframe_wanted(*s, now_);
  } else {
    streams_.push_back(std::make_unique<Stream>(p, config_));
  }
  if (p.layer_of && next_layer_tick_ == kNever) next_layer_tick_ = now_;
  rebuild_indexes();
}

void Router::remove_stream(StreamId id) {
  // A simulcast track goes with all its layers (id is its first).
  auto gone = [id](const auto& s) { return s->pub.id == id || s->pub.layer_of == id; };
  bool any = false;
  for (auto& s : streams_) {
    if (!gone(s)) continue;
    any = true;
    for (auto& o : s->outputs) {
      o.target = 0;
      retire_output(std::move(o));
    }
  }
  if (!any) return;
  std::erase_if(streams_, gone);
  rebuild_indexes();
}

void Router::add_subscription(const Subscription& sub) {
  Stream* s = find_stream(sub.stream);
  if (!s) return;
  auto r = find_subscription(sub.stream, sub.transport);
  if (sub.far_sfu && r.stream != s) r = {};  // another layer's is another subscription
  if (r.stream) {
    Output& o = r.stream->outputs[r.index];
    o.sub = sub;  // renegotiated: same numbering
    o.ext_map = make_extension_map(r.stream->pub.extensions, sub.extensions);
    o.bw = sub.extensions.transport_cc && !sub.far_sfu ? bandwidth_for(sub.transport) : nullptr;
    rebuild_indexes();
    return;
  }
  // Same subscriber SSRC as a live or recently removed output: take over its numbering.
  std::optional<Output> taken;
  if (const auto* k = find_output(sub.transport, sub.ssrc)) {
    auto& outs = k->stream->outputs;
    taken.emplace(std::move(outs[k->output]));
    outs.erase(outs.begin() + std::ptrdiff_t(k->output));
  } else {
    for (auto it = retired_.rbegin(); it != retired_.rend(); ++it) {
      if (it->sub.transport != sub.transport || it->sub.ssrc != sub.ssrc) continue;
      taken.emplace(std::move(*it));
      retired_.erase(std::next(it).base());
      break;
    }
  }
  if (taken) {
    taken->target = 0;  // a layer switch it waited for is not the new subscription's
    taken->sub = sub;
    taken->counters = {};
    if (s->pub.ssrc) taken->rewriter.switch_source(s->pub.ssrc);
    s->outputs.push_back(std::move(*taken));
  } else {
    s->outputs.emplace_back(sub, s->pub.clock_rate);
  }
  s->outputs.back().ext_map = make_extension_map(s->pub.extensions, sub.extensions);
  s->outputs.back().bw = sub.extensions.transport_cc && !sub.far_sfu ? bandwidth_for(sub.transport) : nullptr;
  if (s->pub.layer_of) {
    place_new_output(*s);
    s = find_subscription(sub.stream, sub.transport).stream;
  }
  rebuild_indexes();
  keyframe_wanted(*s, now_);
}

void Router::remove_subscription(StreamId stream, TransportId transport) {
  // Every layer's, for a transport that took each layer (far_sfu).
  for (auto r = find_subscription(stream, transport); r.stream; r = find_subscription(stream, transport)) {
    auto it = r.stream->outputs.begin() + std::ptrdiff_t(r.index);
    it->target = 0;
    retire_output(std::move(*it));
    r.stream->outputs.erase(it);
  }
  rebuild_indexes();
}

size_t Router::subscribers(StreamId id) const {
  Stream* s = find_stream(id);
  if (!s) return 0;
  if (!s->pub.layer_of) return s->outputs.size();
  std::array<Stream*, kMaxLayers> layers;
  size_t total = 0;
  for (size_t i = 0, n = layers_of(s->pub.layer_of, layers); i < n; ++i) total += layers[i]->outputs.size();
  return total;
}

void Router::remove_transport(TransportId transport) {
  for (auto& s : streams_) {
    std::erase_if(s->outputs, [&](const Output& o) { return o.sub.transport == transport; });
    if (s->pub.transport == transport)
      for (auto& o : s->outputs) retire_output(std::move(o));
  }
  std::erase_if(streams_, [&](const auto& s) { return s->pub.transport == transport; });
  std::erase_if(retired_, [&](const Output& o) { return o.sub.transport == transport; });
  std::erase_if(twcc_, [&](const auto& t) { return t->transport == transport; });
  forget_bandwidth(transport);
  rebuild_indexes();
}

void Router::record_twcc(TransportId from, const Stream& s, const rtp::RtpView& v, Instant now) {
  auto value = rtp::extension(v, s.pub.extensions.transport_cc);
  if (!value) return;
  auto seq = rtp::read_transport_cc_seq(*value);
  if (!seq) return;
  TwccState* state = nullptr;
  for (auto& t : twcc_)
    if (t->transport == from) state = t.get();
  if (!state) {
    twcc_.push_back(std::make_unique<TwccState>(TwccState{from, v.ssrc, {}}));
    state = twcc_.back().get();
  }
  state->feedback.record(*seq, now);
  lower_deadline(state->feedback.next_deadline());
}

void Router::send_twcc(Instant now) {
  std::array<uint8_t, 1200> buf;
  for (auto& t : twcc_) {
    if (t->feedback.next_deadline() > now) continue;
    size_t n = t->feedback.build(buf, config_.rtcp_ssrc, t->media_ssrc, now);
    if (n) outbox_.send_rtcp(t->transport, Bytes(buf.data(), n));
  }
}

void Router::touch(Instant now) {
  if (now > now_) now_ = now;
  if (next_report_ == kNever && !streams_.empty()) {
    next_report_ = now + config_.report_interval;
    lower_deadline(next_report_);
  }
}

Router::Stream* Router::learn_ssrc(TransportId from, const rtp::RtpView& v, bool& rtx) {
  for (auto& sp : streams_) {
    Stream& s = *sp;
    if (s.pub.transport != from || (s.pub.rid.empty() && s.pub.ssrc != 0 && s.pub.rtx_ssrc != 0)) continue;
    const ExtensionIds& ids = s.pub.extensions;
    auto mid = sdes_extension(v, ids.mid);
    if (mid && !s.pub.mid.empty() && *mid != s.pub.mid) continue;
    bool mid_match = mid && !s.pub.mid.empty();
    auto rid = sdes_extension(v, ids.rid);
    auto rrid = sdes_extension(v, ids.repaired_rid);
    bool is_rtx;
    if (rrid) {
      if (s.pub.rid.empty() || *rrid != s.pub.rid) continue;
      is_rtx = true;
    } else if (rid) {
      if (s.pub.rid.empty() || *rid != s.pub.rid) continue;
      is_rtx = false;
    } else {
      if (!mid_match || !s.pub.rid.empty()) continue;
      is_rtx = s.pub.rtx_payload_type != 0 && v.payload_type == s.pub.rtx_payload_type;
    }
    if (is_rtx ? s.pub.rtx_ssrc != 0 : s.pub.ssrc != 0) {
      // Taken, and the packet names this rid layer: its sender numbers it anew (Firefox gives
      // its simulcast layers new SSRCs when it renegotiates), so the layer follows. At most
      // once a second per layer and kind: a sender flipping between SSRCs cannot make every
      // packet re-sort the indexes.
      Instant& last = s.last_ssrc_change[is_rtx ? 1 : 0];
      if (!(rid || rrid)) continue;
      if (last != Instant{} && now_ - last < seconds(1)) {
        ++counters_.ssrc_changes_deferred;
        continue;
      }
      last = now_;
      ++counters_.ssrc_changes;
      if (!is_rtx) {  // a new sequence space: what the cache and loss tracker hold is the old one's
        s.cache.clear();
        s.nack.reset();
        keyframe_wanted(s, now_);
      }
    }
    rtx = is_rtx;
    if (is_rtx) {
      s.pub.rtx_ssrc = v.ssrc;
    } else {
      s.pub.ssrc = v.ssrc;
      s.recv_stats = rtp::ReceiveStatistics(v.ssrc, s.pub.clock_rate);
      for (auto& o : s.outputs) o.rewriter.switch_source(v.ssrc);
    }
    rebuild_indexes();
    return &s;
  }
  return nullptr;
}

void Router::count_unknown_ssrc(TransportId from, const rtp::RtpView& v) {
  ++counters_.unknown_ssrc_packets;
  // Whether the sender named a layer (rid or repaired rid) that still did not take the SSRC,
  // or named nothing: tells a layer moved without its rid from a stray (status only).
  for (const auto& sp : streams_)
    if (sp->pub.transport == from) {
      const ExtensionIds& ids = sp->pub.extensions;
      if (sdes_extension(v, ids.rid) || sdes_extension(v, ids.repaired_rid)) ++counters_.unknown_ssrc_named;
      return;
    }
}

void Router::on_rtp(TransportId from, const Packet& packet, Instant now) {
  touch(now);
  if (!packet) return;
  auto parsed = rtp::parse_rtp(packet.span());
  if (!parsed) {
    ++counters_.malformed_rtp;
    return;
  }
  const rtp::RtpView& v = *parsed;
  Stream* s = nullptr;
  bool rtx = false;
  if (const auto* k = find_by_ssrc(from, v.ssrc)) {
    s = k->stream;
    rtx = k->rtx;
  } else if (!(s = learn_ssrc(from, v, rtx))) {
    count_unknown_ssrc(from, v);
    return;
  }
  if (s->pub.extensions.transport_cc) record_twcc(from, *s, v, now);
  if (s->pub.extensions.audio_level)
    if (auto e = rtp::extension(v, s->pub.extensions.audio_level))
      if (auto level = rtp::read_audio_level(*e)) s->voice.on_level(level->level);
  uint16_t seq = v.sequence;
  size_t payload = v.payload.size();
  if (rtx) {
    ++s->counters.rtx_received;
    ++counters_.rtx_received;
    auto osn = rtp::rtx_original_sequence(v);
    if (!osn || s->pub.ssrc == 0 || s->media_payload_type == 0) return;  // padding probe
    seq = *osn;
    payload -= 2;
  } else {
    s->media_payload_type = v.payload_type;
  }
  if (s->cache.lookup(seq, now)) {
    ++s->counters.duplicates;
    return;
  }
  s->cache.insert(seq, packet, now);
  bool nack = nack_enabled(*s);
  if (nack) s->nack.on_packet(seq, now);
  s->recv_stats.on_rtp(seq, v.timestamp, payload, now);
  ++s->counters.packets;
  s->counters.bytes += packet.size();
  ++counters_.packets_received;
  counters_.bytes_received += packet.size();
  int64_t lost = s->recv_stats.cumulative_lost();
  s->counters.lost = lost > 0 ? uint64_t(lost) : 0;
  if (s->pub.layer_of && !rtx && starts_keyframe(*s, v) && s->switches_waiting) complete_switches(*s);
  forward(*s, packet, v, seq, rtx, now);
  if (nack && s->nack.take_keyframe_request()) keyframe_wanted(*s, now);
  if (s->keyframe_pending) maybe_send_pli(*s, now);
  lower_deadline(*s);
}

void Router::forward(Stream& s, const Packet& packet, const rtp::RtpView& v, uint16_t seq,
                     bool unwrap, Instant now) {
  uint8_t in_pt = unwrap ? s.media_payload_type : v.payload_type;
  size_t size = packet.size() - (unwrap ? 2 : 0);
  size_t payload = v.payload.size() - (unwrap ? 2 : 0);
  bool video = s.pub.kind == Kind::kVideo;
  if (video && load_level_ >= kMaxLoadLevel) {  // the server is behind: audio goes first
    counters_.load_shed += s.outputs.size();
    return;
  }
  bool has_cc = s.pub.extensions.transport_cc && rtp::extension(v, s.pub.extensions.transport_cc);
  auto pictures = video && s.pub.layer_of ? picture_ids(s, in_pt, v.payload, unwrap) : std::nullopt;
  // VP9 with layer indices and AV1 with the dependency descriptor (SVC) go to each subscriber
  // up to its layers. Padding (no payload) passes as before.
  SvcRead read = read_svc(s, v, in_pt, unwrap);
  if (read.malformed) {  // no receiver could use it; the numbers close up over it
    ++s.counters.malformed_payload;
    ++counters_.malformed_payload;
    for (Output& o : s.outputs) o.rewriter.skip(s.pub.ssrc, seq, v.timestamp, now);
    if (s.pub.extensions.dependency_descriptor && s.dd && !s.dd->structure())
      keyframe_wanted(s, now);  // AV1 before any structure: the keyframe brings one
    return;
  }
  const std::optional<SvcPacket>& svc = read.packet;
  bool svc_in_order = false;
  if (svc) {
    svc_in_order = !s.svc.has_sequence || rtp::seq_newer(seq, s.svc.newest_sequence);
    if (svc_in_order) s.svc.newest_sequence = seq, s.svc.has_sequence = true;
    if (!svc_in_order) read.structure = nullptr;  // an older keyframe's is not the stream's now
    note_svc_layers(s, read, size);
  }
  for (Output& o : s.outputs) {
    uint8_t pt = in_pt < 128 ? o.sub.payload_type_map[in_pt] : 0;
    if (pt == 0) {
      ++o.counters.dropped_payload_type;
      continue;
    }
    if (video && o.view_height == kViewHidden) {
      ++o.counters.hidden;
      continue;
    }
    // SVC layers first: what a subscriber does not get is not what its link needs (the
    // bandwidth pause compares its estimate with the video offered to it).
    bool marker = false;
    if (svc && !o.sub.far_sfu) {
      uint8_t spatial = o.svc.spatial, temporal = o.svc.temporal;
      bool keep = o.svc.select(*svc, svc_in_order);
      if (o.svc.spatial != spatial || o.svc.temporal != temporal) {
        ++o.counters.layer_switches;
        ++counters_.layer_switches;
      }
      if (!keep) {
        o.rewriter.skip(s.pub.ssrc, seq, v.timestamp, now);
        ++o.counters.svc_dropped;
        ++counters_.svc_dropped;
        continue;
      }
      marker = !v.marker && o.svc.marker(*svc, false);
    }
    if (video && o.bw) {
      o.bw->on_video_offered(size);
      if (o.bw->paused()) {
        ++o.counters.paused;
        ++o.bw->counters.paused_packets;
        continue;
      }
    }
    auto m = o.rewriter.map(s.pub.ssrc, seq, v.timestamp, now);
    if (!m) continue;
    RtpRewrite rw;
    rw.marker = marker;
    rw.ssrc = o.sub.ssrc;
    rw.seq = m->sequence;
    rw.timestamp = m->timestamp;
    rw.payload_type = pt;
    rw.extensions = &o.ext_map;
    rw.drop_extension = read.drop_extension;
    rw.unwrap = unwrap;
    if (pictures && !o.sub.far_sfu) {
      rw.picture = o.pictures.map(s.pub.ssrc, *pictures);
      rw.payload_at = uint16_t(v.payload.data() - packet.span().data());
    }
    stamp(o, s.pub.kind, has_cc, size, rw, now);
    o.ts_offset = m->timestamp - v.timestamp;
    o.has_ts_offset = true;
    o.send_stats.on_rtp_sent(m->timestamp, payload, now);
    ++o.counters.packets;
    o.counters.bytes += size;
    ++counters_.packets_forwarded;
    counters_.bytes_forwarded += size;
    outbox_.forward_rtp(o.sub.transport, packet, rw);
  }
}

void Router::retransmit(Stream& s, Output& o, uint16_t out_seq, Instant now) {
  auto src = o.rewriter.to_source_sequence(out_seq);
  Packet p = src ? s.cache.lookup(*src, now) : Packet();
  auto v = p ? rtp::parse_rtp(p.span()) : rtp::parse_rtp(Bytes{});
  if (!v || !o.has_ts_offset) {
    ++o.counters.retransmit_misses;
    return;
  }
  bool unwrap = s.pub.rtx_ssrc != 0 && v->ssrc == s.pub.rtx_ssrc;
  uint8_t in_pt = unwrap ? s.media_payload_type : v->payload_type;
  uint8_t pt = in_pt < 128 ? o.sub.payload_type_map[in_pt] : 0;
  if (pt == 0) {
    ++o.counters.retransmit_misses;
    return;
  }
  RtpRewrite rw;
  // A layer the subscriber no longer gets (or a hole left by a late packet of one) is not sent:
  // it could not use it. (An AV1 packet is read with the stream's structure now: libwebrtc keeps
  // one structure per scalability mode, so an older keyframe's is the same.)
  SvcRead read = read_svc(s, *v, in_pt, unwrap);
  if (read.malformed || (read.packet && !o.sub.far_sfu && !o.svc.keeps(*read.packet))) {
    ++o.counters.retransmit_misses;  // refused when it came, or not its layers
    return;
  }
  if (read.packet && !o.sub.far_sfu) rw.marker = !v->marker && o.svc.marker(*read.packet, false);
  rw.drop_extension = read.drop_extension;
  rw.timestamp = v->timestamp + o.ts_offset;
  rw.extensions = &o.ext_map;
  rw.unwrap = unwrap;
  if (s.pub.layer_of && !o.sub.far_sfu)
    if (auto ids = picture_ids(s, in_pt, v->payload, unwrap)) {
      rw.picture = o.pictures.apply(*ids);
      rw.payload_at = uint16_t(v->payload.data() - p.span().data());
    }
  if (o.sub.rtx_ssrc != 0 && o.sub.rtx_payload_type != 0) {
    rw.ssrc = o.sub.rtx_ssrc;
    rw.seq = o.rtx_seq++;
    rw.payload_type = o.sub.rtx_payload_type;
    rw.rtx = true;
    rw.rtx_osn = out_seq;
  } else {
    rw.ssrc = o.sub.ssrc;
    rw.seq = out_seq;
    rw.payload_type = pt;
  }
  rw.repair = true;
  bool has_cc = s.pub.extensions.transport_cc && rtp::extension(*v, s.pub.extensions.transport_cc);
  stamp(o, s.pub.kind, has_cc, p.size(), rw, now);
  ++o.counters.retransmitted;
  ++counters_.retransmitted;
  outbox_.forward_rtp(o.sub.transport, p, rw);
}

const StreamCounters* Router::stream_counters(StreamId id) const {
  const Stream* s = find_stream(id);
  return s ? &s->counters : nullptr;
}

const SubscriptionCounters* Router::subscription_counters(StreamId id, TransportId t) const {
  auto r = find_subscription(id, t);
  return r.stream ? &r.stream->outputs[r.index].counters : nullptr;
}

int Router::take_voice_activity(StreamId id) {
  Stream* s = find_stream(id);
  return s ? s->voice.take() : -1;
}

TransportId Router::stream_transport(StreamId id) const {
  const Stream* s = find_stream(id);
  return s ? s->pub.transport : 0;
}

uint32_t Router::stream_ssrc(StreamId id) const {
  const Stream* s = find_stream(id);
  return s ? s->pub.ssrc : 0;
}

bool Router::stream_has_sender_report(StreamId id) const {
  const Stream* s = find_stream(id);
  return s && s->has_sr;
}

uint32_t Router::stream_rtx_ssrc(StreamId id) const {
  const Stream* s = find_stream(id);
  return s ? s->pub.rtx_ssrc : 0;
}

}  // namespace umbrella::sfu
