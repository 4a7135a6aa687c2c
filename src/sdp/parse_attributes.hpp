// Internal: a= line handlers for the session and media levels.
#pragma once

#include <string_view>

#include "sdp/session_description.hpp"

namespace umbrella::sdp::detail {

enum class AttrStatus { kOk, kBad, kTooMany, kDuplicate };

AttrStatus parse_session_attribute(SessionDescription& s, std::string_view name, std::string_view value,
                                   bool has_value);
AttrStatus parse_media_attribute(MediaSection& m, std::string_view name, std::string_view value,
                                 bool has_value);
// Orders codecs by the m= line's format list (others keep their order at the end).
void finish_media(MediaSection& m);

}  // namespace umbrella::sdp::detail
