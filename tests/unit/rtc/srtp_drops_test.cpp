// What does not decrypt is dropped and counted, per transport and in the server-wide totals
// that /status shows, with RTCP apart from RTP (a subscriber whose feedback never decrypts
// would otherwise look healthy while its NACKs and PLIs go nowhere).
#include <doctest/doctest.h>

#include <cstring>

#include "core/packet_pool.hpp"
#include "rtc/srtp_channel.hpp"

using namespace umbrella;
using namespace umbrella::rtc;

namespace {

srtp::SrtpKeys keys(srtp::Profile profile, bool sender) {
  srtp::SrtpKeys k;
  k.profile = profile;
  srtp::MasterKey a{}, b{};
  srtp::MasterSalt sa{}, sb{};
  a.fill(1);
  b.fill(2);
  sa.fill(3);
  sb.fill(4);
  k.local_key = sender ? a : b;
  k.local_salt = sender ? sa : sb;
  k.remote_key = sender ? b : a;
  k.remote_salt = sender ? sb : sa;
  return k;
}

Packet rtp(PacketPool& pool, uint16_t seq) {
  Packet p = pool.acquire();
  std::memset(p.data(), 0, 160);
  p.data()[0] = 0x80;
  p.data()[1] = 96;
  p.data()[3] = uint8_t(seq);
  p.data()[11] = 7;  // ssrc
  p.set_size(160);
  return p;
}

Packet copy(PacketPool& pool, const Packet& from) {
  Packet p = pool.acquire();
  std::memcpy(p.data(), from.data(), from.size());
  p.set_size(from.size());
  return p;
}

}  // namespace

TEST_CASE("SRTP and SRTCP that do not decrypt are dropped and counted apart, for both profiles") {
  for (auto profile : {srtp::Profile::kAes128CmSha1_80, srtp::Profile::kAeadAes128Gcm}) {
    CAPTURE(srtp::profile_name(profile));
    PacketPool pool(16);
    SrtpChannel sender, receiver, unkeyed;
    REQUIRE(sender.start(keys(profile, true)));
    REQUIRE(receiver.start(keys(profile, false)));
    TransportCounters sent, got;
    SrtpDropTotals totals;

    Packet good = rtp(pool, 1);
    REQUIRE(sender.protect_rtp(good, sent));
    Packet tampered = copy(pool, good), replay = copy(pool, good), early = copy(pool, good);
    tampered.data()[40] ^= 1;
    CHECK(receiver.unprotect(tampered, got, &totals) == SrtpChannel::Received::kDropped);
    CHECK(receiver.unprotect(good, got, &totals) == SrtpChannel::Received::kRtp);
    CHECK(receiver.unprotect(replay, got, &totals) == SrtpChannel::Received::kDropped);
    CHECK(unkeyed.unprotect(early, got, &totals) == SrtpChannel::Received::kDropped);

    const uint8_t pli[12] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 7};
    Packet feedback = sender.protect_rtcp(Bytes(pli, sizeof pli), pool, sent);
    REQUIRE(feedback.size() > sizeof pli);
    Packet bad_feedback = copy(pool, feedback);
    bad_feedback.data()[8] ^= 1;
    CHECK(receiver.unprotect(bad_feedback, got, &totals) == SrtpChannel::Received::kDropped);
    CHECK(receiver.unprotect(feedback, got, &totals) == SrtpChannel::Received::kRtcp);

    CHECK(totals.rtp_auth_failed == 1);
    CHECK(totals.rtcp_auth_failed == 1);
    CHECK(totals.replayed == 1);
    CHECK(totals.before_keys == 1);
    CHECK(totals.other_failed == 0);
    CHECK(got.srtp_auth_failed == 2);
    CHECK(got.rtp_in == 1);
    CHECK(got.rtcp_in == 1);
  }
}
