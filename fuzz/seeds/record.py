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

# VP9 (RFC 9628), H264 (RFC 6184) and AV1 payloads, and keyframes as the joiner writes them
# (the track format parsers read those: an SPS and PPS, a sequence header OBU, a frame header).
VP9_KEY = bytes([0x82, 0x49, 0x83, 0x42, 0x00, 0x15, 0xF0, 0x11, 0xF6, 0x08])
VP9_INTER = bytes([0x86, 0x00, 0x40, 0x92])
SPS = bytes([0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x2F, 0xF9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01,
             0x00, 0x00, 0x03, 0x00, 0x3C, 0x0F, 0x16, 0x2E, 0x48])
PPS = bytes([0x68, 0xCB, 0x83, 0xCB, 0x20])
IDR = bytes([0x65, 0x88, 0x84, 0x00, 0x33])
AV1_SEQ = bytes([0x0A, 0x0B, 0x00, 0x00, 0x00, 0x04, 0x3C, 0xFE, 0xCC, 0xDA, 0xF9, 0x00, 0x40])


def stap_a(*nals):
    return b"\x18" + b"".join(struct.pack("!H", len(n)) + n for n in nals)


def avcc(*nals):
    return b"".join(struct.pack("!I", len(n)) + n for n in nals)


def av1(header, *elements, last_unsized=False):
    out = bytes([header])
    for i, e in enumerate(elements):
        if not (last_unsized and i == len(elements) - 1):
            out += bytes([len(e)])
        out += e
    return out


video_seeds = {
    "vp9_ss_key": bytes([0xAE, 0x80, 0x05, 0x00, 0x07, 0x18, 0x01, 0x02, 0x80, 0x01, 0x01, 0x04, 0x01]) + VP9_KEY,
    "vp9_flexible_refs": bytes([0xFC, 0x05, 0x00, 0x03, 0x05, 0x02]) + VP9_INTER,
    "vp9_keyframe_header": VP9_KEY,
    "h264_stap_a_key": stap_a(SPS, PPS, IDR),
    "h264_fu_a_start": bytes([0x7C, 0x85]) + IDR[1:],
    "h264_single": bytes([0x41, 0x9A, 0x22]),
    "h264_avcc_keyframe": avcc(SPS, PPS, IDR),
    "av1_new_sequence": av1(0x08, b"\x10", b"\x08\xa1\xa2", b"\x30\xb1\xb2"),
    "av1_w2_sized_obu": bytes([0x20, 0x02, 0x30, 0xB1, 0x32, 0x01, 0xC1]),
    "av1_temporal_unit": AV1_SEQ + bytes([0x32, 0x02, 0x10, 0x00]),
}
for name, data in video_seeds.items():
    write("record_payload", name, data)


def seq(codec, items):
    return bytes([codec]) + packets(True, items)[1:]


vp9_s0 = bytes([0x2C, 0x00, 0x01]) + VP9_KEY  # L B E, SID 0
write("record_payload", "seq_vp9_two_layers",
      seq(2, [(2, 0, 0, vp9_s0), (0, 1, 1, bytes([0x6C, 0x03, 0x01]) + VP9_INTER),
              (3, 1, 33, bytes([0x8C, 0x05]) + VP9_INTER)]))
write("record_payload", "seq_h264_fu_a",
      seq(3, [(2, 0, 0, stap_a(SPS, PPS)), (0, 1, 1, bytes([0x7C, 0x85]) + IDR[1:]), (0, 1, 1, bytes([0x7C, 0x05, 0x44])),
              (1, 1, 1, bytes([0x7C, 0x45, 0x45])), (3, 2, 33, bytes([0x41, 0x9A]))]))
write("record_payload", "seq_av1_fragmented_obu",
      seq(4, [(2, 0, 0, av1(0x48, b"\x10", b"\x08" + AV1_SEQ[2:], b"\x30\xb1", last_unsized=True)),
              (1, 1, 1, bytes([0x90, 0xB3, 0xB4])), (3, 1, 33, av1(0x10, b"\x30\xc1", last_unsized=True))]))
