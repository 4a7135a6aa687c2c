#include "sim_peer.hpp"

#include <cstring>

#include "dtls/events.hpp"
#include "http_post.hpp"
#include "ice/credentials.hpp"
#include "rtp/rtp_builder.hpp"
#include "rtp/rtp_packet.hpp"
#include "tls/certificate.hpp"

namespace umbrella::loadgen {
namespace {

bool is_rtcp(const uint8_t* d, size_t n) { return n >= 2 && d[1] >= 192 && d[1] <= 223; }

}  // namespace

SimPeer::SimPeer(PeerContext& ctx, uint32_t index, Role role)
    : ctx_(ctx), index_(index), role_(role),
      video_ssrc_(0x10000000u + index * 2), audio_ssrc_(0x10000000u + index * 2 + 1) {}

Result<bool, std::string> SimPeer::join(const std::string& host, uint16_t port, const std::string& path,
                                        int recv_video, int recv_audio, Instant now) {
  auto sock = UdpSocket::bind(ctx_.bind_ip, 0, 0);
  if (!sock) return Err{"bind: " + sock.error()};
  socket_ = std::move(*sock);
  SocketAddress local = ctx_.bind_ip;
  local = SocketAddress::parse(local.ip_string(), socket_.local_port()).value_or(local);
  OfferParams o;
  o.ice = ice::generate_credentials();
  o.fingerprint = ctx_.certificate.fingerprint_sha256();
  o.local = local;
  o.publish = role_ == Role::kPublisher;
  o.video_ssrc = video_ssrc_;
  o.audio_ssrc = audio_ssrc_;
  o.recv_video = recv_video;
  o.recv_audio = recv_audio;
  joined_ = now;
  auto r = http_post(host, port, path, "application/sdp", build_offer(o));
  if (!r) return Err{r.error()};
  if (r->status != 201) return Err{"HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200)};
  auto a = read_answer(r->body);
  if (!a) return Err{a.error()};
  answer_ = std::move(*a);
  server_ = answer_.candidates.front();
  ice_ = std::make_unique<ice::IceControllingAgent>(o.ice, answer_.ice, answer_.candidates, now);
  auto d = dtls::DtlsTransport::create(dtls::Role::kClient, ctx_.certificate, answer_.fingerprint);
  if (!d) return Err{"dtls: " + d.error()};
  dtls_ = std::move(*d);
  drain(now);
  return true;
}

void SimPeer::send_raw(const uint8_t* data, size_t size) {
  Packet p = ctx_.pool.acquire();
  if (!p) return;
  std::memcpy(p.data(), data, size);
  p.set_size(size);
  socket_.send(std::move(p), server_);
}

void SimPeer::drain(Instant now) {
  uint8_t buf[512];
  if (ice_) {
    while (auto t = ice_->poll_transmit(now, MutableBytes(buf, sizeof buf))) {
      Packet p = ctx_.pool.acquire();
      if (!p) break;
      std::memcpy(p.data(), buf, t->size);
      p.set_size(t->size);
      socket_.send(std::move(p), t->destination);
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
      ++ctx_.totals.unprotect_failed;
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
      ctx_.delay.add(d);
      ctx_.interval_delay.add(d);
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
    socket_.send(std::move(p), server_);
  }
}

void SimPeer::service(Instant now) {
  if (!failure_.empty()) return;
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
