#include "rtc/client_transport.hpp"

#include <algorithm>
#include <variant>

#include "core/log.hpp"
#include "rtp/rtp_packet.hpp"
#include "tls/certificate.hpp"

namespace umbrella::rtc {

ClientTransport::ClientTransport(const ClientTransportConfig& config, PacketPool& pool, DatagramSink& sink,
                                 TransportListener& listener, Instant now)
    : pool_(pool),
      sink_(sink),
      listener_(listener),
      name_(config.local.ufrag),
      ice_(config.local, config.remote, config.remote_candidates, now, config.ice) {}

ClientTransport::~ClientTransport() = default;

Result<std::unique_ptr<ClientTransport>, std::string> ClientTransport::create(
    const ClientTransportConfig& config, tls::Certificate& certificate, PacketPool& pool, DatagramSink& sink,
    TransportListener& listener, Instant now) {
  if (config.remote_candidates.empty()) return Err{std::string("no remote candidate")};
  std::unique_ptr<ClientTransport> t(new ClientTransport(config, pool, sink, listener, now));
  auto d = dtls::DtlsTransport::create(dtls::Role::kClient, certificate, config.remote_fingerprint);
  if (!d) return Err{d.error()};
  t->dtls_ = std::move(*d);
  t->dtls_totals_ = config.dtls_totals;
  return t;
}

void ClientTransport::on_datagram(Packet packet, const SocketAddress& from, Instant now) {
  if (closed_ || packet.size() == 0) return;
  uint8_t first = packet.data()[0];
  if (first < 4) {
    on_ice_event(ice_.handle_stun(packet.span(), from, now), now);
    flush_ice(now);
    return;
  }
  // DTLS and media only from the selected pair: the agent already checked that address.
  auto selected = ice_.selected_address();
  if (!selected || !(from == *selected)) return;
  if (first >= 20 && first <= 63) {
    dtls_->handle_datagram(packet.span(), now);
    flush_dtls(now);
  } else if (first >= 128 && first <= 191) {
    on_media(packet, now);
  }
}

void ClientTransport::on_ice_event(ice::Event event, Instant now) {
  switch (event) {
    case ice::Event::kConnected:
      sink_.bind_address(*ice_.selected_address());
      LOG_DEBUG("rtc", "client ICE ", name_, " connected to ", ice_.selected_address()->to_string());
      if (dtls_->state() == dtls::State::kNew) {
        dtls_->start(now);
        flush_dtls(now);
      }
      break;
    case ice::Event::kFailed: close("ICE failed: no candidate answered"); break;
    case ice::Event::kConsentExpired: close("ICE consent expired (no responses for 30 s)"); break;
    default: break;
  }
}

void ClientTransport::on_media(Packet& packet, Instant now) {
  switch (srtp_.unprotect(packet, counters_)) {
    case SrtpChannel::Received::kRtp: listener_.on_rtp(packet, now); break;
    case SrtpChannel::Received::kRtcp: listener_.on_rtcp(packet, now); break;
    case SrtpChannel::Received::kDropped: break;
  }
}

void ClientTransport::flush_ice(Instant now) {
  // Checks are written straight into pool packets: no copy, no allocation.
  while (!closed_) {
    Packet p = pool_.acquire();
    if (!p) return;
    auto t = ice_.poll_transmit(now, MutableBytes(p.data(), p.capacity()));
    if (!t) return;
    p.set_size(t->size);
    sink_.send_datagram(std::move(p), t->destination);
  }
}

void ClientTransport::flush_dtls(Instant now) {
  dtls::publish(dtls_->counters(), counters_.dtls, dtls_totals_);
  auto to = ice_.selected_address();
  while (auto d = dtls_->poll_datagram()) {
    if (!to) continue;
    Packet p = pool_.copy_of(*d);
    if (p) sink_.send_datagram(std::move(p), *to);
  }
  while (auto ev = dtls_->poll_event()) {
    if (auto* c = std::get_if<dtls::Connected>(&*ev)) {
      if (!srtp_.start(c->keys)) return close("cannot create SRTP sessions");
      LOG_INFO("rtc", "client transport ", name_, " connected (DTLS ", dtls_->cipher_suite(), ")");
      listener_.on_connected(now);
    } else if (auto* f = std::get_if<dtls::Failed>(&*ev)) {
      return close("DTLS failed: " + f->reason);
    } else if (std::holds_alternative<dtls::Closed>(*ev)) {
      return close("DTLS closed by peer");
    }
  }
}

Instant ClientTransport::next_deadline() const {
  if (closed_) return kNever;
  return std::min(ice_.next_deadline(), dtls_->next_deadline());
}

void ClientTransport::on_timeout(Instant now) {
  if (closed_) return;
  on_ice_event(ice_.handle_timeout(now), now);
  flush_ice(now);  // retransmitted checks and due consent checks
  if (!closed_ && dtls_->next_deadline() <= now) {
    dtls_->handle_timeout(now);
    flush_dtls(now);
  }
}

bool ClientTransport::send_rtp(Packet packet) {
  auto to = ice_.selected_address();
  if (!srtp_.ready() || !to || closed_) return false;
  sink_.send_rtp_datagram(std::move(packet), *to, rtp_protect_);
  return true;
}

bool ClientTransport::send_rtcp(Bytes compound) {
  auto to = ice_.selected_address();
  if (!srtp_.ready() || !to || closed_) return false;
  Packet p = srtp_.protect_rtcp(compound, pool_, counters_);
  if (!p) return false;
  sink_.send_datagram(std::move(p), *to);
  return true;
}

void ClientTransport::shutdown() {
  if (closed_) return;
  dtls_->close();
  auto to = ice_.selected_address();
  while (auto d = dtls_->poll_datagram()) {
    Packet p = pool_.copy_of(*d);
    if (p && to) sink_.send_datagram(std::move(p), *to);
  }
  close("closed locally");
}

void ClientTransport::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  LOG_INFO("rtc", "client transport ", name_, " closed: ", reason);
  listener_.on_closed(reason);
}

}  // namespace umbrella::rtc
