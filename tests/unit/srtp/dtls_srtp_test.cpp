// SRTP keyed from a real in-process DTLS-SRTP handshake: what the client protects the
// server unprotects, and the other way round.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "dtls/dtls_pair.hpp"  // tests/unit/dtls
#include "srtp/session.hpp"

namespace umbrella::srtp {

TEST_CASE("srtp with keys from a DTLS handshake: client protects, server unprotects") {
  dtls::test::Pair p;
  p.run();
  REQUIRE(p.client->srtp_keys().has_value());
  REQUIRE(p.server->srtp_keys().has_value());
  const SrtpKeys& ck = *p.client->srtp_keys();
  const SrtpKeys& sk = *p.server->srtp_keys();
  REQUIRE(ck.profile == Profile::kAeadAes128Gcm);

  auto client_out = SrtpSession::create(ck, Direction::kOutbound);
  auto client_in = SrtpSession::create(ck, Direction::kInbound);
  auto server_out = SrtpSession::create(sk, Direction::kOutbound);
  auto server_in = SrtpSession::create(sk, Direction::kInbound);
  REQUIRE(client_out.ok());
  REQUIRE(client_in.ok());
  REQUIRE(server_out.ok());
  REQUIRE(server_in.ok());

  uint8_t buf[1500];
  std::vector<uint8_t> rtp(1172, 0x33);
  rtp[0] = 0x80;
  rtp[1] = 111;
  store_be16(&rtp[2], 4242);
  store_be32(&rtp[8], 0xABCDEF01);

  // Client -> server.
  std::memcpy(buf, rtp.data(), rtp.size());
  auto n = client_out->protect_rtp(buf, rtp.size(), sizeof buf);
  REQUIRE(n.ok());
  CHECK(*n == rtp.size() + 16);  // GCM's tag
  auto m = server_in->unprotect_rtp(buf, *n);
  REQUIRE(m.ok());
  CHECK(std::vector<uint8_t>(buf, buf + *m) == rtp);

  // Server -> client, RTCP.
  uint8_t rr[8] = {0x80, 201, 0, 1, 1, 2, 3, 4};
  std::memcpy(buf, rr, sizeof rr);
  auto r = server_out->protect_rtcp(buf, sizeof rr, sizeof buf);
  REQUIRE(r.ok());
  auto q = client_in->unprotect_rtcp(buf, *r);
  REQUIRE(q.ok());
  CHECK(std::memcmp(buf, rr, sizeof rr) == 0);

  // A packet the client protected does not authenticate as server-sent.
  std::memcpy(buf, rtp.data(), rtp.size());
  store_be16(&buf[2], 4243);
  n = client_out->protect_rtp(buf, rtp.size(), sizeof buf);
  REQUIRE(n.ok());
  auto wrong = client_in->unprotect_rtp(buf, *n);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error() == Error::kAuthFail);
}

}  // namespace umbrella::srtp
