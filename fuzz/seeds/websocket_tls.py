#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/ws_accept/, ws_client/ and peer_verify/ (input formats:
see the harnesses). The certificates for peer_verify are made with the openssl command."""
import hashlib
import os
import struct
import subprocess
import tempfile

from common import u8, u32, write

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's example key


def frame(opcode, payload, mask=None, fin=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    else:
        head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        return head + mask + payload
    return head + payload


M = b"\x11\x22\x33\x44"


def upgrade(extra=b"", version=b"13", method=b"GET", host=True):
    return (method + b" /wsb HTTP/1.1\r\n" + (b"Host: sfu.local:8081\r\n" if host else b"")
            + b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY.encode()
            + b"\r\nSec-WebSocket-Version: " + version + b"\r\n" + extra + b"\r\n")


frames = frame(1, b"hello", M) + frame(9, b"p", M) + frame(2, b"\0\1\2", M, fin=False) + frame(0, b"\3", M) \
    + frame(8, b"\x03\xe8bye", M)
accept = {
    "upgrade_frames": u8(0x7E) + upgrade() + frames,
    "upgrade_bytewise": u8(0x00) + upgrade() + frames,
    "subprotocol": u8(0x01) + upgrade(b"Sec-WebSocket-Protocol: chat, umbrella\r\n") + frame(1, b"x", M),
    "subprotocol_not_ours": u8(0x01) + upgrade(b"Sec-WebSocket-Protocol: chat\r\n"),
    "version_8": u8(0x10) + upgrade(version=b"8"),
    "no_host": u8(0x10) + upgrade(host=False),
    "post": u8(0x10) + upgrade(method=b"POST"),
    "bad_key": u8(0x10) + upgrade().replace(KEY.encode(), b"short"),
    "unmasked_frame": u8(0x20) + upgrade() + frame(1, b"unmasked"),
    "plain_get": u8(0x10) + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
}
for name, data in accept.items():
    write("ws_accept", name, data)

# ws_client: setup byte (bit 0 offers "umbrella", bit 1 advances time), then the server's bytes;
# "{accept}" stands for the right Sec-WebSocket-Accept.
def response(extra=b"", status=b"101 Switching Protocols", accept=b"{accept}"):
    return (b"HTTP/1.1 " + status + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
            + accept + b"\r\n" + extra + b"\r\n")


server_frames = frame(1, b"hello") + frame(9, b"ping") + frame(2, b"\0" * 200) + frame(8, b"\x03\xe8")
client = {
    "open_frames": u8(0x40) + response() + server_frames,
    "open_bytewise": u8(0x00) + response() + server_frames,
    "subprotocol": u8(0x41) + response(b"Sec-WebSocket-Protocol: umbrella\r\n") + frame(1, b"x"),
    "unrequested_subprotocol": u8(0x40) + response(b"Sec-WebSocket-Protocol: umbrella\r\n"),
    "extension": u8(0x40) + response(b"Sec-WebSocket-Extensions: permessage-deflate\r\n"),
    "wrong_accept": u8(0x40) + response(accept=b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
    "status_200": u8(0x40) + response(status=b"200 OK"),
    "head_too_large": u8(0x40) + b"HTTP/1.1 101 Switching Protocols\r\n" + b"X-Pad: " + b"a" * 9000,
    "masked_from_server": u8(0x40) + response() + frame(1, b"masked", M),
    "slow_timeout": u8(0x02) + b"HTTP/1.1 101 Switching Protocols\r\n" + b"X: y\r\n" * 10,
}
for name, data in client.items():
    write("ws_client", name, data)


# peer_verify: mode (0 ca, 1 pin, 2 insecure), host (u8 length), pin text (u8 length), mbedTLS
# flags u32, then the DER certificate.
def make_cert(san):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "c.der")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", os.path.join(d, "k.pem"), "-subj", "/CN=sfu.example", "-days", "3650",
                        "-addext", "subjectAltName=" + san, "-outform", "DER", "-out", out],
                       check=True, capture_output=True)
        with open(out, "rb") as f:
            return f.read()


def pv(mode, host, pin, der, flags=0):
    return u8(mode) + u8(len(host)) + host.encode() + u8(len(pin)) + pin.encode() + u32(flags) + der


def fingerprint(der, sep=":"):
    return sep.join(f"{b:02X}" for b in hashlib.sha256(der).digest())


ip_cert = make_cert("IP:192.0.2.1,IP:2001:db8::1,DNS:sfu.example")
dns_cert = make_cert("DNS:sfu.example,DNS:*.sfu.example")
verify = {
    "ca_ipv4_match": pv(0, "192.0.2.1", "", ip_cert, 0x08),
    "ca_ipv6_bracketed": pv(0, "[2001:db8::1]", "", ip_cert),
    "ca_ip_mismatch": pv(0, "198.51.100.1", "", ip_cert),
    "ca_dns_name": pv(0, "sfu.example", "", dns_cert, 0x04),
    "pin_match": pv(1, "sfu.example", fingerprint(ip_cert), ip_cert),
    "pin_lowercase_no_colons": pv(1, "10.0.0.1", fingerprint(dns_cert, "").lower(), dns_cert),
    "pin_mismatch": pv(1, "sfu.example", fingerprint(dns_cert), ip_cert),
    "pin_malformed": pv(1, "sfu.example", "AB:CD", ip_cert),
    "insecure": pv(2, "", "", dns_cert, 0xFFFF),
    "truncated_der": pv(0, "192.0.2.1", "", ip_cert[:200]),
}
for name, data in verify.items():
    write("peer_verify", name, data)
print(f"wrote {len(accept)} ws_accept, {len(client)} ws_client, {len(verify)} peer_verify seeds")
