#!/usr/bin/env python3
"""Writes the seed corpus of the AV1 dependency descriptor harness:
fuzz/corpus/dependency_descriptor/ (input: extension values, each a length byte then the bytes,
read in order with the structure the earlier ones left)."""
from common import write

# Chromium, AV1 L3T3: a keyframe's first packet with the structure (9 decode targets, 15
# templates, 3 chains, resolutions), then packets of later frames (as captured in LiveKit's
# dependency descriptor test).
KEY = bytes.fromhex(
    "c1017280081485214eafffaaaa863cf0430c10c302afc0aaa0063c00430010c002a000a80006000040001d954926e082b04a0941b82"
    "0ac1282503157f974000ca864330e222222eca8655304224230eca877530077004200ef008601df010d")
LATER = [bytes.fromhex(h) for h in
         ["86017340fc", "46017340fc", "c3017540fc", "88017640fc", "c2017840fc", "860173", "8b0174", "0b0174"]]


def values(*vs):
    return b"".join(bytes([len(v)]) + v for v in vs)


def bits(s):
    s += "0" * (-len(s) % 8)
    return bytes(int(s[i:i + 8], 2) for i in range(0, len(s), 8))


# L1T3 built by hand: offset 0, 3 decode targets, templates T0 T1 T2 (idc 1 1 3), DTIs
# SSS -DS --D, fdiffs 4 / 2 / 1, chain_cnt 1 (ns(4) = 2 bits "01"), dt0..2 on chain 0 (ns(1)
# reads nothing), chain fdiffs 4 2 1, no resolutions.
L1T3 = bits("1" + "0" + "000000" + "0000000000000001"  # start, template 0, frame 1
            + "10000" + "000000" + "00010" + "010111"    # structure present; offset; dt_cnt-1; layers
            + "101010" + "000110" + "000001"             # DTIs
            + "1" + "0011" + "0" + "1" + "0001" + "0" + "1" + "0000" + "0"  # fdiffs
            + "01" + "0100" + "0010" + "0001"            # chains
            + "0")                                       # no resolutions
# The same with the largest render size the 16 bits say (65536 x 65536).
L1T3_BIG = bits("1" + "0" + "000000" + "0000000000000001" + "10000" + "000000" + "00010" + "010111"
                + "101010" + "000110" + "000001" + "1" + "0011" + "0" + "1" + "0001" + "0" + "1" + "0000" + "0"
                + "01" + "0100" + "0010" + "0001" + "1" + "1" * 32)
# A frame of it with custom fdiffs (one of 12 bits) and custom chains.
CUSTOM = bits("11" + "000010" + "0000000000000010" + "00011" + "11" + "111111111111" + "00" + "00000101")

seeds = {
    "l3t3_keyframe_then_frames": values(KEY, *LATER),
    "l3t3_frames_without_structure": values(*LATER),
    "l1t3_hand_built": values(L1T3, bytes.fromhex("400002"), bytes.fromhex("810003"), CUSTOM),
    "truncated_structure": values(KEY[:40], LATER[0]),
    "l1t3_render_65536": values(L1T3_BIG, bytes.fromhex("810003")),
}

if __name__ == "__main__":
    for name, data in seeds.items():
        write("dependency_descriptor", name, data)
    print(f"{len(seeds)} dependency_descriptor seeds")
