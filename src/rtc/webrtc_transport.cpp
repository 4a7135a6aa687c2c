#include "rtc/webrtc_transport.hpp"

#include <cstring>
#include <variant>

#include "core/log.hpp"
#include "rtp/rtp_packet.hpp"
#include "tls/certificate.hpp"

namespace umbrella::rtc {

WebRtcTransport::WebRtcTransport(const TransportConfig& config, PacketPool& pool, DatagramSink& sink,
                                 TransportListener& listener, Instant now)
    : pool_(pool), sink_(sink), listener_(listener), ice_(config.local, config.remote, now) {}

WebRtcTransport::~WebRtcTransport() = default;

Result<std::unique_ptr<WebRtcTransport>, std::string> WebRtcTransport::create(
    const TransportConfig& config, tls::Certificate& certificate, PacketPool& pool, DatagramSink& sink,
    TransportListener& listener, Instant now) {
  std::unique_ptr<WebRtcTransport> t(new WebRtcTransport(config, pool, sink, listener, now));
  dtls::DtlsOptions options;
  options.client_transport_id = config.local.ufrag;
  auto d = dtls::DtlsTransport::create(config.dtls_role, certificate, config.remote_fingerprint, options);
  if (!d) return Err{d.error()};
  t->dtls_ = std::move(*d);
  t->dtls_totals_ = config.dtls_totals;
  return t;
}

const char* WebRtcTransport::ice_state() const { return ice::to_string(ice_.state()); }
const char* WebRtcTransport::dtls_state() const { return dtls::to_string(dtls_->state()); }

void WebRtcTransport::on_stun(const stun::Message& msg, Bytes raw, const SocketAddress& from, Instant now) {
  if (closed_) return;
  Packet response = pool_.acquire();
  if (!response) return;
  auto r = ice_.handle_stun(msg, raw, from, now, MutableBytes(response.data(), response.capacity()));
  if (r.response_size) {
    response.set_size(r.response_size);
    sink_.send_datagram(std::move(response), from);
  }
  if (r.event == ice::Event::kNominated || r.event == ice::Event::kAddressChanged) {
    sink_.bind_address(from);
    LOG_DEBUG("rtc", "ICE ", ice_.local_credentials().ufrag, " ", ice::to_string(r.event), " ", from.to_string());
    if (!dtls_started_) {
      dtls_started_ = true;
      dtls_->start(now);
      flush_dtls(now);
    }
  }
}

void WebRtcTransport::on_datagram(Packet packet, const SocketAddress& from, Instant now) {
  (void)from;
  if (closed_ || packet.size() == 0) return;
  uint8_t first = packet.data()[0];
  if (first >= 20 && first <= 63) {
    if (!dtls_started_) {  // a DTLS client can speak before our nomination is seen
      dtls_started_ = true;
      dtls_->start(now);
    }
    dtls_->handle_datagram(packet.span(), now);
    flush_dtls(now);
    return;
  }
  switch (srtp_.unprotect(packet, counters_)) {
    case SrtpChannel::Received::kRtp: listener_.on_rtp(packet, now); break;
    case SrtpChannel::Received::kRtcp: listener_.on_rtcp(packet, now); break;
    case SrtpChannel::Received::kDropped: break;
  }
}

void WebRtcTransport::flush_dtls(Instant now) {
  dtls::publish(dtls_->counters(), counters_.dtls, dtls_totals_);
  auto to = ice_.selected_address();
  while (auto d = dtls_->poll_datagram()) {
    if (!to) continue;  // nothing to send to before nomination
    Packet p = pool_.copy_of(*d);
    if (p) sink_.send_datagram(std::move(p), *to);
  }
  while (auto ev = dtls_->poll_event()) {
    if (auto* c = std::get_if<dtls::Connected>(&*ev)) {
      if (!srtp_.start(c->keys)) {
        close("cannot create SRTP sessions");
        return;
      }
      LOG_INFO("rtc", "transport ", ice_.local_credentials().ufrag, " connected (DTLS ", dtls_->cipher_suite(), ")");
      listener_.on_connected(now);
    } else if (auto* f = std::get_if<dtls::Failed>(&*ev)) {
      close("DTLS failed: " + f->reason);
      return;
    } else if (std::holds_alternative<dtls::Closed>(*ev)) {
      close("DTLS closed by peer");
      return;
    }
  }
}

Instant WebRtcTransport::next_deadline() const {
  if (closed_) return kNever;
  return std::min(ice_.next_deadline(), dtls_->next_deadline());
}

void WebRtcTransport::on_timeout(Instant now) {
  if (closed_) return;
  if (ice_.handle_timeout(now) == ice::Event::kConsentExpired) {
    close("ICE consent expired (no checks for 30 s)");
    return;
  }
  if (dtls_->next_deadline() <= now) {
    dtls_->handle_timeout(now);
    flush_dtls(now);
  }
}

bool WebRtcTransport::send_rtp(Packet packet) {
  auto to = ice_.selected_address();
  if (!srtp_.ready() || !to || closed_) return false;
  sink_.send_rtp_datagram(std::move(packet), *to, rtp_protect_);
  return true;
}

bool WebRtcTransport::send_rtcp(Bytes compound) {
  auto to = ice_.selected_address();
  if (!srtp_.ready() || !to || closed_) return false;
  Packet p = srtp_.protect_rtcp(compound, pool_, counters_);
  if (!p) return false;
  sink_.send_datagram(std::move(p), *to);
  return true;
}

void WebRtcTransport::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  LOG_INFO("rtc", "transport ", ice_.local_credentials().ufrag, " closed: ", reason);
  listener_.on_closed(reason);
}

}  // namespace umbrella::rtc
