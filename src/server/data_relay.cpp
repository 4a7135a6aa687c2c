#include "server/data_relay.hpp"

#include <algorithm>

#include "server/trunk_data_frame.hpp"

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
    const std::string* reply_to = nullptr;
    for (auto& [sender, id] : me.relayed)
      if (id == m->id) reply_to = &sender;
    if (!to_room && direct == me.direct.end() && !reply_to) {
      ++counters_.refused_channel;
      return;
    }
    if (!me.messages.take(1, limits_.messages_per_second, now) ||
        !me.bytes.take(double(m->data.size()), limits_.bytes_per_second, now)) {
      ++counters_.refused_rate;
      return;
    }
    // Copies: delivering may change members_ (a send can report a closed association).
    std::string id = participant_id, in_room = room;
    sctp::ChannelParameters parameters = me.parameters;
    Sender s{in_room, id, parameters};
    if (to_room) {
      deliver(s, m->binary, m->data, t);
      TrunkDataFrame f{epoch_, next_seq_++, site_id_, in_room, id, m->binary, parameters, m->data};
      // Its own buffer: sending may come back here (another message) before it returns.
      std::vector<uint8_t> frame(trunks_.empty() ? 0 : kTrunkDataMaxHeader + m->data.size());
      size_t n = trunks_.empty() ? 0 : build_trunk_data(f, frame);
      if (n == 0 && !trunks_.empty()) ++counters_.send_failed;  // ids over 255 bytes
      if (n) to_trunks({frame.data(), n}, nullptr, site_id_);
      return;
    }
    media::TransportId target = 0;
    Member* receiver = find_participant(in_room, reply_to ? *reply_to : direct->second, target);
    if (!receiver || !receiver->up || target == t) {
      ++counters_.refused_channel;  // nobody here by that id (direct messages stay on their SFU)
      return;
    }
    relay(s, target, *receiver, m->binary, m->data);
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

void DataRelay::deliver(const Sender& s, bool binary, Bytes data, media::TransportId except) {
  // Targets first: sending may deliver events back here (element references stay valid in an
  // unordered_map, iterators do not).
  std::vector<media::TransportId> targets;
  for (auto& [other, receiver] : members_)
    if (other != except && receiver.up && receiver.room == s.room && receiver.participant_id != s.id)
      targets.push_back(other);
  for (auto other : targets)
    if (auto it = members_.find(other); it != members_.end()) relay(s, other, it->second, binary, data);
}

void DataRelay::relay(const Sender& s, media::TransportId to, Member& receiver, bool binary, Bytes data) {
  auto it = receiver.relayed.find(std::string(s.id));
  if (it == receiver.relayed.end()) {
    sctp::ChannelInfo info{std::string(s.id), std::string(kRelayProtocol), s.parameters};
    auto id = peers_.open_channel(to, info);
    if (!id) {
      ++counters_.send_failed;
      return;
    }
    ++counters_.relay_channels;
    it = receiver.relayed.emplace(std::string(s.id), *id).first;
  }
  if (peers_.send_channel_message(to, it->second, binary, data) != sctp::SendResult::kOk) {
    ++counters_.send_failed;
    return;
  }
  ++counters_.messages_relayed;
  counters_.bytes_relayed += data.size();
}

void DataRelay::leave(media::TransportId t) {
  auto it = members_.find(t);
  if (it == members_.end()) return;
  std::string id = it->second.participant_id;
  members_.erase(it);
  sender_gone(id);
}

void DataRelay::sender_gone(const std::string& participant_id) {
  for (auto& [other, receiver] : members_) {
    auto it = receiver.relayed.find(participant_id);
    if (it == receiver.relayed.end()) continue;
    peers_.close_channel(other, it->second);
    receiver.relayed.erase(it);
  }
}

void DataRelay::add_trunk(DataTrunk* trunk) {
  if (std::find(trunks_.begin(), trunks_.end(), trunk) == trunks_.end()) trunks_.push_back(trunk);
}

void DataRelay::remove_trunk(DataTrunk* trunk) { std::erase(trunks_, trunk); }

// Never back where it came from, nor toward the SFU it started on.
void DataRelay::to_trunks(Bytes frame, const DataTrunk* from, std::string_view origin) {
  std::vector<DataTrunk*> targets;
  for (auto* t : trunks_)
    if (t != from && t->far_site() != origin) targets.push_back(t);
  for (auto* t : targets) {
    if (std::find(trunks_.begin(), trunks_.end(), t) == trunks_.end()) continue;  // closed by a send
    if (t->send_trunk_data(frame) == sctp::SendResult::kOk) ++counters_.trunk_sent;
    else ++counters_.send_failed;
  }
}

void DataRelay::on_trunk_data(DataTrunk* from, Bytes frame) {
  ++counters_.trunk_received;
  auto f = parse_trunk_data(frame);
  if (!f || (!seen_.count(f->origin) && seen_.size() >= kMaxOrigins)) {
    ++counters_.trunk_refused;
    return;
  }
  if (f->origin == site_id_ || !first_time(f->origin, f->epoch, f->seq)) {
    ++counters_.trunk_duplicates;
    return;
  }
  // Copies: `frame` stays valid, but delivering may change what the views' owners hold.
  std::string origin(f->origin), room(f->room), id(f->sender);
  deliver({room, id, f->parameters}, f->binary, f->payload, 0);
  to_trunks(frame, from, origin);
}

bool DataRelay::first_time(std::string_view origin, uint32_t epoch, uint32_t seq) {
  auto it = seen_.find(origin);
  if (it == seen_.end() || it->second.epoch != epoch) {  // new, or restarted
    seen_[std::string(origin)] = {epoch, seq, 1};
    return true;
  }
  Seen& s = it->second;
  if (seq > s.top) {
    uint32_t shift = seq - s.top;
    s.window = shift >= 64 ? 1 : (s.window << shift) | 1;
    s.top = seq;
    return true;
  }
  uint32_t back = s.top - seq;
  if (back >= 64 || (s.window >> back) & 1) return false;  // seen, or too old to tell
  s.window |= uint64_t(1) << back;
  return true;
}

}  // namespace umbrella::server
