#include "record/frame_joiner.hpp"

#include <utility>

namespace umbrella::record {
namespace {

void put_be32(std::vector<uint8_t>& out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + size_t(i)] = uint8_t(v >> (24 - 8 * i));
}

}  // namespace

void FrameJoiner::begin(Codec codec) {
  codec_ = codec;
  out_.clear();
  open_ = -1;
  first_ = true;
  layers_ = 0;
}

void FrameJoiner::put_nal(Bytes nal) {
  size_t at = out_.size();
  out_.resize(at + 4);
  put_be32(out_, at, uint32_t(nal.size()));
  out_.insert(out_.end(), nal.begin(), nal.end());
}

bool FrameJoiner::add(const PayloadView& v) {
  bool first = std::exchange(first_, false);
  if (first && !v.frame_start) return false;
  switch (codec_) {
    case Codec::kVp8:
      if (!first && v.frame_start) return false;  // a second frame start: the marker was lost
      [[fallthrough]];
    case Codec::kOpus:
      out_.insert(out_.end(), v.data.begin(), v.data.end());
      return true;
    case Codec::kVp9:
      if (v.unit_start != (open_ < 0)) return false;
      if (v.unit_start) open_ = int64_t(out_.size());
      out_.insert(out_.end(), v.data.begin(), v.data.end());
      if (v.unit_end) {
        if (layers_ == 8) return false;
        layer_size_[layers_++] = uint32_t(out_.size() - size_t(open_));
        open_ = -1;
      }
      return true;
    case Codec::kH264: {
      if (v.header != 28) {
        if (open_ >= 0) return false;  // an FU-A without its end
        if (v.header != 24) {
          put_nal(v.data);
          return true;
        }
        UnitIterator it(v.data);
        Bytes nal;
        bool error = false;
        while (it.next(nal, error)) put_nal(nal);
        return !error;
      }
      if (v.unit_start != (open_ < 0)) return false;
      if (v.unit_start) {
        open_ = int64_t(out_.size());
        out_.resize(out_.size() + 4);
        out_.push_back(v.nal_header);
      }
      out_.insert(out_.end(), v.data.begin(), v.data.end());
      if (v.unit_end) {
        put_be32(out_, size_t(open_), uint32_t(out_.size() - size_t(open_) - 4));
        open_ = -1;
      }
      return true;
    }
    case Codec::kAv1: {
      UnitIterator it(v.data, v.header, true);
      Bytes element;
      bool error = false;
      while (it.next(element, error)) {
        bool continues = it.count() == 1 && !v.unit_start;
        if (continues != (open_ >= 0)) return false;
        if (!continues) open_ = int64_t(out_.size());
        out_.insert(out_.end(), element.begin(), element.end());
        bool goes_on = !v.unit_end && it.done();  // the packet's last element, continued in the next
        if (!goes_on && !close_obu()) return false;
      }
      return !error;
    }
  }
  return false;
}

// The OBU at open_ is whole: give it an obu_size field (RTP sends OBUs without, mostly), or
// leave it out when the file must not have it.
bool FrameJoiner::close_obu() {
  size_t at = size_t(open_);
  open_ = -1;
  uint8_t h = out_[at];
  size_t header = (h & 0x04) ? 2 : 1;  // obu_extension_flag
  if ((h & 0x80) || out_.size() - at < header) return false;
  size_t body = at + header;
  if (h & 0x02) {  // it came with a size: keep exactly that many bytes
    size_t pos = body;
    uint64_t size;
    if (!read_leb128(Bytes(out_), pos, size) || size > out_.size() - pos) return false;
    out_.resize(pos + size_t(size));
    out_.erase(out_.begin() + int64_t(body), out_.begin() + int64_t(pos));
  }
  uint8_t type = h >> 3 & 0x0f;
  if (type == 2 || type == 8 || type == 15) {  // temporal delimiter, tile list, padding
    out_.resize(at);
    return true;
  }
  out_[at] = h | 0x02;
  uint8_t leb[8];
  size_t n = 0;
  for (uint64_t size = out_.size() - body;; size >>= 7) {
    leb[n++] = uint8_t((size & 0x7f) | (size >= 0x80 ? 0x80 : 0));
    if (size < 0x80) break;
  }
  out_.insert(out_.begin() + int64_t(body), leb, leb + n);
  return true;
}

bool FrameJoiner::finish() {
  if (open_ >= 0 || out_.empty()) return false;
  if (codec_ == Codec::kVp9 && layers_ > 1) {
    // Superframe index (VP9 bitstream spec, Annex B): marker, 4-byte sizes, marker.
    uint8_t marker = uint8_t(0xc0 | 3 << 3 | (layers_ - 1));
    out_.push_back(marker);
    for (uint8_t i = 0; i < layers_; ++i)
      for (int b = 0; b < 4; ++b) out_.push_back(uint8_t(layer_size_[i] >> (8 * b)));
    out_.push_back(marker);
  }
  return true;
}

}  // namespace umbrella::record
