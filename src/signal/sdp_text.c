/* nanopb's callback for SessionDescription.sdp (see sdp_text.h). Compiled into the proto
 * library, which the generated descriptor that names it lives in. */
#include <pb_decode.h>
#include <pb_encode.h>

#include "umbrella.pb.h"

bool umbrella_SessionDescription_callback(pb_istream_t* in, pb_ostream_t* out, const pb_field_t* field) {
  if (field->tag != umbrella_SessionDescription_sdp_tag) return true;
  umbrella_SdpText* text = (umbrella_SdpText*)field->pData;
  if (out) {
    if (text->size == 0) return true; /* proto3: an empty string is not written */
    if (text->size > UMBRELLA_MAX_SDP_BYTES || !text->data) PB_RETURN_ERROR(out, "sdp too large");
    return pb_encode_tag_for_field(out, field) && pb_encode_string(out, (const pb_byte_t*)text->data, text->size);
  }
  if (in) {
    size_t n = in->bytes_left;
    if (n > UMBRELLA_MAX_SDP_BYTES) PB_RETURN_ERROR(in, "sdp too large");
    /* A buffer stream's state is its read position: the string stays where it is in the
     * frame. signal::decode() checks the view lies inside the frame it decoded. */
    text->data = (const char*)in->state;
    text->size = n;
    return pb_read(in, NULL, n);
  }
  return true;
}
