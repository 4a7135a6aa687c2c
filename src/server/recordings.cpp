#include "server/recordings.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <sys/stat.h>

#include "core/log.hpp"

namespace umbrella::server {
namespace {

constexpr Duration kReconcileInterval = milliseconds(500);
constexpr Duration kDroppedBackoff = std::chrono::seconds(10);

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

// 20261203-121500 (UTC): files sort by start time.
std::string utc_stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return std::to_string(tm.tm_year + 1900) + two(tm.tm_mon + 1) + two(tm.tm_mday) + "-" + two(tm.tm_hour) +
         two(tm.tm_min) + two(tm.tm_sec);
}

// The codec t is recorded in (video: the first we can record, which is what the publisher
// sends: it takes the answer's first codec) and its payload types (RTX and the rest are not
// forwarded to a recording).
std::optional<record::TrackSource> source_for(const PublisherTrack& t) {
  record::TrackSource s;
  s.stream = t.stream;
  std::string_view name;
  if (t.kind == sfu::Kind::kAudio) {
    name = "opus";
  } else {
    for (auto& c : t.codecs)
      if (auto codec = rtp::codec_named(c.name); name.empty() && codec && *codec != rtp::Codec::kOpus)
        name = c.name, s.codec = *codec;
  }
  bool any = false;
  for (auto& c : t.codecs)
    if (!name.empty() && c.pt < 128 && same_name(c.name, name)) {
      s.payload_types[c.pt] = true;
      s.clock_rate = c.clock_rate ? c.clock_rate : s.clock_rate;
      any = true;
    }
  if (!any) return std::nullopt;
  return s;
}

}  // namespace

bool room_matches(std::string_view p, std::string_view r) {
  // Iterative glob with one backtrack point: linear enough for names of 64 characters.
  size_t pi = 0, ri = 0, star = std::string_view::npos, mark = 0;
  while (ri < r.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ri;
    } else if (pi < p.size() && p[pi] == r[ri]) {
      ++pi;
      ++ri;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ri = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Result<std::unique_ptr<Recordings>, std::string> Recordings::create(EventLoop& loop, media::MediaPlane& plane,
                                                                    Rooms& rooms, RecordingSettings settings) {
  if (settings.dir.empty() && !settings.rooms.empty())
    return Err{std::string("UMBRELLA_RECORD_ROOMS needs UMBRELLA_RECORD_DIR, the folder recordings go to")};
  if (!settings.dir.empty()) {
    struct stat st{};
    if (::stat(settings.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return Err{"UMBRELLA_RECORD_DIR " + settings.dir + " is not a folder: create it (mkdir -p " + settings.dir + ")"};
    if (::access(settings.dir.c_str(), W_OK) != 0)
      return Err{"UMBRELLA_RECORD_DIR " + settings.dir + " is not writable by this user: fix its permissions"};
  }
  return std::unique_ptr<Recordings>(new Recordings(loop, plane, rooms, std::move(settings)));
}

Recordings::Recordings(EventLoop& loop, media::MediaPlane& plane, Rooms& rooms, RecordingSettings settings)
    : loop_(loop), plane_(plane), rooms_(rooms), settings_(std::move(settings)) {
  if (settings_.dir.empty()) return;
  record::WriterConfig wc;
  wc.dir = settings_.dir;
  wc.min_free_bytes = settings_.min_free_bytes;
  writer_ = std::make_unique<record::RecordWriter>(wc);
  LOG_INFO("record", "recordings go to ", settings_.dir,
           settings_.rooms.empty() ? std::string(" (rooms are recorded when the administrator starts them)")
                                   : " (always: " + std::to_string(settings_.rooms.size()) + " room patterns)");
  timer_ = loop_.schedule(loop_.now() + kReconcileInterval, [this] {
    timer_ = 0;
    reconcile();
  });
}

Recordings::~Recordings() {
  if (timer_) loop_.cancel(timer_);
  size_t n = active_.size();
  active_.clear();  // each closes its file; the writer finishes them as it stops
  writer_.reset();
  if (n) LOG_INFO("record", "finished ", n, " recording", n == 1 ? "" : "s");
}

bool Recordings::always(const std::string& room) const {
  return std::any_of(settings_.rooms.begin(), settings_.rooms.end(),
                     [&](const std::string& p) { return room_matches(p, room); });
}

bool Recordings::recording(const std::string& room) const {
  if (!writer_) return false;
  auto it = switched_.find(room);
  return it != switched_.end() ? it->second : always(room);
}

std::optional<std::string> Recordings::set(const std::string& room, bool on) {
  if (!writer_) return "recording is unavailable: set UMBRELLA_RECORD_DIR to the folder recordings go to";
  if (room.empty() || room.size() > 64) return "expected ?room=NAME (1-64 characters)";
  if (on && low_disk_)
    return "the record folder has less than UMBRELLA_RECORD_MIN_FREE_MB free: make room first";
  bool was = recording(room);
  switched_[room] = on;
  if (switched_.size() > 1024) switched_.erase(switched_.begin());  // bounded; a stale switch goes
  if (was != on) LOG_INFO("record", "room ", room, on ? ": recording started" : ": recording stopped", " by the administrator");
  reconcile();
  return std::nullopt;
}

void Recordings::stop(std::map<std::string, std::unique_ptr<record::ParticipantRecording>>::iterator it) {
  finished_ += it->second->counters();
  active_.erase(it);
}

void Recordings::reconcile() {
  if (!writer_) return;
  if (!timer_)
    timer_ = loop_.schedule(loop_.now() + kReconcileInterval, [this] {
      timer_ = 0;
      reconcile();
    });
  Instant now = loop_.now();
  // Files the writer could not create or write: those recordings end (logged by the writer).
  for (auto id : writer_->take_failed())
    for (auto it = active_.begin(); it != active_.end(); ++it)
      if (it->second->file() == id) {
        backoff_[it->first] = now + kDroppedBackoff;
        stop(it);
        break;
      }
  bool low = writer_->low_disk();
  if (low != low_disk_) {
    low_disk_ = low;
    if (low) {
      ++low_disk_stops_;
      LOG_WARN("record", "recording stopped: less than ", settings_.min_free_bytes >> 20, " MB free in ",
               settings_.dir, " (UMBRELLA_RECORD_MIN_FREE_MB); it resumes when space is freed");
    } else {
      LOG_INFO("record", "free space in ", settings_.dir, " is back: recording resumes");
    }
  }
  // What should be recorded now: per participant, its first audio and first video track.
  struct Want {
    std::string room, owner;
    record::TrackSource audio, video;
  };
  std::map<std::string, Want> want;
  if (!low_disk_)
    rooms_.for_each_track(nullptr, [&](const PublisherTrack& t) {
      if (!t.stream || !recording(t.room)) return;
      auto src = source_for(t);
      if (!src) {
        if (unsupported_.insert(t.stream).second)
          LOG_INFO("record", "not recording ", t.track_id, ": only VP8, VP9, H264 and AV1 video and Opus audio are recorded");
        return;
      }
      Want& w = want[t.room + '\n' + t.owner_id];
      w.room = t.room;
      w.owner = t.owner_id;
      auto& slot = t.kind == sfu::Kind::kAudio ? w.audio : w.video;
      if (!slot.stream) slot = *src;
    });
  if (unsupported_.size() > 4096) unsupported_.clear();
  for (auto it = active_.begin(); it != active_.end();) {
    auto w = want.find(it->first);
    auto& r = *it->second;
    bool same = w != want.end() && r.stream(record::TrackKind::kAudio) == w->second.audio.stream &&
                r.stream(record::TrackKind::kVideo) == w->second.video.stream;
    if (r.dropped()) {
      ++dropped_;
      LOG_WARN("record", "recording ", r.file_name(), " dropped: the disk does not keep up (writer queue full); the "
               "call goes on");
      backoff_[it->first] = now + kDroppedBackoff;
    }
    if (same && !r.dropped()) {
      ++it;
      continue;
    }
    if (w == want.end() && !r.dropped()) LOG_INFO("record", "finished ", r.file_name());
    auto next = std::next(it);
    stop(it);
    it = next;
  }
  std::erase_if(backoff_, [&](const auto& b) { return b.second <= now; });
  for (auto& [key, w] : want) {
    if (active_.count(key) || backoff_.count(key)) continue;
    std::string name = record::safe_file_part(w.room) + "_" + record::safe_file_part(w.owner) + "_" + utc_stamp() +
                       "_" + std::to_string(++sequence_) + (w.video.codec == rtp::Codec::kH264 ? ".mkv" : ".webm");
    LOG_INFO("record", "recording ", w.owner, " in room ", w.room, " to ", settings_.dir, "/", name);
    active_[key] = std::make_unique<record::ParticipantRecording>(loop_, plane_, *writer_, name, w.audio, w.video);
  }
}

void Recordings::snapshot(signal::StatusSnapshot& s) const {
  s.recording_available = writer_ != nullptr;
  if (!writer_) return;
  std::map<std::string, signal::status::RecordingState> rooms;
  for (auto& [room, on] : switched_)
    if (on) rooms[room].room = room;
  for (auto& [key, r] : active_) {
    std::string room = key.substr(0, key.find('\n'));
    rooms[room].room = room;
    rooms[room].files.push_back(r->file_name());
  }
  for (auto& [room, state] : rooms) {
    state.always = always(room);
    s.recordings.push_back(std::move(state));
  }
  record::AssemblerCounters c = finished_;
  for (auto& [key, r] : active_) c += r->counters();
  const auto& w = writer_->counters();
  s.counters.insert({
      {"record.active", active_.size()},
      {"record.files", w.files.load()},
      {"record.bytes_written", w.bytes.load()},
      {"record.frames_written", w.frames.load()},
      {"record.queue_full", w.queue_full.load()},
      {"record.dropped", dropped_},
      {"record.write_errors", w.write_errors.load()},
      {"record.low_disk_stops", low_disk_stops_},
      {"record.packets_lost", c.lost},
      {"record.frames_skipped", c.skipped_frames},
      {"record.keyframe_requests", c.keyframe_requests},
      {"record.malformed", c.malformed},
  });
}

}  // namespace umbrella::server
