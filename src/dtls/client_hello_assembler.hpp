// mbedTLS 2.28's DTLS server cannot parse a ClientHello split over several records, and
// OpenSSL-based peers (aiortc, via memory BIOs with a small default MTU) split theirs. This
// reassembles the fragments of an epoch-0 ClientHello into one unfragmented record, which is
// what mbedTLS then sees. Pure and bounded: at most one message of kMaxLength in progress.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace umbrella::dtls {

class ClientHelloAssembler {
 public:
  static constexpr size_t kMaxLength = 4096;

  enum class Outcome {
    kPassThrough,  // not a fragmented ClientHello: hand the datagram to mbedTLS as is
    kBuffered,     // a fragment was kept; nothing for mbedTLS yet
    kComplete,     // assembled() holds a datagram with the whole ClientHello in one record
  };

  Outcome add(Bytes datagram);
  Bytes assembled() const { return assembled_; }

 private:
  void reset();

  bool active_ = false;
  uint16_t message_seq_ = 0;
  uint32_t length_ = 0;
  std::vector<uint8_t> body_;
  std::vector<bool> have_;
  size_t have_count_ = 0;
  std::vector<uint8_t> assembled_;
};

}  // namespace umbrella::dtls
