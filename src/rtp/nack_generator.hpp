// Receiver-side loss tracking for one published stream (RFC 4585 generic NACK). Sans-IO:
// on_packet() as packets arrive, poll() at next_deadline() for the sequence numbers to NACK.
// Bounded: at most kCapacity sequence numbers are outstanding, in a fixed array.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "core/time.hpp"
#include "rtp/seq.hpp"

namespace umbrella::rtp {

struct NackConfig {
  Duration rtt = milliseconds(100);          // resend interval for one sequence number
  Duration reorder_delay = milliseconds(0);  // wait before the first NACK of a new gap
  int max_retries = 10;
  Duration max_age = milliseconds(1000);     // the sender's cache does not keep it longer
  size_t max_outstanding = 256;              // at most kCapacity
};

class NackGenerator {
 public:
  static constexpr size_t kCapacity = 256;

  struct Counters {
    uint64_t missing = 0;    // sequence numbers found missing
    uint64_t recovered = 0;  // of those, arrived later (retransmitted or reordered)
    uint64_t given_up = 0;   // dropped after max_retries / max_age / overflow
    uint64_t requested = 0;  // sequence numbers put into NACKs (retries included)
  };

  explicit NackGenerator(NackConfig config = {});

  void on_packet(uint16_t sequence, Instant now);
  void set_rtt(Duration rtt) { config_.rtt = rtt; }

  Instant next_deadline() const;
  // Writes the sequence numbers due for a NACK now (ascending) into out; returns the count.
  // Entries beyond out.size() stay due for the next call.
  size_t poll(Instant now, std::span<uint16_t> out);

  // True once after losses were given up or a gap was too large to track: the stream needs
  // a keyframe (the caller sends PLI/FIR upstream).
  bool take_keyframe_request() { return std::exchange(keyframe_wanted_, false); }

  const Counters& counters() const { return counters_; }
  size_t outstanding() const { return count_; }
  void reset();

 private:
  struct Entry {
    int64_t sequence;  // unwrapped
    Instant detected;
    Instant last_sent;
    int retries;
  };
  Instant due(const Entry& e) const;
  void erase(size_t i);
  void give_up_front(size_t n);

  NackConfig config_;
  SeqUnwrapper unwrap_;
  int64_t highest_ = 0;
  int64_t restart_candidate_ = -1;
  bool started_ = false;
  bool keyframe_wanted_ = false;
  std::array<Entry, kCapacity> list_{};  // ascending by sequence
  size_t count_ = 0;
  Counters counters_;
};

}  // namespace umbrella::rtp
