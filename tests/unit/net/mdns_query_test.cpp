#include "net/mdns_query.hpp"

#include <doctest/doctest.h>

#include "net/dns_builder.hpp"
#include "net/mdns.hpp"

using namespace umbrella;
using namespace umbrella::net;
using umbrella::net::test::Msg;

namespace {

const Instant kT0 = Instant{} + seconds(100);
const SocketAddress kResponder = SocketAddress::ipv4({192, 168, 1, 1}, kMdnsPort);

struct Sent {
  SocketAddress to;
  uint16_t type;
  uint16_t klass;
  std::string name;
};

std::vector<Sent> drain(MdnsQuery& q) {
  std::vector<Sent> out;
  uint8_t buf[512];
  while (auto d = q.poll_transmit(buf)) {
    size_t off = 12;
    auto name = read_name(Bytes(buf, d->length), off);
    REQUIRE(name.ok());
    CHECK(load_be16(buf) == 0);  // one-shot queries: id 0
    out.push_back({d->to, load_be16(buf + off), load_be16(buf + off + 2), *name});
  }
  return out;
}

// A legacy-unicast style reply: the question repeated, then the given records' rdata.
Msg reply(std::string_view name, uint16_t type, std::vector<uint8_t> rdata) {
  Msg m;
  m.header(0, 0x8400, 1, 1).question(name, type).pointer(12).rr(type, 10, uint16_t(rdata.size()), 0x8001);
  for (auto b : rdata) m.u8(b);
  return m;
}

std::vector<uint8_t> v6(uint8_t first, uint8_t second, uint8_t last) {
  std::vector<uint8_t> ip(16, 0);
  ip[0] = first;
  ip[1] = second;
  ip[15] = last;
  return ip;
}

}  // namespace

TEST_CASE("mdns query: A and AAAA with the QU bit to 224.0.0.251:5353, then an answer") {
  MdnsQuery q("Printer.local.", kT0);
  auto sent = drain(q);
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].to.to_string() == "224.0.0.251:5353");
  CHECK(sent[0].type == 1);
  CHECK(sent[1].type == 28);
  CHECK(sent[0].klass == 0x8001);
  CHECK(sent[0].name == "printer.local");
  CHECK(q.next_deadline() == kT0 + MdnsQuery::kInterval);

  q.on_datagram(kResponder, reply("printer.local", 1, {10, 0, 0, 7}).bytes(), kT0);
  REQUIRE(q.done());
  CHECK(q.next_deadline() == kNever);
  auto r = q.result();
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].ip_string() == "10.0.0.7");
  CHECK(drain(q).empty());
}

TEST_CASE("mdns query: replies not from port 5353, about other names or garbage are ignored") {
  MdnsQuery q("ap.local", kT0);
  drain(q);
  auto good = reply("ap.local", 1, {10, 0, 0, 1});
  q.on_datagram(SocketAddress::ipv4({192, 168, 1, 1}, 40000), good.bytes(), kT0);
  q.on_datagram(kResponder, reply("other.local", 1, {10, 0, 0, 2}).bytes(), kT0);
  for (size_t cut = 0; cut < good.size(); ++cut) q.on_datagram(kResponder, good.bytes().first(cut), kT0);
  Msg query;
  query.header(0, 0, 1, 0).question("ap.local", 1);
  q.on_datagram(kResponder, query.bytes(), kT0);
  CHECK_FALSE(q.done());
  q.on_datagram(kResponder, good.bytes(), kT0);
  REQUIRE(q.done());
  CHECK(q.result()->at(0).ip_string() == "10.0.0.1");
}

TEST_CASE("mdns query: link-local IPv6 alone is not enough; a global one is") {
  MdnsQuery q("ap.local", kT0);
  drain(q);
  q.on_datagram(kResponder, reply("ap.local", 28, v6(0xfe, 0x80, 1)).bytes(), kT0);
  CHECK_FALSE(q.done());
  q.on_datagram(kResponder, reply("ap.local", 28, v6(0x20, 0x01, 2)).bytes(), kT0);
  REQUIRE(q.done());
  REQUIRE(q.result()->size() == 1);
  CHECK(q.result()->at(0).ip_string() == "2001::2");
}

TEST_CASE("mdns query: asks again each interval, then times out") {
  MdnsQuery q("ap.local", kT0);
  CHECK(drain(q).size() == 2);
  q.on_timeout(kT0 + milliseconds(500));  // early: nothing
  CHECK(drain(q).empty());
  Instant t = kT0;
  for (int round = 2; round <= MdnsQuery::kAttempts; ++round) {
    t += MdnsQuery::kInterval;
    CHECK(q.next_deadline() == t);
    q.on_timeout(t);
    CHECK(drain(q).size() == 2);
    CHECK_FALSE(q.done());
  }
  t += MdnsQuery::kInterval;
  q.on_timeout(t);
  REQUIRE(q.done());
  CHECK(q.result().error() == DnsError::kTimeout);
  CHECK(drain(q).empty());
}

TEST_CASE("mdns query: names that are not .local or not valid fail at once") {
  MdnsQuery a("example.com", kT0);
  CHECK(a.done());
  CHECK(a.result().error() == DnsError::kBadName);
  MdnsQuery b("a..local", kT0);
  CHECK(b.done());
  CHECK(b.result().error() == DnsError::kBadName);
  uint8_t buf[512];
  CHECK_FALSE(b.poll_transmit(buf));
}
