// The room's data channel relay. Wire format (README "Data channels"):
//  - A participant opens a data channel labelled "room"; what it sends there goes to everyone
//    else in its room.
//  - The SFU delivers it on a channel it opens toward each receiver, one per sender, labelled
//    with the sender's participant id and protocol "umbrella-relay", with the sender's
//    ordering and reliability. The payload is untouched: a string stays a string, binary
//    stays binary, empty messages stay empty.
//  - What a participant sends on such a channel goes to that one participant only (a direct
//    message), arriving on the channel labelled with the sender's id.
//  - When a sender leaves, its channels toward the others are closed (stream reset).
// Per sender: a message rate and a byte rate (token buckets); the size is bounded by the SDP
// a=max-message-size. Each refusal counts in /status (data.*).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/time.hpp"
#include "media/media_plane.hpp"
#include "sctp/data_channels.hpp"

namespace umbrella::server {

inline constexpr std::string_view kRoomChannelLabel = "room";
inline constexpr std::string_view kRelayProtocol = "umbrella-relay";

// How the relay reaches participants' transports (by id: a participant that left is gone).
class DataChannelPeers {
 public:
  virtual ~DataChannelPeers() = default;
  virtual Result<uint16_t, std::string> open_channel(media::TransportId t, const sctp::ChannelInfo& info) = 0;
  virtual sctp::SendResult send_channel_message(media::TransportId t, uint16_t id, bool binary, Bytes data) = 0;
  virtual void close_channel(media::TransportId t, uint16_t id) = 0;
};

struct DataRelayLimits {
  double messages_per_second = 50;   // twice that in a burst
  double bytes_per_second = 256 * 1024;  // twice that in a burst
};

struct DataRelayCounters {
  uint64_t messages_received = 0;
  uint64_t messages_relayed = 0;  // copies delivered to receivers' SCTP
  uint64_t bytes_relayed = 0;
  uint64_t refused_rate = 0;      // over the sender's message or byte rate: dropped
  uint64_t refused_channel = 0;   // on a channel that is neither "room" nor a known participant's
  uint64_t send_failed = 0;       // a receiver's channel could not be opened or its buffer was full
  uint64_t channels_opened = 0;   // by participants
  uint64_t relay_channels = 0;    // opened by the SFU toward receivers
};

class DataRelay {
 public:
  explicit DataRelay(DataChannelPeers& peers, DataRelayLimits limits = {}) : peers_(peers), limits_(limits) {}

  void on_event(media::TransportId t, const std::string& participant_id, const std::string& room,
                sctp::ChannelEvent& event, Instant now);
  // The participant's transport is going away: its relayed channels toward others close.
  void leave(media::TransportId t);

  const DataRelayCounters& counters() const { return counters_; }
  size_t members() const { return members_.size(); }

 private:
  struct Budget {
    double tokens = 0;
    Instant last{};
    bool take(double amount, double rate, Instant now);
  };
  struct Member {
    std::string participant_id;
    std::string room;
    bool up = false;
    std::optional<uint16_t> room_channel;
    sctp::ChannelParameters parameters;  // of its room channel: its relayed channels use them
    std::map<uint16_t, std::string> direct;            // its channels labelled with a participant id
    std::map<media::TransportId, uint16_t> relayed;    // sender -> our channel toward this member
    Budget messages, bytes;
  };
  void relay(media::TransportId from, Member& sender, media::TransportId to, Member& receiver,
             const sctp::ChannelMessage& m);
  Member* find_participant(const std::string& room, const std::string& participant_id, media::TransportId& out);

  DataChannelPeers& peers_;
  DataRelayLimits limits_;
  std::unordered_map<media::TransportId, Member> members_;
  DataRelayCounters counters_;
};

}  // namespace umbrella::server
