#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/ice_lite/ and fuzz/corpus/media_demux/ (see
fuzz/ice_lite_fuzz.cpp and fuzz/media_demux_fuzz.cpp for the input formats)."""
from common import (BINDING_INDICATION, BINDING_REQUEST, BINDING_SUCCESS, ice_check, rtp, stun, u8,
                    u16, u32, write)

LOCAL_PWD = "server-password-0123456789"
USER = "srvU:cliU"

# ice_lite: setup byte, then ops [op][time step][...]. op & 3: 0 raw datagram (16-bit length),
# 1 built check (flags u16, tid 12, priority u32), 2 timeout (0x10: at the deadline),
# 3 remote credentials (0x10 none, 0x20 other). (op >> 2) & 3 picks the source address.
USE_CANDIDATE, CONTROLLING, CONTROLLED, UNKNOWN_REQ = 0x0100, 0x0200, 0x0400, 0x0800
WRONG_PWD, NO_MI = 2 << 6, 3 << 6
WRONG_LOCAL, WRONG_REMOTE, NO_USER, NO_COLON = 3 << 3, 4 << 3, 5 << 3, 6 << 3


def built(addr, flags, step=20, tid=1):
    return u8(1 | addr << 2) + u8(step) + u16(flags) + bytes([tid]) * 12 + u32(0x6E7F1EFF)


def raw(addr, data, step=20):
    return u8(0 | addr << 2) + u8(step) + u16(len(data)) + data


def timeout(at_deadline=True, step=0):
    return u8(2 | (0x10 if at_deadline else 0)) + u8(step)


setup = u8(0x1D)  # consent 30 s, remote credentials known, no SOFTWARE
ice = {
    "nominate_move_expire": setup + built(0, USE_CANDIDATE | CONTROLLING) + built(1, USE_CANDIDATE | CONTROLLING, tid=2)
    + built(1, CONTROLLING, tid=3) + timeout() + built(0, USE_CANDIDATE | CONTROLLING, tid=4),
    "raw_signed_check": setup + raw(2, ice_check(USER, LOCAL_PWD)) + raw(3, ice_check(USER, LOCAL_PWD, b"\2" * 12)),
    "forged_checks": setup + built(0, USE_CANDIDATE | CONTROLLING) + built(2, USE_CANDIDATE | WRONG_PWD, tid=5)
    + built(2, USE_CANDIDATE | WRONG_LOCAL, tid=6) + built(2, USE_CANDIDATE | NO_MI, tid=7)
    + built(2, USE_CANDIDATE | NO_USER, tid=8) + built(2, USE_CANDIDATE | NO_COLON, tid=9),
    "role_conflict_unknown": u8(0x9D) + built(0, USE_CANDIDATE | CONTROLLED) + built(0, USE_CANDIDATE | CONTROLLING | CONTROLLED)
    + built(0, USE_CANDIDATE | UNKNOWN_REQ | CONTROLLING) + built(0, 0x3 | CONTROLLING) + built(0, 0x4 | CONTROLLING),
    "remote_learned_later": u8(0x5D) + built(0, WRONG_REMOTE | USE_CANDIDATE) + u8(3) + u8(5)
    + built(1, WRONG_REMOTE | USE_CANDIDATE, tid=2) + u8(3 | 0x20) + u8(5) + built(1, WRONG_REMOTE, tid=3),
    "consent_kept_alive": u8(0x04) + built(0, USE_CANDIDATE | CONTROLLING) + built(0, CONTROLLING, step=201)
    + built(1, CONTROLLING, step=203) + timeout(False, 250) + timeout(),
    "raw_junk": setup + raw(0, b"\x00\x01\x00\x04\x21\x12\xa4\x42" + b"\x07" * 12 + b"\x00\x06\x00\x00")
    + raw(1, stun(BINDING_SUCCESS, b"\3" * 12, [])) + raw(1, stun(BINDING_INDICATION, b"\4" * 12, [])),
}
for name, data in ice.items():
    write("ice_lite", name, data)

# media_demux: one datagram each.
client_hello = bytes.fromhex("16fefd0000000000000000002a010000" "1e000000000000001efefd") + b"\0" * 32
demux = {
    "binding_request": ice_check(USER, LOCAL_PWD),
    "binding_request_other_ufrag": ice_check("srvUx:cliU", "x"),
    "binding_request_prefix_only": ice_check("srv:cliU", "x"),
    "binding_request_no_colon": ice_check("srvU", "x"),
    "binding_request_empty_local": ice_check(":cliU", "x"),
    "binding_request_no_username": stun(BINDING_REQUEST, b"\5" * 12, []),
    "binding_success": stun(BINDING_SUCCESS, b"\6" * 12, [(0x0006, b"srvU:cliU")]),
    "dtls_client_hello": client_hello,
    "rtp": rtp(96, 1, 2, 0x1111),
    "rtcp_rr": bytes.fromhex("80c9000100000001"),
    "turn_channel": bytes.fromhex("40000004deadbeef"),
    "zrtp": b"\x10" + b"\0" * 15,
    "empty": b"",
}
for name, data in demux.items():
    write("media_demux", name, data)
print(f"wrote {len(ice)} ice_lite and {len(demux)} media_demux seeds")
