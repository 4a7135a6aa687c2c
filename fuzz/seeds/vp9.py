#!/usr/bin/env python3
"""Writes the seed corpus of the VP9 payload descriptor harness: fuzz/corpus/vp9_descriptor/
(input: one RTP payload, descriptor then VP9 bytes)."""
from common import u16, write

KEY = bytes([0x82, 0x49, 0x83, 0x42, 0x00])  # KEY_FRAME uncompressed header, profile 0
INTER = bytes([0x86, 0x00, 0x40, 0x92])

seeds = {
    # I B E, 7-bit PictureID, no layers
    "plain": bytes([0x8c, 0x05]) + INTER,
    # I L B V, 15-bit PictureID, TID 0 SID 0, TL0PICIDX, SS: 3 layers with sizes, a picture group
    "l3t3_key_ss": bytes([0xaa, 0x80, 0x05, 0x00, 0x07, 0x58])
    + u16(320) + u16(180) + u16(640) + u16(360) + u16(1280) + u16(720)
    + bytes([0x03, 0x04, 0x01, 0x54, 0x01, 0x34, 0x01]) + KEY,
    # I P L B E: non-flexible upper layer, TID 2 U, SID 1 D, TL0PICIDX
    "nonflex_upper": bytes([0xec, 0x80, 0x06, 0x53, 0x07]) + INTER,
    # I P L F B E: flexible, TID 1 SID 2, two P_DIFFs
    "flexible_two_refs": bytes([0xfc, 0x81, 0x00, 0x24, 0x03, 0x04]) + INTER,
    # flexible, three P_DIFFs, then an SS without sizes
    "flexible_three_refs_ss": bytes([0xfe, 0x05, 0x00, 0x03, 0x05, 0x02, 0x40]) + INTER,
    # Z bit, no PictureID
    "z_no_pid": bytes([0x2d, 0x02, 0x09]) + INTER,
    # refused: four P_DIFFs, a zero P_DIFF, a zero layer size, truncated SS
    "bad_four_refs": bytes([0xfc, 0x05, 0x00, 0x03, 0x03, 0x03, 0x02]) + INTER,
    "bad_zero_ref": bytes([0xfc, 0x05, 0x00, 0x00]) + INTER,
    "bad_zero_size": bytes([0x8a, 0x05, 0x10]) + u16(0) + u16(180) + KEY,
    "bad_truncated_ss": bytes([0x8a, 0x05, 0x50, 0x01]),
    "bad_descriptor_only": bytes([0xaa, 0x80, 0x05, 0x00, 0x07]),
}

if __name__ == "__main__":
    for name, data in seeds.items():
        write("vp9_descriptor", name, data)
    print(f"{len(seeds)} vp9_descriptor seeds")
