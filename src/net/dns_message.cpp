#include "net/dns_message.hpp"

#include <algorithm>
#include <array>

namespace umbrella::net {

namespace {

constexpr size_t kHeaderSize = 12;
constexpr int kMaxCnameHops = 8;
constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagTc = 0x0200;
constexpr uint16_t kFlagRd = 0x0100;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

std::string_view strip_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

struct Header {
  uint16_t id, flags, qdcount, ancount, nscount, arcount;
};

Result<Header, DnsError> read_header(ByteReader& r) {
  Header h{r.u16(), r.u16(), r.u16(), r.u16(), r.u16(), r.u16()};
  if (!r.ok()) return Err{DnsError::kMalformed};
  if (!(h.flags & kFlagQr) || ((h.flags >> 11) & 0xF) != 0) return Err{DnsError::kNotResponse};
  return h;
}

DnsError rcode_error(uint16_t flags) {
  return (flags & 0xF) == 3 ? DnsError::kNameNotFound : DnsError::kServerFailure;
}

// One resource record, located inside msg (rdata keeps its offset for name decompression).
struct Record {
  std::string name;
  uint16_t type = 0, klass = 0;
  uint32_t ttl = 0;
  size_t rdata_offset = 0;
  uint16_t rdlength = 0;
};

Result<Record, DnsError> read_record(Bytes msg, size_t& offset) {
  auto name = read_name(msg, offset);
  if (!name) return Err{name.error()};
  ByteReader r(msg.subspan(offset));
  Record rec{std::move(*name), r.u16(), r.u16(), r.u32(), 0, r.u16()};
  if (!r.ok() || !r.skip(rec.rdlength)) return Err{DnsError::kMalformed};
  rec.rdata_offset = offset + 10;
  offset += 10 + rec.rdlength;
  return rec;
}

// Walks count records from offset, appending them to out; offset ends past them.
std::optional<DnsError> read_records(Bytes msg, size_t& offset, uint16_t count, std::vector<Record>& out) {
  for (uint16_t i = 0; i < count; ++i) {
    auto rec = read_record(msg, offset);
    if (!rec) return rec.error();
    out.push_back(std::move(*rec));
  }
  return std::nullopt;
}

std::optional<DnsError> skip_questions(Bytes msg, size_t& offset, uint16_t count) {
  for (uint16_t i = 0; i < count; ++i) {
    auto name = read_name(msg, offset);
    if (!name) return name.error();
    if (msg.size() - offset < 4) return DnsError::kMalformed;
    offset += 4;
  }
  return std::nullopt;
}

// Follows CNAMEs from name through records and collects the addresses of type.
Result<DnsAnswer, DnsError> collect(Bytes msg, const std::vector<Record>& records, std::string_view name,
                                    RecordType type, uint16_t class_mask) {
  DnsAnswer answer;
  answer.canonical_name = std::string(strip_dot(name));
  uint32_t ttl = UINT32_MAX;
  const size_t ip_size = type == RecordType::kA ? 4 : 16;
  for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
    const Record* cname = nullptr;
    for (const auto& rec : records) {
      if ((rec.klass & class_mask) != kClassIn || !same_name(rec.name, answer.canonical_name)) continue;
      if (rec.type == uint16_t(type) && rec.rdlength == ip_size) {
        const uint8_t* p = msg.data() + rec.rdata_offset;
        if (ip_size == 4) {
          answer.addresses.push_back(SocketAddress::ipv4({p[0], p[1], p[2], p[3]}, 0));
        } else {
          std::array<uint8_t, 16> ip;
          std::copy(p, p + 16, ip.begin());
          answer.addresses.push_back(SocketAddress::ipv6(ip, 0));
        }
        ttl = std::min(ttl, rec.ttl);
      } else if (rec.type == uint16_t(RecordType::kCname) && !cname) {
        cname = &rec;
      }
    }
    if (!answer.addresses.empty() || !cname) break;
    if (hop == kMaxCnameHops) return Err{DnsError::kMalformed};
    size_t off = cname->rdata_offset;
    auto target = read_name(msg.first(cname->rdata_offset + cname->rdlength), off);
    if (!target) return Err{target.error()};
    ttl = std::min(ttl, cname->ttl);
    answer.canonical_name = std::move(*target);
  }
  answer.ttl = ttl == UINT32_MAX ? 0 : ttl;
  return answer;
}

}  // namespace

bool same_name(std::string_view a, std::string_view b) {
  a = strip_dot(a);
  b = strip_dot(b);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Result<size_t, DnsError> build_query(MutableBytes out, uint16_t id, std::string_view name, RecordType type,
                                     const QueryOptions& options) {
  name = strip_dot(name);
  if (name.empty() || name.size() + 2 > kMaxNameLength) return Err{DnsError::kBadName};
  ByteWriter w(out);
  w.u16(id);
  w.u16(options.recursion_desired ? kFlagRd : 0);
  w.u16(1);                     // QDCOUNT
  w.u16(0);                     // ANCOUNT
  w.u16(0);                     // NSCOUNT
  w.u16(options.edns ? 1 : 0);  // ARCOUNT
  while (!name.empty()) {
    size_t dot = name.find('.');
    auto label = name.substr(0, dot);
    if (label.empty() || label.size() > 63) return Err{DnsError::kBadName};
    for (char c : label) {
      if (c <= ' ' || c == 0x7F) return Err{DnsError::kBadName};
    }
    w.u8(uint8_t(label.size()));
    w.bytes(as_bytes(label));
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    if (dot != std::string_view::npos && name.empty()) return Err{DnsError::kBadName};  // "a..b" / ".."
  }
  w.u8(0);
  w.u16(uint16_t(type));
  w.u16(uint16_t(kClassIn | (options.unicast_response ? 0x8000 : 0)));
  if (options.edns) {  // OPT pseudo-record: root name, type 41, class = UDP payload size
    w.u8(0);
    w.u16(uint16_t(RecordType::kOpt));
    w.u16(uint16_t(kMaxUdpPayload));
    w.u32(0);
    w.u16(0);
  }
  if (!w.ok()) return Err{DnsError::kBufferTooSmall};
  return w.size();
}

Result<std::string, DnsError> read_name(Bytes msg, size_t& offset) {
  std::string name;
  size_t pos = offset;
  size_t limit = offset;  // every pointer must point strictly before the last jump's start
  size_t wire_length = 1;
  bool jumped = false;
  while (true) {
    if (pos >= msg.size()) return Err{DnsError::kMalformed};
    uint8_t len = msg[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= msg.size()) return Err{DnsError::kMalformed};
      size_t target = size_t(len & 0x3F) << 8 | msg[pos + 1];
      if (target >= limit) return Err{DnsError::kCompressionLoop};
      if (!jumped) offset = pos + 2;
      jumped = true;
      limit = pos = target;
      continue;
    }
    if (len & 0xC0) return Err{DnsError::kMalformed};  // 0x40/0x80: extended label types
    if (len == 0) break;
    if (msg.size() - pos - 1 < len) return Err{DnsError::kMalformed};
    wire_length += 1 + len;
    if (wire_length > kMaxNameLength) return Err{DnsError::kBadName};
    if (!name.empty()) name.push_back('.');
    for (size_t i = 0; i < len; ++i) name.push_back(lower(char(msg[pos + 1 + i])));
    pos += 1 + len;
  }
  if (!jumped) offset = pos + 1;
  return name;
}

Result<DnsAnswer, DnsError> parse_response(Bytes msg, uint16_t id, std::string_view name, RecordType type) {
  ByteReader r(msg);
  auto h = read_header(r);
  if (!h) return Err{h.error()};
  if (h->id != id) return Err{DnsError::kIdMismatch};
  if (h->flags & kFlagTc) return Err{DnsError::kTruncated};
  if (h->qdcount != 1) return Err{DnsError::kQuestionMismatch};
  size_t offset = kHeaderSize;
  auto qname = read_name(msg, offset);
  if (!qname) return Err{qname.error()};
  ByteReader q(msg.subspan(offset));
  uint16_t qtype = q.u16(), qclass = q.u16();
  if (!q.ok()) return Err{DnsError::kMalformed};
  if (!same_name(*qname, name) || qtype != uint16_t(type) || qclass != kClassIn)
    return Err{DnsError::kQuestionMismatch};
  if (h->flags & 0xF) return Err{rcode_error(h->flags)};
  offset += 4;
  std::vector<Record> records;
  if (auto e = read_records(msg, offset, h->ancount, records)) return Err{*e};
  return collect(msg, records, name, type, 0xFFFF);
}

Result<DnsAnswer, DnsError> parse_mdns_response(Bytes msg, std::string_view name, RecordType type) {
  ByteReader r(msg);
  auto h = read_header(r);
  if (!h) return Err{h.error()};
  if (h->flags & 0xF) return Err{rcode_error(h->flags)};
  size_t offset = kHeaderSize;
  if (auto e = skip_questions(msg, offset, h->qdcount)) return Err{*e};
  std::vector<Record> records;
  if (auto e = read_records(msg, offset, h->ancount, records)) return Err{*e};
  std::vector<Record> authority;  // walked only to reach the additional section
  if (auto e = read_records(msg, offset, h->nscount, authority)) return Err{*e};
  if (auto e = read_records(msg, offset, h->arcount, records)) return Err{*e};
  return collect(msg, records, name, type, 0x7FFF);
}

}  // namespace umbrella::net
