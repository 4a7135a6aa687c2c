#include "net/dns_message.hpp"

#include <doctest/doctest.h>

#include "net/dns_builder.hpp"

using namespace umbrella;
using namespace umbrella::net;
using umbrella::net::test::Msg;

namespace {

// Response to "www.example.com A": CNAME to cdn.example.com (compressed), then its A record.
Msg cname_response(uint16_t id) {
  Msg m;
  m.header(id, 0x8180, 1, 2).question("www.example.com", 1);  // name at 12, "example" at 16
  m.pointer(12).rr(5, 300, 6);
  size_t cname_at = m.size();
  m.labels("cdn", false).pointer(16);
  m.pointer(uint16_t(cname_at)).rr(1, 60, 4).u8(93).u8(184).u8(216).u8(34);
  return m;
}

}  // namespace

TEST_CASE("dns: build_query writes the RFC 1035 layout") {
  uint8_t buf[512];
  auto n = build_query(buf, 0x1234, "Example.com.", RecordType::kA, {.edns = false});
  REQUIRE(n.ok());
  const uint8_t expected[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                              7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
  REQUIRE(*n == sizeof(expected));
  CHECK(std::equal(buf, buf + *n, expected));

  auto with_opt = build_query(buf, 1, "example.com", RecordType::kAaaa);
  REQUIRE(with_opt.ok());
  CHECK(*with_opt == sizeof(expected) + 11);
  CHECK(buf[11] == 1);  // ARCOUNT
  CHECK(load_be16(buf + 30) == 41);
  CHECK(load_be16(buf + 32) == kMaxUdpPayload);
}

TEST_CASE("dns: build_query rejects bad names and small buffers") {
  uint8_t buf[512];
  CHECK(build_query(buf, 1, "", RecordType::kA).error() == DnsError::kBadName);
  CHECK(build_query(buf, 1, ".", RecordType::kA).error() == DnsError::kBadName);
  CHECK(build_query(buf, 1, "a..b", RecordType::kA).error() == DnsError::kBadName);
  CHECK(build_query(buf, 1, ".a", RecordType::kA).error() == DnsError::kBadName);
  CHECK(build_query(buf, 1, "a b.com", RecordType::kA).error() == DnsError::kBadName);
  CHECK(build_query(buf, 1, std::string(64, 'a') + ".com", RecordType::kA).error() == DnsError::kBadName);
  CHECK(build_query(buf, 1, std::string(63, 'a') + ".com", RecordType::kA).ok());
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'x') + ".";
  CHECK(build_query(buf, 1, long_name, RecordType::kA).error() == DnsError::kBadName);
  CHECK(build_query(std::span<uint8_t>(buf, 20), 1, "example.com", RecordType::kA).error() ==
        DnsError::kBufferTooSmall);
}

TEST_CASE("dns: response with a compressed CNAME chain yields the address") {
  auto m = cname_response(0xBEEF);
  auto r = parse_response(m.bytes(), 0xBEEF, "WWW.example.com", RecordType::kA);
  REQUIRE(r.ok());
  REQUIRE(r->addresses.size() == 1);
  CHECK(r->addresses[0].ip_string() == "93.184.216.34");
  CHECK(r->ttl == 60);
  CHECK(r->canonical_name == "cdn.example.com");
}

TEST_CASE("dns: AAAA answers and NODATA") {
  Msg m;
  m.header(7, 0x8180, 1, 1).question("v6.test", 28).pointer(12).rr(28, 30, 16);
  for (int i = 0; i < 15; ++i) m.u8(0);
  m.u8(1);
  auto r = parse_response(m.bytes(), 7, "v6.test", RecordType::kAaaa);
  REQUIRE(r.ok());
  REQUIRE(r->addresses.size() == 1);
  CHECK(r->addresses[0].ip_string() == "::1");

  Msg empty;
  empty.header(8, 0x8180, 1, 0).question("v6.test", 1);
  auto nodata = parse_response(empty.bytes(), 8, "v6.test", RecordType::kA);
  REQUIRE(nodata.ok());
  CHECK(nodata->addresses.empty());
}

TEST_CASE("dns: header checks") {
  auto m = cname_response(5);
  CHECK(parse_response(m.bytes(), 6, "www.example.com", RecordType::kA).error() == DnsError::kIdMismatch);
  CHECK(parse_response(m.bytes(), 5, "ftp.example.com", RecordType::kA).error() == DnsError::kQuestionMismatch);
  CHECK(parse_response(m.bytes(), 5, "www.example.com", RecordType::kAaaa).error() ==
        DnsError::kQuestionMismatch);
  CHECK(parse_response(m.bytes().first(11), 5, "www.example.com", RecordType::kA).error() ==
        DnsError::kMalformed);

  auto with_flags = [](uint16_t flags) {
    Msg q;
    q.header(9, flags, 1, 0).question("x.test", 1);
    return parse_response(q.bytes(), 9, "x.test", RecordType::kA);
  };
  CHECK(with_flags(0x0100).error() == DnsError::kNotResponse);  // a query, not a response
  CHECK(with_flags(0x8183).error() == DnsError::kNameNotFound);
  CHECK(with_flags(0x8182).error() == DnsError::kServerFailure);
  CHECK(with_flags(0x8185).error() == DnsError::kServerFailure);
  CHECK(with_flags(0x8380).error() == DnsError::kTruncated);
}

TEST_CASE("dns: lengths past the end are malformed") {
  auto m = cname_response(5);
  for (size_t cut = 12; cut < m.size(); ++cut) {
    auto r = parse_response(m.bytes().first(cut), 5, "www.example.com", RecordType::kA);
    CHECK_FALSE(r.ok());
  }
  Msg big;  // rdlength claims more than the message holds
  big.header(1, 0x8180, 1, 1).question("a.b", 1).pointer(12).rr(1, 1, 200).u32(0x01020304);
  CHECK(parse_response(big.bytes(), 1, "a.b", RecordType::kA).error() == DnsError::kMalformed);
  Msg more;  // ANCOUNT larger than the records present
  more.header(1, 0x8180, 1, 3).question("a.b", 1).pointer(12).rr(1, 1, 4).u32(0x01020304);
  CHECK(parse_response(more.bytes(), 1, "a.b", RecordType::kA).error() == DnsError::kMalformed);
}

TEST_CASE("dns: read_name rejects compression loops and bad labels") {
  SUBCASE("pointer to itself") {
    Msg m;
    m.header(0, 0x8180, 1, 0).pointer(12);
    size_t off = 12;
    CHECK(read_name(m.bytes(), off).error() == DnsError::kCompressionLoop);
  }
  SUBCASE("forward pointer") {
    Msg m;
    m.header(0, 0x8180, 1, 0).pointer(14).labels("a");
    size_t off = 12;
    CHECK(read_name(m.bytes(), off).error() == DnsError::kCompressionLoop);
  }
  SUBCASE("two names pointing at each other") {
    Msg m;
    m.header(0, 0x8180, 1, 0).labels("a", false).pointer(16);  // 12: "a" -> 16
    m.labels("b", false).pointer(12);                          // 16: "b" -> 12
    size_t off = 16;
    CHECK(read_name(m.bytes(), off).error() == DnsError::kCompressionLoop);
  }
  SUBCASE("label, pointer back into the same name") {
    Msg m;
    m.header(0, 0x8180, 1, 0).labels("abc", false).pointer(12);
    size_t off = 12;
    CHECK(read_name(m.bytes(), off).error() == DnsError::kCompressionLoop);
  }
  SUBCASE("extended label types") {
    Msg m;
    m.header(0, 0x8180, 1, 0).u8(0x41).u8(0);
    size_t off = 12;
    CHECK(read_name(m.bytes(), off).error() == DnsError::kMalformed);
  }
  SUBCASE("name longer than 255 bytes via pointers") {
    Msg m;
    m.header(0, 0x8180, 1, 0).labels(std::string(63, 'a'));  // 12
    size_t prev = 12;
    for (int i = 0; i < 4; ++i) {
      size_t here = m.size();
      m.labels(std::string(63, 'b'), false).pointer(uint16_t(prev));
      prev = here;
    }
    size_t off = prev;
    CHECK(read_name(m.bytes(), off).error() == DnsError::kBadName);
  }
  SUBCASE("pointer cut in half, label past the end") {
    Msg m;
    m.header(0, 0x8180, 1, 0).u8(0xC0);
    size_t off = 12;
    CHECK(read_name(m.bytes(), off).error() == DnsError::kMalformed);
    Msg l;
    l.header(0, 0x8180, 1, 0).u8(5).u8('a');
    off = 12;
    CHECK(read_name(l.bytes(), off).error() == DnsError::kMalformed);
    off = 99;
    CHECK(read_name(l.bytes(), off).error() == DnsError::kMalformed);
  }
  SUBCASE("valid pointer moves offset past the pointer only") {
    Msg m;
    m.header(0, 0x8180, 1, 0).labels("Example.COM");
    size_t second = m.size();
    m.labels("www", false).pointer(12).u8(0xAA);
    size_t off = second;
    auto n = read_name(m.bytes(), off);
    REQUIRE(n.ok());
    CHECK(*n == "www.example.com");
    CHECK(off == m.size() - 1);
  }
}

TEST_CASE("dns: CNAME loops end") {
  Msg m;
  m.header(3, 0x8180, 1, 2).question("a.test", 1);
  m.pointer(12).rr(5, 10, 4).labels("b", false).pointer(14);  // a.test -> b.test
  size_t b_at = m.size() - 4;
  m.pointer(uint16_t(b_at)).rr(5, 10, 2).pointer(12);  // b.test -> a.test
  auto r = parse_response(m.bytes(), 3, "a.test", RecordType::kA);
  CHECK_FALSE(r.ok());
}

TEST_CASE("dns: same_name") {
  CHECK(same_name("Example.COM.", "example.com"));
  CHECK_FALSE(same_name("example.co", "example.com"));
}
