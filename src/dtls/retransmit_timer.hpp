// mbedTLS's DTLS timer (mbedtls_ssl_set_timer_cb) fed with the caller's `now` instead
// of a clock read: set() records deadlines relative to the latest now, get() compares.
#pragma once

#include <cstdint>

#include "core/time.hpp"

namespace umbrella::dtls {

class RetransmitTimer {
 public:
  void set_now(Instant now) { now_ = now; }
  Instant now() const { return now_; }
  // The instant mbedTLS wants to be called back at (its "final" delay), or kNever.
  Instant deadline() const { return armed_ ? final_ : kNever; }

  // mbedtls_ssl_set_timer_t: fin_ms == 0 cancels.
  static void set(void* ctx, uint32_t int_ms, uint32_t fin_ms) {
    auto* t = static_cast<RetransmitTimer*>(ctx);
    t->armed_ = fin_ms != 0;
    t->intermediate_ = t->now_ + milliseconds(int_ms);
    t->final_ = t->now_ + milliseconds(fin_ms);
  }
  // mbedtls_ssl_get_timer_t: -1 cancelled, 0 running, 1 intermediate passed, 2 final passed.
  static int get(void* ctx) {
    auto* t = static_cast<RetransmitTimer*>(ctx);
    if (!t->armed_) return -1;
    if (t->now_ >= t->final_) return 2;
    if (t->now_ >= t->intermediate_) return 1;
    return 0;
  }

 private:
  Instant now_{};
  Instant intermediate_{};
  Instant final_{};
  bool armed_ = false;
};

}  // namespace umbrella::dtls
