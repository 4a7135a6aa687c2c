// Every trunk of this SFU, accepted (a /wsb connection that joined as a trunk, handed over
// by the conference) or dialled (a TrunkLink of Trunks): their lifetime, their signalling
// frames, and the rule for two SFUs that dial each other.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "server/rooms.hpp"
#include "server/trunk_participant.hpp"

namespace umbrella::server {

class TrunkHub final : public TrunkAcceptor {
 public:
  TrunkHub(Rooms& rooms, std::string secret);
  ~TrunkHub() override;

  // A trunk we dial: its WebSocket is up; we join the far SFU as its WebRTC client. The key
  // names it in on_frame/on_closed.
  uint64_t open_dialled(SignalChannel* channel);
  void on_frame(uint64_t key, Bytes frame, Instant now);

  // TrunkAcceptor (and the end of dialled links too)
  void accept(uint64_t connection, SignalChannel* channel, const umbrella_Join& join) override;
  void on_message(uint64_t key, const umbrella_Envelope& msg, Instant now) override;
  void on_closed(uint64_t key) override;

  // The joined trunk other than `except` that links us to `far_site`, if any.
  TrunkParticipant* linked_to(const std::string& far_site, const TrunkParticipant* except);
  size_t size() const { return trunks_.size(); }

 private:
  Rooms& rooms_;
  std::string secret_;
  uint64_t next_dialled_ = uint64_t(1) << 62;  // apart from the conference's connection ids
  std::map<uint64_t, std::unique_ptr<TrunkParticipant>> trunks_;
};

}  // namespace umbrella::server
