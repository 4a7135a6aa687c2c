// RFC 6455 section 5 framing: header encoding, masking, and a streaming frame parser that
// hands out payload pieces straight from the input (no buffering beyond a 14-byte header).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"

namespace umbrella::ws {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

inline bool is_control(Opcode op) { return (uint8_t(op) & 0x8) != 0; }

using MaskKey = std::array<uint8_t, 4>;

inline constexpr size_t kMaxFrameHeaderSize = 14;
inline constexpr size_t kMaxControlPayload = 125;

struct FrameHeader {
  bool fin = true;
  uint8_t rsv = 0;  // RSV1..3 as bits 2..0; must be 0 (no extensions are negotiated)
  Opcode opcode = Opcode::kBinary;
  bool masked = false;
  MaskKey mask{};
  uint64_t payload_length = 0;
};

// XORs data with the mask; `offset` is the position of data[0] within the frame payload.
void apply_mask(MutableBytes data, const MaskKey& key, uint64_t offset = 0);

// Writes the header (2..14 bytes) into out, returns its size. Uses the minimal length form.
size_t encode_frame_header(const FrameHeader& header, std::array<uint8_t, kMaxFrameHeaderSize>& out);

// Appends one complete frame to out; with a mask key the payload is masked (client role).
void encode_frame(Opcode opcode, Bytes payload, bool fin, std::optional<MaskKey> mask, std::string& out);

class FrameParser {
 public:
  enum class Kind {
    kNeedMore,  // all input consumed inside a header
    kHeader,    // header() is complete; frame_end when the payload is empty
    kPayload,   // data: a piece of the payload as received (still masked)
    kError,     // error: static text; the parser is finished
  };
  struct Piece {
    Kind kind = Kind::kNeedMore;
    size_t consumed = 0;
    Bytes data;               // kPayload
    uint64_t offset = 0;      // kPayload: position of data within the payload (for unmasking)
    bool frame_end = false;   // this piece finishes the frame
    const char* error = "";
  };

  // Consumes a prefix of `in` and reports what it completed. Call again with the rest.
  Piece next(Bytes in);
  const FrameHeader& header() const { return header_; }

 private:
  size_t header_size() const;
  const char* check_first_bytes() const;

  FrameHeader header_;
  std::array<uint8_t, kMaxFrameHeaderSize> buf_{};
  uint8_t have_ = 0;          // header bytes buffered
  bool in_payload_ = false;
  bool failed_ = false;
  uint64_t payload_pos_ = 0;  // payload bytes already handed out
};

}  // namespace umbrella::ws
