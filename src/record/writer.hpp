// The disk side of recording: one thread that owns every open WebM file. The event loop only
// enqueues (open, frame, close) into a queue bounded in bytes; when a frame does not fit,
// frame() says so and the caller drops that recording (the call goes on). Frames of one file
// are put in time order across its tracks here (a frame may wait `hold` for the other
// track), then muxed. Below the free-space floor every file is finished and low_disk() says
// so (checked once a second; it clears when space is back). Destruction finishes every file (cues and duration), as on SIGTERM.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "record/webm_file.hpp"

namespace umbrella::record {

struct WriterConfig {
  std::string dir;
  size_t max_queue_bytes = 8u << 20;  // ~20 s of one 3 Mbps participant if the disk stalls
  uint64_t min_free_bytes = 0;        // stop below this much free space in dir
  uint64_t hold_ns = 1000000000;      // how long a frame waits for the other track's older ones
};

struct WriterCounters {
  std::atomic<uint64_t> files{0};         // opened
  std::atomic<uint64_t> bytes{0};         // written to files
  std::atomic<uint64_t> frames{0};        // muxed
  std::atomic<uint64_t> queue_full{0};    // frames refused: the queue was full
  std::atomic<uint64_t> write_errors{0};  // files that failed to open or write
  std::atomic<uint64_t> late_frames{0};   // older than what the file already has: dropped
};

class RecordWriter {
 public:
  using FileId = uint32_t;
  // start = false: nothing is written until start() (tests fill the queue on purpose).
  explicit RecordWriter(WriterConfig config, bool start = true);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;
  void start();

  // name: the file name in dir (no slashes). The tracks the participant publishes: the file
  // opens when each has a frame (video: a keyframe whose format reads) or after 2 s with
  // those that do.
  FileId open(std::string name, bool audio, bool video, Codec video_codec = Codec::kVp8);
  // time_ns since the recording's start. false: the queue is full (nothing was queued).
  bool frame(FileId file, TrackKind kind, uint64_t time_ns, bool keyframe, Bytes data);
  void close(FileId file);
  // Files that failed (cannot create or write) since the last call: their recordings stop.
  std::vector<FileId> take_failed();
  bool low_disk() const { return low_disk_.load(); }
  const WriterCounters& counters() const { return counters_; }
  const std::string& dir() const { return config_.dir; }

 private:
  struct Item {
    enum Kind : uint8_t { kOpen, kFrame, kClose } kind = kOpen;
    FileId file = 0;
    TrackKind track = TrackKind::kAudio;
    bool keyframe = false, audio = false, video = false;
    Codec codec = Codec::kVp8;
    uint64_t time_ns = 0;
    std::string name;
    std::vector<uint8_t> data;
  };
  struct OpenFile;
  void run();
  void handle(Item& item);
  void drain(OpenFile& f, bool all);
  void finish(OpenFile& f);
  void fail(OpenFile& f);  // reported to the loop by take_failed()
  void check_free_space();

  WriterConfig config_;
  WriterCounters counters_;
  std::atomic<bool> low_disk_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::vector<FileId> failed_;
  FileId next_file_ = 1;
  std::thread thread_;
  // Thread side only.
  std::unordered_map<FileId, std::unique_ptr<OpenFile>> files_;
  int64_t last_space_check_ns_ = 0;
};

// What a file name may hold: letters, digits, '-', '_' and '.', the rest becomes '_'.
std::string safe_file_part(std::string_view s);

// Free bytes for an unprivileged writer in dir (0 when it cannot be read).
uint64_t free_bytes(const std::string& dir);

}  // namespace umbrella::record
