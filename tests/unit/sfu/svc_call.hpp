// What the SVC router tests share (VP9 by its payload descriptor, AV1 by the dependency
// descriptor): one publisher on transport 10 sending stream 1 (a Publisher with
// send_picture), two subscribers 20 and 21 without transport-cc (the layers follow the tile
// size), and the checks of what one of them was sent.
#pragma once

#include <doctest/doctest.h>

#include <vector>

#include "rtp/rtcp_feedback.hpp"
#include "sfu_test_util.hpp"

namespace umbrella::sfu::test {

template <typename Publisher>
struct SvcCallOf {
  PacketPool pool{4096};
  RecordingOutbox out{pool};
  Router router{out};
  Instant now = t0();
  Publisher pub;

  // dd: the subscribers' dependency descriptor id (0: not negotiated).
  explicit SvcCallOf(const PublishedStream& stream, uint8_t dd = 0) {
    router.add_stream(stream);
    for (auto [t, ssrc] : {std::pair{TransportId(20), 0xAAAAu}, std::pair{TransportId(21), 0xBBBBu}}) {
      auto sub = subscription(1, t, ssrc);
      sub.extensions.transport_cc = 0;
      sub.extensions.dependency_descriptor = dd;
      router.add_subscription(sub);
    }
  }

  void run(Duration d) {
    for (Instant end = now + d; now < end; now += milliseconds(33)) {
      pub.send_picture(router, pool, now);
      if (router.next_deadline() <= now) router.on_timeout(now);
    }
  }

  // What went to t (first transmissions, not repairs), in order, each read with `read`.
  template <typename Read>
  auto sent(TransportId t, Read read) const {
    return collect(read, [t](const SentRtp& r) { return r.to == t && !r.rewrite.repair; });
  }

  // Subscriber 21 NACKs these of its numbers: what was resent to it, read with `read`.
  template <typename Read>
  auto resent(const std::vector<uint16_t>& wanted, Read read) {
    out.clear();
    std::vector<uint8_t> nack(256);
    nack.resize(rtp::build_nack(nack, 0x5EED, 0xBBBB, wanted));
    router.on_rtcp(21, nack, now);
    return collect(read, [](const SentRtp& r) { return r.to == 21 && r.rewrite.repair; });
  }

  template <typename Read, typename Pred>
  auto collect(Read read, Pred pred) const {
    std::vector<typename decltype(read(out.rtp.front()))::value_type> v;
    for (const auto& r : out.rtp) {
      if (!pred(r)) continue;
      REQUIRE(r.ok);
      auto p = read(r);
      REQUIRE(p);
      v.push_back(*p);
    }
    return v;
  }
};

// The index of the first packet above the base spatial layer (v.size(): none).
template <typename Sent>
size_t first_upper_layer(const std::vector<Sent>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].d.spatial > 0) return i;
  return v.size();
}

// Continuous numbering, nothing above max_spatial, and each picture's marker on its last
// packet of the highest spatial layer sent, nowhere else (Sent: seq, marker, d.spatial, d.end).
template <typename Sent>
void check_svc_stream(const std::vector<Sent>& v, uint8_t max_spatial) {
  REQUIRE(!v.empty());
  size_t gaps = 0, bad_markers = 0, above = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0 && uint16_t(v[i - 1].seq + 1) != v[i].seq) ++gaps;
    if (v[i].d.spatial > max_spatial) ++above;
    if (v[i].marker != (v[i].d.end && v[i].d.spatial == max_spatial)) ++bad_markers;
  }
  CHECK(gaps == 0);
  CHECK(above == 0);
  CHECK(bad_markers == 0);
}

}  // namespace umbrella::sfu::test
