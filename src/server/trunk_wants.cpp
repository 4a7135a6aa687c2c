#include "server/trunk_wants.hpp"

#include <algorithm>

namespace umbrella::server {

bool TrunkWants::set_far(std::span<const std::string_view> track_ids) {
  if (track_ids.size() > kMaxTracks) return false;
  far_.assign(track_ids.begin(), track_ids.end());
  return true;
}

bool TrunkWants::far_wants(std::string_view track_id) const {
  return std::find(far_.begin(), far_.end(), track_id) != far_.end();  // at most kMaxTracks
}

bool TrunkWants::update(std::vector<std::string> wanted) {
  if (wanted.size() > kMaxTracks) wanted.resize(kMaxTracks);
  if (wanted == sent_) return false;
  sent_ = std::move(wanted);
  return true;
}

std::vector<std::string> wanted_tracks(std::span<const PublisherTrack> brought_in,
                                       const std::function<bool(media::TrackId)>& subscribed) {
  std::vector<std::string> out;
  for (auto& t : brought_in)
    if (t.stream && subscribed(t.stream)) out.push_back(t.track_id);
  return out;
}

}  // namespace umbrella::server
