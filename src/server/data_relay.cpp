#include "server/data_relay.hpp"

#include <algorithm>
#include <vector>

namespace umbrella::server {

bool DataRelay::Budget::take(double amount, double rate, Instant now) {
  double burst = 2 * rate;
  if (last == Instant{}) tokens = burst;
  double elapsed = std::chrono::duration<double>(now - last).count();
  if (last != Instant{} && elapsed > 0) tokens = std::min(burst, tokens + elapsed * rate);
  last = now;
  if (tokens < amount) return false;
  tokens -= amount;
  return true;
}

void DataRelay::on_event(media::TransportId t, const std::string& participant_id, const std::string& room,
                         sctp::ChannelEvent& event, Instant now) {
  Member& me = members_[t];
  me.participant_id = participant_id;
  me.room = room;
  if (std::holds_alternative<sctp::ChannelsUp>(event)) {
    me.up = true;
  } else if (std::holds_alternative<sctp::ChannelsDown>(event)) {
    me.up = false;
    me.room_channel.reset();
    me.direct.clear();
    me.relayed.clear();
  } else if (auto* o = std::get_if<sctp::ChannelOpened>(&event)) {
    if (!o->by_peer) return;  // ours, toward this member: known already
    ++counters_.channels_opened;
    if (o->info.label == kRoomChannelLabel) {
      me.room_channel = o->id;
      me.parameters = o->info.parameters;
    } else {
      me.direct[o->id] = o->info.label;
    }
  } else if (auto* c = std::get_if<sctp::ChannelClosed>(&event)) {
    if (me.room_channel == c->id) me.room_channel.reset();
    me.direct.erase(c->id);
    std::erase_if(me.relayed, [&](const auto& r) { return r.second == c->id; });
  } else if (auto* m = std::get_if<sctp::ChannelMessage>(&event)) {
    ++counters_.messages_received;
    bool to_room = me.room_channel == m->id;
    auto direct = me.direct.find(m->id);
    // A relayed channel toward me also carries my direct replies to its sender.
    std::optional<media::TransportId> reply_to;
    for (auto& [sender, id] : me.relayed)
      if (id == m->id) reply_to = sender;
    if (!to_room && direct == me.direct.end() && !reply_to) {
      ++counters_.refused_channel;
      return;
    }
    if (!me.messages.take(1, limits_.messages_per_second, now) ||
        !me.bytes.take(double(m->data.size()), limits_.bytes_per_second, now)) {
      ++counters_.refused_rate;
      return;
    }
    if (to_room) {
      // Targets first: sending may deliver events back here (element references stay valid
      // in an unordered_map, iterators do not).
      std::vector<media::TransportId> targets;
      for (auto& [other, receiver] : members_)
        if (other != t && receiver.up && receiver.room == me.room) targets.push_back(other);
      for (auto other : targets)
        if (auto it = members_.find(other); it != members_.end()) relay(t, me, other, it->second, *m);
      return;
    }
    media::TransportId target = 0;
    Member* receiver = nullptr;
    if (reply_to) {
      auto it = members_.find(*reply_to);
      if (it != members_.end() && it->second.room == me.room) receiver = &it->second, target = it->first;
    } else {
      receiver = find_participant(me.room, direct->second, target);
    }
    if (!receiver || !receiver->up || target == t) {
      ++counters_.refused_channel;
      return;
    }
    relay(t, me, target, *receiver, *m);
  }
}

DataRelay::Member* DataRelay::find_participant(const std::string& room, const std::string& participant_id,
                                               media::TransportId& out) {
  for (auto& [t, m] : members_)
    if (m.room == room && m.participant_id == participant_id) {
      out = t;
      return &m;
    }
  return nullptr;
}

void DataRelay::relay(media::TransportId from, Member& sender, media::TransportId to, Member& receiver,
                      const sctp::ChannelMessage& m) {
  auto it = receiver.relayed.find(from);
  if (it == receiver.relayed.end()) {
    sctp::ChannelInfo info{sender.participant_id, std::string(kRelayProtocol), sender.parameters};
    auto id = peers_.open_channel(to, info);
    if (!id) {
      ++counters_.send_failed;
      return;
    }
    ++counters_.relay_channels;
    it = receiver.relayed.emplace(from, *id).first;
  }
  if (peers_.send_channel_message(to, it->second, m.binary, m.data) != sctp::SendResult::kOk) {
    ++counters_.send_failed;
    return;
  }
  ++counters_.messages_relayed;
  counters_.bytes_relayed += m.data.size();
}

void DataRelay::leave(media::TransportId t) {
  members_.erase(t);
  for (auto& [other, receiver] : members_) {
    auto it = receiver.relayed.find(t);
    if (it == receiver.relayed.end()) continue;
    peers_.close_channel(other, it->second);
    receiver.relayed.erase(it);
  }
}

}  // namespace umbrella::server
