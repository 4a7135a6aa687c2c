#include "dtls/client_hello_assembler.hpp"

#include <cstring>

namespace umbrella::dtls {

bool ClientHelloAssembler::agrees(const Slot& s, const HandshakeFragment& f) {
  for (uint32_t i = 0; i < f.fragment.size(); ++i) {
    if (s.have[f.offset + i] && s.body[f.offset + i] != f.fragment[i]) return false;
  }
  return true;
}

ClientHelloAssembler::Slot& ClientHelloAssembler::open_slot(uint16_t seq, uint32_t length) {
  // A free slot, else the one with the fewest bytes (the oldest of those): a forger who
  // spreads fragments over many messages evicts its own attempts before the real one.
  Slot* s = &slots_[0];
  for (auto& c : slots_) {
    if (!c.active) {
      s = &c;
      break;
    }
    if (c.have_count < s->have_count || (c.have_count == s->have_count && c.started < s->started)) s = &c;
  }
  s->active = true;
  s->message_seq = seq;
  s->length = length;
  s->started = adds_;
  s->have_count = 0;
  s->body.assign(length, 0);
  s->have.assign(length, 0);
  return *s;
}

bool ClientHelloAssembler::merge(const HandshakeFragment& f) {
  Slot* target = nullptr;
  bool contradicted = false;
  for (auto& s : slots_) {
    if (!s.active || s.message_seq != f.message_seq || s.length != f.length) continue;
    if (agrees(s, f)) {
      target = &s;
      break;
    }
    contradicted = true;
  }
  // Bytes that contradict what a slot holds start a second attempt rather than overwrite
  // or be lost: either copy may be the forged one.
  if (!target) target = &open_slot(f.message_seq, f.length);
  for (uint32_t i = 0; i < f.fragment.size(); ++i) {
    target->body[f.offset + i] = f.fragment[i];
    if (!target->have[f.offset + i]) {
      target->have[f.offset + i] = 1;
      ++target->have_count;
    }
  }
  return !contradicted;
}

ClientHelloAssembler::Outcome ClientHelloAssembler::add(Bytes datagram, uint64_t& ignored) {
  ++adds_;
  candidate_valid_ = false;
  // Only a datagram made entirely of epoch-0 ClientHello fragments is ours to take.
  Bytes last_header;
  for (Bytes rest = datagram; !rest.empty();) {
    ParsedRecord p = parse_record(rest);
    if (p.error != RecordError::kNone) return Outcome::kPassThrough;
    const Record& rec = p.record;
    if (rec.type != ContentType::kHandshake || rec.epoch != 0) return Outcome::kPassThrough;
    bool all_hello = true;
    bool framed = for_each_handshake_fragment(rec.body, [&](const HandshakeFragment& f) {
      all_hello = f.type == HandshakeType::kClientHello;
      return all_hello;
    });
    if (!framed || !all_hello) return Outcome::kPassThrough;
    last_header = rec.bytes.first(kRecordHeaderSize);
    rest = rest.subspan(rec.bytes.size());
  }
  if (last_header.empty()) return Outcome::kPassThrough;

  size_t fragments = 0;
  bool whole_seen = false;
  for (Bytes rest = datagram; !rest.empty();) {
    const Record rec = parse_record(rest).record;
    for_each_handshake_fragment(rec.body, [&](const HandshakeFragment& f) {
      if (f.offset == 0 && f.fragment.size() == f.length) {
        // Whole already: mbedTLS takes it as it is; remember it in case it is accepted.
        whole_seen = true;
        if (f.length <= kMaxLength && f.message_seq <= kMaxMessageSeq) set_candidate(f.message_seq, f.fragment);
        return true;
      }
      ++fragments;
      if (f.length > kMaxLength || f.message_seq > kMaxMessageSeq || !merge(f)) ++ignored;
      return true;
    });
    rest = rest.subspan(rec.bytes.size());
  }
  if (fragments == 0 || whole_seen) return Outcome::kPassThrough;
  for (auto& s : slots_) {
    if (!s.active || s.have_count < s.length) continue;
    // One record with the last record's header (its sequence number is fresh), whole message.
    build_assembled(last_header, s);
    set_candidate(s.message_seq, Bytes(s.body));
    s = Slot{};
    return Outcome::kComplete;
  }
  return Outcome::kBuffered;
}

void ClientHelloAssembler::build_assembled(const Bytes& record_header, const Slot& slot) {
  assembled_.assign(record_header.begin(), record_header.end());
  store_be16(assembled_.data() + 11, uint16_t(kHandshakeHeaderSize + slot.length));
  uint8_t hs[kHandshakeHeaderSize];
  hs[0] = uint8_t(HandshakeType::kClientHello);
  store_be24(hs + 1, slot.length);
  store_be16(hs + 4, slot.message_seq);
  store_be24(hs + 6, 0);
  store_be24(hs + 9, slot.length);
  assembled_.insert(assembled_.end(), hs, hs + kHandshakeHeaderSize);
  assembled_.insert(assembled_.end(), slot.body.begin(), slot.body.end());
}

void ClientHelloAssembler::set_candidate(uint16_t seq, Bytes message) {
  candidate_valid_ = true;
  candidate_seq_ = seq;
  candidate_.assign(message.begin(), message.end());
}

void ClientHelloAssembler::accept() {
  if (!candidate_valid_) return;
  accepted_valid_ = true;
  accepted_seq_ = candidate_seq_;
  accepted_.swap(candidate_);
  candidate_valid_ = false;
  candidate_.clear();
  for (auto& s : slots_) s = Slot{};
}

bool ClientHelloAssembler::is_retransmission(const HandshakeFragment& f) const {
  if (!accepted_valid_ || f.type != HandshakeType::kClientHello || f.message_seq != accepted_seq_ ||
      f.length != accepted_.size()) {
    return false;
  }
  // parse_handshake_fragment guarantees offset + size <= length.
  return f.fragment.empty() || std::memcmp(accepted_.data() + f.offset, f.fragment.data(), f.fragment.size()) == 0;
}

void ClientHelloAssembler::release() {
  for (auto& s : slots_) s = Slot{};
  std::vector<uint8_t>().swap(assembled_);
  std::vector<uint8_t>().swap(candidate_);
  std::vector<uint8_t>().swap(accepted_);
  candidate_valid_ = false;
  accepted_valid_ = false;
}

}  // namespace umbrella::dtls
