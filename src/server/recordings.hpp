// Which rooms are recorded, and one ParticipantRecording (src/record) per participant who
// publishes in them: rooms matching UMBRELLA_RECORD_ROOMS always, others while the
// administrator switched them on (POST /record). Every half second it compares the rooms'
// tracks with the recordings: new publishers start a file, a participant whose tracks changed
// starts a new one, those who left are finished. A recording whose writer queue overflowed
// (the disk does not keep up) or whose file failed is dropped and counted; the call goes on.
// Below the free-space floor everything stops until space is back.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "media/media_plane.hpp"
#include "record/participant_recording.hpp"
#include "record/writer.hpp"
#include "server/rooms.hpp"
#include "signal/status.hpp"

namespace umbrella::server {

struct RecordingSettings {
  std::string dir;                 // "": unavailable
  std::vector<std::string> rooms;  // always recorded: names with * globs
  uint64_t min_free_bytes = 0;
};

// `*` matches any run of characters, everything else itself.
bool room_matches(std::string_view pattern, std::string_view room);

class Recordings {
 public:
  // Refuses a folder that is missing or not writable, and rooms without a folder.
  static Result<std::unique_ptr<Recordings>, std::string> create(EventLoop& loop, media::MediaPlane& plane,
                                                                 Rooms& rooms, RecordingSettings settings);
  ~Recordings();  // finishes every file (cues, duration): also what SIGTERM leads to

  bool available() const { return writer_ != nullptr; }
  // The administrator's switch for a room; an error line when recording is unavailable.
  std::optional<std::string> set(const std::string& room, bool on);
  bool recording(const std::string& room) const;
  void snapshot(signal::StatusSnapshot& s) const;
  void reconcile();  // also run by its timer

 private:
  Recordings(EventLoop& loop, media::MediaPlane& plane, Rooms& rooms, RecordingSettings settings);
  bool always(const std::string& room) const;
  void stop(std::map<std::string, std::unique_ptr<record::ParticipantRecording>>::iterator it);

  EventLoop& loop_;
  media::MediaPlane& plane_;
  Rooms& rooms_;
  RecordingSettings settings_;
  std::unique_ptr<record::RecordWriter> writer_;
  std::map<std::string, bool> switched_;  // the administrator's choice, over UMBRELLA_RECORD_ROOMS
  std::map<std::string, std::unique_ptr<record::ParticipantRecording>> active_;  // by room + '\n' + owner
  std::map<std::string, Instant> backoff_;  // dropped recordings wait before a new file
  std::set<media::TrackId> unsupported_;    // tracks in a codec we do not record (counted once)
  record::AssemblerCounters finished_;      // of recordings that ended
  uint64_t dropped_ = 0, low_disk_stops_ = 0, sequence_ = 0;
  bool low_disk_ = false;
  EventLoop::TimerId timer_ = 0;
};

}  // namespace umbrella::server
