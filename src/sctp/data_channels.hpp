// WebRTC data channels (RFC 8831) over one Association: DCEP opens them (RFC 8832), a stream
// reset closes them, PPIDs tell strings from binary (empty messages included). Sans-IO like
// the Association: SCTP packets in, packets and channel events out.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "sctp/association.hpp"
#include "sctp/dcep.hpp"

namespace umbrella::sctp {

struct ChannelInfo {
  std::string label;
  std::string protocol;
  ChannelParameters parameters;
};

struct ChannelsUp {};
struct ChannelsDown {
  std::string reason;
};
// A channel the peer opened (DATA_CHANNEL_OPEN, acknowledged) or ours, acknowledged.
struct ChannelOpened {
  uint16_t id = 0;
  ChannelInfo info;
  bool by_peer = false;
};
struct ChannelMessage {
  uint16_t id = 0;
  bool binary = false;
  std::vector<uint8_t> data;
};
struct ChannelClosed {
  uint16_t id = 0;
};
using ChannelEvent = std::variant<ChannelsUp, ChannelsDown, ChannelOpened, ChannelMessage, ChannelClosed>;

struct ChannelCounters {
  uint64_t dcep_refused = 0;        // malformed DCEP, or an OPEN for an id not the peer's or taken
  uint64_t unknown_channel = 0;     // user messages on a stream with no open channel
  uint64_t unknown_ppid = 0;
};

// What an association, its channels and its transport dropped: the server-wide sums in /status.
struct DataChannelDrops {
  uint64_t outbox_dropped = 0, messages_too_large = 0, packets_refused = 0;  // AssociationCounters
  uint64_t dcep_refused = 0, unknown_channel = 0, unknown_ppid = 0;         // ChannelCounters
  uint64_t packets_unsent = 0;  // SCTP packets DTLS would not take
  uint64_t stray_application_data = 0;  // DTLS application data without SCTP negotiated
};
// Adds what moved in `now` since `seen` to `totals`, then remembers `now`.
void publish(const DataChannelDrops& now, DataChannelDrops& seen, DataChannelDrops& totals);

class DataChannels {
 public:
  // `dtls_client`: which half of the stream ids is ours (RFC 8832 6: the DTLS client's are
  // even, the server's odd).
  static Result<std::unique_ptr<DataChannels>, std::string> create(Stack& stack, const AssociationConfig& config,
                                                                   bool dtls_client,
                                                                   AssociationListener* listener = nullptr);

  void receive(Bytes packet);
  // Opens a channel with the next free id of ours; its ChannelOpened comes with the ACK.
  Result<uint16_t, std::string> open(const ChannelInfo& info);
  SendResult send(uint16_t id, bool binary, Bytes data);
  // Resets our outgoing stream; ChannelClosed follows when the peer resets its own.
  void close(uint16_t id);

  std::vector<std::vector<uint8_t>> take_packets() { return association_->take_packets(); }
  std::vector<ChannelEvent> take_events();

  bool up() const { return association_->up(); }
  bool is_open(uint16_t id) const;
  size_t channel_count() const { return channels_.size(); }
  const ChannelCounters& counters() const { return counters_; }
  DataChannelDrops drops() const;
  Association& association() { return *association_; }

 private:
  struct Channel {
    ChannelInfo info;
    bool acknowledged = false;  // until then we send ordered (RFC 8832 6)
    bool ours = false;
    bool closing = false;
  };
  DataChannels(std::unique_ptr<Association> association, bool dtls_client)
      : association_(std::move(association)), ours_even_(dtls_client) {}
  void on_stream_message(StreamMessage& m, std::vector<ChannelEvent>& out);
  void on_dcep(const StreamMessage& m, std::vector<ChannelEvent>& out);

  std::unique_ptr<Association> association_;
  bool ours_even_;  // the ids we open: even for the DTLS client (RFC 8832 6), unless the peer took them
  std::map<uint16_t, Channel> channels_;
  ChannelCounters counters_;
};

}  // namespace umbrella::sctp
