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
//  - Across trunks: a room message also goes to every trunk (trunk_data_frame.hpp: room,
//    sender, and a message id of its origin SFU). What arrives from a trunk is delivered to
//    the room's participants here and passed on to the other trunks, never back to the one
//    it came from nor toward its origin; a message id seen before (a ring) is dropped.
//    Direct messages stay on their SFU.
// Per sender: a message rate and a byte rate (token buckets), applied where the sender is
// connected; the size is bounded by the SDP a=max-message-size. Each refusal counts in
// /status (data.*).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/time.hpp"
#include "media/media_plane.hpp"
#include "sctp/data_channels.hpp"

namespace umbrella::server {

inline constexpr std::string_view kRoomChannelLabel = "room";
inline constexpr std::string_view kRelayProtocol = "umbrella-relay";
// The one channel of a trunk's association, opened by the dialling SFU.
inline constexpr std::string_view kTrunkChannelLabel = "umbrella-trunk";

// How the relay reaches participants' transports (by id: a participant that left is gone).
class DataChannelPeers {
 public:
  virtual ~DataChannelPeers() = default;
  virtual Result<uint16_t, std::string> open_channel(media::TransportId t, const sctp::ChannelInfo& info) = 0;
  virtual sctp::SendResult send_channel_message(media::TransportId t, uint16_t id, bool binary, Bytes data) = 0;
  virtual void close_channel(media::TransportId t, uint16_t id) = 0;
};

// A trunk's data channel, as the relay sees it.
class DataTrunk {
 public:
  virtual ~DataTrunk() = default;
  virtual const std::string& far_site() const = 0;
  virtual sctp::SendResult send_trunk_data(Bytes frame) = 0;
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
  uint64_t trunk_received = 0;    // room messages from trunks
  uint64_t trunk_sent = 0;        // copies sent to trunks
  uint64_t trunk_duplicates = 0;  // from trunks, seen before (a ring) or our own: dropped
  uint64_t trunk_refused = 0;     // from trunks, malformed or from one origin too many: dropped
};

class DataRelay {
 public:
  // Origins (SFUs) whose message ids are remembered, at most.
  static constexpr size_t kMaxOrigins = 64;
  // `epoch`: random per process start, so the ids of a restarted SFU are new ones.
  DataRelay(DataChannelPeers& peers, std::string site_id, uint32_t epoch, DataRelayLimits limits = {})
      : peers_(peers), site_id_(std::move(site_id)), epoch_(epoch), limits_(limits) {}

  void on_event(media::TransportId t, const std::string& participant_id, const std::string& room,
                sctp::ChannelEvent& event, Instant now);
  // The participant's transport is going away: its relayed channels toward others close.
  void leave(media::TransportId t);
  // A participant on another SFU left: its relayed channels here close.
  void sender_gone(const std::string& participant_id);

  // Trunks whose data channel is open; a trunk is removed before it goes away.
  void add_trunk(DataTrunk* trunk);
  void remove_trunk(DataTrunk* trunk);
  void on_trunk_data(DataTrunk* from, Bytes frame);
  // A message on a trunk's association outside its data channel.
  void refuse_trunk_message() { ++counters_.trunk_refused; }

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
    std::map<uint16_t, std::string> direct;       // its channels labelled with a participant id
    std::map<std::string, uint16_t> relayed;      // sender id -> our channel toward this member
    Budget messages, bytes;
  };
  // Who a relayed message is from, and how its channel behaves.
  struct Sender {
    std::string_view room, id;
    const sctp::ChannelParameters& parameters;
  };
  // The last message ids seen from one origin: the highest, and a window of 64 below it.
  struct Seen {
    uint32_t epoch = 0, top = 0;
    uint64_t window = 0;
  };
  void deliver(const Sender& s, bool binary, Bytes data, media::TransportId except);
  void relay(const Sender& s, media::TransportId to, Member& receiver, bool binary, Bytes data);
  void to_trunks(Bytes frame, const DataTrunk* from, std::string_view origin);
  bool first_time(std::string_view origin, uint32_t epoch, uint32_t seq);
  Member* find_participant(const std::string& room, const std::string& participant_id, media::TransportId& out);

  DataChannelPeers& peers_;
  std::string site_id_;
  uint32_t epoch_;
  uint32_t next_seq_ = 1;
  DataRelayLimits limits_;
  std::unordered_map<media::TransportId, Member> members_;
  std::vector<DataTrunk*> trunks_;
  std::map<std::string, Seen, std::less<>> seen_;
  DataRelayCounters counters_;
};

}  // namespace umbrella::server
