// One WebRTC transport (a browser, a WHIP/WHEP client): ICE-lite, then DTLS, then SRTP,
// composed sans-IO. Datagrams and time go in; decrypted RTP/RTCP and state changes come out
// through TransportListener, and datagrams to send through DatagramSink. RTP and RTCP stay
// in their pooled packets: decryption and encryption happen in place.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/packet_pool.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "dtls/transport.hpp"
#include "ice/credentials.hpp"
#include "ice/lite_agent.hpp"
#include "rtc/srtp_channel.hpp"
#include "srtp/session.hpp"
#include "stun/message.hpp"

namespace umbrella::tls {
class Certificate;
}

namespace umbrella::rtc {

class DatagramSink {
 public:
  virtual ~DatagramSink() = default;
  virtual void send_datagram(Packet packet, const SocketAddress& to) = 0;
  // RTP still to be encrypted by `protect`; a sink may defer that to its flush (and another
  // thread) as long as it flushes before the transport goes away.
  virtual void send_rtp_datagram(Packet packet, const SocketAddress& to, SendTransform& protect) {
    if (protect.apply(packet)) send_datagram(std::move(packet), to);
  }
  // The transport now owns traffic from `address` (ICE nomination or address change).
  virtual void bind_address(const SocketAddress& address) = 0;
};

class TransportListener {
 public:
  virtual ~TransportListener() = default;
  virtual void on_connected(Instant now) { (void)now; }
  virtual void on_rtp(Packet& packet, Instant now) = 0;   // decrypted
  virtual void on_rtcp(Packet& packet, Instant now) = 0;  // decrypted compound
  // ICE consent expired, DTLS failed or closed: the transport is finished.
  virtual void on_closed(const std::string& reason) = 0;
};


struct TransportConfig {
  ice::Credentials local;
  ice::Credentials remote;
  dtls::Role dtls_role = dtls::Role::kServer;
  std::string remote_fingerprint;  // "sha-256 AB:CD:..." or the bare hex
  dtls::DtlsCounters* dtls_totals = nullptr;  // server-wide sum of the DTLS refusals, optional
};

class WebRtcTransport {
 public:
  static Result<std::unique_ptr<WebRtcTransport>, std::string> create(const TransportConfig& config,
                                                                      tls::Certificate& certificate, PacketPool& pool,
                                                                      DatagramSink& sink, TransportListener& listener,
                                                                      Instant now);
  ~WebRtcTransport();

  void on_stun(const stun::Message& msg, Bytes raw, const SocketAddress& from, Instant now);
  void on_datagram(Packet packet, const SocketAddress& from, Instant now);
  Instant next_deadline() const;
  void on_timeout(Instant now);

  // Hands the packet to the sink to encrypt in place and send (false: not connected). The
  // packet must not be shared (it is the per-receiver copy) and needs tailroom for the tag.
  bool send_rtp(Packet packet);
  // Copies plaintext compound RTCP into a pool packet, encrypts, sends.
  bool send_rtcp(Bytes compound);

  bool connected() const { return srtp_.ready(); }
  bool closed() const { return closed_; }
  const char* ice_state() const;
  const char* dtls_state() const;
  std::optional<SocketAddress> remote_address() const { return ice_.selected_address(); }
  const TransportCounters& counters() const { return counters_; }
  const ice::Credentials& local_credentials() const { return ice_.local_credentials(); }

 private:
  WebRtcTransport(const TransportConfig& config, PacketPool& pool, DatagramSink& sink, TransportListener& listener,
                  Instant now);
  void flush_dtls(Instant now);
  void close(const std::string& reason);

  PacketPool& pool_;
  DatagramSink& sink_;
  TransportListener& listener_;
  ice::IceLiteAgent ice_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  SrtpChannel srtp_;
  TransportCounters counters_;
  RtpProtect rtp_protect_{srtp_, counters_};
  dtls::DtlsCounters* dtls_totals_ = nullptr;
  bool dtls_started_ = false;
  bool closed_ = false;
};

}  // namespace umbrella::rtc
