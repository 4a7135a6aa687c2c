// SessionDescription -> SDP text, "\r\n" line endings, attributes in a fixed order
// (known attributes first, in Chrome's order, then unknown ones in their original order).
#pragma once

#include <string>

#include "sdp/session_description.hpp"

namespace umbrella::sdp {

std::string build(const SessionDescription& s);

}  // namespace umbrella::sdp
