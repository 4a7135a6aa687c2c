/* The SDP of a SessionDescription message, carried outside nanopb's static bounds: a
 * browser session's SDP can pass 64 KiB, the most a static field holds in Debian's nanopb
 * (built without PB_FIELD_32BIT). The field is a view: encode() writes the bytes it points
 * to, decode() points it into the frame being decoded (no copy, no allocation), refusing
 * more than signal::kMaxSdpBytes. Plain C: the generated umbrella.pb.c includes it. */
#ifndef UMBRELLA_SIGNAL_SDP_TEXT_H
#define UMBRELLA_SIGNAL_SDP_TEXT_H

#include <stddef.h>

/* 128 KiB: a browser session at sdp::kMaxSessionMediaSections m-lines of server-written video
 * is ~110 KB. It bounds one /wsb message too (a bound, never preallocated per connection). */
#define UMBRELLA_MAX_SDP_BYTES (128u * 1024u)

typedef struct umbrella_SdpText {
  const char* data; /* not NUL-terminated; valid while the encoded string or decoded frame lives */
  size_t size;
} umbrella_SdpText;

#endif
