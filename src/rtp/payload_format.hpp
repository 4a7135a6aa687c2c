// RTP payload formats, parsed without decoding (a recording reads frames, the router keyframes): VP8 (RFC 7741), VP9
// (RFC 9628), H264 (RFC 6184, packetization modes 0 and 1), AV1 (the AOM RTP specification)
// and Opus (RFC 7587). Pure functions over the payload of one decrypted RTP packet; the
// FrameJoiner puts a frame's packets back together.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/parse_error.hpp"

namespace umbrella::rtp {

enum class Codec : uint8_t { kVp8, kVp9, kH264, kAv1, kOpus };

// One RTP packet's share of a codec frame.
struct PayloadView {
  bool frame_start = false;  // the packet can begin a frame (VP8: S=1 and partition 0; VP9: B;
                             // H264: not an FU-A continuation; AV1: Z=0; Opus: always)
  bool keyframe = false;     // the packet shows the frame is a keyframe (Opus: always)
  uint16_t width = 0, height = 0;  // VP8 keyframes: the picture size from the frame header
  // A unit that may span packets: VP9 layer frame (B/E), H264 FU-A fragment (S/E), AV1 OBU
  // element (Z: continues the last packet's, Y: goes on in the next).
  bool unit_start = true, unit_end = true;
  uint8_t header = 0;  // H264: the NAL unit type (24 STAP-A, 28 FU-A); AV1: the aggregation header
  uint8_t nal_header = 0;  // H264 FU-A: the fragmented NAL unit's header, rebuilt
  Bytes data;  // the codec bytes after the payload descriptor / aggregation or FU header
};

// VP8 payload descriptor (RFC 7741 section 4.2) and, at a frame start, the first bytes of the
// VP8 frame header (RFC 6386 section 9.1): key frames carry a start code and the picture size.
Result<PayloadView, ParseError> parse_vp8(Bytes payload);
// VP9 payload descriptor (rtp/vp9_descriptor.hpp), skipped here. Keyframe: B, P=0 and a
// KEY_FRAME uncompressed header.
Result<PayloadView, ParseError> parse_vp9(Bytes payload);
// H264 single NAL unit, STAP-A (every NAL unit's length checked) or FU-A. Keyframe: an IDR slice.
Result<PayloadView, ParseError> parse_h264(Bytes payload);
// AV1 aggregation header and OBU elements (every length checked). Keyframe: N=1.
Result<PayloadView, ParseError> parse_av1(Bytes payload);
// Opus: one packet is one frame; the TOC byte must be there (RFC 6716 section 3.1).
Result<PayloadView, ParseError> parse_opus(Bytes payload);

Result<PayloadView, ParseError> parse_payload(Codec codec, Bytes payload);

// The codec of an SDP encoding name (rtpmap, any case): VP8, VP9, H264, AV1, opus.
std::optional<Codec> codec_named(std::string_view name);

// leb128 (AV1 section 4.10.5) at data[pos]: false when it runs past the end or over 8 bytes.
bool read_leb128(Bytes data, size_t& pos, uint64_t& value);

// The NAL units of a STAP-A (after its header byte) or the OBU elements of an AV1 packet
// (after the aggregation header), one per next(); the parsers have checked them.
class UnitIterator {
 public:
  UnitIterator(Bytes data, uint8_t av1_header = 0, bool av1 = false) : data_(data), av1_(av1), w_(av1_header >> 4 & 3) {}
  bool next(Bytes& unit, bool& error);
  size_t count() const { return index_; }
  bool done() const { return pos_ >= data_.size(); }

 private:
  Bytes data_;
  size_t pos_ = 0, index_ = 0;
  bool av1_;
  uint8_t w_;  // AV1 W: how many elements (0: each has its length)
};

}  // namespace umbrella::rtp
