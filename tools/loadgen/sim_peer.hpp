// One simulated WebRTC peer on its own UDP socket with the project's rtc::Transport in its
// controlling role (controlling ICE agent, DTLS client, SRTP), as the trunk dialler uses it.
// Signalling either by WHIP/WHEP (publisher or viewer, one HTTP request) or, as the web app
// does, over /wsb (SignalLink): join, offer our m-lines, then answer every server offer; a
// /wsb publisher also receives everyone else on the same transport. Driven by the load
// generator's loop: on_readable() for media (signalling streams are on the loop themselves),
// service(now) on every tick, flush() after each iteration (only peers that queued datagrams
// are listed in PeerContext::dirty: a 1000-viewer run must not visit every peer on every loop
// iteration).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/event_loop.hpp"
#include "core/packet_pool.hpp"
#include "core/time.hpp"
#include "core/udp_socket.hpp"
#include "http_request.hpp"
#include "media_source.hpp"
#include "offer.hpp"
#include "receive_stats.hpp"
#include "rtc/transport.hpp"
#include "rtp/nack_generator.hpp"
#include "rtp/rtcp_stats.hpp"
#include "rtp/rtp_packet.hpp"
#include "server_url.hpp"
#include "sfu/twcc_feedback.hpp"
#include "signal_link.hpp"

namespace umbrella::tls {
class Certificate;
class TlsClientConfig;
}

namespace umbrella::loadgen {

// Counters summed over all peers (the progress line prints their per-second deltas).
struct Totals {
  uint64_t sent_packets = 0, sent_bytes = 0;
  uint64_t recv_packets = 0, recv_bytes = 0, recv_rtx = 0, recv_rtcp = 0;
  uint64_t unprotect_failed = 0, unprotect_replayed = 0, probe_missing = 0;  // failed: auth, other
  uint64_t rtcp_sent = 0, nacks_sent = 0, plis_sent = 0;  // receivers' feedback (decrypting mode)
  uint64_t twcc_sent = 0, twcc_received = 0;               // transport-wide feedback: viewers', publishers' from the SFU
  uint64_t keyframe_requests = 0, keyframes_sent = 0;      // publishers: PLI/FIR taken, clip restarts
  uint64_t dropped = 0;  // --drop-pct
  // Per kind, for delivered shares that do not depend on the simulcast layer a viewer gets:
  // publishers' frames (one layer's) and audio packets, viewers' complete frames (marker
  // packets of the media SSRC) and audio packets.
  uint64_t sent_frames = 0, sent_audio = 0, recv_frames = 0, recv_audio = 0;
  uint64_t data_sent = 0, data_received = 0, data_send_failed = 0;  // data channel messages
};

class SimPeer;

struct PeerContext {
  PacketPool& pool;
  tls::Certificate& certificate;
  SocketAddress bind_ip;
  Totals& totals;
  DelayHistogram& delay;           // whole run
  DelayHistogram& interval_delay;  // since the last progress line
  bool decrypt = true;             // false: count from the clear RTP header only, no delay
  double drop_pct = 0;             // incoming RTP dropped on arrival (emulated loss)
  MediaConfig media;
  const Clips& clips;              // what publishers loop
  const ServerUrl& server;
  const tls::TlsClientConfig* tls;  // for https://, else null
  EventLoop& loop;                  // signalling streams run on it
  std::vector<SimPeer*> dirty = {};  // peers with queued datagrams, flushed per iteration
  sctp::Stack* sctp = nullptr;     // --data-rate: data channels on every transport
  double data_rate = 0;            // messages a second a publisher sends on its room channel
  size_t data_bytes = 0;
  DelayHistogram* data_delay = nullptr;  // sender to receiver, through the SFU's relay
};

class SimPeer final : SignalLink::Handler, HttpRequest::Handler, rtc::DatagramSink, rtc::TransportListener {
 public:
  enum class Role { kPublisher, kViewer };
  SimPeer(PeerContext& ctx, uint32_t index, Role role);

  // WHIP/WHEP: binds the socket and posts the offer; ICE starts when the answer arrives.
  // path: "<prefix>/whip/<room>".
  Result<bool, std::string> join(const std::string& path, int recv_video, int recv_audio, Instant now);
  // /wsb: binds the socket and opens the WebSocket; Join, offer and answers follow from the
  // loop. A viewer joins as ROLE_VIEWER.
  Result<bool, std::string> join_wsb(const std::string& room, Instant now);
  // Signalling done elsewhere (JanusClient): prepare() binds the socket and describes us;
  // a publisher then sends offer() and takes the server's answer, a viewer answers the
  // server's offer (its candidates, ICE credentials, fingerprint; DTLS role per a=setup).
  Result<bool, std::string> prepare(Instant now);
  std::string offer() const { return build_offer(local_); }
  Result<bool, std::string> accept_answer(const std::string& sdp, Instant now);
  Result<std::string, std::string> answer_offer(const std::string& sdp, Instant now);
  void fail_signalling(std::string why) { fail(std::move(why)); }
  int fd() const { return socket_.fd(); }
  void on_readable(Instant now);
  static constexpr Duration kHttpTimeout = seconds(10);
  void service(Instant now);
  bool flush() {
    dirty_ = false;
    return socket_.flush();
  }
  // Sends media or /wsb signalling: must be serviced every tick (others less often).
  bool busy() const { return source_.has_value() || link_ != nullptr || http_ != nullptr; }

  Role role() const { return role_; }
  uint32_t index() const { return index_; }
  bool connected() const { return transport_ && transport_->connected(); }
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  // Join (before the HTTP request) to the first media packet; nullopt before it.
  std::optional<Duration> join_to_first_packet() const;
  std::optional<Duration> join_to_connected() const;
  uint64_t lost() const;
  uint64_t expected() const;
  size_t streams_receiving() const { return streams_.size(); }
  size_t streams_announced() const { return answer_.video_ssrcs.size() + answer_.audio_ssrcs.size(); }
  // Of the streams the server's last description announced, those with a packet at or after t.
  size_t announced_receiving_since(Instant t) const;
  uint32_t renegotiations() const { return renegotiations_; }
  // /wsb: the id the server gave us in Joined ("" before).
  const std::string& participant_id() const { return participant_id_; }

  // Churn (main.cpp): a churner drops what it receives unread (cheap, as a muted tab would
  // be for us); a long-lived peer records, per publisher index read from the payload probe,
  // when it last received that publisher's video and audio.
  void set_ignore_media(bool ignore) { ignore_media_ = ignore; }
  struct Heard {
    Instant video{}, audio{};
  };
  // Both kinds from `publisher` at or after t.
  bool heard_since(uint32_t publisher, Instant t) const;
  void forget(uint32_t publisher) { heard_.erase(publisher); }
  // Sends Leave over /wsb and flushes it; the caller then destroys the peer.
  void leave(Instant now);
  // Sizes of the server's offers: the last one and the largest, in bytes and m-lines.
  struct OfferSizes {
    size_t last_bytes = 0, max_bytes = 0, last_mlines = 0, max_mlines = 0;
  };
  const OfferSizes& offer_sizes() const { return offer_sizes_; }
  // Where a peer that is neither connected nor failed is stuck: "signalling", "ice" or "dtls".
  const char* stage() const {
    return !transport_ ? "signalling" : !transport_->remote_address() ? "ice" : "dtls";
  }

 private:
  Result<bool, std::string> bind_and_describe();
  Result<bool, std::string> start_transport(AnswerInfo answer, Instant now);
  void finish_http(Instant now);
  // HttpRequest::Handler
  void on_http_done() override;
  // SignalLink::Handler
  void on_signal_open(Instant now) override;
  void on_signal(const umbrella_Envelope& env, Instant now) override;
  void on_signal_closed(const std::string& why) override;
  void on_server_offer(const umbrella_SessionDescription& d);

  // rtc::DatagramSink
  void send_datagram(Packet packet, const SocketAddress& to) override { queue(std::move(packet), to); }
  void send_rtp_datagram(Packet packet, const SocketAddress& to, SendTransform& protect) override;
  void bind_address(const SocketAddress&) override {}  // our socket is ours alone
  // rtc::TransportListener
  void on_connected(Instant now) override;
  void on_rtp(Packet& packet, Instant now) override;
  void on_rtcp(Packet& packet, Instant now) override;  // a publisher's keyframe requests
  void on_closed(const std::string& reason) override { fail(reason); }
  void on_data_channel_event(sctp::ChannelEvent& event) override;
  void send_data(Instant now);

  void handle(Packet& p, const SocketAddress& from, Instant now);
  // Counts the packet in a stream; seq is the clear header's, or RTX's original one.
  void count(uint32_t ssrc, uint16_t seq, Instant now);
  // Drops the trackers of streams no longer announced (their loss figures are kept).
  void prune_streams();
  // An RTX ssrc becomes its media ssrc (true); others stay.
  bool to_media_ssrc(uint32_t& ssrc) const;
  void take_srtp_counters();
  void send_media(Instant now);
  // As a browser's receiver does: NACKs for losses (PLI when they cannot be repaired) as they
  // come due, and a receiver report per stream every second.
  void send_feedback(Instant now);
  void queue(Packet p, const SocketAddress& to);
  void fail(std::string why) { if (failure_.empty()) failure_ = std::move(why); }

  PeerContext& ctx_;
  uint32_t index_;
  Role role_;
  UdpSocket socket_;
  OfferParams local_;  // our ICE credentials, fingerprint, candidate, SSRCs
  std::unique_ptr<SignalLink> link_;
  std::unique_ptr<HttpRequest> http_;
  std::unique_ptr<umbrella_Envelope> tx_;  // /wsb: the Envelope being sent (~17 KiB)
  std::string room_;
  uint32_t renegotiations_ = 0;
  AnswerInfo answer_;
  uint32_t video_ssrc_, audio_ssrc_;
  std::unique_ptr<rtc::Transport> transport_;
  uint64_t srtp_failed_seen_ = 0, srtp_replayed_seen_ = 0;  // transport counters already in Totals
  std::optional<MediaSource> source_;  // audio and the (top) video layer
  std::vector<MediaSource> lower_;     // --simulcast: the q and h layers
  void send_from(MediaSource& source, uint32_t video_ssrc, const char* rid, Instant now);
  uint32_t lower_ssrc(size_t layer) const { return video_ssrc_ + 0x01000000u * uint32_t(layer + 1); }
  // A received media packet's kind, for Totals' per-kind counts.
  void count_kind(uint8_t payload_type, bool marker);
  // What a decrypting receiver keeps per stream for its RTCP (not in the counting mode).
  struct Feedback {
    Feedback(uint32_t ssrc, uint32_t clock_rate) : stats(ssrc, clock_rate) {}
    rtp::ReceiveStatistics stats;
    rtp::NackGenerator nack;
  };
  struct Stream {
    uint32_t ssrc;
    SequenceTracker tracker;
    Instant last;  // the latest packet
    std::unique_ptr<Feedback> feedback = nullptr;
  };
  std::vector<Stream> streams_;
  uint64_t pruned_expected_ = 0, pruned_lost_ = 0;  // of streams dropped by prune_streams()
  std::string participant_id_;
  bool ignore_media_ = false;
  std::unordered_map<uint32_t, Heard> heard_;  // by publisher index, unless ignore_media_
  OfferSizes offer_sizes_;
  Instant joined_{}, connected_at_{}, first_packet_at_{};
  std::string failure_;
  bool dirty_ = false;  // listed in ctx_.dirty
  Instant next_nack_check_{}, next_report_{};
  uint64_t drop_rng_ = 0;  // --drop-pct's generator, seeded per peer
  uint16_t transport_seq_ = 0;  // transport-wide sequence of what we send
  std::optional<uint16_t> room_channel_;  // --data-rate: ours, once the SFU acknowledged it
  Instant next_data_{};
  // Viewers whose server sends transport-wide sequence numbers answer with feedback.
  std::unique_ptr<sfu::TwccFeedback> twcc_;
  void record_twcc(const rtp::RtpView& v, Instant now);
};

}  // namespace umbrella::loadgen
