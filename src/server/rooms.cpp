#include "server/rooms.hpp"

namespace umbrella::server {

// Global track ids are unique across rooms and SFUs.
const PublisherTrack* Rooms::find_track(const std::string& track_id, const RoomMember* except) const {
  const PublisherTrack* found = nullptr;
  for_each_track(except, [&](const PublisherTrack& t) {
    if (!found && t.track_id == track_id) found = &t;
  });
  return found;
}

bool Rooms::knows_person(const std::string& participant_id) const {
  bool known = false;
  for_each_person(nullptr, [&](const signal::ParticipantFields& f) { known |= f.participant_id == participant_id; });
  return known;
}

}  // namespace umbrella::server
