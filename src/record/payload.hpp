// The recorder uses the RTP payload formats (rtp/payload_format.hpp, shared with the router's
// keyframe search) by their short names.
#pragma once

#include "rtp/payload_format.hpp"

namespace umbrella::record {

using rtp::Codec;
using rtp::parse_payload;
using rtp::PayloadView;
using rtp::read_leb128;
using rtp::UnitIterator;

}  // namespace umbrella::record
