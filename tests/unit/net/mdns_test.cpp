#include "net/mdns.hpp"

#include <doctest/doctest.h>

#include "net/dns_builder.hpp"

using namespace umbrella;
using namespace umbrella::net;
using umbrella::net::test::Msg;

TEST_CASE("mdns: .local names") {
  CHECK(is_mdns_name("umbrella.local"));
  CHECK(is_mdns_name("AP.Local."));
  CHECK_FALSE(is_mdns_name(".local"));
  CHECK_FALSE(is_mdns_name("local"));
  CHECK_FALSE(is_mdns_name("example.com"));
  CHECK_FALSE(is_mdns_name("notlocal"));
  CHECK(kMdnsGroupV4.to_string() == "224.0.0.251:5353");
}

TEST_CASE("mdns: one-shot query has id 0, no RD, the QU bit, no OPT") {
  uint8_t buf[512];
  auto n = build_mdns_query(buf, "umbrella.local", RecordType::kA);
  REQUIRE(n.ok());
  CHECK(*n == 12 + 16 + 4);
  CHECK(load_be16(buf) == 0);
  CHECK(load_be16(buf + 2) == 0);
  CHECK(load_be16(buf + 10) == 0);
  CHECK(load_be16(buf + *n - 4) == 1);
  CHECK(load_be16(buf + *n - 2) == 0x8001);
}

TEST_CASE("mdns: response with cache-flush class, answer in the additional section") {
  Msg m;
  m.header(0, 0x8400, 0, 1, 0, 1);
  m.labels("umbrella.local").rr(28, 120, 16, 0x8001);  // AAAA in the answer section
  for (int i = 0; i < 16; ++i) m.u8(i == 0 ? 0xfe : i == 1 ? 0x80 : i == 15 ? 7 : 0);
  m.pointer(12).rr(1, 120, 4, 0x8001).u8(192).u8(168).u8(1).u8(1);
  auto a = parse_mdns_response(m.bytes(), "Umbrella.local", RecordType::kA);
  REQUIRE(a.ok());
  REQUIRE(a->addresses.size() == 1);
  CHECK(a->addresses[0].ip_string() == "192.168.1.1");
  auto aaaa = parse_mdns_response(m.bytes(), "umbrella.local", RecordType::kAaaa);
  REQUIRE(aaaa.ok());
  REQUIRE(aaaa->addresses.size() == 1);
  CHECK(aaaa->addresses[0].ip_string() == "fe80::7");
  auto other = parse_mdns_response(m.bytes(), "other.local", RecordType::kA);
  REQUIRE(other.ok());
  CHECK(other->addresses.empty());
}

TEST_CASE("mdns: questions are skipped, queries and garbage rejected") {
  Msg m;
  m.header(0, 0x8400, 1, 1).question("ap.local", 1, 0x8001).pointer(12).rr(1, 10, 4).u32(0x0A000001);
  auto r = parse_mdns_response(m.bytes(), "ap.local", RecordType::kA);
  REQUIRE(r.ok());
  CHECK(r->addresses.size() == 1);
  Msg q;
  q.header(0, 0, 1, 0).question("ap.local", 1);
  CHECK(parse_mdns_response(q.bytes(), "ap.local", RecordType::kA).error() == DnsError::kNotResponse);
  for (size_t cut = 0; cut < m.size(); ++cut) {
    CHECK_FALSE(parse_mdns_response(m.bytes().first(cut), "ap.local", RecordType::kA).ok());
  }
}
