// The record framing check, the filter in front of mbedTLS, and the ClientHello assembler,
// each alone.
#include <doctest/doctest.h>

#include <random>

#include "dtls/client_hello_assembler.hpp"
#include "dtls/record.hpp"
#include "dtls/record_filter.hpp"
#include "forge.hpp"

namespace umbrella::dtls {
namespace {

using test::handshake_fragment;
using test::record;

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes run_filter(const std::vector<uint8_t>& d, const FilterState& st, DtlsCounters& c) {
  static std::vector<uint8_t> scratch(65536);
  return filter_datagram(d, st, scratch, c);
}

}  // namespace

TEST_CASE("dtls record framing") {
  auto r = record(23, 1, 0x0000123456789aULL, {1, 2, 3});
  auto p = parse_record(r);
  REQUIRE(p.error == RecordError::kNone);
  CHECK(p.record.type == ContentType::kApplicationData);
  CHECK(p.record.epoch == 1);
  CHECK(p.record.sequence == 0x123456789aULL);
  CHECK(p.record.body.size() == 3);
  CHECK(p.record.bytes.size() == 16);

  CHECK(parse_record(Bytes(r).first(12)).error == RecordError::kShortHeader);
  CHECK(parse_record(Bytes(r).first(15)).error == RecordError::kShortBody);
  CHECK(parse_record(record(24, 0, 0, {1})).error == RecordError::kContentType);
  CHECK(parse_record(record(19, 0, 0, {1})).error == RecordError::kContentType);
  CHECK(parse_record(record(22, 0, 0, {1}, 0x0303)).error == RecordError::kVersion);
  CHECK(parse_record(record(22, 0, 0, {1}, 0xfeff)).error == RecordError::kNone);  // DTLS 1.0 ClientHello
  CHECK(parse_record(record(22, 0, 0, {})).error == RecordError::kLength);
  std::vector<uint8_t> huge(kMaxRecordBody + 1, 0);
  CHECK(parse_record(record(23, 1, 0, huge)).error == RecordError::kLength);

  // Issue 12's fragment frames as a record, but its handshake header claims 16 MiB.
  auto forged = test::issue12_fragment();
  auto fp = parse_record(forged);
  REQUIRE(fp.error == RecordError::kNone);
  CHECK(parse_handshake_fragment(fp.record.body).error == HandshakeError::kTooLong);
}

TEST_CASE("dtls handshake fragments tile a record body") {
  std::vector<uint8_t> a(10, 0xaa), b(4, 0xbb);
  auto two = concat({handshake_fragment(2, 10, 1, 0, a), handshake_fragment(14, 0, 2, 0, {}),
                     handshake_fragment(11, 30, 3, 20, b)});
  int n = 0;
  CHECK(for_each_handshake_fragment(two, [&](const HandshakeFragment& f) {
    ++n;
    if (n == 3) {
      CHECK(f.type == HandshakeType::kCertificate);
      CHECK(f.offset == 20);
      CHECK(f.fragment.size() == 4);
    }
    return true;
  }));
  CHECK(n == 3);
  CHECK_FALSE(well_formed_handshake_body({}));
  auto trailing = concat({handshake_fragment(2, 10, 1, 0, a), {0, 0, 0}});
  CHECK_FALSE(well_formed_handshake_body(trailing));
  CHECK(parse_handshake_fragment(handshake_fragment(1, 10, 0, 8, {1, 2, 3})).error == HandshakeError::kOutOfBounds);
  CHECK(parse_handshake_fragment(handshake_fragment(1, 10, 0, 11, {})).error == HandshakeError::kOutOfBounds);
  CHECK(parse_handshake_fragment(handshake_fragment(1, 10, 0, 4, {})).error == HandshakeError::kEmpty);
  auto short_frag = handshake_fragment(1, 10, 0, 0, {1, 2, 3});
  short_frag.pop_back();
  CHECK(parse_handshake_fragment(short_frag).error == HandshakeError::kShortFragment);
}

TEST_CASE("dtls record filter keeps what may belong, counts the rest") {
  DtlsCounters c;
  FilterState connected{Role::kServer, Phase::kConnected, true, nullptr};
  auto app = record(23, 1, 5, {9, 9, 9, 9});
  SUBCASE("connected: epoch 1 passes untouched, epoch 0 and 2 do not") {
    Bytes out = run_filter(app, connected, c);
    CHECK(out.data() == app.data());  // no copy when nothing is dropped
    CHECK(out.size() == app.size());
    CHECK(c.total() == 0);
    auto mixed = concat({record(22, 0, 1, handshake_fragment(1, 3, 0, 0, {1, 2, 3})), app, record(21, 0, 2, {2, 40}),
                         record(23, 2, 3, {1}), app});
    out = run_filter(mixed, connected, c);
    CHECK(out.size() == 2 * app.size());
    CHECK(std::equal(app.begin(), app.end(), out.begin()));
    CHECK(c.stray_handshake == 1);
    CHECK(c.stray_alerts == 1);
    CHECK(c.invalid_records == 1);
  }
  SUBCASE("a framing error drops the rest of the datagram") {
    auto d = concat({app, {23, 0xfe, 0xfd, 0, 1}});
    Bytes out = run_filter(d, connected, c);
    CHECK(out.size() == app.size());
    CHECK(c.invalid_records == 1);
    CHECK(run_filter(test::issue12_fragment(), connected, c).empty());
    CHECK(c.invalid_records == 2);
  }
  SUBCASE("handshake: peer's messages by role, CCS exactly {1}, epoch 1 only after a CCS") {
    FilterState server{Role::kServer, Phase::kHandshake, false, nullptr};
    FilterState client{Role::kClient, Phase::kHandshake, false, nullptr};
    auto cert = record(22, 0, 1, handshake_fragment(11, 3, 2, 0, {1, 2, 3}));
    auto server_hello = record(22, 0, 1, handshake_fragment(2, 3, 1, 0, {1, 2, 3}));
    CHECK(run_filter(cert, server, c).size() == cert.size());
    CHECK(run_filter(server_hello, server, c).empty());
    CHECK(run_filter(server_hello, client, c).size() == server_hello.size());
    CHECK(run_filter(record(22, 0, 1, handshake_fragment(15, 3, 3, 0, {1, 2, 3})), client, c).empty());
    CHECK(c.stray_handshake == 2);
    CHECK(run_filter(record(20, 0, 1, {1, 1}), server, c).empty());
    CHECK(c.invalid_records == 1);
    CHECK(run_filter(app, server, c).empty());
    CHECK(c.stray_handshake == 3);
    auto flight = concat({cert, record(20, 0, 2, {1}), app});
    CHECK(run_filter(flight, server, c).size() == flight.size());
    server.epoch1_readable = true;
    CHECK(run_filter(app, server, c).size() == app.size());
    CHECK(run_filter(record(21, 0, 9, {2, 40}), server, c).empty());
    CHECK(c.stray_alerts == 1);
  }
  SUBCASE("awaiting ClientHello: only ClientHello with message_seq 0 or 1") {
    FilterState waiting{Role::kServer, Phase::kAwaitingClientHello, false, nullptr};
    auto hello = record(22, 0, 0, handshake_fragment(1, 3, 1, 0, {1, 2, 3}));
    CHECK(run_filter(hello, waiting, c).size() == hello.size());
    CHECK(run_filter(record(22, 0, 0, handshake_fragment(1, 3, 2, 0, {1, 2, 3})), waiting, c).empty());
    CHECK(run_filter(record(22, 0, 0, handshake_fragment(11, 3, 1, 0, {1, 2, 3})), waiting, c).empty());
    CHECK(run_filter(app, waiting, c).empty());
    CHECK(c.stray_handshake == 3);
  }
}

TEST_CASE("dtls ClientHello assembler") {
  std::mt19937 rng(9);
  auto body = test::random_bytes(rng, 300);
  auto frag = [&](uint32_t off, uint32_t n, uint32_t length = 300, uint16_t seq = 1) {
    return record(22, 0, off, handshake_fragment(1, length, seq, off, std::vector<uint8_t>(body.begin() + off, body.begin() + off + n)));
  };
  ClientHelloAssembler a;
  uint64_t ignored = 0;
  SUBCASE("in order, out of order, duplicated") {
    CHECK(a.add(frag(100, 100), ignored) == ClientHelloAssembler::Outcome::kBuffered);
    CHECK(a.add(frag(0, 150), ignored) == ClientHelloAssembler::Outcome::kBuffered);
    CHECK(a.add(frag(0, 150), ignored) == ClientHelloAssembler::Outcome::kBuffered);
    CHECK(a.add(frag(200, 100), ignored) == ClientHelloAssembler::Outcome::kComplete);
    CHECK(ignored == 0);
    Bytes out = a.assembled();
    REQUIRE(out.size() == 13 + 12 + 300);
    CHECK(load_be16(out.data() + 11) == 312);
    CHECK(std::equal(body.begin(), body.end(), out.begin() + 25));
    CHECK(load_be32(out.data() + 7) == 200);  // the last record's sequence number
  }
  SUBCASE("fragments that do not belong are ignored and counted") {
    CHECK(a.add(frag(0, 100, 300, 2), ignored) == ClientHelloAssembler::Outcome::kBuffered);  // message_seq 2
    auto big = record(22, 0, 1, handshake_fragment(1, 5000, 1, 0, body));
    CHECK(a.add(big, ignored) == ClientHelloAssembler::Outcome::kBuffered);
    CHECK(ignored == 2);
    // Contradicting bytes start a second attempt; the real one still completes.
    CHECK(a.add(frag(0, 150), ignored) == ClientHelloAssembler::Outcome::kBuffered);
    auto forged = frag(100, 100);
    forged[13 + 12 + 20] ^= 1;  // body byte 120, also held from the first fragment
    CHECK(a.add(forged, ignored) == ClientHelloAssembler::Outcome::kBuffered);
    CHECK(ignored == 3);
    CHECK(a.add(frag(150, 150), ignored) == ClientHelloAssembler::Outcome::kComplete);
    CHECK(std::equal(body.begin(), body.end(), a.assembled().begin() + 25));
  }
  SUBCASE("a whole ClientHello passes through and is what accept() keeps") {
    auto whole = frag(0, 300);
    CHECK(a.add(whole, ignored) == ClientHelloAssembler::Outcome::kPassThrough);
    a.accept();
    REQUIRE(a.has_accepted());
    CHECK(a.accepted_message_seq() == 1);
    auto same = frag(40, 20);  // parsed fragments are views into it
    auto p = parse_handshake_fragment(parse_record(same).record.body);
    CHECK(a.is_retransmission(p.fragment));
    auto altered = frag(40, 20);
    altered.back() ^= 1;
    CHECK_FALSE(a.is_retransmission(parse_handshake_fragment(parse_record(altered).record.body).fragment));
    a.release();
    CHECK_FALSE(a.has_accepted());
  }
  SUBCASE("not ClientHello fragments only: passed through") {
    CHECK(a.add(record(23, 1, 0, {1, 2}), ignored) == ClientHelloAssembler::Outcome::kPassThrough);
    CHECK(a.add(concat({frag(0, 100), record(20, 0, 1, {1})}), ignored) == ClientHelloAssembler::Outcome::kPassThrough);
  }
  SUBCASE("memory stays bounded under a flood of distinct messages") {
    for (uint32_t len = 100; len < 4000; len += 7) {
      auto f = record(22, 0, len, handshake_fragment(1, len, 0, 0, test::random_bytes(rng, 50)));
      CHECK(a.add(f, ignored) == ClientHelloAssembler::Outcome::kBuffered);
    }
    // Still assembles the real message afterwards.
    CHECK(a.add(frag(0, 150), ignored) == ClientHelloAssembler::Outcome::kBuffered);
    CHECK(a.add(frag(150, 150), ignored) == ClientHelloAssembler::Outcome::kComplete);
  }
}

}  // namespace umbrella::dtls
