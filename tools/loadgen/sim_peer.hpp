// One simulated WebRTC peer on its own UDP socket: WHIP publisher or WHEP viewer, with the
// project's controlling ICE agent, DTLS client and SRTP. Driven by the load generator's loop:
// on_datagram() for what arrives, service(now) on every tick, flush() after each iteration.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/packet_pool.hpp"
#include "core/time.hpp"
#include "core/udp_socket.hpp"
#include "dtls/transport.hpp"
#include "ice/controlling_agent.hpp"
#include "media_source.hpp"
#include "offer.hpp"
#include "receive_stats.hpp"
#include "srtp/session.hpp"

namespace umbrella::tls {
class Certificate;
}

namespace umbrella::loadgen {

// Counters summed over all peers (the progress line prints their per-second deltas).
struct Totals {
  uint64_t sent_packets = 0, sent_bytes = 0;
  uint64_t recv_packets = 0, recv_bytes = 0, recv_rtx = 0, recv_rtcp = 0;
  uint64_t unprotect_failed = 0, probe_missing = 0;
};

struct PeerContext {
  PacketPool& pool;
  tls::Certificate& certificate;
  SocketAddress bind_ip;
  Totals& totals;
  DelayHistogram& delay;           // whole run
  DelayHistogram& interval_delay;  // since the last progress line
  bool decrypt = true;             // false: count from the clear RTP header only, no delay
  MediaConfig media;
};

class SimPeer {
 public:
  enum class Role { kPublisher, kViewer };
  SimPeer(PeerContext& ctx, uint32_t index, Role role);

  // Binds the socket, posts the offer and starts ICE. Blocking (HTTP); done outside the media path.
  Result<bool, std::string> join(const std::string& host, uint16_t port, const std::string& path, int recv_video,
                                 int recv_audio, Instant now);
  int fd() const { return socket_.fd(); }
  void on_readable(Instant now);
  void service(Instant now);
  bool flush() { return socket_.flush(); }
  bool has_pending() const { return socket_.has_pending(); }

  Role role() const { return role_; }
  bool connected() const { return srtp_out_.has_value(); }
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  // Join (before the HTTP request) to the first media packet; nullopt before it.
  std::optional<Duration> join_to_first_packet() const;
  std::optional<Duration> join_to_connected() const;
  uint64_t lost() const;
  uint64_t expected() const;
  size_t streams_receiving() const { return streams_.size(); }
  size_t streams_announced() const { return answer_.video_ssrcs.size() + answer_.audio_ssrcs.size(); }

 private:
  void handle(Packet& p, const SocketAddress& from, Instant now);
  void handle_media(Packet& p, Instant now);
  void drain(Instant now);
  void send_media(Instant now);
  void send_raw(const uint8_t* data, size_t size);
  void fail(std::string why) { if (failure_.empty()) failure_ = std::move(why); }

  PeerContext& ctx_;
  uint32_t index_;
  Role role_;
  UdpSocket socket_;
  SocketAddress server_;
  AnswerInfo answer_;
  uint32_t video_ssrc_, audio_ssrc_;
  std::unique_ptr<ice::IceControllingAgent> ice_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  std::optional<srtp::SrtpSession> srtp_out_, srtp_in_;
  std::optional<MediaSource> source_;
  std::vector<std::pair<uint32_t, SequenceTracker>> streams_;
  Instant joined_{}, connected_at_{}, first_packet_at_{};
  std::string failure_;
};

}  // namespace umbrella::loadgen
