// The media side of one participant: its WebRTC transport on the shared media port, its
// SDP state (what was negotiated), and the timer that drives the transport's deadlines.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "rtc/client_transport.hpp"
#include "rtc/webrtc_transport.hpp"
#include "sdp/negotiation.hpp"
#include "server/media_port.hpp"

namespace umbrella::tls {
class Certificate;
}

namespace umbrella::server {

// What every peer shares: the loop, the port, the DTLS identity, what to announce.
struct MediaContext {
  EventLoop& loop;
  MediaPort& port;
  tls::Certificate& dtls_certificate;
  std::vector<std::string> candidate_addresses;
  dtls::DtlsCounters dtls_counters{};  // every transport's DTLS refusals, for /status
};

// Where a peer's decrypted media and its end go (the conference's router).
class PeerListener {
 public:
  virtual ~PeerListener() = default;
  virtual void on_peer_connected(uint32_t peer, Instant now) = 0;
  virtual void on_peer_rtp(uint32_t peer, Packet& packet, Instant now) = 0;
  virtual void on_peer_rtcp(uint32_t peer, Packet& packet, Instant now) = 0;
  virtual void on_peer_closed(uint32_t peer, const std::string& reason) = 0;
};

class Peer final : public MediaEndpoint, public rtc::DatagramSink, public rtc::TransportListener {
 public:
  Peer(MediaContext& ctx, uint32_t id, PeerListener& listener);
  ~Peer() override;

  uint32_t id() const { return id_; }

  // Whichever transport this peer has: server side (ICE-lite, DTLS server) toward clients, or
  // client side (ICE controlling, DTLS client) toward another SFU it dialled.
  bool has_transport() const { return transport_ || client_; }
  bool connected() const;
  bool send_rtp(Packet packet);
  bool send_rtcp(Bytes compound);
  const char* ice_state() const;
  const char* dtls_state() const;
  std::optional<SocketAddress> remote_address() const;

  // The remote's offer (browser, WHIP, WHEP): creates the transport on first use and returns
  // our answer. options say what the SFU does on each mid.
  Result<std::string, std::string> answer(const std::string& offer_sdp, const sdp::AnswerOptions& options,
                                          Instant now);
  // A server-initiated offer for renegotiation with the given outgoing tracks.
  std::string offer(const std::vector<sdp::OutgoingTrack>& tracks);
  Result<bool, std::string> apply_answer(const std::string& answer_sdp);

  // Client role (a trunk we dial): our offer sends `send` and asks to receive on the m-lines in
  // `receive` (mid, kind); the answer starts the client transport on first use.
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

 private:
  sdp::LocalTransport local_transport();
  void arm_timer();

  MediaContext& ctx_;
  uint32_t id_;
  PeerListener& listener_;
  ice::Credentials credentials_;
  std::unique_ptr<rtc::WebRtcTransport> transport_;
  std::unique_ptr<rtc::ClientTransport> client_;
  std::optional<sdp::SessionDescription> remote_answer_;
  std::optional<sdp::SessionDescription> remote_offer_;
  std::optional<sdp::SessionDescription> local_offer_;
  sdp::NegotiatedState negotiated_;
  uint64_t session_version_ = 1;
  EventLoop::TimerId timer_ = 0;
};

}  // namespace umbrella::server
