#include "server/peer.hpp"

#include "core/log.hpp"
#include "sdp/build.hpp"
#include "sdp/candidate.hpp"
#include "sdp/parse.hpp"
#include "server/sctp_clock.hpp"
#include "tls/certificate.hpp"

namespace umbrella::server {

Peer::Peer(MediaContext& ctx, TransportEvents& events)
    : ctx_(ctx), events_(events), id_(ctx.plane.add_transport(*this)), credentials_(ice::generate_credentials()) {}

Peer::~Peer() {
  if (timer_) ctx_.loop.cancel(timer_);
  ctx_.plane.remove_transport(id_);
  ctx_.port.unregister(this);
}

sdp::LocalTransport Peer::local_transport() {
  sdp::LocalTransport local;
  local.ice_ufrag = credentials_.ufrag;
  local.ice_pwd = credentials_.pwd;
  local.fingerprint = {"sha-256", ctx_.dtls_certificate.fingerprint_sha256()};
  local.candidates = sdp::host_candidates(ctx_.candidate_addresses, ctx_.port.port());
  local.session_id = std::to_string(1000 + id_);
  local.session_version = session_version_++;
  return local;
}

Result<std::string, std::string> Peer::answer(const std::string& offer_sdp, const sdp::AnswerOptions& options,
                                              Instant now) {
  auto offer = sdp::parse(offer_sdp);
  if (!offer) return Err{std::string("cannot parse SDP offer: ") + sdp::to_string(offer.error())};
  // Remote ICE credentials and fingerprint: media level of the first m-line, else session level.
  ice::Credentials remote{offer->ice_ufrag, offer->ice_pwd};
  std::string fingerprint = offer->fingerprint ? offer->fingerprint->value : "";
  if (!offer->media.empty()) {
    const auto& m = offer->media.front();
    if (!m.ice_ufrag.empty()) remote = {m.ice_ufrag, m.ice_pwd};
    if (m.fingerprint) fingerprint = m.fingerprint->value;
  }
  if (fingerprint.empty()) return Err{std::string("SDP offer has no a=fingerprint")};
  sdp::AnswerOptions with_data = options;
  if (!ctx_.sctp || (transport_ && transport_->dtls_session_released())) with_data.data_channel_max_message_size = 0;
  else if (!with_data.data_channel_max_message_size) with_data.data_channel_max_message_size = kDataChannelMaxMessage;
  auto answer = sdp::answer_offer(*offer, local_transport(), with_data);
  if (!answer) return Err{answer.error()};
  if (!transport_ && borrowed_) return Err{std::string("the borrowed transport is gone")};
  if (!transport_) {
    rtc::TransportConfig config;
    config.local = credentials_;
    config.remote = remote;
    config.remote_fingerprint = fingerprint;
    config.ice = rtc::LiteIce{dtls::Role::kServer, {}};  // we answer a=setup:passive
    config.dtls_totals = &ctx_.dtls_counters;
    config.srtp_totals = &ctx_.srtp_drops;
    config.sctp_totals = &ctx_.sctp_drops;
    if (auto r = create_transport(config, now); !r) return Err{r.error()};
    ctx_.port.register_ufrag(credentials_.ufrag, this);
  }
  negotiated_ = sdp::negotiated_state(*offer, *answer);
  remote_offer_ = std::move(*offer);
  start_data_channels();
  return sdp::build(*answer);
}

// Once an m=application line is agreed: SCTP over this transport, sized by both sides'
// a=max-message-size. A line added later by a re-offer starts it then.
void Peer::start_data_channels() {
  const sdp::NegotiatedMedia* line = negotiated_.data_channel();
  if (!line || !transport_ || !ctx_.sctp || transport_->data_channels_enabled()) return;
  sctp::AssociationConfig config;
  config.remote_port = line->remote_sctp_port;
  config.max_message_size = line->local_max_message_size;
  config.remote_max_message_size = line->remote_max_message_size;
  config.streams = 128;  // 64 channels the SFU opens (one per other sender), 64 the client's
  if (auto r = transport_->enable_data_channels(ctx_.sctp->stack(), config); !r) {
    LOG_WARN("peer", "no data channels: ", r.error());
    return;
  }
  ++ctx_.sctp_associations;
  ctx_.sctp->arm();
}

Result<uint16_t, std::string> Peer::open_channel(const sctp::ChannelInfo& info) {
  if (!transport_) return Err{std::string("no transport")};
  return transport_->open_channel(info);
}

sctp::SendResult Peer::send_channel_message(uint16_t id, bool binary, Bytes data) {
  return transport_ ? transport_->send_channel_message(id, binary, data) : sctp::SendResult::kNotConnected;
}

void Peer::close_channel(uint16_t id) {
  if (transport_) transport_->close_channel(id);
}

void Peer::on_data_channel_event(sctp::ChannelEvent& event) {
  events_.on_data_channel_event(id_, event);
}

std::string Peer::offer(const std::vector<sdp::OutgoingTrack>& tracks) {
  auto o = sdp::make_offer(negotiated_, tracks, local_transport());
  if (!o) {
    LOG_WARN("peer", "cannot build offer: ", o.error());
    return {};
  }
  local_offer_ = *o;
  return sdp::build(*o);
}

Result<bool, std::string> Peer::apply_answer(const std::string& answer_sdp) {
  if (!local_offer_) return Err{std::string("answer without an outstanding offer")};
  auto answer = sdp::parse(answer_sdp);
  if (!answer) return Err{std::string("cannot parse SDP answer: ") + sdp::to_string(answer.error())};
  auto state = sdp::apply_answer(*local_offer_, *answer);
  if (!state) return Err{state.error()};
  negotiated_ = std::move(*state);
  local_offer_.reset();
  return true;
}

Result<bool, std::string> Peer::create_transport(const rtc::TransportConfig& config, Instant now) {
  auto t = rtc::Transport::create(config, ctx_.dtls_certificate, ctx_.port.pool(), *this, *this, now);
  if (!t) return Err{"cannot create transport: " + t.error()};
  owned_ = std::move(*t);
  transport_ = owned_.get();
  arm_timer();
  return true;
}

void Peer::arm_timer() {
  if (!owned_) return;  // another's transport: its owner keeps the time
  ctx_.loop.reschedule(timer_, transport_->next_deadline(), [this] {
    timer_ = 0;
    transport_->on_timeout(ctx_.loop.now());
    rearm_later();
  });
}

// Input may move the transport's deadline; the media plane's flusher re-arms the timer once
// after the whole receive batch (rearm_timer), not once per datagram.
void Peer::rearm_later() {
  if (rearm_queued_) return;
  rearm_queued_ = true;
  ctx_.plane.rearm_later(id_);
}

void Peer::rearm_timer() {
  rearm_queued_ = false;
  arm_timer();
}

void Peer::on_stun(const stun::Message& msg, Bytes raw, const SocketAddress& from, Instant now) {
  if (!owned_) return;
  bytes_in_ += raw.size();
  transport_->on_stun(msg, raw, from, now);
  rearm_later();
}

void Peer::on_datagram(Packet packet, const SocketAddress& from, Instant now) {
  if (!owned_) return;
  bytes_in_ += packet.size();
  transport_->on_datagram(std::move(packet), from, now);
  rearm_later();
}

bool Peer::connected() const { return transport_ && transport_->connected(); }
bool Peer::send_rtp(Packet packet) { return transport_ && transport_->send_rtp(std::move(packet)); }
bool Peer::send_rtcp(Bytes compound) { return transport_ && transport_->send_rtcp(compound); }
const char* Peer::ice_state() const { return transport_ ? transport_->ice_state() : "new"; }
const char* Peer::dtls_state() const { return transport_ ? transport_->dtls_state() : "new"; }
std::optional<SocketAddress> Peer::remote_address() const {
  return transport_ ? transport_->remote_address() : std::nullopt;
}

std::string Peer::client_offer(const std::vector<sdp::OutgoingTrack>& send,
                               const std::vector<std::pair<std::string, sdp::MediaKind>>& receive) {
  std::vector<sdp::OutgoingTrack> all = send;
  for (auto& [mid, kind] : receive) {
    sdp::OutgoingTrack t;
    t.mid = mid;
    t.kind = kind;
    t.stream_id = "-";
    t.track_id = mid;
    t.ssrc = 1;  // placeholder, removed below: a receive-only m-line announces no source
    all.push_back(std::move(t));
  }
  auto o = sdp::make_offer(negotiated_, all, local_transport(), ctx_.sctp ? kTrunkDataMaxMessage : 0);
  if (!o) {
    LOG_WARN("peer", "cannot build trunk offer: ", o.error());
    return {};
  }
  o->ice_lite = false;  // we are the controlling, full agent of this pair
  for (auto& m : o->media)
    for (auto& [mid, kind] : receive)
      if (m.mid == mid) {
        m.direction = sdp::Direction::kRecvOnly;
        m.ssrcs.clear();
        m.ssrc_groups.clear();
        m.msids.clear();
      }
  local_offer_ = *o;
  return sdp::build(*o);
}

Result<bool, std::string> Peer::apply_client_answer(const std::string& answer_sdp, Instant now) {
  if (!local_offer_) return Err{std::string("answer without an outstanding offer")};
  auto answer = sdp::parse(answer_sdp);
  if (!answer) return Err{std::string("cannot parse SDP answer: ") + sdp::to_string(answer.error())};
  auto state = sdp::apply_answer(*local_offer_, *answer);
  if (!state) return Err{state.error()};
  if (!transport_ && borrowed_) return Err{std::string("the borrowed transport is gone")};
  if (!transport_) {
    auto tag = sdp::bundle_tag(*answer);
    auto remote = tag ? sdp::remote_transport(*answer, *tag) : std::nullopt;
    if (!remote) return Err{std::string("answer has no usable transport")};
    rtc::TransportConfig config;
    config.local = credentials_;
    config.remote = {remote->ice_ufrag, remote->ice_pwd};
    config.remote_fingerprint = remote->fingerprint.algorithm + " " + remote->fingerprint.value;
    rtc::FullIce ice;
    for (auto& c : remote->candidates) {
      auto a = SocketAddress::parse_ip(c.address);
      if (!a || a->is_link_local() || !ctx_.port.reaches(*a)) continue;  // fe80:: needs a zone we do not track
      a->set_port(c.port);
      ice.remote_candidates.push_back(*a);
      ctx_.port.add_address(*a, this);  // check responses come from there
    }
    config.ice = std::move(ice);
    config.dtls_totals = &ctx_.dtls_counters;
    config.srtp_totals = &ctx_.srtp_drops;
    config.sctp_totals = &ctx_.sctp_drops;
    if (auto r = create_transport(config, now); !r) return Err{r.error()};
  }
  negotiated_ = std::move(*state);
  remote_answer_ = std::move(*answer);
  local_offer_.reset();
  start_data_channels();
  return true;
}

void Peer::send_datagram(Packet packet, const SocketAddress& to) {
  bytes_out_ += packet.size();
  ctx_.port.send(std::move(packet), to);
}

// Safe to defer: ~Peer unregisters (and so flushes) before the transports are destroyed.
void Peer::send_rtp_datagram(Packet packet, const SocketAddress& to, SendTransform& protect) {
  bytes_out_ += packet.size();
  ctx_.port.send(std::move(packet), to, &protect);
}
void Peer::bind_address(const SocketAddress& address) { ctx_.port.bind_address(address, this); }
void Peer::on_connected(Instant now) {
  if (auto profile = transport_->srtp_profile())
    ++(*profile == srtp::Profile::kAeadAes128Gcm ? ctx_.srtp_gcm_sessions : ctx_.srtp_aes_cm_sessions);
  if (ctx_.sctp) ctx_.sctp->arm();
  events_.on_transport_connected(id_, now);
}
// Decrypted media goes straight to the media plane.
void Peer::on_rtp(Packet& packet, Instant now) { ctx_.plane.on_rtp(id_, packet, now); }
void Peer::on_rtcp(Packet& packet, Instant now) { ctx_.plane.on_rtcp(id_, packet.span(), now); }
void Peer::on_closed(const std::string& reason) { events_.on_transport_closed(id_, reason); }

}  // namespace umbrella::server
