// Active speakers: a few times a second, each room's audio tracks give up their share of loud
// packets (sfu::VoiceActivity) and the room's ActiveSpeakers decides who speaks; a change goes
// to the room's browsers as Speakers. Trunked people count too: their audio arrives with its
// level. Trunks are not told: the far SFU hears the same levels and decides for its rooms.
#include <map>

#include "core/log.hpp"
#include "server/conference.hpp"
#include "signal/messages.hpp"

namespace umbrella::server {
namespace {

constexpr Duration kSpeakerInterval = milliseconds(200);

}  // namespace

void Conference::watch_speakers() {
  if (!speakers_timer_)
    speakers_timer_ = media_.loop.schedule(media_.loop.now() + kSpeakerInterval, [this] {
      speakers_timer_ = 0;
      update_speakers();
    });
}

void Conference::update_speakers() {
  // Each person once, with their loudest audio track.
  std::map<std::string, std::map<std::string_view, int>> rooms;
  for_each_track(nullptr, [&](const PublisherTrack& t) {
    if (t.kind != sfu::Kind::kAudio) return;
    int share = media_.plane.take_voice_activity(t.stream);
    auto& people = rooms[t.room];
    auto [it, added] = people.try_emplace(t.owner_id, share);
    if (!added) it->second = std::max(it->second, share);
  });
  auto tell = [this](const std::string& room, const std::vector<std::string>& ids) {
    auto env = signal::new_envelope();
    if (!signal::make_speakers(*env, ids)) return;
    broadcast_tracks(room, *env, nullptr);
  };
  for (auto it = speakers_.begin(); it != speakers_.end();) {
    if (rooms.contains(it->first)) {
      ++it;
      continue;
    }
    if (!it->second.speakers().empty()) tell(it->first, {});
    it = speakers_.erase(it);
  }
  std::vector<ActiveSpeakers::Sample> samples;
  for (auto& [room, people] : rooms) {
    samples.clear();
    // A track without the audio-level extension (or silent on the wire) counts as silence.
    for (auto& [id, share] : people) samples.push_back({id, std::max(share, 0)});
    auto& speakers = speakers_[room];
    if (speakers.update(samples)) tell(room, speakers.speakers());
  }
  if (!rooms.empty()) watch_speakers();
}

}  // namespace umbrella::server
