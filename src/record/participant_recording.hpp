// One participant's recording on the event loop: it subscribes to the participant's audio and
// video tracks in the media plane like any subscriber (so upstream loss is repaired by the
// SFU's NACK/RTX and a keyframe is asked for when it starts), depacketizes what it receives
// into frames (FrameAssembler), places them on the participant's timeline (SyncClock, from
// the sender reports the router sends it) and hands them to the writer thread. It never
// touches the disk.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/event_loop.hpp"
#include "media/media_plane.hpp"
#include "record/frame_assembler.hpp"
#include "record/sync_clock.hpp"
#include "record/writer.hpp"

namespace umbrella::record {

// A publisher track to record: where it is in the media plane and which payload types carry
// the codec recorded (the others are not forwarded to the recording).
struct TrackSource {
  media::TrackId stream = 0;
  Codec codec = Codec::kOpus;
  std::array<bool, 128> payload_types{};
  uint32_t clock_rate = 48000;
};

class ParticipantRecording final : public media::Transport {
 public:
  // audio/video: the tracks to record (stream 0: none). Subscribes at once.
  ParticipantRecording(EventLoop& loop, media::MediaPlane& plane, RecordWriter& writer, std::string file_name,
                       const TrackSource& audio, const TrackSource& video);
  ~ParticipantRecording() override;  // unsubscribes and closes the file (the writer finishes it)
  ParticipantRecording(const ParticipantRecording&) = delete;
  ParticipantRecording& operator=(const ParticipantRecording&) = delete;

  media::TrackId stream(TrackKind kind) const { return tracks_[size_t(kind)].source.stream; }
  RecordWriter::FileId file() const { return file_; }
  const std::string& file_name() const { return file_name_; }
  // The writer's queue was full: this recording stopped taking frames (its owner ends it).
  bool dropped() const { return dropped_; }
  AssemblerCounters counters() const;  // both tracks summed

  // media::Transport: what the router forwards to this subscriber.
  bool connected() const override { return true; }
  bool send_rtp(Packet packet) override;
  bool send_rtcp(Bytes compound) override;
  void rearm_timer() override;

 private:
  struct Track {
    TrackSource source;
    uint32_t ssrc = 0;  // as this subscriber sees it
    std::optional<FrameAssembler> assembler;
  };
  void drain(Track& t, Instant now);

  EventLoop& loop_;
  media::MediaPlane& plane_;
  RecordWriter& writer_;
  std::string file_name_;
  media::TransportId id_;
  RecordWriter::FileId file_;
  std::array<Track, 2> tracks_;
  SyncClock clock_;
  std::optional<Instant> origin_;  // the file's time zero: its first frame
  std::optional<Instant> first_frame_;
  bool started_ = false;  // the tracks are in sync (or waited long enough): frames go to the file
  EventLoop::TimerId timer_ = 0;
  bool rearm_asked_ = false;
  bool dropped_ = false;
};

}  // namespace umbrella::record
