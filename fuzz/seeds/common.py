"""Helpers shared by the seed corpus scripts: where corpora live, and a STUN message builder
(MESSAGE-INTEGRITY, FINGERPRINT) independent of the C++ one."""
import binascii
import hashlib
import hmac
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")
COOKIE = 0x2112A442


def write(folder, name, data):
    path = os.path.join(CORPUS, folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


def u8(v):
    return struct.pack("!B", v & 0xFF)


def u16(v):
    return struct.pack("!H", v & 0xFFFF)


def u32(v):
    return struct.pack("!I", v & 0xFFFFFFFF)


def stun_attr(kind, value):
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def stun(msg_type, tid, attrs, password=None, fingerprint=True):
    """A STUN message: msg_type (class and method bits already combined), 12-byte tid."""
    body = b"".join(stun_attr(k, v) for k, v in attrs)

    def header(length):
        return struct.pack("!HHI", msg_type, length, COOKIE) + tid

    if password is not None:
        mac = hmac.new(password.encode(), header(len(body) + 24) + body, hashlib.sha1).digest()
        body += stun_attr(0x0008, mac)
    if fingerprint:
        crc = binascii.crc32(header(len(body) + 8) + body) ^ 0x5354554E
        body += stun_attr(0x8028, struct.pack("!I", crc))
    return header(len(body)) + body


BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
BINDING_INDICATION = 0x0011


def ice_check(username, password, tid=b"\x01" * 12, use_candidate=True, controlling=True):
    attrs = [(0x0006, username.encode()), (0x0024, struct.pack("!I", 0x6E7F1EFF))]
    attrs.append((0x802A if controlling else 0x8029, struct.pack("!Q", 0x1234)))
    if use_candidate:
        attrs.append((0x0025, b""))
    return stun(BINDING_REQUEST, tid, attrs, password)


def rtp(pt, seq, ts, ssrc, payload=b"\0" * 20, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload
