#include "sim_peer.hpp"

#include <cstdio>
#include <cstring>

#include "dtls/events.hpp"
#include "ice/credentials.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_packet.hpp"
#include "signal/messages.hpp"
#include "tls/certificate.hpp"

namespace umbrella::loadgen {
namespace {

bool is_rtcp(const uint8_t* d, size_t n) { return n >= 2 && d[1] >= 192 && d[1] <= 223; }

}  // namespace

SimPeer::SimPeer(PeerContext& ctx, uint32_t index, Role role)
    : ctx_(ctx), index_(index), role_(role),
      video_ssrc_(0x10000000u + index * 2), audio_ssrc_(0x10000000u + index * 2 + 1) {}

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
  return true;
}

Result<bool, std::string> SimPeer::join(const std::string& path, int recv_video, int recv_audio, Instant now) {
  if (auto b = bind_and_describe(); !b) return b;
  local_.recv_video = recv_video;
  local_.recv_audio = recv_audio;
  joined_ = now;
  auto r = HttpRequest::post(ctx_.server, ctx_.tls, path, "application/sdp", build_offer(local_), now + kHttpTimeout);
  if (!r) return Err{r.error()};
  http_.emplace(std::move(*r));
  return true;
}

void SimPeer::on_signal_readable(Instant now) {
  if (link_) link_->on_readable(now);
  if (http_ && http_->on_readable()) finish_http(now);
}

void SimPeer::finish_http(Instant now) {
  auto r = http_->result();
  http_.reset();
  if (!r) return fail(r.error());
  if (r->status != 201) return fail("HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200));
  auto a = read_answer(r->body);
  if (!a) return fail(a.error());
  if (auto t = start_transport(std::move(*a), now); !t) fail(t.error());
}

Result<bool, std::string> SimPeer::start_transport(AnswerInfo answer, Instant now) {
  answer_ = std::move(answer);
  server_ = answer_.candidates.front();
  ice_ = std::make_unique<ice::IceControllingAgent>(local_.ice, answer_.ice, answer_.candidates, now);
  auto d = dtls::DtlsTransport::create(dtls::Role::kClient, ctx_.certificate, answer_.fingerprint);
  if (!d) return Err{"dtls: " + d.error()};
  dtls_ = std::move(*d);
  drain(now);
  return true;
}

Result<bool, std::string> SimPeer::join_wsb(const std::string& room, Instant now) {
  if (auto b = bind_and_describe(); !b) return b;
  room_ = room;
  joined_ = now;
  tx_ = std::make_unique<umbrella_Envelope>();
  auto l = SignalLink::open(ctx_.server, ctx_.tls, *this, now);
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
      if (!signal::make_description(*tx_, umbrella_SessionDescription_Type_TYPE_OFFER, build_offer(local_), 1) ||
          !link_->send(*tx_))
        fail("/wsb: cannot send the offer");
      return;
    case umbrella_Envelope_description_tag: {
      const umbrella_SessionDescription& d = env.body.description;
      if (d.type == umbrella_SessionDescription_Type_TYPE_OFFER) {
        on_server_offer(d);
      } else if (!ice_ && d.revision == 1) {
        auto a = read_answer(d.sdp);
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
  auto streams = read_offer_streams(d.sdp);
  auto answer = build_answer(d.sdp, local_);
  if (!streams || !answer) return fail("/wsb offer: " + (streams ? answer.error() : streams.error()));
  answer_.video_ssrcs = std::move(streams->video_ssrcs);
  answer_.audio_ssrcs = std::move(streams->audio_ssrcs);
  answer_.rtx = std::move(streams->rtx);
  if (!signal::make_description(*tx_, umbrella_SessionDescription_Type_TYPE_ANSWER, *answer, d.revision) ||
      !link_->send(*tx_))
    fail("/wsb: cannot send the answer (" + std::to_string(answer->size()) + " bytes of SDP)");
}

void SimPeer::on_signal_closed(const std::string& why) { fail(why); }

void SimPeer::send_raw(const uint8_t* data, size_t size) {
  Packet p = ctx_.pool.acquire();
  if (!p) return;
  std::memcpy(p.data(), data, size);
  p.set_size(size);
  queue(std::move(p), server_);
}

void SimPeer::queue(Packet p, const SocketAddress& to) {
  socket_.send(std::move(p), to);
  if (!dirty_) {
    dirty_ = true;
    ctx_.dirty.push_back(this);
  }
}

void SimPeer::drain(Instant now) {
  uint8_t buf[512];
  if (ice_) {
    while (auto t = ice_->poll_transmit(now, MutableBytes(buf, sizeof buf))) {
      Packet p = ctx_.pool.acquire();
      if (!p) break;
      std::memcpy(p.data(), buf, t->size);
      p.set_size(t->size);
      queue(std::move(p), t->destination);
    }
  }
  if (!dtls_) return;
  while (auto d = dtls_->poll_datagram()) send_raw(d->data(), d->size());
  while (auto e = dtls_->poll_event()) {
    if (auto* c = std::get_if<dtls::Connected>(&*e)) {
      auto out = srtp::SrtpSession::create(c->keys, srtp::Direction::kOutbound);
      auto in = srtp::SrtpSession::create(c->keys, srtp::Direction::kInbound);
      if (!out || !in) {
        fail("srtp session");
        continue;
      }
      srtp_out_.emplace(std::move(*out));
      srtp_in_.emplace(std::move(*in));
      connected_at_ = now;
      if (role_ == Role::kPublisher) source_.emplace(ctx_.media, now);
    } else if (auto* f = std::get_if<dtls::Failed>(&*e)) {
      fail("dtls: " + f->reason);
    } else if (std::holds_alternative<dtls::Closed>(*e)) {
      fail("dtls closed by the server");
    }
  }
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
  drain(now);
}

void SimPeer::handle(Packet& p, const SocketAddress& from, Instant now) {
  if (p.size() == 0) return;
  uint8_t b = p.data()[0];
  if (b < 4) {
    if (!ice_) return;
    auto e = ice_->handle_stun(p.span(), from, now);
    if (e == ice::Event::kConnected) {
      server_ = *ice_->selected_address();
      if (dtls_ && dtls_->state() == dtls::State::kNew) dtls_->start(now);
    } else if (e == ice::Event::kFailed) {
      fail("ice failed");
    }
  } else if (b >= 20 && b <= 63) {
    if (dtls_) dtls_->handle_datagram(p.span(), now);
  } else if (b >= 128 && b <= 191) {
    handle_media(p, now);
  }
}

void SimPeer::handle_media(Packet& p, Instant now) {
  if (is_rtcp(p.data(), p.size())) {
    ++ctx_.totals.recv_rtcp;
    return;
  }
  if (p.size() < 12) return;
  ++ctx_.totals.recv_packets;
  ctx_.totals.recv_bytes += p.size();
  if (first_packet_at_ == Instant{}) first_packet_at_ = now;
  uint32_t ssrc = load_be32(p.data() + 8);
  uint16_t seq = load_be16(p.data() + 2);
  bool rtx = false;
  for (auto& [r, media] : answer_.rtx)
    if (r == ssrc) {
      rtx = true;
      ssrc = media;
    }
  if (rtx) ++ctx_.totals.recv_rtx;
  if (ctx_.decrypt && srtp_in_) {
    auto len = srtp_in_->unprotect_rtp(p.data(), p.size());
    if (!len) {
      bool replay = len.error() == srtp::Error::kReplayFail || len.error() == srtp::Error::kReplayOld;
      ++(replay ? ctx_.totals.unprotect_replayed : ctx_.totals.unprotect_failed);
      return;
    }
    auto v = rtp::parse_rtp(Bytes(p.data(), *len));
    if (!v) return;
    Bytes payload = v->payload;
    if (rtx) {  // RFC 4588: the original sequence number leads the payload
      if (payload.size() < 2) return;
      seq = load_be16(payload.data());
      payload = payload.subspan(2);
    }
    Probe probe;
    if (read_probe(payload, probe)) {
      uint64_t t = to_ns(now);
      uint64_t d = t > probe.sent_ns ? t - probe.sent_ns : 0;
      ctx_.delay.add(d / 1000);  // microseconds
      ctx_.interval_delay.add(d / 1000);
    } else {
      ++ctx_.totals.probe_missing;
    }
  } else if (rtx) {
    return;  // without decryption the original sequence number is unreadable
  }
  for (auto& [s, tracker] : streams_)
    if (s == ssrc) {
      tracker.add(seq);
      return;
    }
  streams_.push_back({ssrc, SequenceTracker{}});
  streams_.back().second.add(seq);
}

void SimPeer::send_media(Instant now) {
  Outgoing o;
  while (source_->next(now, o)) {
    Packet p = ctx_.pool.acquire();
    if (!p) return;
    rtp::RtpHeader h{o.marker, o.video ? kVideoPt : kAudioPt, o.sequence, o.timestamp,
                     o.video ? video_ssrc_ : audio_ssrc_};
    size_t hs = rtp::write_rtp_header(MutableBytes(p.data(), p.capacity()), h);
    size_t len = hs + o.payload_size;
    if (hs == 0 || len + srtp::rtp_tag_length(srtp_out_->profile()) > p.capacity()) return;
    std::memset(p.data() + hs, 0, o.payload_size);
    write_probe(MutableBytes(p.data() + hs, o.payload_size), Probe{to_ns(now), index_});
    auto out = srtp_out_->protect_rtp(p.data(), len, p.capacity());
    if (!out) continue;
    p.set_size(*out);
    ++ctx_.totals.sent_packets;
    ctx_.totals.sent_bytes += *out;
    queue(std::move(p), server_);
  }
}

void SimPeer::service(Instant now) {
  if (!failure_.empty()) return;
  if (link_) link_->service(now);
  if (http_ && http_->check_timeout(now)) finish_http(now);
  if (ice_ && now >= ice_->next_deadline()) {
    auto e = ice_->handle_timeout(now);
    if (e == ice::Event::kFailed || e == ice::Event::kConsentExpired) fail(std::string("ice: ") + ice::to_string(e));
  }
  if (dtls_ && now >= dtls_->next_deadline()) dtls_->handle_timeout(now);
  if (source_ && srtp_out_) send_media(now);
  drain(now);
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
  uint64_t n = 0;
  for (auto& [s, t] : streams_) n += t.lost();
  return n;
}

uint64_t SimPeer::expected() const {
  uint64_t n = 0;
  for (auto& [s, t] : streams_) n += t.expected();
  return n;
}

}  // namespace umbrella::loadgen
