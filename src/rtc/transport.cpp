#include "rtc/transport.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "dtls/transport.hpp"
#include "tls/certificate.hpp"

namespace umbrella::rtc {
namespace {

std::unique_ptr<ice::Agent> make_agent(const TransportConfig& config, Instant now) {
  if (auto* c = std::get_if<FullIce>(&config.ice))
    return std::make_unique<ice::IceFullAgent>(config.local, config.remote, c->remote_candidates, now,
                                                      c->agent);
  return std::make_unique<ice::IceLiteAgent>(config.local, config.remote, now, std::get<LiteIce>(config.ice).agent);
}

}  // namespace

Transport::Transport(const TransportConfig& config, PacketPool& pool, DatagramSink& sink, TransportListener& listener,
                     Instant now)
    : pool_(pool),
      sink_(sink),
      listener_(listener),
      name_(config.local.ufrag),
      controlling_(std::holds_alternative<FullIce>(config.ice) && std::get<FullIce>(config.ice).agent.controlling),
      ice_(make_agent(config, now)),
      consent_timeout_(std::visit([](const auto& ice) { return ice.agent.consent_timeout; }, config.ice)) {}

Transport::~Transport() = default;

Result<std::unique_ptr<Transport>, std::string> Transport::create(const TransportConfig& config,
                                                                  tls::Certificate& certificate, PacketPool& pool,
                                                                  DatagramSink& sink, TransportListener& listener,
                                                                  Instant now) {
  auto* full = std::get_if<FullIce>(&config.ice);
  if (full && full->remote_candidates.empty()) return Err{std::string("no remote candidate")};
  std::unique_ptr<Transport> t(new Transport(config, pool, sink, listener, now));
  // Either agent takes the DTLS role the SDP gave it (a controlling one is usually the client).
  dtls::Role role = full ? full->dtls_role : std::get<LiteIce>(config.ice).dtls_role;
  dtls::DtlsOptions options;
  options.client_transport_id = config.local.ufrag;  // the HelloVerifyRequest cookie's binding
  auto d = dtls::DtlsTransport::create(role, certificate, config.remote_fingerprint, options);
  if (!d) return Err{d.error()};
  t->dtls_ = std::move(*d);
  t->dtls_role_ = role;
  t->dtls_totals_ = config.dtls_totals;
  t->srtp_totals_ = config.srtp_totals;
  t->sctp_totals_ = config.sctp_totals;
  return t;
}

const char* Transport::ice_state() const { return ice::to_string(ice_->state()); }
const char* Transport::dtls_state() const { return dtls::to_string(dtls_->state()); }
bool Transport::dtls_session_released() const { return dtls_->session_released(); }

void Transport::on_stun(const stun::Message& msg, Bytes raw, const SocketAddress& from, Instant now) {
  if (closed_) return;
  Packet response = pool_.acquire();
  if (!response) return;
  auto r = ice_->handle_stun(msg, raw, from, now, MutableBytes(response.data(), response.capacity()));
  if (r.response_size) {
    response.set_size(r.response_size);
    sink_.send_datagram(std::move(response), from);
  }
  on_ice_event(r.event, now);
  flush_ice(now);
}

void Transport::on_datagram(Packet packet, const SocketAddress& from, Instant now) {
  if (closed_ || packet.size() == 0) return;
  uint8_t first = packet.data()[0];  // RFC 7983 demultiplexing
  if (first >= 128 && first <= 191) {
    // SRTP or SRTCP, from whatever source: SRTP authenticates it (and the media port routes
    // by address already), so the media path spends nothing on the address.
    auto received = srtp_.unprotect(packet, counters_, srtp_totals_);
    if (received == SrtpChannel::Received::kDropped) return;
    last_heard_ = now;
    if (!dtls_settled_) settle_dtls();
    if (received == SrtpChannel::Received::kRtp) listener_.on_rtp(packet, now);
    else listener_.on_rtcp(packet, now);
  } else if (first < 4) {
    on_stun_datagram(packet.span(), from, now);
  } else if (first >= 20 && first <= 63) {
    // DTLS only on the selected pair: ICE checked that address, and the handshake binds to it.
    if (!remote_ || !(from == *remote_)) {
      ++counters_.not_selected_source;
      return;
    }
    dtls_->handle_datagram(packet.span(), now);  // a DTLS server starts on its first datagram
    flush_dtls(now);
  }
}

// Out of line: the parsed message is large, and the media path should not pay for its frame.
[[gnu::noinline]] void Transport::on_stun_datagram(Bytes raw, const SocketAddress& from, Instant now) {
  if (auto msg = stun::parse(raw)) on_stun(*msg, raw, from, now);
}

void Transport::on_ice_event(ice::Event event, Instant now) {
  switch (event) {
    case ice::Event::kNominated:       // lite or controlled: the peer picked its pair
    case ice::Event::kAddressChanged:  // ... and moved it (NAT rebinding)
    case ice::Event::kConnected:       // controlling: our nominating check was answered
      remote_ = ice_->selected_address();
      sink_.bind_address(*remote_);
      LOG_DEBUG("rtc", "ICE ", name_, " ", ice::to_string(event), " ", remote_->to_string());
      if (dtls_->state() == dtls::State::kNew) {
        dtls_->start(now);  // the client sends its ClientHello; a server waits for one
        flush_dtls(now);
      }
      break;
    case ice::Event::kFailed: close("ICE failed: no candidate answered"); break;
    case ice::Event::kConsentExpired:
      close("ICE consent expired (nothing heard for " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(consent_timeout_).count()) + " s)");
      break;
    case ice::Event::kNone:
    case ice::Event::kRefused: break;
  }
}

void Transport::flush_ice(Instant now) {
  // Checks are written straight into pool packets: no copy, no allocation.
  while (!closed_) {
    Packet p = pool_.acquire();
    if (!p) return;
    auto t = ice_->poll_transmit(now, MutableBytes(p.data(), p.capacity()));
    if (!t) return;
    p.set_size(t->size);
    sink_.send_datagram(std::move(p), t->destination);
  }
}

void Transport::send_dtls_datagrams() {
  while (auto d = dtls_->poll_datagram()) {
    if (!remote_) continue;  // nothing to send to before nomination
    if (Packet p = pool_.copy_of(*d)) sink_.send_datagram(std::move(p), *remote_);
  }
}

void Transport::flush_dtls(Instant now) {
  dtls::publish(dtls_->counters(), counters_.dtls, dtls_totals_);
  send_dtls_datagrams();
  while (!closed_) {
    auto ev = dtls_->poll_event();
    if (!ev) return;
    on_dtls_event(*ev, now);
  }
}

void Transport::on_dtls_event(const dtls::Event& event, Instant now) {
  if (auto* c = std::get_if<dtls::Connected>(&event)) {
    if (!srtp_.start(c->keys)) return close("cannot create SRTP sessions");
    LOG_INFO("rtc", "transport ", name_, " connected (DTLS ", dtls_->cipher_suite(), ", ",
             srtp::profile_name(c->keys.profile), ")");
    // SCTP first, so the listener sees the association (and arms the stack's timer).
    if (sctp_stack_ && !channels_)
      if (auto r = start_sctp(); !r) LOG_WARN("rtc", "transport ", name_, ": no data channels: ", r.error());
    listener_.on_connected(now);
  } else if (auto* f = std::get_if<dtls::Failed>(&event)) {
    close("DTLS failed: " + f->reason);
  } else if (std::holds_alternative<dtls::Closed>(event)) {
    close("DTLS closed by peer");
  }
  if (auto* a = std::get_if<dtls::ApplicationData>(&event)) {
    // The one demultiplexing point for DTLS application data: SCTP, when negotiated.
    if (channels_) {
      channels_->receive(a->data);
      flush_sctp();
    } else {
      ++counters_.stray_application_data;
      if (sctp_totals_) ++sctp_totals_->stray_application_data;
    }
  }
}

// The peer's first authenticated SRTP or SRTCP: it has finished its handshake (it has our
// last flight), so without data channels DTLS has nothing left to do but read a close_notify
// and send ours, and the session's ~25 KB can go (dtls::DtlsTransport::release_session()).
void Transport::settle_dtls() {
  dtls_settled_ = true;
  if (!sctp_stack_ && dtls_->release_session()) listener_.on_dtls_session_released();
}

Result<bool, std::string> Transport::enable_data_channels(sctp::Stack& stack, const sctp::AssociationConfig& config) {
  if (sctp_stack_) return true;
  if (dtls_->session_released())
    return Err{std::string("data channels were not negotiated before media flowed (the DTLS session is released)")};
  sctp_stack_ = &stack;
  sctp_config_ = config;
  if (dtls_->state() == dtls::State::kConnected && !closed_) return start_sctp();
  return true;
}

Result<bool, std::string> Transport::start_sctp() {
  // One SCTP packet per DTLS record, and a record within the DTLS datagram size. usrsctp's
  // packets may exceed its path MTU by an IP header's worth: leave that much spare.
  sctp_config_.path_mtu = uint32_t(std::min<size_t>(sctp_config_.path_mtu, dtls_->max_application_data_size()) - 40);
  auto c = sctp::DataChannels::create(*sctp_stack_, sctp_config_, dtls_role_ == dtls::Role::kClient, this);
  if (!c) return Err{c.error()};
  channels_ = std::move(*c);
  LOG_DEBUG("rtc", "transport ", name_, " starts SCTP (port ", sctp_config_.remote_port, ", ",
            sctp_config_.streams, " streams)");
  flush_sctp();  // our INIT
  return true;
}

void Transport::on_association_ready() { flush_sctp(); }

void Transport::flush_sctp() {
  if (!channels_ || closed_) return;
  for (auto& p : channels_->take_packets())
    if (!dtls_->send_application_data(p) && counters_.sctp_packets_unsent++ == 0)
      LOG_DEBUG("rtc", "transport ", name_, ": DTLS refused an SCTP packet of ", p.size(), " bytes (max ",
                dtls_->max_application_data_size(), ")");
  send_dtls_datagrams();
  // Events after the packets: a listener may send in reply (which flushes again).
  auto events = channels_->take_events();
  if (sctp_totals_) {
    sctp::DataChannelDrops now = channels_->drops();
    now.packets_unsent = counters_.sctp_packets_unsent;
    now.stray_application_data = sctp_seen_.stray_application_data;  // counted directly
    sctp::publish(now, sctp_seen_, *sctp_totals_);
  }
  for (auto& e : events) {
    if (closed_) return;
    if (auto* d = std::get_if<sctp::ChannelsDown>(&e)) LOG_INFO("rtc", "transport ", name_, " data channels ended: ", d->reason);
    if (std::holds_alternative<sctp::ChannelsUp>(e)) LOG_DEBUG("rtc", "transport ", name_, " SCTP association up");
    listener_.on_data_channel_event(e);
  }
}

Result<uint16_t, std::string> Transport::open_channel(const sctp::ChannelInfo& info) {
  if (!channels_ || closed_) return Err{std::string("no data channels on this transport")};
  auto id = channels_->open(info);
  flush_sctp();
  return id;
}

sctp::SendResult Transport::send_channel_message(uint16_t id, bool binary, Bytes data) {
  if (!channels_ || closed_) return sctp::SendResult::kNotConnected;
  auto r = channels_->send(id, binary, data);
  flush_sctp();
  return r;
}

void Transport::close_channel(uint16_t id) {
  if (!channels_ || closed_) return;
  channels_->close(id);
  flush_sctp();
}

std::optional<srtp::Profile> Transport::srtp_profile() const {
  if (!connected() || !dtls_->srtp_keys()) return std::nullopt;
  return dtls_->srtp_keys()->profile;
}

Instant Transport::next_deadline() const {
  if (closed_) return kNever;
  return std::min(ice_->next_deadline(), dtls_->next_deadline());
}

void Transport::on_timeout(Instant now) {
  if (closed_) return;
  ice_->heard_from_peer(last_heard_);  // once per timeout, not per packet
  on_ice_event(ice_->handle_timeout(now), now);
  flush_ice(now);  // retransmitted checks and due consent checks
  if (!closed_ && dtls_->next_deadline() <= now) {
    dtls_->handle_timeout(now);
    flush_dtls(now);
  }
}

bool Transport::send_rtp(Packet packet) {
  if (!connected() || !remote_) return false;
  sink_.send_rtp_datagram(std::move(packet), *remote_, rtp_protect_);
  return true;
}

bool Transport::send_rtcp(Bytes compound) {
  if (!connected() || !remote_) return false;
  Packet p = srtp_.protect_rtcp(compound, pool_, counters_);
  if (!p) return false;
  sink_.send_datagram(std::move(p), *remote_);
  return true;
}

void Transport::shutdown() {
  if (closed_) return;
  dtls_->close();
  send_dtls_datagrams();  // close_notify
  close("closed locally");
}

void Transport::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  LOG_INFO("rtc", "transport ", name_, " closed: ", reason);
  listener_.on_closed(reason);
}

}  // namespace umbrella::rtc
