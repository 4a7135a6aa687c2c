#include "record/writer.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "core/log.hpp"

namespace umbrella::record {
namespace {

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct RecordWriter::OpenFile {
  FileId id = 0;
  std::string path;
  bool want_audio = false, want_video = false;
  Codec codec = Codec::kVp8;
  std::unique_ptr<WebmFile> file;
  std::deque<Item> pending;  // in time order
  uint64_t newest_ns = 0;
  uint64_t written_ns = 0;   // newest time handed to the muxer
  uint64_t last_ms[2] = {0, 0};  // per track, in the file's millisecond units
  bool failed = false;
};

std::string safe_file_part(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

uint64_t free_bytes(const std::string& dir) {
  struct statvfs st;
  if (::statvfs(dir.c_str(), &st) != 0) return 0;
  return uint64_t(st.f_bavail) * uint64_t(st.f_frsize);
}

RecordWriter::RecordWriter(WriterConfig config, bool start_now) : config_(std::move(config)) {
  if (start_now) start();
}

RecordWriter::~RecordWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    // Never started: finish here what was queued.
    for (auto& item : queue_) handle(item);
  }
  for (auto& [id, f] : files_) finish(*f);
}

void RecordWriter::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

RecordWriter::FileId RecordWriter::open(std::string name, bool audio, bool video, Codec video_codec) {
  Item item;
  item.codec = video_codec;
  item.kind = Item::kOpen;
  item.name = std::move(name);
  item.audio = audio;
  item.video = video;
  std::lock_guard lock(mutex_);
  item.file = next_file_++;
  queue_.push_back(std::move(item));
  wake_.notify_one();
  return queue_.back().file;
}

bool RecordWriter::frame(FileId file, TrackKind kind, uint64_t time_ns, bool keyframe, Bytes data) {
  {
    std::lock_guard lock(mutex_);
    if (queued_bytes_ + data.size() > config_.max_queue_bytes) {
      ++counters_.queue_full;
      return false;
    }
    queued_bytes_ += data.size();
  }
  Item item;
  item.kind = Item::kFrame;
  item.file = file;
  item.track = kind;
  item.time_ns = time_ns;
  item.keyframe = keyframe;
  item.data.assign(data.begin(), data.end());  // the frame crosses to the writer thread
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(item));
  wake_.notify_one();
  return true;
}

void RecordWriter::close(FileId file) {
  Item item;
  item.kind = Item::kClose;
  item.file = file;
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(item));
  wake_.notify_one();
}

std::vector<RecordWriter::FileId> RecordWriter::take_failed() {
  std::lock_guard lock(mutex_);
  return std::exchange(failed_, {});
}

void RecordWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    while (!queue_.empty()) {
      Item item = std::move(queue_.front());
      queue_.pop_front();
      if (item.kind == Item::kFrame) queued_bytes_ -= item.data.size();
      lock.unlock();
      handle(item);
      lock.lock();
    }
    lock.unlock();
    check_free_space();
    lock.lock();
  }
}

void RecordWriter::check_free_space() {
  if (config_.min_free_bytes == 0) return;
  int64_t now = steady_ns();
  if (now - last_space_check_ns_ < 1000000000) return;
  last_space_check_ns_ = now;
  bool low = free_bytes(config_.dir) < config_.min_free_bytes;
  if (low && !low_disk_.exchange(true))
    for (auto& [id, f] : files_) finish(*f);
  if (!low) low_disk_ = false;  // the loop starts new files
}

void RecordWriter::handle(Item& item) {
  if (item.kind == Item::kOpen) {
    auto f = std::make_unique<OpenFile>();
    f->id = item.file;
    f->path = config_.dir + "/" + item.name;
    f->want_audio = item.audio;
    f->want_video = item.video;
    f->codec = item.codec;
    f->failed = low_disk_.load();
    files_[item.file] = std::move(f);
    check_free_space();
    return;
  }
  auto it = files_.find(item.file);
  if (it == files_.end()) return;
  OpenFile& f = *it->second;
  if (item.kind == Item::kClose) {
    // The file ends with its shorter track, as it starts with its first picture: a track that
    // arrives later (video, encoded and paced) would otherwise end before the other.
    if (f.file && f.file->has(TrackKind::kAudio) && f.file->has(TrackKind::kVideo)) {
      uint64_t end[2] = {f.last_ms[0] * 1000000, f.last_ms[1] * 1000000};
      for (auto& p : f.pending) end[size_t(p.track)] = std::max(end[size_t(p.track)], p.time_ns);
      uint64_t stop = std::min(end[0], end[1]);
      std::erase_if(f.pending, [&](const Item& p) { return p.time_ns > stop; });
    }
    drain(f, true);
    finish(f);
    files_.erase(it);
    return;
  }
  if (f.failed) return;
  if (f.file && item.time_ns < f.written_ns) {
    ++counters_.late_frames;
    return;
  }
  // Insert in time order (frames come nearly sorted: search from the back).
  auto pos = f.pending.end();
  while (pos != f.pending.begin() && std::prev(pos)->time_ns > item.time_ns) --pos;
  f.newest_ns = std::max(f.newest_ns, item.time_ns);
  f.pending.insert(pos, std::move(item));
  drain(f, false);
}

void RecordWriter::drain(OpenFile& f, bool all) {
  if (f.failed || f.pending.empty()) return;
  if (!f.file) {
    // Open once every wanted track has something (video: its first keyframe gives the size
    // and codec private data), or 2 s of media went by without the other.
    const Item* key = nullptr;
    std::optional<VideoFormat> format;
    bool audio = false;
    for (auto& p : f.pending) {
      if (p.track == TrackKind::kVideo && p.keyframe && !key) {
        if (auto v = video_format(f.codec, p.data)) {
          key = &p;
          format = std::move(*v);
        }
      }
      if (p.track == TrackKind::kAudio) audio = true;
    }
    bool ready = (!f.want_video || key) && (!f.want_audio || audio);
    if (!ready && !all && f.newest_ns - f.pending.front().time_ns < 2000000000ULL) return;
    std::string error;
    if (key) {
      // The file starts with its picture: audio from before the first keyframe would leave
      // the tracks starting apart.
      uint64_t start = key->time_ns;
      std::erase_if(f.pending, [&](const Item& p) { return p.time_ns < start; });
    }
    f.file = WebmFile::open(f.path, audio, f.codec, format ? &*format : nullptr, error);
    if (!f.file) {
      LOG_WARN("record", error);
      fail(f);
      return;
    }
    ++counters_.files;
  }
  while (!f.pending.empty() && (all || f.pending.front().time_ns + config_.hold_ns <= f.newest_ns)) {
    Item& p = f.pending.front();
    if (f.file->has(p.track)) {
      // The file counts milliseconds: two frames of a track may not share one, nor go before
      // what the file has (mkvmuxer refuses older frames).
      uint64_t t = std::max(p.time_ns, f.written_ns);
      uint64_t& last = f.last_ms[size_t(p.track)];
      if (last && t / 1000000 <= last) t = (last + 1) * 1000000;
      last = t / 1000000;
      uint64_t before = f.file->bytes();
      if (!f.file->write(p.track, p.data, t, p.keyframe)) {
        LOG_WARN("record", "cannot write ", f.path, ": stopping this recording");
        finish(f);
        fail(f);
        return;
      }
      counters_.bytes += f.file->bytes() - before;
      ++counters_.frames;
      f.written_ns = t;
    }
    f.pending.pop_front();
  }
}

void RecordWriter::fail(OpenFile& f) {
  f.failed = true;
  ++counters_.write_errors;
  std::lock_guard lock(mutex_);
  failed_.push_back(f.id);
}

void RecordWriter::finish(OpenFile& f) {
  f.pending.clear();
  if (!f.file) return;
  uint64_t before = f.file->bytes();
  if (!f.file->finish()) ++counters_.write_errors;
  counters_.bytes += f.file->bytes() - before;
  f.file.reset();
  f.failed = true;  // nothing more goes in
}

}  // namespace umbrella::record
