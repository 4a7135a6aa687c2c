#include "record/participant_recording.hpp"

#include <random>

#include "rtp/rtcp_packet.hpp"
#include "rtp/rtcp_reports.hpp"
#include "rtp/rtp_packet.hpp"

namespace umbrella::record {
namespace {

constexpr Duration kSyncWait = std::chrono::seconds(4);

}  // namespace

ParticipantRecording::ParticipantRecording(EventLoop& loop, media::MediaPlane& plane, RecordWriter& writer,
                                           std::string file_name, const TrackSource& audio,
                                           const TrackSource& video)
    : loop_(loop), plane_(plane), writer_(writer), file_name_(std::move(file_name)) {
  id_ = plane_.add_transport(*this);
  file_ = writer_.open(file_name_, audio.stream != 0, video.stream != 0, video.codec);
  static std::minstd_rand rng(std::random_device{}());
  const TrackSource* sources[2] = {&audio, &video};
  for (size_t k = 0; k < 2; ++k) {
    Track& t = tracks_[k];
    t.source = *sources[k];
    if (!t.source.stream) continue;
    t.ssrc = uint32_t(rng()) | 1;
    t.assembler.emplace(t.source.codec);
    clock_.set_clock_rate(k, t.source.clock_rate);
    sfu::Subscription sub;
    sub.stream = t.source.stream;
    sub.transport = id_;
    sub.ssrc = t.ssrc;
    for (size_t pt = 0; pt < 128; ++pt)
      if (t.source.payload_types[pt]) sub.payload_type_map[pt] = uint8_t(pt);
    plane_.subscribe(sub);  // video: the router asks the publisher for a keyframe
  }
}

ParticipantRecording::~ParticipantRecording() {
  if (timer_) loop_.cancel(timer_);
  plane_.remove_transport(id_);  // its subscriptions with it
  writer_.close(file_);
}

AssemblerCounters ParticipantRecording::counters() const {
  AssemblerCounters sum;
  for (auto& t : tracks_) {
    if (!t.assembler) continue;
    sum += t.assembler->counters();
  }
  return sum;
}

bool ParticipantRecording::send_rtp(Packet packet) {
  if (dropped_) return true;
  auto v = rtp::parse_rtp(packet.span());
  if (!v) return true;
  for (auto& t : tracks_) {
    if (!t.assembler || v->ssrc != t.ssrc) continue;
    Instant now = loop_.now();
    t.assembler->push(packet, now);
    drain(t, now);
    if (!rearm_asked_) {
      rearm_asked_ = true;
      plane_.rearm_later(id_);
    }
  }
  return true;
}

bool ParticipantRecording::send_rtcp(Bytes compound) {
  rtp::RtcpIterator it(compound);
  while (auto h = it.next()) {
    if (!h->is(rtp::RtcpType::kSr)) continue;
    auto sr = rtp::parse_sr(*h);
    if (!sr) continue;
    // Only SRs that carry the publisher's clock (the router sends its own before it has one).
    for (size_t k = 0; k < tracks_.size(); ++k)
      if (tracks_[k].assembler && tracks_[k].ssrc == sr->ssrc &&
          plane_.router().stream_has_sender_report(tracks_[k].source.stream))
        clock_.on_sender_report(k, sr->info.ntp_timestamp, sr->info.rtp_timestamp, loop_.now());
  }
  return true;
}

void ParticipantRecording::rearm_timer() {
  rearm_asked_ = false;
  Instant next = kNever;
  for (auto& t : tracks_)
    if (t.assembler) next = std::min(next, t.assembler->next_deadline());
  loop_.reschedule(timer_, next, [this] {
    timer_ = 0;
    Instant now = loop_.now();
    for (auto& t : tracks_)
      if (t.assembler) drain(t, now);
    rearm_timer();
  });
}

void ParticipantRecording::drain(Track& t, Instant now) {
  size_t k = size_t(&t - tracks_.data());
  while (auto f = t.assembler->pop(now)) {
    if (dropped_) continue;
    if (!started_) {
      // Start once every track is on the publisher's clock (or after kSyncWait): a file that
      // began by arrival times would shift its video by the sender's encode and pacing delay
      // when the reports come. Then from the next keyframe, so the tracks start together.
      if (!first_frame_) first_frame_ = now;
      bool synced = true;
      for (size_t i = 0; i < tracks_.size(); ++i)
        if (tracks_[i].assembler && !clock_.synced(i)) synced = false;
      (void)clock_.frame_time(k, f->rtp_timestamp, f->arrival);
      if (!synced && now - *first_frame_ < kSyncWait) continue;
      started_ = true;
      for (auto& other : tracks_)
        if (other.assembler) other.assembler->restart_at_keyframe();
      if (!f->keyframe) continue;
    }
    Instant at = clock_.frame_time(k, f->rtp_timestamp, f->arrival);
    if (!origin_) origin_ = at;
    uint64_t ns = at > *origin_ ? uint64_t((at - *origin_).count()) : 0;
    if (!writer_.frame(file_, TrackKind(k), ns, f->keyframe, f->data)) dropped_ = true;
  }
  if (t.assembler->take_keyframe_request()) plane_.request_keyframe(t.source.stream);
}

}  // namespace umbrella::record
