// The client side of a WebRTC transport, sans-IO: a full controlling ICE agent toward an
// ICE-lite peer, then DTLS as client once a pair answers, then SRTP. The dialling SFU of an
// SFU-to-SFU trunk uses it (the other SFU runs a WebRtcTransport). Same shape as
// WebRtcTransport: datagrams and time in; decrypted RTP/RTCP and state changes out through
// TransportListener, datagrams to send through DatagramSink.
//
// create() sends nothing: next_deadline() is `now`, and on_timeout() sends the first checks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/packet_pool.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "dtls/transport.hpp"
#include "ice/controlling_agent.hpp"
#include "ice/credentials.hpp"
#include "rtc/webrtc_transport.hpp"
#include "srtp/session.hpp"

namespace umbrella::tls {
class Certificate;
}

namespace umbrella::rtc {

struct ClientTransportConfig {
  ice::Credentials local;
  ice::Credentials remote;                     // from the remote answer
  std::vector<SocketAddress> remote_candidates;  // from the remote answer, checked in order
  std::string remote_fingerprint;              // "sha-256 AB:CD:..." or the bare hex
  ice::ControllingAgentConfig ice;             // timers; defaults follow the RFCs
  dtls::DtlsCounters* dtls_totals = nullptr;   // server-wide sum of the DTLS refusals, optional
};

class ClientTransport {
 public:
  // Errors: no remote candidate, unparsable fingerprint, DTLS setup failure.
  static Result<std::unique_ptr<ClientTransport>, std::string> create(const ClientTransportConfig& config,
                                                                      tls::Certificate& certificate, PacketPool& pool,
                                                                      DatagramSink& sink, TransportListener& listener,
                                                                      Instant now);
  ~ClientTransport();
  ClientTransport(const ClientTransport&) = delete;
  ClientTransport& operator=(const ClientTransport&) = delete;

  // Everything received on the transport's socket: STUN responses, DTLS, SRTP and SRTCP.
  void on_datagram(Packet packet, const SocketAddress& from, Instant now);
  Instant next_deadline() const;
  void on_timeout(Instant now);

  // Hands the packet to the sink to encrypt in place and send (false: not connected); the
  // packet must not be shared and needs tailroom for the tag.
  bool send_rtp(Packet packet);
  // Copies plaintext compound RTCP into a pool packet, encrypts, sends.
  bool send_rtcp(Bytes compound);
  // Sends DTLS close_notify and finishes; the listener hears on_closed("closed locally").
  void shutdown();

  bool connected() const { return srtp_.ready() && !closed_; }
  bool closed() const { return closed_; }
  const char* ice_state() const { return ice::to_string(ice_.state()); }
  const char* dtls_state() const { return dtls::to_string(dtls_->state()); }
  std::optional<SocketAddress> remote_address() const { return ice_.selected_address(); }
  const TransportCounters& counters() const { return counters_; }

 private:
  ClientTransport(const ClientTransportConfig& config, PacketPool& pool, DatagramSink& sink,
                  TransportListener& listener, Instant now);
  void on_ice_event(ice::Event event, Instant now);
  void on_media(Packet& packet, Instant now);
  void flush_ice(Instant now);
  void flush_dtls(Instant now);
  void close(const std::string& reason);

  PacketPool& pool_;
  DatagramSink& sink_;
  TransportListener& listener_;
  std::string name_;  // local ufrag, for logs
  ice::IceControllingAgent ice_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  SrtpChannel srtp_;
  TransportCounters counters_;
  RtpProtect rtp_protect_{srtp_, counters_};
  dtls::DtlsCounters* dtls_totals_ = nullptr;
  bool closed_ = false;
};

}  // namespace umbrella::rtc
