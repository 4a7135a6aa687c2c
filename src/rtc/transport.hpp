// One WebRTC transport: ICE, then DTLS, then SRTP, composed sans-IO. Datagrams and time go
// in; decrypted RTP/RTCP and state changes come out through TransportListener, datagrams to
// send through DatagramSink. RTP and RTCP stay in their pooled packets: decryption and
// encryption happen in place.
//
// The ICE agent is the only variant (TransportConfig::ice):
//  - LiteIce: the SFU's side toward browsers and WHIP/WHEP clients, and the answering SFU
//    of a trunk. ICE-lite, controlled; the DTLS role comes from the SDP (server by default).
//  - FullIce: the dialling SFU of a trunk and the load generator. A full controlling
//    agent toward a lite peer; DTLS client. create() sends nothing: next_deadline() is
//    `now`, and on_timeout() sends the first checks.
// Everything after ICE (DTLS, SRTP, counters, sending, closing) is the same for both.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/packet_pool.hpp"
#include "core/result.hpp"
#include "core/send_transform.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "dtls/events.hpp"
#include "dtls/role.hpp"
#include "ice/agent.hpp"
#include "ice/full_agent.hpp"
#include "ice/credentials.hpp"
#include "ice/lite_agent.hpp"
#include "rtc/srtp_channel.hpp"
#include "sctp/data_channels.hpp"
#include "stun/message.hpp"

namespace umbrella::tls {
class Certificate;
}
namespace umbrella::dtls {
class DtlsTransport;
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
  // ICE failed or consent expired, DTLS failed or closed, or shutdown(): the transport is
  // finished and sends and delivers nothing more.
  virtual void on_closed(const std::string& reason) = 0;
  // Data channels (after enable_data_channels()): association up/down, channels opened and
  // closed, messages.
  virtual void on_data_channel_event(sctp::ChannelEvent& event) { (void)event; }
  // DTLS kept only its keys (see dtls_session_released()).
  virtual void on_dtls_session_released() {}
};

// ICE-lite, controlled: answers the peer's checks, follows its nomination.
struct LiteIce {
  dtls::Role dtls_role = dtls::Role::kServer;  // from the SDP: we answer a=setup:passive
  ice::LiteAgentConfig agent;
};

// Full ICE, controlling (toward a lite or a full peer; DTLS client unless the answer said
// a=setup:active) or controlled (agent.controlling false; set dtls_role to the server then).
struct FullIce {
  std::vector<SocketAddress> remote_candidates;  // from the remote description, checked in order
  ice::FullAgentConfig agent;  // role and timers; defaults follow the RFCs
  dtls::Role dtls_role = dtls::Role::kClient;
};

struct TransportConfig {
  ice::Credentials local;
  ice::Credentials remote;
  std::string remote_fingerprint;  // "sha-256 AB:CD:..." or the bare hex
  std::variant<LiteIce, FullIce> ice;
  dtls::DtlsCounters* dtls_totals = nullptr;  // server-wide sum of the DTLS refusals, optional
  SrtpDropTotals* srtp_totals = nullptr;      // server-wide sum of the SRTP refusals, optional
  sctp::DataChannelDrops* sctp_totals = nullptr;  // server-wide sum of the SCTP drops, optional
};

class Transport final : private sctp::AssociationListener {
 public:
  // Errors: no remote candidate (controlling), unparsable fingerprint, DTLS setup failure.
  static Result<std::unique_ptr<Transport>, std::string> create(const TransportConfig& config,
                                                                tls::Certificate& certificate, PacketPool& pool,
                                                                DatagramSink& sink, TransportListener& listener,
                                                                Instant now);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // A STUN message the caller already parsed (the media port demultiplexes by it).
  void on_stun(const stun::Message& msg, Bytes raw, const SocketAddress& from, Instant now);
  // Any datagram: STUN (parsed here), DTLS (only from the address ICE selected), SRTP or
  // SRTCP (authenticated, from any address: a NAT rebinding loses no media).
  void on_datagram(Packet packet, const SocketAddress& from, Instant now);
  Instant next_deadline() const;
  void on_timeout(Instant now);

  // Hands the packet to the sink to encrypt in place and send (false: not connected). The
  // packet must not be shared (it is the per-receiver copy) and needs tailroom for the tag.
  bool send_rtp(Packet packet);
  // Copies plaintext compound RTCP into a pool packet, encrypts, sends.
  bool send_rtcp(Bytes compound);
  // Sends DTLS close_notify and finishes; the listener hears on_closed("closed locally").
  void shutdown();

  // SCTP over this transport's DTLS (RFC 8261), for a negotiated m=application line: starts
  // when DTLS connects (now, if it has). DTLS application data goes to it and nowhere else.
  Result<bool, std::string> enable_data_channels(sctp::Stack& stack, const sctp::AssociationConfig& config);
  Result<uint16_t, std::string> open_channel(const sctp::ChannelInfo& info);
  sctp::SendResult send_channel_message(uint16_t id, bool binary, Bytes data);
  void close_channel(uint16_t id);
  const sctp::DataChannels* data_channels() const { return channels_.get(); }
  bool data_channels_enabled() const { return sctp_stack_ != nullptr; }
  // Media flowed without data channels: DTLS kept only its keys, and data channels can no
  // longer start on this transport (a re-offer adding them is answered with the line refused).
  bool dtls_session_released() const;

  bool connected() const { return srtp_.ready() && !closed_; }
  bool closed() const { return closed_; }
  bool controlling() const { return controlling_; }
  const char* ice_state() const;
  const char* dtls_state() const;
  std::optional<SocketAddress> remote_address() const { return remote_; }
  // What DTLS-SRTP negotiated, once connected.
  std::optional<srtp::Profile> srtp_profile() const;
  const TransportCounters& counters() const { return counters_; }

 private:
  Transport(const TransportConfig& config, PacketPool& pool, DatagramSink& sink, TransportListener& listener,
            Instant now);
  void on_stun_datagram(Bytes raw, const SocketAddress& from, Instant now);
  void on_ice_event(ice::Event event, Instant now);
  void flush_ice(Instant now);
  void flush_dtls(Instant now);  // datagrams, then events
  void send_dtls_datagrams();
  void on_dtls_event(const dtls::Event& event, Instant now);
  // The one place a transport ends (ICE, DTLS, SRTP setup and shutdown() all come here).
  void close(const std::string& reason);
  Result<bool, std::string> start_sctp();
  void on_association_ready() override;  // a Stack timer produced SCTP packets or events
  void flush_sctp();                     // SCTP packets into DTLS records, then events
  void settle_dtls();

  PacketPool& pool_;
  DatagramSink& sink_;
  TransportListener& listener_;
  std::string name_;  // local ufrag, for logs
  bool controlling_;
  std::unique_ptr<ice::Agent> ice_;
  Duration consent_timeout_;  // for the message when consent lapses
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  // The agent's selected address, kept here so the media path asks the agent nothing.
  std::optional<SocketAddress> remote_;
  SrtpChannel srtp_;
  TransportCounters counters_;
  Instant last_heard_{};  // last authenticated SRTP/SRTCP from the peer (ICE liveness)
  dtls::DtlsCounters* dtls_totals_ = nullptr;
  SrtpDropTotals* srtp_totals_ = nullptr;
  sctp::DataChannelDrops* sctp_totals_ = nullptr;
  sctp::DataChannelDrops sctp_seen_;  // what sctp_totals_ has of ours
  RtpProtect rtp_protect_{srtp_, counters_};
  bool closed_ = false;
  bool dtls_settled_ = false;  // settle_dtls() ran
  dtls::Role dtls_role_ = dtls::Role::kServer;
  sctp::Stack* sctp_stack_ = nullptr;
  sctp::AssociationConfig sctp_config_;
  std::unique_ptr<sctp::DataChannels> channels_;
};

}  // namespace umbrella::rtc
