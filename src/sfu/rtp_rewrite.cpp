#include "sfu/rtp_rewrite.hpp"

#include "rtp/rtp_extensions.hpp"
#include "rtp/rtx.hpp"

namespace umbrella::sfu {

bool apply_rewrite(Packet& copy, const RtpRewrite& rw) {
  if (!copy || copy.shared()) return false;
  if (rw.unwrap && !rtp::rtx_unwrap(copy, rw.payload_type, rw.ssrc)) return false;
  MutableBytes s = copy.span();
  if (rw.marker && !rtp::set_marker(s, true)) return false;
  if (rw.picture.any() && (rw.payload_at > s.size() || !rtp::write_picture_ids(s.subspan(rw.payload_at), rw.picture)))
    return false;
  if (rw.extensions && !rtp::rewrite_extension_ids(s, *rw.extensions, rw.drop_extension)) return false;
  if (rw.transport_cc_id) {
    auto e = rtp::extension_mut(s, rw.transport_cc_id);
    if (!e || !rtp::write_transport_cc_seq(*e, rw.transport_seq)) return false;
  }
  if (!rw.rtx) {
    return rtp::set_ssrc(s, rw.ssrc) && rtp::set_sequence(s, rw.seq) &&
           rtp::set_timestamp(s, rw.timestamp) && rtp::set_payload_type(s, rw.payload_type);
  }
  if (!rtp::set_sequence(s, rw.rtx_osn) || !rtp::set_timestamp(s, rw.timestamp)) return false;
  return rtp::rtx_wrap(copy, {rw.payload_type, rw.ssrc, rw.seq});
}

}  // namespace umbrella::sfu
