#include "sim_peer.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "ice/credentials.hpp"
#include "rtp/rtcp_feedback.hpp"
#include "rtp/rtcp_reports.hpp"
#include "rtp/rtcp_packet.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_extensions.hpp"
#include "rtp/rtp_packet.hpp"
#include "signal/codec.hpp"
#include "signal/messages.hpp"
#include "tls/certificate.hpp"

namespace umbrella::loadgen {
namespace {

bool is_rtcp(const uint8_t* d, size_t n) { return n >= 2 && d[1] >= 192 && d[1] <= 223; }

// Room left after the RTP packet for the SRTP tag: the longest one (AES-GCM's).
constexpr size_t kTagRoom = 16;

}  // namespace

SimPeer::SimPeer(PeerContext& ctx, uint32_t index, Role role)
    : ctx_(ctx), index_(index), role_(role),
      video_ssrc_(0x10000000u + index * 2), audio_ssrc_(0x10000000u + index * 2 + 1),
      drop_rng_(0x9E3779B97F4A7C15ull * (index + 1)) {}

Result<bool, std::string> SimPeer::bind_and_describe() {
  auto sock = UdpSocket::bind(ctx_.bind_ip, 0, 0);
  if (!sock) return Err{"bind: " + sock.error()};
  socket_ = std::move(*sock);
  SocketAddress local = ctx_.bind_ip;
  local = SocketAddress::parse(local.ip_string(), socket_.local_port()).value_or(local);
  local_.ice = ice::generate_credentials();
  local_.fingerprint = ctx_.certificate.fingerprint_sha256();
  local_.local = local;
  local_.publish = role_ == Role::kPublisher;
  local_.video_ssrc = video_ssrc_;
  local_.audio_ssrc = audio_ssrc_;
  local_.simulcast = local_.publish && ctx_.media.simulcast && !ctx_.media.simulcast_by_ssrc;
  if (local_.publish && ctx_.media.simulcast_by_ssrc)
    local_.simulcast_ssrcs = {lower_ssrc(0), lower_ssrc(1), video_ssrc_};
  local_.data = ctx_.sctp != nullptr;
  return true;
}

Result<bool, std::string> SimPeer::join(const std::string& path, int recv_video, int recv_audio, Instant now) {
  if (auto b = bind_and_describe(); !b) return b;
  local_.recv_video = recv_video;
  local_.recv_audio = recv_audio;
  joined_ = now;
  auto r = HttpRequest::post(ctx_.loop, ctx_.server, ctx_.tls, path, "application/sdp", build_offer(local_),
                             now + kHttpTimeout, *this);
  if (!r) return Err{r.error()};
  http_ = std::move(*r);
  return true;
}

Result<bool, std::string> SimPeer::prepare(Instant now) {
  joined_ = now;
  return bind_and_describe();
}

Result<bool, std::string> SimPeer::accept_answer(const std::string& sdp, Instant now) {
  auto a = read_answer(sdp);
  if (!a) return Err{a.error()};
  return start_transport(std::move(*a), now);
}

Result<std::string, std::string> SimPeer::answer_offer(const std::string& sdp, Instant now) {
  auto info = read_offer_streams(sdp);
  if (!info) return Err{info.error()};
  if (info->ice.ufrag.empty() || info->fingerprint.empty() || info->candidates.empty())
    return Err{std::string("the offer lacks ICE credentials, a fingerprint or an IPv4 UDP candidate")};
  auto answer = build_answer(sdp, local_);
  if (!answer) return answer;
  if (auto t = start_transport(std::move(*info), now); !t) return Err{t.error()};
  return answer;
}

void SimPeer::on_http_done() { finish_http(ctx_.loop.now()); }

void SimPeer::finish_http(Instant now) {
  auto r = http_->result();
  http_.reset();  // may be inside its stream's callback: the stream allows that
  if (!r) return fail(r.error());
  if (r->status != 201) return fail("HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200));
  auto a = read_answer(r->body);
  if (!a) return fail(a.error());
  if (auto t = start_transport(std::move(*a), now); !t) fail(t.error());
}

Result<bool, std::string> SimPeer::start_transport(AnswerInfo answer, Instant now) {
  answer_ = std::move(answer);
  rtc::TransportConfig config;
  config.local = local_.ice;
  config.remote = answer_.ice;
  config.remote_fingerprint = answer_.fingerprint;
  config.ice = rtc::FullIce{answer_.candidates, {}, answer_.dtls_server ? dtls::Role::kServer : dtls::Role::kClient};
  auto t = rtc::Transport::create(config, ctx_.certificate, ctx_.pool, *this, *this, now);
  if (!t) return Err{"transport: " + t.error()};
  transport_ = std::move(*t);
  transport_->on_timeout(now);  // the first check goes out at once
  return true;
}

Result<bool, std::string> SimPeer::join_wsb(const std::string& room, Instant now) {
  if (auto b = bind_and_describe(); !b) return b;
  room_ = room;
  joined_ = now;
  tx_ = std::make_unique<umbrella_Envelope>();
  auto l = SignalLink::open(ctx_.loop, ctx_.server, ctx_.tls, *this);
  if (!l) return Err{"/wsb: " + l.error()};
  link_ = std::move(*l);
  return true;
}

void SimPeer::on_signal_open(Instant) {
  signal::reset(*tx_, umbrella_Envelope_join_tag);
  umbrella_Join& j = tx_->body.join;
  std::snprintf(j.room, sizeof j.room, "%s", room_.c_str());
  std::snprintf(j.display_name, sizeof j.display_name, "loadgen %u", index_);
  j.role = role_ == Role::kPublisher ? umbrella_Role_ROLE_PARTICIPANT : umbrella_Role_ROLE_VIEWER;
  if (!link_->send(*tx_)) fail("/wsb: cannot send join");
}

void SimPeer::on_signal(const umbrella_Envelope& env, Instant now) {
  switch (env.which_body) {
    case umbrella_Envelope_joined_tag:
      // As the web app: our own m-lines first (a viewer offers to receive one of each).
    {
      participant_id_ = env.body.joined.participant_id;
      std::string offer = build_offer(local_);  // make_description() keeps a view of it
      if (!signal::make_description(*tx_, umbrella_SessionDescription_Type_TYPE_OFFER, offer, 1) || !link_->send(*tx_))
        fail("/wsb: cannot send the offer");
      return;
    }
    case umbrella_Envelope_description_tag: {
      const umbrella_SessionDescription& d = env.body.description;
      if (d.type == umbrella_SessionDescription_Type_TYPE_OFFER) {
        on_server_offer(d);
      } else if (!transport_ && d.revision == 1) {
        auto a = read_answer(std::string(signal::sdp_of(d)));
        if (!a) return fail("/wsb answer: " + a.error());
        if (auto r = start_transport(std::move(*a), now); !r) fail(r.error());
      }
      return;
    }
    case umbrella_Envelope_error_tag:
      fail(std::string("/wsb: server error: ") + env.body.error.message);
      return;
    default:
      return;  // roster events, pongs: nothing to simulate
  }
}

void SimPeer::on_server_offer(const umbrella_SessionDescription& d) {
  ++renegotiations_;
  std::string_view text = signal::sdp_of(d);
  size_t mlines = 0;
  for (size_t at = text.find("\nm="); at != std::string_view::npos; at = text.find("\nm=", at + 1)) ++mlines;
  offer_sizes_.last_bytes = text.size();
  offer_sizes_.last_mlines = mlines;
  offer_sizes_.max_bytes = std::max(offer_sizes_.max_bytes, text.size());
  offer_sizes_.max_mlines = std::max(offer_sizes_.max_mlines, mlines);
  auto streams = read_offer_streams(std::string(signal::sdp_of(d)));
  auto answer = build_answer(std::string(signal::sdp_of(d)), local_);
  if (!streams || !answer) return fail("/wsb offer: " + (streams ? answer.error() : streams.error()));
  answer_.video_ssrcs = std::move(streams->video_ssrcs);
  answer_.audio_ssrcs = std::move(streams->audio_ssrcs);
  answer_.rtx = std::move(streams->rtx);
  answer_.extensions = streams->extensions;  // what the server will send us
  prune_streams();
  if (!signal::make_description(*tx_, umbrella_SessionDescription_Type_TYPE_ANSWER, *answer, d.revision) ||
      !link_->send(*tx_))
    fail("/wsb: cannot send the answer (" + std::to_string(answer->size()) + " bytes of SDP)");
}

void SimPeer::on_signal_closed(const std::string& why) { fail(why); }

void SimPeer::leave(Instant now) {
  if (!link_ || link_->closed()) return;
  signal::reset(*tx_, umbrella_Envelope_leave_tag);
  link_->send(*tx_);
  link_->service(now);
}

void SimPeer::prune_streams() {
  auto announced = [&](uint32_t ssrc) {
    auto has = [&](const std::vector<uint32_t>& v) { return std::find(v.begin(), v.end(), ssrc) != v.end(); };
    return has(answer_.video_ssrcs) || has(answer_.audio_ssrcs);
  };
  std::erase_if(streams_, [&](const Stream& s) {
    if (announced(s.ssrc)) return false;
    pruned_expected_ += s.tracker.expected();
    pruned_lost_ += s.tracker.lost();
    return true;
  });
}

size_t SimPeer::announced_receiving_since(Instant t) const {
  size_t n = 0;
  for (const auto* list : {&answer_.video_ssrcs, &answer_.audio_ssrcs})
    for (uint32_t ssrc : *list)
      for (auto& s : streams_)
        if (s.ssrc == ssrc && s.last >= t) {
          ++n;
          break;
        }
  return n;
}

bool SimPeer::heard_since(uint32_t publisher, Instant t) const {
  auto it = heard_.find(publisher);
  return it != heard_.end() && it->second.video >= t && it->second.audio >= t;
}

void SimPeer::queue(Packet p, const SocketAddress& to) {
  socket_.send(std::move(p), to);
  if (!dirty_) {
    dirty_ = true;
    ctx_.dirty.push_back(this);
  }
}

void SimPeer::send_rtp_datagram(Packet packet, const SocketAddress& to, SendTransform& protect) {
  if (!protect.apply(packet)) return;  // counted by the transport
  ++ctx_.totals.sent_packets;
  ctx_.totals.sent_bytes += packet.size();
  queue(std::move(packet), to);
}

void SimPeer::on_connected(Instant now) {
  connected_at_ = now;
  if (ctx_.sctp && answer_.sctp_port) {
    sctp::AssociationConfig c;
    c.remote_port = answer_.sctp_port;
    c.max_message_size = kDataMaxMessageSize;
    c.remote_max_message_size = answer_.max_message_size;
    if (auto r = transport_->enable_data_channels(*ctx_.sctp, c); !r) fail("data channels: " + r.error());
  }
  if (role_ != Role::kPublisher) return;
  source_.emplace(ctx_.media, ctx_.clips, now);
  if (ctx_.media.simulcast && ctx_.media.video)
    for (int i = 0; i < int(ctx_.clips.lower_video.size()); ++i) lower_.emplace_back(ctx_.media, ctx_.clips, now, i);
}

void SimPeer::on_readable(Instant now) {
  std::array<Datagram, UdpSocket::kBatch> batch;
  for (;;) {
    size_t n = socket_.receive_batch(ctx_.pool, batch);
    for (size_t i = 0; i < n; ++i) {
      handle(batch[i].packet, batch[i].peer, now);
      batch[i].packet.reset();
    }
    if (n < batch.size()) break;
  }
  take_srtp_counters();
}

void SimPeer::handle(Packet& p, const SocketAddress& from, Instant now) {
  if (!transport_ || p.size() == 0) return;
  uint8_t b = p.data()[0];
  if (b >= 128 && b <= 191) {  // RTP/RTCP: counted as the SFU sent it, from the clear header
    if (ignore_media_) return;
    if (is_rtcp(p.data(), p.size())) {
      ++ctx_.totals.recv_rtcp;
      if (!source_) return;  // a viewer reads none: not worth decrypting
      transport_->on_datagram(std::move(p), from, now);  // keyframe requests, feedback
      return;
    }
    if (p.size() < 12) return;
    if (ctx_.drop_pct > 0) {
      drop_rng_ = drop_rng_ * 6364136223846793005ull + 1442695040888963407ull;
      if (double(drop_rng_ >> 11) * 0x1.0p-53 * 100 < ctx_.drop_pct) {
        ++ctx_.totals.dropped;
        return;
      }
    }
    ++ctx_.totals.recv_packets;
    ctx_.totals.recv_bytes += p.size();
    if (first_packet_at_ == Instant{}) first_packet_at_ = now;
    if (!ctx_.decrypt) {
      uint32_t ssrc = load_be32(p.data() + 8);
      if (to_media_ssrc(ssrc)) {
        ++ctx_.totals.recv_rtx;
        return;  // without decryption the original sequence number is unreadable
      }
      count_kind(p.data()[1] & 0x7f, (p.data()[1] & 0x80) != 0);
      return count(ssrc, load_be16(p.data() + 2), now);
    }
  }
  transport_->on_datagram(std::move(p), from, now);  // STUN, DTLS, SRTP to decrypt
}

bool SimPeer::to_media_ssrc(uint32_t& ssrc) const {
  for (auto& [rtx, media] : answer_.rtx)
    if (rtx == ssrc) {
      ssrc = media;
      return true;
    }
  return false;
}

void SimPeer::on_rtp(Packet& p, Instant now) {
  auto v = rtp::parse_rtp(p.span());
  if (!v) return;
  // Every packet with a transport-wide number arrived, the server's probe padding on RTX
  // (no OSN, nothing else) too: reported lost, its probes failed and its estimate stayed low.
  record_twcc(*v, now);
  uint32_t ssrc = v->ssrc;
  uint16_t seq = v->sequence;
  Bytes payload = v->payload;
  if (to_media_ssrc(ssrc)) {  // RFC 4588: the original sequence number leads the payload
    ++ctx_.totals.recv_rtx;
    if (payload.size() < 2) return;
    seq = load_be16(payload.data());
    payload = payload.subspan(2);
  } else {
    count_kind(v->payload_type, v->marker);
  }
  Probe probe;
  if (read_probe(v->packet.last(v->padding_size), probe)) {
    uint64_t t = to_ns(now);
    uint64_t d = t > probe.sent_ns ? t - probe.sent_ns : 0;
    ctx_.delay.add(d / 1000);  // microseconds
    ctx_.interval_delay.add(d / 1000);
    Heard& h = heard_[probe.publisher];
    (probe.audio ? h.audio : h.video) = now;
  } else {
    ++ctx_.totals.probe_missing;
  }
  count(ssrc, seq, now);
  for (auto& s : streams_)
    if (s.ssrc == ssrc) {
      bool video = std::find(answer_.video_ssrcs.begin(), answer_.video_ssrcs.end(), ssrc) != answer_.video_ssrcs.end();
      if (!s.feedback) s.feedback = std::make_unique<Feedback>(ssrc, video ? 90000 : 48000);
      if (ssrc == v->ssrc) s.feedback->stats.on_rtp(seq, v->timestamp, payload.size(), now);
      if (video) s.feedback->nack.on_packet(seq, now);
      break;
    }
}

void SimPeer::send_feedback(Instant now) {
  if (now < next_nack_check_) return;
  next_nack_check_ = now + milliseconds(20);
  bool report = now >= next_report_;
  if (report) next_report_ = now + seconds(1);
  std::array<uint8_t, 1200> buf;
  std::array<rtp::ReportBlock, rtp::kMaxReportBlocks> blocks;
  size_t count = 0;
  if (report)
    for (auto& s : streams_)
      if (s.feedback && s.feedback->stats.has_packets() && count < blocks.size())
        blocks[count++] = s.feedback->stats.report_block(now);
  uint32_t self = audio_ssrc_;
  size_t n = rtp::build_rr(buf, self, std::span(blocks.data(), count));
  size_t before_feedback = n;
  std::array<uint16_t, 64> lost;  // a NACK of at most 64 items (268 bytes); the rest stay due
  for (auto& s : streams_) {
    if (!s.feedback || buf.size() - n < 300) continue;
    if (size_t k = s.feedback->nack.poll(now, lost)) {
      size_t w = rtp::build_nack(MutableBytes(buf).subspan(n), self, s.ssrc, std::span(lost.data(), k));
      n += w;
      if (w) ctx_.totals.nacks_sent += k;
    }
    if (s.feedback->nack.take_keyframe_request()) {
      n += rtp::build_pli(MutableBytes(buf).subspan(n), self, s.ssrc);
      ++ctx_.totals.plis_sent;
    }
  }
  if (twcc_ && twcc_->pending() && now >= twcc_->next_deadline() && buf.size() - n >= 300 && !streams_.empty()) {
    size_t w = twcc_->build(MutableBytes(buf).subspan(n), self, streams_.front().ssrc, now);
    n += w;
    ctx_.totals.twcc_sent += w != 0;
  }
  if (!report && n == before_feedback) return;
  if (report) n += rtp::build_sdes_cname(MutableBytes(buf).subspan(n), self, "loadgen");
  if (transport_->send_rtcp(Bytes(buf.data(), n))) ++ctx_.totals.rtcp_sent;
}

void SimPeer::count(uint32_t ssrc, uint16_t seq, Instant now) {
  for (auto& s : streams_)
    if (s.ssrc == ssrc) {
      s.tracker.add(seq);
      s.last = now;
      return;
    }
  streams_.push_back({ssrc, SequenceTracker{}, now});
  streams_.back().tracker.add(seq);
}

void SimPeer::take_srtp_counters() {
  if (!transport_) return;
  const rtc::TransportCounters& c = transport_->counters();
  uint64_t failed = c.srtp_auth_failed + c.srtp_other_failed;
  ctx_.totals.unprotect_failed += failed - srtp_failed_seen_;
  ctx_.totals.unprotect_replayed += c.srtp_replayed - srtp_replayed_seen_;
  srtp_failed_seen_ = failed;
  srtp_replayed_seen_ = c.srtp_replayed;
}

void SimPeer::count_kind(uint8_t payload_type, bool marker) {
  // The SFU sends with the payload types of our offer (offer.hpp) or, over /wsb, its own
  // offer's: audio is the one Opus type either way.
  if (payload_type == kAudioPt) ++ctx_.totals.recv_audio;
  else if (marker) ++ctx_.totals.recv_frames;
}

void SimPeer::send_media(Instant now) {
  send_from(*source_, video_ssrc_, lower_.empty() ? nullptr : kRids[lower_.size()], now);
  for (size_t i = 0; i < lower_.size(); ++i) send_from(lower_[i], lower_ssrc(i), kRids[i], now);
}

void SimPeer::send_from(MediaSource& source, uint32_t video_ssrc, const char* rid, Instant now) {
  const ExtensionIds& x = answer_.extensions;
  bool top = &source == &*source_;
  Outgoing o;
  while (source.next(now, o)) {
    Packet p = ctx_.pool.acquire();
    if (!p) return;
    // A browser's extensions: mid, abs-send-time, the transport-wide sequence number and, on
    // audio, the level (the first publisher talks, the others listen, as in a meeting).
    std::array<rtp::ExtensionValue, 5> ext;
    size_t n = 0;
    static constexpr uint8_t kMids[2] = {'1', '0'};  // our offer's audio and video mids
    auto abs = rtp::encode_abs_send_time(rtp::abs_send_time_from(now.time_since_epoch()));
    auto tw = rtp::encode_transport_cc_seq(transport_seq_);
    uint8_t level = index_ == 0 ? 0x80 | 15 : 127;
    if (x.mid) ext[n++] = {x.mid, Bytes(&kMids[o.video], 1)};
    if (x.abs_send_time) ext[n++] = {x.abs_send_time, abs};
    if (x.transport_cc) ext[n++] = {x.transport_cc, tw};
    if (x.audio_level && !o.video) ext[n++] = {x.audio_level, Bytes(&level, 1)};
    // RFC 8852: the rid on every packet (a browser stops once the SFU has bound the SSRC; the
    // SFU must not care).
    if (x.rid && rid && o.video) ext[n++] = {x.rid, Bytes(reinterpret_cast<const uint8_t*>(rid), 1)};
    rtp::RtpHeader h{o.marker, o.video ? kVideoPt : kAudioPt, o.sequence, o.timestamp,
                     o.video ? video_ssrc : audio_ssrc_};
    uint8_t* d = p.data();
    size_t hs = rtp::write_rtp_header(MutableBytes(d, p.capacity()), h, std::span(ext.data(), n));
    size_t len = hs + o.descriptor_size + o.body.size() + kProbePadding;
    if (hs == 0 || len + kTagRoom > p.capacity()) return;
    std::memcpy(d + hs, o.descriptor.data(), o.descriptor_size);
    std::memcpy(d + hs + o.descriptor_size, o.body.data(), o.body.size());
    d[0] |= 0x20;  // P: the probe rides in the padding
    write_probe(MutableBytes(d + len - kProbePadding, kProbeSize), Probe{to_ns(now), index_, !o.video});
    d[len - 1] = kProbePadding;
    p.set_size(len);
    if (x.transport_cc) ++transport_seq_;
    if (top && o.video && o.marker) ++ctx_.totals.sent_frames;
    if (!o.video) ++ctx_.totals.sent_audio;
    if (!transport_->send_rtp(std::move(p))) return;  // encrypted and sent by send_rtp_datagram
  }
}

void SimPeer::on_rtcp(Packet& packet, Instant now) {
  if (!source_) return;
  rtp::RtcpIterator it(packet.span());
  while (auto h = it.next()) {
    if (h->is(rtp::RtcpType::kRtpfb) && h->fmt() == rtp::kFmtTransportCc) ++ctx_.totals.twcc_received;
    if (!h->is(rtp::RtcpType::kPsfb) || (h->fmt() != rtp::kFmtPli && h->fmt() != rtp::kFmtFir)) continue;
    ++ctx_.totals.keyframe_requests;
    // The layer whose SSRC the request names (RFC 4585 6.1: media source after the sender).
    MediaSource* source = &*source_;
    uint32_t media = h->body.size() >= 8 ? load_be32(h->body.data() + 4) : video_ssrc_;
    if (h->fmt() == rtp::kFmtFir && h->body.size() >= 12) media = load_be32(h->body.data() + 8);  // in its FCI
    for (size_t i = 0; i < lower_.size(); ++i)
      if (media == lower_ssrc(i)) source = &lower_[i];
    if (source->request_keyframe(now)) ++ctx_.totals.keyframes_sent;
  }
}

void SimPeer::on_data_channel_event(sctp::ChannelEvent& event) {
  if (std::holds_alternative<sctp::ChannelsUp>(event)) {
    // Publishers talk on the room channel (data_relay.hpp); everyone hears the relayed ones.
    if (role_ == Role::kPublisher && ctx_.data_rate > 0) {
      if (auto id = transport_->open_channel({"room", "", {}}); !id) fail("data channel: " + id.error());
    }
  } else if (auto* o = std::get_if<sctp::ChannelOpened>(&event)) {
    if (!o->by_peer && o->info.label == "room") {
      room_channel_ = o->id;
      next_data_ = ctx_.loop.now();
    }
  } else if (auto* m = std::get_if<sctp::ChannelMessage>(&event)) {
    ++ctx_.totals.data_received;
    Probe probe;
    if (read_probe(m->data, probe) && ctx_.data_delay) {
      uint64_t t = to_ns(ctx_.loop.now());
      ctx_.data_delay->add((t > probe.sent_ns ? t - probe.sent_ns : 0) / 1000);
    }
  }
}

void SimPeer::send_data(Instant now) {
  if (!room_channel_ || now < next_data_) return;
  next_data_ += std::chrono::nanoseconds(int64_t(1e9 / ctx_.data_rate));
  if (now - next_data_ > seconds(1)) next_data_ = now;  // after a stall: no burst of the past
  std::vector<uint8_t> msg(ctx_.data_bytes);
  write_probe(MutableBytes(msg.data() + msg.size() - kProbePadding, kProbeSize), Probe{to_ns(now), index_, false});
  msg.back() = kProbePadding;
  if (transport_->send_channel_message(*room_channel_, true, msg) == sctp::SendResult::kOk) ++ctx_.totals.data_sent;
  else ++ctx_.totals.data_send_failed;
}

void SimPeer::record_twcc(const rtp::RtpView& v, Instant now) {
  uint8_t id = answer_.extensions.transport_cc;
  if (!id) return;
  auto e = rtp::extension(v, id);
  auto seq = e ? rtp::read_transport_cc_seq(*e) : std::nullopt;
  if (!seq) return;
  if (!twcc_) twcc_ = std::make_unique<sfu::TwccFeedback>();
  twcc_->record(*seq, now);
}

void SimPeer::service(Instant now) {
  if (!failure_.empty()) return;
  if (link_) link_->service(now);
  if (http_ && http_->check_timeout(now)) finish_http(now);
  if (transport_ && now >= transport_->next_deadline()) transport_->on_timeout(now);
  if (source_ && connected()) send_media(now);
  if (room_channel_ && connected()) send_data(now);
  if (ctx_.decrypt && connected() && !ignore_media_) send_feedback(now);
}

std::optional<Duration> SimPeer::join_to_first_packet() const {
  if (first_packet_at_ == Instant{}) return std::nullopt;
  return first_packet_at_ - joined_;
}

std::optional<Duration> SimPeer::join_to_connected() const {
  if (connected_at_ == Instant{}) return std::nullopt;
  return connected_at_ - joined_;
}

uint64_t SimPeer::lost() const {
  uint64_t n = pruned_lost_;
  for (auto& s : streams_) n += s.tracker.lost();
  return n;
}

uint64_t SimPeer::expected() const {
  uint64_t n = pruned_expected_;
  for (auto& s : streams_) n += s.tracker.expected();
  return n;
}

}  // namespace umbrella::loadgen
