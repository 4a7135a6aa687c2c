#include "server/direct_trunk.hpp"

#include "core/log.hpp"
#include "server/peer.hpp"
#include "server/sctp_clock.hpp"
#include "signal/codec.hpp"

namespace umbrella::server {

DirectTrunk::DirectTrunk(EventLoop& loop, DirectTrunkHost& host, SctpClock* sctp, std::string peer_site,
                         bool controlling, DirectTrunkCounters& counters)
    : loop_(loop),
      host_(host),
      sctp_(sctp),
      peer_site_(std::move(peer_site)),
      controlling_(controlling),
      counters_(counters) {}

DirectTrunk::~DirectTrunk() {
  if (shutdown_timer_) loop_.cancel(shutdown_timer_);
  on_bridge_down("the bridge ended");
}

void DirectTrunk::on_bridge_up(rtc::Transport& transport, Instant) {
  transport_ = &transport;
  channel_.reset();
  if (sctp_) sctp_->arm();  // the association starts with DTLS: its first deadline is there now
}

void DirectTrunk::on_bridge_down(const std::string& reason) {
  if (transport_ && key_) LOG_INFO("direct", "the direct trunk to ", peer_site_, " ended: ", reason);
  transport_ = nullptr;
  channel_.reset();
  if (peer_) peer_->use_transport(nullptr);
  end_trunk();
}

void DirectTrunk::end_trunk() {
  if (!key_) return;
  uint64_t key = std::exchange(key_, 0);
  host_.on_closed(key);  // the trunk hands its tracks back and detaches its peer
  peer_ = nullptr;
}

void DirectTrunk::on_bridge_rtp(Packet& packet, Instant now) {
  if (peer_) peer_->on_rtp(packet, now);
}

void DirectTrunk::on_bridge_rtcp(Packet& packet, Instant now) {
  if (peer_) peer_->on_rtcp(packet, now);
}

void DirectTrunk::on_bridge_channel(sctp::ChannelEvent& event) {
  if (!transport_) return;
  if (std::holds_alternative<sctp::ChannelsUp>(event)) {
    if (!controlling_) return;  // the controlling site opens the one channel
    if (auto id = transport_->open_channel({std::string(kLabel), "", {}}); !id)
      LOG_WARN("direct", "no signalling channel to ", peer_site_, ": ", id.error());
  } else if (auto* o = std::get_if<sctp::ChannelOpened>(&event)) {
    if (o->info.label != kLabel || channel_ || o->by_peer == controlling_) {
      ++counters_.refused;
      transport_->close_channel(o->id);
      return;
    }
    channel_ = o->id;
    ++counters_.trunks;
    key_ = host_.open_direct(*this);
    LOG_INFO("direct", "a trunk to ", peer_site_, " runs over the bridge");
  } else if (auto* m = std::get_if<sctp::ChannelMessage>(&event)) {
    if (m->id != channel_ || !key_) {
      ++counters_.refused;
      return;
    }
    host_.on_frame(key_, Bytes(m->data.data(), m->data.size()), loop_.now());
  } else if (auto* c = std::get_if<sctp::ChannelClosed>(&event); c ? c->id == channel_
                                                                    : std::holds_alternative<sctp::ChannelsDown>(event)) {
    close(1000, "the signalling channel closed");
  }
}

void DirectTrunk::send(const umbrella_Envelope& env) {
  if (!transport_ || !channel_ || shutdown_timer_) return;
  buffer_.resize(signal::kMaxEnvelopeSize);
  size_t n = signal::encode(env, MutableBytes(buffer_.data(), buffer_.size()));
  if (n && transport_->send_channel_message(*channel_, true, Bytes(buffer_.data(), n)) == sctp::SendResult::kOk)
    return;
  // A lost message would leave the two sides disagreeing on the trunk's state: start afresh.
  ++counters_.send_failed;
  close(1011, "a signalling message could not be sent");
}

void DirectTrunk::close(uint16_t, std::string_view reason) {
  if (shutdown_timer_ || !transport_) return;
  LOG_WARN("direct", "ending the bridge to ", peer_site_, ": ", reason);
  // Not from inside the trunk's or the transport's own call: on the loop, at once.
  shutdown_timer_ = loop_.schedule(loop_.now(), [this] {
    shutdown_timer_ = 0;
    if (transport_) transport_->shutdown();  // on_bridge_down follows, through the bridge
    end_trunk();
  });
}

}  // namespace umbrella::server
