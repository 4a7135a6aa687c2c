#include "dtls/client_hello_assembler.hpp"

namespace umbrella::dtls {
namespace {
constexpr size_t kRecordHeader = 13;     // type, version(2), epoch(2), sequence(6), length(2)
constexpr size_t kHandshakeHeader = 12;  // type, length(3), message_seq(2), offset(3), fragment length(3)
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kClientHello = 1;
}  // namespace

void ClientHelloAssembler::reset() {
  active_ = false;
  body_.clear();
  have_.clear();
  have_count_ = 0;
}

ClientHelloAssembler::Outcome ClientHelloAssembler::add(Bytes datagram) {
  // Only a datagram made entirely of epoch-0 ClientHello fragments is ours to take.
  ByteReader r(datagram);
  bool any_fragment = false;
  Bytes last_record_header;
  while (!r.empty()) {
    Bytes header = r.bytes(kRecordHeader);
    if (!r.ok()) return Outcome::kPassThrough;
    uint16_t epoch = load_be16(header.data() + 3);
    uint16_t record_length = load_be16(header.data() + 11);
    Bytes record = r.bytes(record_length);
    if (!r.ok() || header[0] != kHandshake || epoch != 0) return Outcome::kPassThrough;
    ByteReader h(record);
    uint8_t type = h.u8();
    uint32_t length = h.u24();
    uint16_t seq = h.u16();
    uint32_t offset = h.u24();
    uint32_t fragment_length = h.u24();
    Bytes fragment = h.bytes(fragment_length);
    if (!h.ok() || type != kClientHello) return Outcome::kPassThrough;
    if (offset == 0 && fragment_length == length) return Outcome::kPassThrough;  // whole already
    if (length > kMaxLength || uint64_t(offset) + fragment_length > length) return Outcome::kPassThrough;
    if (!active_ || seq != message_seq_ || length != length_) {
      reset();
      active_ = true;
      message_seq_ = seq;
      length_ = length;
      body_.assign(length, 0);
      have_.assign(length, false);
    }
    for (uint32_t i = 0; i < fragment_length; ++i) {
      body_[offset + i] = fragment[i];
      if (!have_[offset + i]) {
        have_[offset + i] = true;
        ++have_count_;
      }
    }
    any_fragment = true;
    last_record_header = header;
  }
  if (!any_fragment) return Outcome::kPassThrough;
  if (have_count_ < length_) return Outcome::kBuffered;
  // One record, the last fragment's header (its sequence number is fresh), whole message.
  assembled_.assign(last_record_header.begin(), last_record_header.end());
  store_be16(assembled_.data() + 11, uint16_t(kHandshakeHeader + length_));
  uint8_t hs[kHandshakeHeader];
  hs[0] = kClientHello;
  store_be24(hs + 1, length_);
  store_be16(hs + 4, message_seq_);
  store_be24(hs + 6, 0);
  store_be24(hs + 9, length_);
  assembled_.insert(assembled_.end(), hs, hs + kHandshakeHeader);
  assembled_.insert(assembled_.end(), body_.begin(), body_.end());
  reset();
  return Outcome::kComplete;
}

}  // namespace umbrella::dtls
