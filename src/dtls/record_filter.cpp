#include "dtls/record_filter.hpp"

#include <cstring>

#include "dtls/client_hello_assembler.hpp"
#include "dtls/record.hpp"

namespace umbrella::dtls {
namespace {

enum class Verdict { kKeep, kInvalid, kStray, kStrayAlert };

// Handshake messages a peer in this role sends before its Finished (RFC 5246 7.3, RFC 6347 4.2).
bool client_may_send(HandshakeType t) {
  return t == HandshakeType::kClientHello || t == HandshakeType::kCertificate ||
         t == HandshakeType::kClientKeyExchange || t == HandshakeType::kCertificateVerify;
}
bool server_may_send(HandshakeType t) {
  return t == HandshakeType::kHelloVerifyRequest || t == HandshakeType::kServerHello ||
         t == HandshakeType::kCertificate || t == HandshakeType::kServerKeyExchange ||
         t == HandshakeType::kCertificateRequest || t == HandshakeType::kServerHelloDone;
}

Verdict classify_handshake(const Record& rec, const FilterState& st) {
  if (!well_formed_handshake_body(rec.body)) return Verdict::kInvalid;
  if (st.phase == Phase::kConnected) return Verdict::kStray;
  bool ok = true;
  for_each_handshake_fragment(rec.body, [&](const HandshakeFragment& f) {
    if (st.role == Role::kClient) {
      ok = server_may_send(f.type);  // we are the client: the peer is the server
    } else if (st.phase == Phase::kAwaitingClientHello) {
      ok = f.type == HandshakeType::kClientHello && f.message_seq <= ClientHelloAssembler::kMaxMessageSeq;
    } else if (f.type == HandshakeType::kClientHello) {
      // Makes mbedTLS resend its flight: only for the real client's retransmission.
      ok = st.hello != nullptr && st.hello->is_retransmission(f);
    } else {
      ok = client_may_send(f.type) &&
           (st.hello == nullptr || !st.hello->has_accepted() || f.message_seq > st.hello->accepted_message_seq());
    }
    return ok;
  });
  return ok ? Verdict::kKeep : Verdict::kStray;
}

Verdict classify(const Record& rec, const FilterState& st, bool& ccs_before) {
  if (rec.epoch > 1) return Verdict::kInvalid;
  if (rec.epoch == 1) {
    if (st.phase == Phase::kConnected) return Verdict::kKeep;
    if (st.phase == Phase::kAwaitingClientHello) return Verdict::kStray;
    // Before the peer's CCS mbedTLS would buffer it as "early" (one slot) and fail the
    // handshake if it then does not authenticate; the real Finished follows a CCS.
    return st.epoch1_readable || ccs_before ? Verdict::kKeep : Verdict::kStray;
  }
  switch (rec.type) {
    case ContentType::kAlert: return Verdict::kStrayAlert;
    case ContentType::kApplicationData: return Verdict::kInvalid;
    case ContentType::kChangeCipherSpec:
      if (rec.body.size() != 1 || rec.body[0] != 1) return Verdict::kInvalid;
      if (st.phase != Phase::kHandshake) return Verdict::kStray;
      ccs_before = true;
      return Verdict::kKeep;
    case ContentType::kHandshake: return classify_handshake(rec, st);
  }
  return Verdict::kInvalid;
}

}  // namespace

Bytes filter_datagram(Bytes datagram, const FilterState& state, MutableBytes scratch, DtlsCounters& counters) {
  bool ccs_before = false;
  bool dropped_any = false;
  size_t kept = 0;  // bytes of `datagram` kept so far, while none was dropped
  size_t out = 0;   // bytes written to scratch, once one was dropped
  Bytes rest = datagram;
  while (!rest.empty()) {
    ParsedRecord p = parse_record(rest);
    if (p.error != RecordError::kNone) {
      ++counters.invalid_records;  // no framing: the rest of the datagram cannot be read
      if (!dropped_any) return datagram.first(kept);
      break;
    }
    const Record& rec = p.record;
    Verdict v = classify(rec, state, ccs_before);
    switch (v) {
      case Verdict::kKeep:
        if (dropped_any) {
          std::memcpy(scratch.data() + out, rec.bytes.data(), rec.bytes.size());
          out += rec.bytes.size();
        } else {
          kept += rec.bytes.size();
        }
        break;
      case Verdict::kInvalid: ++counters.invalid_records; break;
      case Verdict::kStray: ++counters.stray_handshake; break;
      case Verdict::kStrayAlert: ++counters.stray_alerts; break;
    }
    if (v != Verdict::kKeep && !dropped_any) {
      dropped_any = true;
      if (kept) std::memcpy(scratch.data(), datagram.data(), kept);
      out = kept;
    }
    rest = rest.subspan(rec.bytes.size());
  }
  if (!dropped_any) return datagram;
  return Bytes(scratch.data(), out);
}

}  // namespace umbrella::dtls
