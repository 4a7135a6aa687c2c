#!/usr/bin/env python3
"""Seed corpus of record_payload: VP8 payload descriptors of each shape (RFC 7741 section 4.2)
with key and delta frame headers, Opus packets, and packet sequences for the jitter window
(in order, reordered, with a gap, a frame split over packets)."""
import struct

from common import write


def vp8_key(w=320, h=240):
    # frame tag (key frame: bit 0 = 0), start code, 14-bit width and height
    return bytes([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A]) + struct.pack("<HH", w, h) + b"\x00" * 8


def vp8_delta():
    return bytes([0x11, 0x02, 0x00]) + b"\x55" * 8


seeds = {
    "vp8_minimal_key": bytes([0x10]) + vp8_key(),
    "vp8_picture_id7": bytes([0x90, 0x80, 0x05]) + vp8_key(),
    "vp8_picture_id15_tl0_tid": bytes([0x90, 0xE0, 0x81, 0x02, 0x07, 0x40]) + vp8_key(640, 480),
    "vp8_delta": bytes([0x90, 0x80, 0x06]) + vp8_delta(),
    "vp8_continuation": bytes([0x80, 0x80, 0x06]) + b"\x01" * 20,
    "vp8_truncated_key": bytes([0x10, 0x10, 0x02, 0x00, 0x9D]),
    "vp8_descriptor_only": bytes([0x90, 0xE0, 0x81]),
    "opus_toc": bytes([0x78, 0x01, 0x02, 0x03]),
}
for name, data in seeds.items():
    write("record_payload", name, data)


def packets(vp8, items):
    """items: (op, seq delta, time step ms, payload); op bit 0 = marker, bit 1 = new timestamp."""
    out = bytes([1 if vp8 else 0])
    for op, dseq, step, payload in items:
        out += bytes([op, dseq & 0xFF, step, len(payload)]) + payload
    return out


key = bytes([0x10]) + vp8_key()
delta = bytes([0x10]) + vp8_delta()
cont = bytes([0x00]) + b"\x22" * 30
write("record_payload", "seq_vp8_in_order", packets(True, [(3, 0, 0, key), (3, 1, 33, delta), (3, 1, 33, delta)]))
write("record_payload", "seq_vp8_split_frame",
      packets(True, [(2, 0, 0, key), (0, 1, 1, cont), (1, 1, 1, cont), (3, 1, 33, delta)]))
write("record_payload", "seq_vp8_reordered", packets(True, [(3, 0, 0, key), (3, 2, 33, delta), (3, 0xFF, 5, delta)]))
write("record_payload", "seq_vp8_gap_then_key",
      packets(True, [(3, 0, 0, key), (3, 3, 33, delta), (3, 1, 60, delta), (3, 1, 60, key)]))
write("record_payload", "seq_opus_loss",
      packets(False, [(2, 0, 0, b"\x78\x01"), (2, 1, 20, b"\x78\x02"), (2, 2, 20, b"\x78\x03"), (2, 1, 63, b"\x78")]))
