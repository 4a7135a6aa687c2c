// mbedTLS 2.28's DTLS server cannot parse a ClientHello split over several records, and
// OpenSSL-based peers (aiortc, via memory BIOs with a small default MTU) split theirs. This
// reassembles the fragments of an epoch-0 ClientHello into one unfragmented record, which is
// what mbedTLS then sees.
//
// Anyone who can spoof the client's address can send fragments too, so a fragment that does
// not fit is ignored and counted rather than trusted: a message longer than kMaxLength, a
// message_seq other than 0 or 1 (RFC 6347 4.2.2: the first and the cookie-bearing second
// ClientHello). kSlots attempts can be in progress (by message_seq and length; a fragment
// whose bytes contradict an attempt's starts another one, counted too), so forged fragments
// cost at most a retransmission by the client, never the handshake.
//
// After the server accepted a ClientHello (accept()), it is kept so that a retransmission of
// it (which makes the server resend its flight) can be told from a forgery; release() frees
// everything once the handshake is over. Memory: at most kSlots + 3 messages of kMaxLength
// (twice that for the slots' received-byte maps), during the handshake only.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "dtls/record.hpp"

namespace umbrella::dtls {

class ClientHelloAssembler {
 public:
  static constexpr size_t kMaxLength = 4096;
  static constexpr uint16_t kMaxMessageSeq = 1;
  static constexpr size_t kSlots = 4;

  enum class Outcome {
    kPassThrough,  // not ClientHello fragments only: hand the datagram to mbedTLS as is
    kBuffered,     // fragments kept (or ignored); nothing for mbedTLS yet
    kComplete,     // assembled() holds a datagram with the whole ClientHello in one record
  };

  // `ignored` counts fragments refused (see above).
  Outcome add(Bytes datagram, uint64_t& ignored);
  Bytes assembled() const { return assembled_; }

  // The server moved past ClientHello having read the last datagram given to add():
  // remember that datagram's ClientHello as the accepted one.
  void accept();
  bool has_accepted() const { return accepted_valid_; }
  uint16_t accepted_message_seq() const { return accepted_seq_; }
  // A fragment of exactly the accepted ClientHello (a retransmission by the real client).
  bool is_retransmission(const HandshakeFragment& f) const;
  void release();

 private:
  struct Slot {
    bool active = false;
    uint16_t message_seq = 0;
    uint32_t length = 0;
    uint64_t started = 0;  // add() call that opened it: the older slot is replaced first
    size_t have_count = 0;
    std::vector<uint8_t> body;
    std::vector<uint8_t> have;  // one byte per body byte: received or not
  };

  // Adds the fragment to the first slot of its message whose bytes it agrees with, else to a
  // new slot (replacing the older one). False when it contradicted a slot.
  bool merge(const HandshakeFragment& f);
  static bool agrees(const Slot& s, const HandshakeFragment& f);
  Slot& open_slot(uint16_t seq, uint32_t length);
  void build_assembled(const Bytes& record_header, const Slot& slot);
  void set_candidate(uint16_t seq, Bytes message);

  std::array<Slot, kSlots> slots_;
  uint64_t adds_ = 0;
  std::vector<uint8_t> assembled_;
  // The ClientHello of the last datagram, whole (from one record or assembled).
  bool candidate_valid_ = false;
  uint16_t candidate_seq_ = 0;
  std::vector<uint8_t> candidate_;
  bool accepted_valid_ = false;
  uint16_t accepted_seq_ = 0;
  std::vector<uint8_t> accepted_;
};

}  // namespace umbrella::dtls
