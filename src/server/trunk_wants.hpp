// Pull over a trunk (proto TrunkWants): a track crosses a trunk only while the far side wants
// it. Each side tells the other, in full whenever it changes, which of the tracks the trunk
// brings in it wants: those something on its side subscribes to, a participant or another
// trunk whose own far side wants them. So a want travels hop by hop toward the track's
// origin and ends when the last subscriber along the way goes. Wants follow the routes media
// takes: a side asks only the trunk that brings a track in (a copy that came round a ring
// is ignored, trunk_participant.hpp) and never sends a track back where it came from, so in
// a ring no track keeps itself wanted. Sans-IO: the trunk feeds it sets and sends sent().
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/participant.hpp"

namespace umbrella::server {

class TrunkWants {
 public:
  static constexpr size_t kMaxTracks = 128;  // TrunkWants.track_ids in proto/umbrella.options

  // The far side's whole set, replacing the last one. A want for a track we do not send yet
  // is kept until we do. false: more than kMaxTracks (refused; the last set stays).
  bool set_far(std::span<const std::string_view> track_ids);
  bool far_wants(std::string_view track_id) const;
  const std::vector<std::string>& far() const { return far_; }

  // What we want now: true when it differs from what we last told the far side, which it
  // then becomes (send sent()). At most kMaxTracks are asked for.
  bool update(std::vector<std::string> wanted);
  const std::vector<std::string>& sent() const { return sent_; }

 private:
  // Small (a trunk's tracks), so searched in order; ours keep the order of the trunk's tracks.
  std::vector<std::string> far_, sent_;
};

// The tracks among those a trunk brings in (live ones) that have a subscriber here, in order.
std::vector<std::string> wanted_tracks(std::span<const PublisherTrack> brought_in,
                                       const std::function<bool(media::TrackId)>& subscribed);

}  // namespace umbrella::server
