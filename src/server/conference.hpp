// The control plane: rooms and their participants, and the signalling each participant
// speaks over /wsb. Media transports attach to participants once they offer SDP.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "signal/status.hpp"
#include "umbrella.pb.h"

namespace umbrella::server {

struct SignalCounters {
  uint64_t messages = 0;
  uint64_t malformed = 0;        // undecodable frame: answered with Error, connection kept
  uint64_t unexpected = 0;       // valid message in the wrong state
  uint64_t joins = 0;
  uint64_t leaves = 0;
};

// Something that can carry Envelopes to one client (a WebSocket session).
class SignalChannel {
 public:
  virtual ~SignalChannel() = default;
  virtual void send(const umbrella_Envelope& env) = 0;
  virtual void close(uint16_t code, std::string_view reason) = 0;
};

class Participant;

class Conference {
 public:
  explicit Conference(std::string site_id);
  ~Conference();

  const std::string& site_id() const { return site_id_; }
  const SignalCounters& counters() const { return counters_; }

  // A new /wsb connection. The returned id names it in on_message/on_closed.
  uint64_t open(SignalChannel* channel);
  void on_message(uint64_t connection, Bytes frame, Instant now);
  void on_closed(uint64_t connection);

  size_t participants() const { return participants_.size(); }
  void snapshot(signal::StatusSnapshot& out) const;

 private:
  void handle_join(Participant& p, const umbrella_Join& join);
  void handle_leave(Participant& p);
  void broadcast(const std::string& room, const umbrella_Envelope& env, const Participant* except);
  void send_error(Participant& p, umbrella_Error_Code code, std::string_view message);

  std::string site_id_;
  SignalCounters counters_;
  uint64_t next_connection_ = 1;
  uint64_t next_participant_ = 1;
  std::map<uint64_t, std::unique_ptr<Participant>> participants_;  // by connection
};

}  // namespace umbrella::server
