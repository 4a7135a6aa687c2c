#include "net/stub_resolver.hpp"

#include <doctest/doctest.h>

#include "net/dns_builder.hpp"

using namespace umbrella;
using namespace umbrella::net;
using umbrella::net::test::Msg;

namespace {

const Instant kT0 = Instant{} + seconds(100);

ResolvConf two_servers() {
  auto c = parse_resolv_conf("nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions timeout:2 attempts:2\n");
  return c;
}

struct Sent {
  SocketAddress to;
  uint16_t id;
  uint16_t type;
  std::string name;
};

std::vector<Sent> drain(StubResolver& r) {
  std::vector<Sent> out;
  uint8_t buf[512];
  while (auto d = r.poll_transmit(buf)) {
    size_t off = 12;
    auto name = read_name(Bytes(buf, d->length), off);
    REQUIRE(name.ok());
    out.push_back({d->to, load_be16(buf), load_be16(buf + off), *name});
  }
  return out;
}

// An answer to q: one address for A (10.9.9.9) or AAAA (::9), or the given rcode.
Msg answer(const Sent& q, uint16_t rcode = 0, bool with_record = true) {
  Msg m;
  bool has = rcode == 0 && with_record;
  m.header(q.id, uint16_t(0x8180 | rcode), 1, has ? 1 : 0).question(q.name, q.type);
  if (has && q.type == 1) m.pointer(12).rr(1, 60, 4).u32(0x0A090909);
  if (has && q.type == 28) {
    m.pointer(12).rr(28, 60, 16);
    for (int i = 0; i < 15; ++i) m.u8(0);
    m.u8(9);
  }
  return m;
}

}  // namespace

TEST_CASE("stub resolver: A and AAAA from the first server") {
  StubResolver r(two_servers(), "trunk.example.org", 0x4242, kT0);
  auto sent = drain(r);
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].to.to_string() == "10.0.0.1:53");
  CHECK(sent[0].type == 1);
  CHECK(sent[1].type == 28);
  CHECK(sent[0].id != sent[1].id);
  CHECK(r.next_deadline() == kT0 + seconds(2));

  // A reply from an address we did not ask is ignored; so is one with a wrong id.
  r.on_datagram(*SocketAddress::parse("10.6.6.6:53"), answer(sent[0]).bytes(), kT0);
  auto forged = sent[0];
  forged.id ^= 1;
  r.on_datagram(sent[0].to, answer(forged).bytes(), kT0);
  CHECK_FALSE(r.done());

  r.on_datagram(sent[1].to, answer(sent[1]).bytes(), kT0);
  CHECK_FALSE(r.done());
  r.on_datagram(sent[0].to, answer(sent[0]).bytes(), kT0);
  REQUIRE(r.done());
  auto res = r.result();
  REQUIRE(res.ok());
  REQUIRE(res->size() == 2);
  CHECK((*res)[0].ip_string() == "10.9.9.9");
  CHECK((*res)[1].ip_string() == "::9");
  CHECK(r.next_deadline() == kNever);
}

TEST_CASE("stub resolver: timeout moves to the next server, then gives up") {
  StubResolver r(two_servers(), "trunk.example.org", 1, kT0);
  auto first = drain(r);
  REQUIRE(first.size() == 2);
  r.on_timeout(kT0 + seconds(1));  // early: nothing happens
  CHECK(drain(r).empty());
  r.on_timeout(kT0 + seconds(2));
  auto second = drain(r);
  REQUIRE(second.size() == 2);
  CHECK(second[0].to.to_string() == "10.0.0.2:53");
  CHECK(second[0].id != first[0].id);
  // A late answer from the first server no longer counts.
  r.on_datagram(first[0].to, answer(first[0]).bytes(), kT0 + seconds(3));
  CHECK_FALSE(r.done());
  r.on_timeout(kT0 + seconds(4));  // round 2, server 1
  CHECK(drain(r).size() == 2);
  r.on_timeout(kT0 + seconds(6));  // round 2, server 2
  CHECK(drain(r).size() == 2);
  r.on_timeout(kT0 + seconds(8));
  REQUIRE(r.done());
  CHECK(r.result().error() == DnsError::kTimeout);
}

TEST_CASE("stub resolver: SERVFAIL tries the next server at once; only the unanswered query is resent") {
  StubResolver r(two_servers(), "trunk.example.org", 7, kT0);
  auto first = drain(r);
  r.on_datagram(first[0].to, answer(first[0]).bytes(), kT0);  // A answered
  r.on_datagram(first[1].to, answer(first[1], 2).bytes(), kT0);  // AAAA: SERVFAIL
  auto second = drain(r);
  REQUIRE(second.size() == 1);
  CHECK(second[0].type == 28);
  CHECK(second[0].to.to_string() == "10.0.0.2:53");
  r.on_datagram(second[0].to, answer(second[0], 0, false).bytes(), kT0);  // NODATA
  REQUIRE(r.done());
  REQUIRE(r.result().ok());
  CHECK(r.result()->size() == 1);
}

TEST_CASE("stub resolver: NXDOMAIN walks the search list, then reports not found") {
  auto conf = two_servers();
  conf.search = {"lan"};
  StubResolver r(conf, "trunk", 9, kT0);
  auto q = drain(r);
  REQUIRE(q.size() == 2);
  CHECK(q[0].name == "trunk.lan");
  r.on_datagram(q[0].to, answer(q[0], 3).bytes(), kT0);
  auto q2 = drain(r);
  REQUIRE(q2.size() == 2);
  CHECK(q2[0].name == "trunk");
  CHECK(q2[0].to.to_string() == "10.0.0.1:53");
  r.on_datagram(q2[0].to, answer(q2[0], 0, false).bytes(), kT0);
  r.on_datagram(q2[1].to, answer(q2[1], 0, false).bytes(), kT0);
  REQUIRE(r.done());
  CHECK(r.result().error() == DnsError::kNameNotFound);
}

TEST_CASE("stub resolver: bad name fails at once") {
  StubResolver r(two_servers(), "a..b", 1, kT0);
  CHECK(drain(r).empty());
  REQUIRE(r.done());
  CHECK(r.result().error() == DnsError::kBadName);
}
