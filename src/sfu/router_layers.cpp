// The Router's simulcast: a track's layers are streams sharing layer_of; each subscription
// sits in one of them and moves to another at that layer's keyframe (so the picture never
// breaks), with numbering continued by its rewriter. Every kLayerTick the layers are measured
// from their byte counters and each subscriber's layers chosen within its bandwidth estimate.
#include <algorithm>

#include "sfu/layer_allocation.hpp"
#include "sfu/router.hpp"

namespace umbrella::sfu {
namespace {

constexpr Duration kLayerTick = milliseconds(500);
// A layer whose bytes did not grow for this long is off (the publisher stopped sending it, as
// browsers do when their own uplink is short).
constexpr Duration kLayerQuiet = milliseconds(1500);
// Share of the estimate the layers may fill: the rest absorbs keyframes and estimate noise.
constexpr double kEstimateShare = 0.9;
// Layer ticks in a row that must want a lower layer before moving down: an estimate still
// rising from its start value (or one noisy feedback) does not cost two keyframes.
constexpr uint8_t kDownTicks = 2;

}  // namespace

size_t Router::layers_of(StreamId group, std::array<Stream*, kMaxLayers>& out) const {
  size_t n = 0;
  for (const auto& s : streams_)
    if (s->pub.layer_of == group && n < out.size()) out[n++] = s.get();
  return n;
}

size_t Router::live_layers(StreamId group, std::array<Stream*, kMaxLayers>& out) const {
  std::array<Stream*, kMaxLayers> all;
  size_t n = 0;
  for (size_t i = 0, count = layers_of(group, all); i < count; ++i)
    if (all[i]->live) out[n++] = all[i];
  std::stable_sort(out.begin(), out.begin() + std::ptrdiff_t(n),
                   [](const Stream* a, const Stream* b) { return a->bps < b->bps; });
  return n;
}

Router::OutputRef Router::find_subscription(StreamId id, TransportId t) const {
  Stream* s = find_stream(id);
  if (!s) return {};
  auto in = [t](Stream* st) -> OutputRef {
    for (size_t i = 0; i < st->outputs.size(); ++i)
      if (st->outputs[i].sub.transport == t) return {st, i};
    return {};
  };
  // Its own stream first: a transport that took every layer (far_sfu) has one in each.
  if (auto r = in(s); r.stream || !s->pub.layer_of) return r;
  std::array<Stream*, kMaxLayers> layers;
  for (size_t i = 0, n = layers_of(s->pub.layer_of, layers); i < n; ++i)
    if (auto r = in(layers[i]); r.stream) return r;
  return {};
}

bool Router::starts_keyframe(Stream& s, const rtp::RtpView& v) {
  for (auto [pt, codec] : s.pub.codecs) {
    if (pt != v.payload_type) continue;
    auto p = rtp::parse_payload(codec, v.payload);
    if (!p || !p->frame_start) return false;
    if (p->keyframe && p->height) s.height = p->height;  // VP8 says; the others leave it unknown
    if (p->keyframe) return true;
    // H264 decoders need the parameter sets sent before the IDR slice: switch at them.
    if (codec != rtp::Codec::kH264) return false;
    if ((p->header & 0x1f) == 7) return true;
    if (p->header != 24) return false;
    rtp::UnitIterator units(p->data);
    Bytes unit;
    bool error = false;
    while (units.next(unit, error))
      if (!unit.empty() && (unit[0] & 0x1f) == 7) return true;
    return false;
  }
  return false;
}

void Router::move_output(Stream& from, size_t index, Stream& to) {
  Output o = std::move(from.outputs[index]);
  from.outputs.erase(from.outputs.begin() + std::ptrdiff_t(index));
  o.target = 0;
  if (to.pub.ssrc) o.rewriter.switch_source(to.pub.ssrc);
  to.outputs.push_back(std::move(o));
}

void Router::complete_switches(Stream& to) {
  std::array<Stream*, kMaxLayers> layers;
  for (size_t i = 0, n = layers_of(to.pub.layer_of, layers); i < n; ++i) {
    Stream& from = *layers[i];
    if (&from == &to) continue;
    for (size_t j = 0; j < from.outputs.size();) {
      if (from.outputs[j].target != to.pub.id) {
        ++j;
        continue;
      }
      ++from.outputs[j].counters.layer_switches;
      ++counters_.layer_switches;
      move_output(from, j, to);
    }
  }
  to.switches_waiting = 0;
  rebuild_indexes();
}

void Router::place_new_output(Stream& s) {
  // A new subscriber starts on the best live layer at once: it has seen nothing to break, and
  // its keyframe is asked for anyway. The layer tick then fits it to the estimate.
  std::array<Stream*, kMaxLayers> live;
  size_t n = live_layers(s.pub.layer_of, live);
  if (n == 0 || live[n - 1] == &s || s.outputs.back().sub.far_sfu) return;
  move_output(s, s.outputs.size() - 1, *live[n - 1]);
}

void Router::measure_streams(Instant now) {
  double seconds = last_layer_tick_ == Instant{} ? 0 : std::chrono::duration<double>(now - last_layer_tick_).count();
  last_layer_tick_ = now;
  for (auto& s : streams_) {
    s->switches_waiting = 0;  // counted again as the layers are chosen
    uint64_t grown = s->counters.bytes - s->bytes_at_tick;
    s->bytes_at_tick = s->counters.bytes;
    if (grown) s->last_growth = now;
    s->live = s->pub.ssrc && (grown || now - s->last_growth < kLayerQuiet);
    if (seconds <= 0) continue;
    auto bps = int64_t(double(grown) * 8 / seconds);
    s->bps = s->bps ? (s->bps + bps) / 2 : bps;  // smoothed: a keyframe is not a layer change
    detail::SvcLayers& l = s->svc;
    for (size_t i = 0; l.active() && i < l.bytes.size(); ++i) {
      auto layer_bps = int64_t(double(l.bytes[i] - l.bytes_at_tick[i]) * 8 / seconds);
      l.bytes_at_tick[i] = l.bytes[i];
      l.bps[i] = l.bps[i] ? (l.bps[i] + layer_bps) / 2 : layer_bps;
    }
  }
}

void Router::choose_layers(Instant now) {
  measure_streams(now);
  next_layer_tick_ = now + kLayerTick;
  for (auto& bw : bandwidth_) bw->committed_bps = bw->best_bps = 0;
  struct Pick {
    TransportId transport;
    Output* o;
    Stream* current;
    std::array<Stream*, kMaxLayers> layers;
    LayerChoice choice;
    bool svc = false;
  };
  std::vector<Pick> picks;
  bool any_group = false;
  for (auto& sp : streams_) {
    Stream& s = *sp;
    if (!s.pub.layer_of && s.svc.active()) {
      any_group = true;
      // The choice is among spatial layers, each with every temporal layer; apply_svc takes
      // temporal layers off when even the lowest does not fit.
      size_t n = s.svc.spatial;
      for (auto& o : s.outputs) {
        if (o.sub.far_sfu || o.view_height == kViewHidden) {  // all of it, or none
          if (o.bw && o.view_height != kViewHidden) o.bw->committed_bps += s.bps, o.bw->best_bps += s.bps;
          continue;
        }
        Pick p{o.sub.transport, &o, &s, {}, {}, true};
        p.choice.count = int(n);
        p.choice.cap = std::max(0, int(n) - 1 - load_level_);
        for (size_t i = 0; i < n; ++i) {
          p.choice.bps[i] = s.svc.cost(i, kMaxLayers - 1);
          uint16_t h = s.svc.height[i];
          if (h && h >= o.view_height && int(i) < p.choice.cap) p.choice.cap = int(i);
        }
        if (o.bw) o.bw->best_bps += s.bps;
        picks.push_back(p);
      }
      continue;
    }
    if (!s.pub.layer_of) {
      for (auto& o : s.outputs)
        if (o.bw) o.bw->committed_bps += s.bps, o.bw->best_bps += s.bps;
      continue;
    }
    any_group = true;
    std::array<Stream*, kMaxLayers> live;
    size_t n = live_layers(s.pub.layer_of, live);
    for (auto& o : s.outputs) {
      if (o.sub.far_sfu) {  // every layer goes (a trunk): it costs what the layer costs
        if (o.bw) o.bw->committed_bps += s.bps, o.bw->best_bps += s.bps;
        continue;
      }
      if (n == 0) {
        o.layer = {};
        o.target = 0;
        continue;
      }
      if (o.view_height == kViewHidden) {  // nothing sent, nothing to choose
        o.layer = {};
        o.target = 0;
        continue;
      }
      Pick p{o.sub.transport, &o, &s, live, {}};
      p.choice.count = int(n);
      p.choice.cap = std::max(0, int(n) - 1 - load_level_);
      for (size_t i = 0; i < n; ++i) {
        p.choice.bps[i] = live[i]->bps;
        // The smallest layer at least as tall as the picture (heights known from keyframes).
        if (live[i]->height >= o.view_height && int(i) < p.choice.cap) p.choice.cap = int(i);
      }
      if (o.bw) o.bw->best_bps += live[n - 1]->bps;
      picks.push_back(p);
    }
  }
  if (!any_group) next_layer_tick_ = kNever;
  std::sort(picks.begin(), picks.end(), [](const Pick& a, const Pick& b) { return a.transport < b.transport; });
  std::vector<LayerChoice> choices;
  for (size_t i = 0; i < picks.size();) {
    size_t end = i;
    while (end < picks.size() && picks[end].transport == picks[i].transport) ++end;
    SubscriberBandwidth* bw = picks[i].o->bw;
    int64_t budget = -1;  // no estimate (no transport-cc, or no feedback yet): the best layers
    if (bw && bw->counters.feedback > 0)
      budget = std::max<int64_t>(0, int64_t(double(bw->estimator.bps()) * kEstimateShare) - bw->committed_bps);
    choices.clear();
    for (size_t j = i; j < end; ++j) choices.push_back(picks[j].choice);
    allocate_layers(choices, budget);
    int64_t total = 0;
    for (const auto& c : choices)
      if (c.count > 0) total += c.bps[size_t(c.pick)];
    for (size_t j = i; j < end; ++j) {
      const LayerChoice& c = choices[j - i];
      if (picks[j].svc) {
        int64_t left = budget < 0 ? -1 : budget - (total - c.bps[size_t(c.pick)]);
        apply_svc(*picks[j].o, *picks[j].current, c, left, now);
      } else {
        apply_layer(picks[j].o, *picks[j].current, picks[j].layers, c, now);
      }
    }
    i = end;
  }
}

void Router::apply_layer(Output* o, Stream& current, const std::array<Stream*, kMaxLayers>& live,
                         const LayerChoice& c, Instant now) {
  Stream* want = live[size_t(c.pick)];
  auto index_of = [&](const Stream* s) {
    for (int i = 0; i < c.count; ++i)
      if (live[size_t(i)] == s) return i;
    return -1;
  };
  o->layer.layers = c.count;
  o->layer.layer = index_of(&current);
  o->layer.reason = c.count == 1                                          ? LayerReason::kOnlyLayer
                    : c.pick < c.cap                                        ? LayerReason::kBandwidth
                    : load_level_ > 0 && c.cap == std::max(0, c.count - 1 - load_level_) ? LayerReason::kOverload
                    : c.cap < c.count - 1                                   ? LayerReason::kTileSize
                                                                            : LayerReason::kBest;
  int current_index = index_of(&current);
  bool down = current_index >= 0 && c.pick < current_index;
  o->down_ticks = down ? uint8_t(std::min<int>(o->down_ticks + 1, kDownTicks)) : 0;
  if (down && o->down_ticks < kDownTicks) want = &current;
  if (want == &current) {
    o->target = 0;  // stays: no switch waits
  } else {
    if (o->target != want->pub.id) ++counters_.layer_keyframes;
    o->target = want->pub.id;
    ++want->switches_waiting;
    keyframe_wanted(*want, now);  // also while still waiting: asked again, rate limited per stream
  }
  o->layer.target = o->target ? index_of(want) : -1;
}

void Router::apply_svc(Output& o, Stream& s, const LayerChoice& c, int64_t budget_left, Instant now) {
  const detail::SvcLayers& l = s.svc;
  SvcSelector& sel = o.svc;
  int spatial_now = sel.spatial == kSvcAll ? c.count - 1 : std::min<int>(sel.spatial, c.count - 1);
  int pick = c.pick;
  bool down = pick < spatial_now;
  o.down_ticks = down ? uint8_t(std::min<int>(o.down_ticks + 1, kDownTicks)) : 0;
  if (down && o.down_ticks < kDownTicks) pick = spatial_now;  // as for simulcast: not on one tick's word
  // Temporal layers off only when even the lowest spatial layer with all of them does not fit
  // (not while a move down is held for a tick).
  int temporal = int(l.temporal) - 1;
  if (budget_left >= 0 && pick == 0)
    while (temporal > 0 && l.cost(size_t(pick), size_t(temporal)) > budget_left) --temporal;
  // The top index means everything, layers past the counted ones included.
  sel.target_spatial = pick >= c.count - 1 ? kSvcAll : uint8_t(pick);
  sel.target_temporal = temporal >= int(l.temporal) - 1 ? kSvcAll : uint8_t(temporal);
  if (sel.waits_for_keyframe()) {
    if (o.layer.target != pick) ++counters_.layer_keyframes;
    keyframe_wanted(s, now);  // asked again while waiting, rate limited per stream
  }
  o.layer.layers = c.count;
  o.layer.layer = spatial_now;
  o.layer.target = sel.waits_for_keyframe() ? pick : -1;
  o.layer.temporals = l.temporal;
  o.layer.temporal = sel.temporal == kSvcAll ? int(l.temporal) - 1 : std::min<int>(sel.temporal, int(l.temporal) - 1);
  o.layer.reason = c.count == 1 && l.temporal <= 1                         ? LayerReason::kOnlyLayer
                   : c.pick < c.cap || temporal < int(l.temporal) - 1       ? LayerReason::kBandwidth
                   : load_level_ > 0 && c.cap == std::max(0, c.count - 1 - load_level_) ? LayerReason::kOverload
                   : c.cap < c.count - 1                                    ? LayerReason::kTileSize
                                                                            : LayerReason::kBest;
}

void Router::set_view(StreamId id, TransportId t, uint16_t height, Instant now) {
  touch(now);
  auto r = find_subscription(id, t);
  if (!r.stream || r.stream->pub.kind != Kind::kVideo) return;
  Output& o = r.stream->outputs[r.index];
  bool shown_again = o.view_height == kViewHidden && height != kViewHidden;
  o.view_height = height;
  if (!shown_again) return;
  // Go on from the next packet without a gap, with a keyframe asked for so the picture is back
  // at once.
  if (r.stream->pub.ssrc) o.rewriter.switch_source(r.stream->pub.ssrc);
  keyframe_wanted(*r.stream, now);
}

void Router::set_load_level(int level, Instant now) {
  touch(now);
  level = std::clamp(level, 0, kMaxLoadLevel);
  if (level == load_level_) return;
  bool video_back = load_level_ >= kMaxLoadLevel && level < kMaxLoadLevel;
  load_level_ = level;
  if (next_layer_tick_ != kNever) {  // layers chosen again at once, not at the next tick
    next_layer_tick_ = now;
    lower_deadline(now);
  }
  if (!video_back) return;
  // As after a hidden tile: numbered on without a gap, from a keyframe.
  for (auto& s : streams_) {
    if (s->pub.kind != Kind::kVideo || s->outputs.empty()) continue;
    if (s->pub.ssrc)
      for (auto& o : s->outputs) o.rewriter.switch_source(s->pub.ssrc);
    keyframe_wanted(*s, now);
  }
}

LayerState Router::subscription_layer(StreamId id, TransportId t) const {
  auto r = find_subscription(id, t);
  return r.stream ? r.stream->outputs[r.index].layer : LayerState{};
}

}  // namespace umbrella::sfu
