// How rooms and the participant kinds that carry every room (trunks) talk: the conference
// implements Rooms; each trunk is a RoomMember registered with it. Room code sees members
// only through RoomMember, so it has no trunk branches; trunk code sees rooms only through
// Rooms.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/bytes.hpp"
#include "core/socket_address.hpp"
#include "core/time.hpp"
#include "server/participant.hpp"
#include "signal/messages.hpp"
#include "umbrella.pb.h"

namespace umbrella::server {

struct MediaContext;
class DataRelay;
struct SignalCounters;
class SignalChannel;

using PersonFn = std::function<void(const signal::ParticipantFields&)>;
using TrackFn = std::function<void(const PublisherTrack&)>;

// A participant kind in every room at once.
class RoomMember {
 public:
  virtual ~RoomMember() = default;
  // Its own state as a participant (id, transport, the tracks it brings in and receives).
  virtual const Participant& participant() const = 0;
  // The people it stands for (in their rooms).
  virtual void for_each_person(const PersonFn& fn) const = 0;
  // A person in `room` joined, changed or left (participant_joined/updated/left).
  virtual void on_people_event(const std::string& room, const umbrella_Envelope& event) = 0;
  // The tracks in some room changed: time to tell its far side.
  virtual void on_tracks_changed() = 0;
};

class Rooms {
 public:
  virtual ~Rooms() = default;
  virtual const std::string& site_id() const = 0;
  virtual MediaContext& media() = 0;
  virtual SignalCounters& signal_counters() = 0;
  virtual void add_member(RoomMember& member) = 0;
  virtual void remove_member(RoomMember& member) = 0;
  // Live publisher tracks and people of every room, but those `except` brings in.
  virtual void for_each_track(const RoomMember* except, const TrackFn& fn) const = 0;
  virtual void for_each_person(const RoomMember* except, const PersonFn& fn) const = 0;
  const PublisherTrack* find_track(const std::string& track_id, const RoomMember* except) const;
  bool knows_person(const std::string& participant_id) const;
  // A member's person joined/changed/left `room`: everyone else there hears it.
  virtual void people_event(const std::string& room, const umbrella_Envelope& event, const RoomMember* from) = 0;
  // A member's tracks into `room` came or went: the room's clients hear it and renegotiate,
  // other members re-announce.
  virtual void track_event(const std::string& room, const umbrella_Envelope& event, const RoomMember* from) = 0;
  virtual void tracks_changed(const std::string& room, const RoomMember* from) = 0;
  // A fresh mid for an m-line of any session (prefix says its role, for readers of SDP).
  virtual std::string new_mid(char prefix) = 0;
  // Room data channel messages (trunks carry them too).
  virtual DataRelay& data_relay() = 0;
};

// Where the conference hands a /wsb connection whose Join has role TRUNK (the trunk module).
class TrunkAcceptor {
 public:
  virtual ~TrunkAcceptor() = default;
  // from: the connection's peer address (failed handshakes are bounded per address).
  virtual void accept(uint64_t connection, SignalChannel* channel, const umbrella_Join& join, const SocketAddress& from,
                      Instant now) = 0;
  virtual void on_message(uint64_t connection, const umbrella_Envelope& msg, Instant now) = 0;
  virtual void on_closed(uint64_t connection) = 0;
};

}  // namespace umbrella::server
