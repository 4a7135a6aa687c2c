#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/rtp/ and fuzz/corpus/rtcp/: real-looking RTP and RTCP
packets (Chrome-like VP8 with extensions, Opus with audio level, RTX, compound SR+SDES, RR,
PLI, FIR, NACK, REMB, transport-cc) plus broken ones. Run from anywhere."""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fuzz", "corpus")


def one_byte_ext(elements):
    body = b"".join(bytes([(i << 4) | (len(d) - 1)]) + d for i, d in elements)
    body += b"\0" * (-len(body) % 4)
    return struct.pack("!HH", 0xBEDE, len(body) // 4) + body


def two_byte_ext(elements):
    body = b"".join(bytes([i, len(d)]) + d for i, d in elements)
    body += b"\0" * (-len(body) % 4)
    return struct.pack("!HH", 0x1000, len(body) // 4) + body


def rtp(pt, seq, ts, ssrc, payload, ext=b"", marker=False, padding=0, csrcs=()):
    b0 = 0x80 | (0x10 if ext else 0) | (0x20 if padding else 0) | len(csrcs)
    b1 = (0x80 if marker else 0) | pt
    out = struct.pack("!BBHII", b0, b1, seq, ts, ssrc)
    out += b"".join(struct.pack("!I", c) for c in csrcs) + ext + payload
    if padding:
        out += b"\0" * (padding - 1) + bytes([padding])
    return out


def rtcp(count, pt, body, padding=0):
    if padding:
        body += b"\0" * (padding - 1) + bytes([padding])
    assert len(body) % 4 == 0
    return struct.pack("!BBH", 0x80 | (0x20 if padding else 0) | count, pt, len(body) // 4) + body


def report_block(ssrc, frac, lost, ext_seq, jitter, lsr, dlsr):
    return struct.pack("!IB", ssrc, frac) + (lost & 0xFFFFFF).to_bytes(3, "big") + \
        struct.pack("!IIII", ext_seq, jitter, lsr, dlsr)


def sdes_cname(ssrc, cname):
    chunk = struct.pack("!I", ssrc) + bytes([1, len(cname)]) + cname + b"\0"
    chunk += b"\0" * (-len(chunk) % 4)
    return rtcp(1, 202, chunk)


def write(folder, name, data):
    path = os.path.join(ROOT, folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


def rtp_corpus():
    vp8 = bytes([0x90, 0xE0, 0x12, 0x34, 0x10]) + bytes(range(256)) * 4 + bytes(110)
    chrome_ext = one_byte_ext([(2, b"\x12\x34\x56"), (3, b"\x01\x02"), (4, b"0"),
                               (10, b"h"), (11, b"l")])
    video = rtp(96, 1000, 90000, 0x1A2B3C4D, vp8, chrome_ext, marker=True)
    write("rtp", "vp8_chrome_ext", video)
    write("rtp", "opus_audio_level",
          rtp(111, 7, 960, 0xCAFE, bytes(60), one_byte_ext([(1, b"\xA5"), (4, b"audio0")])))
    write("rtp", "two_byte_ext",
          rtp(96, 2, 3, 4, b"xyz", two_byte_ext([(1, b""), (200, bytes(20)), (3, b"\x07")])))
    write("rtp", "rtx", rtp(97, 5, 90000, 0x2000, b"\x03\xE8" + vp8[:100], chrome_ext))
    write("rtp", "padding_only", rtp(97, 6, 90000, 0x2000, b"", chrome_ext, padding=224))
    write("rtp", "csrcs", rtp(0, 65535, 0xFFFFFFFF, 1, b"pcmu", csrcs=(1, 2, 3)))
    write("rtp", "ext_id15_stop", rtp(96, 1, 1, 1, b"p",
                                      struct.pack("!HH", 0xBEDE, 1) + b"\x10\x01\xF0\x00"))
    write("rtp", "bad_version", b"\x40" + video[1:])
    write("rtp", "bad_padding", rtp(96, 1, 1, 1, b"abc")[:-1] + b"\xFF")
    write("rtp", "bad_ext_length", video[:12] + b"\xBE\xDE\x0F\xFF" + video[16:40])
    write("rtp", "bad_ext_element", rtp(96, 1, 1, 1, b"", struct.pack("!HH", 0xBEDE, 1) + b"\x1F\x00\x00\x00"))
    write("rtp", "truncated", video[:11])


def rtcp_corpus():
    sr = rtcp(1, 200, struct.pack("!IQIII", 0x1A2B3C4D, 0xE85E1B4A80000000, 123456, 10, 1000)
              + report_block(0xCAFE, 12, 3, 0x1FFFF, 44, 0x1B4A8000, 0x8000))
    write("rtcp", "sr_sdes", sr + sdes_cname(0x1A2B3C4D, b"{f8d21f44-1c9c-4a5b-9d2e}"))
    write("rtcp", "rr", rtcp(2, 201, struct.pack("!I", 1) + report_block(2, 0, 0, 100, 5, 0, 0)
                             + report_block(3, 255, -5, 70000, 900, 1, 2)))
    write("rtcp", "rr_pli", rtcp(0, 201, struct.pack("!I", 1)) + rtcp(1, 206, struct.pack("!II", 1, 0x1A2B3C4D)))
    write("rtcp", "fir", rtcp(4, 206, struct.pack("!IIIBxxx", 1, 0, 0x1A2B3C4D, 7)))
    write("rtcp", "nack", rtcp(1, 205, struct.pack("!IIHHHH", 1, 0x1A2B3C4D, 100, 0x8003, 65535, 1)))
    write("rtcp", "remb", rtcp(15, 206, struct.pack("!II", 1, 0) + b"REMB" + b"\x02\x0A\x3D\x3E"
                               + struct.pack("!II", 0x1A2B3C4D, 0xCAFE)))
    twcc_fci = struct.pack("!HHI", 100, 15, (16 << 8) | 7) + bytes.fromhex("2005C940A800") + \
        bytes.fromhex("0404040404FFF80A0001FF")
    write("rtcp", "twcc", rtcp(15, 205, struct.pack("!II", 1, 0x1A2B3C4D) + twcc_fci, padding=3))
    write("rtcp", "bye", rtcp(1, 203, struct.pack("!I", 5) + b"\x08shutdown\0\0\0"))
    write("rtcp", "app_xr", rtcp(0, 204, struct.pack("!I", 1) + b"name") + rtcp(0, 207, struct.pack("!I", 1)))
    write("rtcp", "bad_length", sr[:2] + b"\x00\x40" + sr[4:])
    write("rtcp", "bad_padding", b"\xA0\xC9\x00\x01\x00\x00\x00\x09")  # pad count 9 > 4
    write("rtcp", "bad_sdes", rtcp(1, 202, struct.pack("!I", 1) + b"\x01\x09xy"))
    # Reference times at both ends of the signed 24-bit range with a large first delta: the
    # decoded times leave the range, and re-encoding them must wrap explicitly.
    write("rtcp", "twcc_reference_wrap_high",
          rtcp(15, 205, struct.pack("!IIHHI", 1, 2, 0, 1, 0x7FFFFF00) + b"\x40\x01\x7F\xFF"))
    write("rtcp", "twcc_reference_wrap_low",
          rtcp(15, 205, struct.pack("!IIHHI", 1, 2, 0, 1, 0x80000000) + b"\x40\x01\xFF\xFF"))
    write("rtcp", "twcc_truncated", rtcp(15, 205, struct.pack("!II", 1, 2) + twcc_fci[:16]))
    write("rtcp", "truncated_compound", (sr + sdes_cname(1, b"c"))[:-3])


if __name__ == "__main__":
    rtp_corpus()
    rtcp_corpus()
