// The media side of one participant: its WebRTC transport on the shared media port, its
// SDP state (what was negotiated), and the timer that drives the transport's deadlines
// (re-armed once per receive batch through the media plane's flusher, not per datagram).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "media/media_plane.hpp"
#include "rtc/transport.hpp"
#include "sdp/negotiation.hpp"
#include "server/media_port.hpp"

namespace umbrella::tls {
class Certificate;
}

namespace umbrella::server {

class SctpClock;

// Data channels: the largest message we take (our a=max-message-size). 64 KiB is what every
// browser sends by default and what aiortc accepts; an access point's memory likes it small.
inline constexpr uint64_t kDataChannelMaxMessage = 65536;
// A trunk's: such a message with its room, sender and id (trunk_data_frame.hpp).
inline constexpr uint64_t kTrunkDataMaxMessage = kDataChannelMaxMessage + 1024;

// What every peer shares: the loop, the port, the media plane, the DTLS identity, what to announce.
struct MediaContext {
  EventLoop& loop;
  DatagramPort& port;
  media::MediaPlane& plane;
  tls::Certificate& dtls_certificate;
  std::vector<std::string> candidate_addresses;
  dtls::DtlsCounters dtls_counters{};  // every transport's DTLS refusals, for /status
  uint64_t dtls_sessions_released = 0;  // transports left with DTLS keys only (rtc::Transport)
  rtc::SrtpDropTotals srtp_drops{};    // every transport's SRTP refusals, for /status
  uint64_t srtp_gcm_sessions = 0;      // transports keyed with AEAD_AES_128_GCM, for /status
  uint64_t srtp_aes_cm_sessions = 0;   // ... with AES-CM + HMAC-SHA1 (peers without GCM)
  SctpClock* sctp = nullptr;           // null: data channels refused (port 0)
  uint64_t sctp_associations = 0;      // started, for /status
  sctp::DataChannelDrops sctp_drops{};  // every association's drops, for /status
};

// Where a transport's state changes go (the signalling above). Its media goes to the media
// plane, never here.
class TransportEvents {
 public:
  virtual ~TransportEvents() = default;
  virtual void on_transport_connected(media::TransportId transport, Instant now) = 0;
  virtual void on_transport_closed(media::TransportId transport, const std::string& reason) = 0;
  virtual void on_data_channel_event(media::TransportId transport, sctp::ChannelEvent& event) {
    (void)transport;
    (void)event;
  }
};

// Registered with the media plane for its lifetime; id() is its media::TransportId.
class Peer final : public MediaEndpoint,
                   public rtc::DatagramSink,
                   public rtc::TransportListener,
                   public media::Transport {
 public:
  Peer(MediaContext& ctx, TransportEvents& events);
  ~Peer() override;

  media::TransportId id() const { return id_; }

  // The transport, once created: ICE-lite (answer()) toward clients, or ICE controlling
  // (apply_client_answer()) toward another SFU it dialled.
  bool has_transport() const { return transport_ != nullptr; }
  // A transport someone else owns and drives (a direct bridge's, #18): this peer negotiates
  // over it and hands it media, but creates, times and closes nothing. The owner feeds its
  // listener calls here and detaches it (nullptr) before it goes.
  void use_transport(rtc::Transport* transport) {
    owned_.reset();
    transport_ = transport;
    borrowed_ = true;
  }
  // media::Transport
  bool connected() const override;
  bool send_rtp(Packet packet) override;
  bool send_rtcp(Bytes compound) override;
  void rearm_timer() override;
  const char* ice_state() const;
  const char* dtls_state() const;
  // Data channels, when the m=application line was negotiated (see rtc::Transport).
  Result<uint16_t, std::string> open_channel(const sctp::ChannelInfo& info);
  sctp::SendResult send_channel_message(uint16_t id, bool binary, Bytes data);
  void close_channel(uint16_t id);
  const sctp::DataChannels* data_channels() const { return transport_ ? transport_->data_channels() : nullptr; }
  std::optional<SocketAddress> remote_address() const;
  // Every datagram of this transport (media, RTCP, DTLS, ICE); RTP sent counted before SRTP.
  uint64_t bytes_received() const { return bytes_in_; }
  uint64_t bytes_sent() const { return bytes_out_; }

  // The remote's offer (browser, WHIP, WHEP): creates the transport on first use and returns
  // our answer. options say what the SFU does on each mid.
  Result<std::string, std::string> answer(const std::string& offer_sdp, const sdp::AnswerOptions& options,
                                          Instant now);
  // A server-initiated offer for renegotiation with the given outgoing tracks.
  std::string offer(const std::vector<sdp::OutgoingTrack>& tracks);
  Result<bool, std::string> apply_answer(const std::string& answer_sdp);

  // Client role (a trunk we dial): our offer sends `send` and asks to receive on the m-lines in
  // `receive` (mid, kind), with a data channel line; the answer starts the (controlling)
  // transport on first use.
  std::string client_offer(const std::vector<sdp::OutgoingTrack>& send,
                           const std::vector<std::pair<std::string, sdp::MediaKind>>& receive);
  Result<bool, std::string> apply_client_answer(const std::string& answer_sdp, Instant now);
  const sdp::SessionDescription* remote_answer() const { return remote_answer_ ? &*remote_answer_ : nullptr; }
  const sdp::NegotiatedState& negotiated() const { return negotiated_; }
  const sdp::SessionDescription* remote_offer() const { return remote_offer_ ? &*remote_offer_ : nullptr; }

  // MediaEndpoint (from the port)
  void on_stun(const stun::Message& msg, Bytes raw, const SocketAddress& from, Instant now) override;
  void on_datagram(Packet packet, const SocketAddress& from, Instant now) override;
  // rtc::DatagramSink
  void send_datagram(Packet packet, const SocketAddress& to) override;
  void send_rtp_datagram(Packet packet, const SocketAddress& to, SendTransform& protect) override;
  void bind_address(const SocketAddress& address) override;
  // rtc::TransportListener
  void on_connected(Instant now) override;
  void on_rtp(Packet& packet, Instant now) override;
  void on_rtcp(Packet& packet, Instant now) override;
  void on_closed(const std::string& reason) override;
  void on_data_channel_event(sctp::ChannelEvent& event) override;
  void on_dtls_session_released() override { ++ctx_.dtls_sessions_released; }

 private:
  void start_data_channels();
  sdp::LocalTransport local_transport();
  Result<bool, std::string> create_transport(const rtc::TransportConfig& config, Instant now);
  void arm_timer();
  void rearm_later();

  MediaContext& ctx_;
  TransportEvents& events_;
  media::TransportId id_;
  ice::Credentials credentials_;
  rtc::Transport* transport_ = nullptr;  // owned_, or another's (use_transport)
  std::unique_ptr<rtc::Transport> owned_;
  bool borrowed_ = false;  // use_transport: never one of our own
  std::optional<sdp::SessionDescription> remote_answer_;
  std::optional<sdp::SessionDescription> remote_offer_;
  std::optional<sdp::SessionDescription> local_offer_;
  sdp::NegotiatedState negotiated_;
  uint64_t session_version_ = 1;
  EventLoop::TimerId timer_ = 0;
  bool rearm_queued_ = false;  // asked the media plane for rearm_timer() this iteration
  uint64_t bytes_in_ = 0, bytes_out_ = 0;
};

}  // namespace umbrella::server
