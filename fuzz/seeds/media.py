#!/usr/bin/env python3
"""Writes the seed corpora of the stateful media harnesses: fuzz/corpus/router/,
nack_generator/, retransmission_cache/ and seq_rewriter/ (input formats: see each
fuzz/<name>_fuzz.cpp)."""
from common import rtp, u8, u16, u32, write

# ---- router: ops [op][time step][...]; (op >> 3) % 6 picks the transport 10 11 12 20 21 99.
T = {10: 0, 11: 1, 12: 2, 20: 3, 21: 4, 99: 5}
NEXT_GAP, NEW_FRAME, RTX, MID, RID, TWCC, MARKER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40


def r_rtp(stream, flags, step=10, gap=0, back=0, words=50):
    out = u8(2) + u8(step) + u8(stream) + u8(flags)
    if flags & NEXT_GAP:
        out += u8(gap)
    return out + u8(back) + u8(words)


def r_raw_rtp(transport, data, step=5):
    return u8(0 | T[transport] << 3) + u8(step) + u16(len(data)) + data


def r_raw_rtcp(transport, data, step=5):
    return u8(1 | T[transport] << 3) + u8(step) + u16(len(data)) + data


def r_nack(transport, sub, count, back, step=5):
    return u8(4 | T[transport] << 3) + u8(step) + u8(0) + u8(sub) + u8(count) + u8(back)


def r_pli(transport, sub, step=5):
    return u8(4 | T[transport] << 3) + u8(step) + u8(1) + u8(sub)


def r_sr(stream, step=5):
    return u8(4) + u8(step) + u8(2) + u8(0) + u8(stream) + u32(0xE85E1B4A) + u16(100)


def r_rr(transport, sub, step=5):
    return u8(4 | T[transport] << 3) + u8(step) + u8(3) + u8(sub) + u8(10) + u32(0x1B4A8000) + u16(0x8000)


def r_remb(transport, sub, step=5):
    return u8(4 | T[transport] << 3) + u8(step) + u8(4) + u8(sub) + u32(250000)


def r_timeout(step=0, at_deadline=True):
    return u8(5 | (0x40 if at_deadline else 0)) + u8(step)


def r_control(action, stream, sub21=False, rtx=False, step=1):
    return u8(6) + u8(step) + u8((action << 5) | (0x10 if sub21 else 0) | (0x08 if rtx else 0) | (stream - 1))


video = b"".join(r_rtp(0, NEW_FRAME | TWCC | (MARKER if i % 3 == 2 else 0), step=11) for i in range(30))
lossy = b"".join(r_rtp(0, NEW_FRAME | TWCC | NEXT_GAP, gap=2, step=33) for _ in range(5))
repair = r_nack(20, 0, 5, 4) + r_nack(21, 1, 3, 2) + r_rtp(0, RTX, back=3) + r_timeout() + r_timeout()
simulcast = b"".join(r_rtp(2 + (i % 2), MID | RID | NEW_FRAME, step=15) for i in range(12)) + \
    b"".join(r_rtp(2, RTX | MID | RID, back=i) for i in range(3))
audio = b"".join(r_rtp(1, NEW_FRAME | MID, step=20, words=20) for _ in range(20))
# Stream 1 is AV1 with the dependency descriptor from its 1080th packet (fuzz/router_fuzz.cpp):
# a jump there, a keyframe with the structure and pictures, one packet whose template id (the
# byte after it) is not in the structure, a layer tick, a NACK and an RTX repair.
av1 = r_rtp(0, NEXT_GAP | NEW_FRAME, gap=79) + b"".join(
    r_rtp(0, NEW_FRAME | TWCC | (MARKER if i % 6 == 5 else 0), step=5) for i in range(70)) + \
    r_rtp(0, 0, words=4) + u8(20) + r_timeout(250) + r_nack(21, 0, 5, 3) + r_rtp(0, RTX, back=3) + r_timeout()
router = {
    "av1_svc": av1,
    "video_flow_reports": video + r_sr(0) + r_rr(20, 0) + r_pli(21, 1) + r_remb(20, 0) + r_timeout(200) + r_timeout(),
    "loss_nack_rtx": video[:60] + lossy + r_timeout() + r_timeout() + repair,
    "simulcast_learned": simulcast + r_timeout(250) + r_pli(20, 2),
    "audio": audio + r_sr(1) + r_timeout(255),
    "churn": video[:40] + r_control(1, 1) + r_control(0, 1, rtx=True) + video[40:80] + r_control(2, 1)
    + r_control(3, 2) + audio[:30] + r_control(0, 4, sub21=True) + r_control(4, 3) + simulcast[:40],
    "raw_packets": r_raw_rtp(10, rtp(96, 7, 9000, 0x1111)) + r_raw_rtp(10, rtp(97, 8, 9000, 0x1112, b"\x00\x07" + b"\0" * 10))
    + r_raw_rtp(11, rtp(111, 1, 960, 0x2222)) + r_raw_rtp(99, rtp(96, 1, 1, 0x1111))
    + r_raw_rtcp(20, bytes.fromhex("81cd0003000050140000a1410000ffff"))  # NACK for transport 20's copy of stream 1
    + r_raw_rtcp(10, bytes.fromhex("80c8000611111111e85e1b4a800000000001e24000000010000003e8")),
}
for name, data in router.items():
    write("router", name, data)

# ---- nack_generator: config (rtt, reorder, retries, max_age, max_outstanding u16, first seq u16),
# then ops: & 7 = 0/1 next, 2 gap of (op >> 3) * 3, 3 duplicate, 4 arbitrary (u16; 0x08 relative
# back, 0x10 becomes current), 5 time step, 6 poll (want; 0x08 at deadline), 7 reset / set_rtt.
def n_cfg(rtt=20, reorder=0, retries=3, age=50, outstanding=256, seq=100):
    return u8(rtt) + u8(reorder) + u8(retries) + u8(age) + u16(outstanding) + u16(seq)


def n_poll(want=50, at_deadline=True):
    return u8(6 | (0x08 if at_deadline else 0)) + u8(want)


def n_step(b):
    return u8(5) + u8(b)


nack = {
    "gaps_and_polls": n_cfg() + b"\x00" * 5 + u8(2 | 2 << 3) + n_poll() + n_step(30) + n_poll()
    + u8(4 | 0x08) + u16(3) + n_poll() + n_step(250) + n_poll(),
    "wrap": n_cfg(seq=65530) + b"\x00" * 8 + u8(2 | 1 << 3) + b"\x01" * 3 + n_poll() + n_poll(),
    "overflow_gap": n_cfg(outstanding=16) + b"\x00" * 3 + u8(2 | 7 << 3) + n_poll(5) + u8(2 | 31 << 3) + n_poll(),
    "restart": n_cfg() + b"\x00" * 4 + u8(4 | 0x10) + u16(40000) + u8(0) + u8(2 | 3 << 3) + n_poll()
    + u8(4 | 0x10) + u16(100) + u8(0) + n_poll(),
    "late_recovered": n_cfg(reorder=10) + u8(2 | 5 << 3) + u8(4 | 0x08) + u16(2) + u8(4 | 0x08) + u16(4)
    + n_step(15) + n_poll(3) + u8(3) + n_poll() + u8(7 | 0x08) + u8(0) + n_poll(),
    "retries_exhausted": n_cfg(rtt=5, retries=2, age=255) + u8(2 | 4 << 3) + n_poll() + n_poll() + n_poll()
    + n_poll() + u8(7) + u8(50) + n_poll(),
}
for name, data in nack.items():
    write("nack_generator", name, data)

# ---- retransmission_cache: slots u16, max_age ms u16, first seq u16, then ops: & 3 = 0 insert
# (0x04 next, 0x08 + signed u16 delta), 1 lookup (0x04 absolute u16, else seq - (op >> 3)),
# 2 time step, 3 clear (0x04).
def c_cfg(slots=8, age=100, seq=65530):
    return u16(slots) + u16(age) + u16(seq)


ins, nxt = 0x00, 0x04
cache = {
    "fill_and_lookup": c_cfg() + bytes([ins | nxt] * 12) + bytes([1 | (i << 3) for i in range(10)]),
    "late_does_not_evict": c_cfg() + bytes([ins | nxt] * 4) + u8(0x08) + u16(0x10000 - 8) + u8(1 | 0x04) + u16(65526)
    + u8(1),
    "expiry": c_cfg(age=30) + bytes([ins | nxt] * 3) + u8(2) + u8(40) + bytes([1, 1 | 8, 0x08]) + u16(8) + u8(1),
    "clear": c_cfg(slots=3) + bytes([ins | nxt] * 6) + u8(3 | 0x04) + u8(1) + bytes([ins | nxt] * 2),
    "far_jumps": c_cfg(slots=1000, age=3000) + u8(0x08) + u16(30000) + u8(0x08) + u16(30000) + u8(0x08) + u16(30000)
    + u8(1 | 0x04) + u16(24462) + u8(1),
}
for name, data in cache.items():
    write("retransmission_cache", name, data)

# ---- seq_rewriter: clock, first seq u16, first ts u32, three sources (seq u16, ts u32; 0 and 2
# share an SSRC), then ops: (op >> 2) % 3 picks the source; & 3 = 0 next (0x20 + gap, 0x40 new
# frame), 1 an older one (back u8; ts back (op >> 5) * 3000), 2 switch, 3 time step, or with
# 0x80 a skip (packet not sent): with 0x40 the next (0x20 + gap), without an older one (back u8).
def s_cfg():
    return u8(0) + u16(65000) + u32(0xFFFFF000) + u16(100) + u32(5000) + u16(60000) + u32(7) + u16(1) + u32(1)


def nxt(src, frame=False, gap=None):
    op = src << 2 | (0x40 if frame else 0) | (0x20 if gap is not None else 0)
    return u8(op) + (u8(gap) if gap is not None else b"")


rew = {
    "switches": s_cfg() + nxt(0) * 3 + nxt(0, True) * 2 + u8(2 | 1 << 2) + nxt(0) + nxt(1) + u8(3) + u8(40)
    + nxt(1, True) + u8(2 | 0 << 2) + nxt(0) * 2 + u8(2 | 2 << 2) + nxt(2) * 2,
    "reordered_and_late": s_cfg() + nxt(0) * 5 + u8(1) + u8(3) + u8(1 | 0x20) + u8(1) + u8(2 | 1 << 2) + nxt(1)
    + u8(1) + u8(0) + nxt(0) + u8(1 | 1 << 2) + u8(2),
    # More than 2^15 packets of one source: NACKs must still map back (a bug this found).
    "long_source": s_cfg() + nxt(0) + nxt(0, gap=255) * 140 + u8(1) + u8(5),
    "trunk_reconnect_same_ssrc": s_cfg() + nxt(0) * 3 + u8(2 | 2 << 2 | 0x10) + u16(7) + nxt(2) * 3 + nxt(0),
}


def skip(src, gap=None, back=None):
    if back is not None:
        return u8(0x83 | src << 2) + u8(back)
    return u8(0xc3 | src << 2 | (0x20 if gap is not None else 0)) + (u8(gap) if gap is not None else b"")


# SVC layers not sent: skips between sent packets, a gap then a late packet behind skips, a
# late skip (a hole), a source that starts with a skip, and a run past the skips' window.
rew["svc_skips"] = (s_cfg() + nxt(0) + skip(0) * 2 + nxt(0) + skip(0, gap=1) + skip(0) + nxt(0)
                    + u8(1) + u8(3) + skip(0, back=1) + nxt(0) * 2 + u8(2 | 1 << 2) + skip(1) * 3 + nxt(1)
                    + skip(1) + nxt(1, gap=2) + u8(1 | 1 << 2) + u8(1))
rew["svc_skips_window"] = s_cfg() + nxt(0) + skip(0) + nxt(0, gap=255) * 5 + u8(1) + u8(200) + skip(0) + nxt(0)
for name, data in rew.items():
    write("seq_rewriter", name, data)
print(f"wrote {len(router)} router, {len(nack)} nack_generator, {len(cache)} retransmission_cache, "
      f"{len(rew)} seq_rewriter seeds")
