#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/dns/: valid DNS/mDNS responses and broken ones."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../fuzz/corpus/dns")


def labels(name, end=True):
    out = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l)
    return out + (b"\0" if end else b"")


def header(id_, flags, qd, an, ns=0, ar=0):
    return struct.pack(">HHHHHH", id_, flags, qd, an, ns, ar)


def rr(type_, ttl, rdata, klass=1):
    return struct.pack(">HHIH", type_, klass, ttl, len(rdata)) + rdata


def ptr(off):
    return struct.pack(">H", 0xC000 | off)


q = labels("trunk.example.org") + struct.pack(">HH", 1, 1)
q6 = labels("trunk.example.org") + struct.pack(">HH", 28, 1)
cname_rdata = labels("cdn", False) + ptr(18)
seeds = {
    "a.bin": header(0x1234, 0x8180, 1, 1) + q + ptr(12) + rr(1, 60, bytes([10, 0, 0, 5])),
    "aaaa.bin": header(0x1234, 0x8180, 1, 1) + q6 + ptr(12) + rr(28, 60, bytes(15) + b"\x01"),
    "cname.bin": header(0x1234, 0x8180, 1, 2) + q + ptr(12) + rr(5, 300, cname_rdata)
    + ptr(12 + len(q) + 12) + rr(1, 60, bytes([10, 0, 0, 6])),
    "nxdomain.bin": header(0x1234, 0x8183, 1, 0) + q,
    "truncated_flag.bin": header(0x1234, 0x8380, 1, 0) + q,
    "self_pointer.bin": header(0x1234, 0x8180, 1, 0) + ptr(12),
    "pointer_pair.bin": header(0x1234, 0x8180, 1, 0) + labels("a", False) + ptr(16) + labels("b", False) + ptr(12),
    "rdlength_overrun.bin": header(0x1234, 0x8180, 1, 1) + q + ptr(12) + struct.pack(">HHIH", 1, 1, 1, 900) + b"\1\2",
    "mdns.bin": header(0, 0x8400, 0, 1, 0, 1) + labels("umbrella.local") + rr(28, 120, bytes(16), 0x8001)
    + ptr(12) + rr(1, 120, bytes([192, 168, 1, 1]), 0x8001),
    "resolv_conf.txt": b"search lan\nnameserver 192.168.1.1\noptions ndots:2 timeout:1\n",
    "hosts.txt": b"127.0.0.1 localhost\n10.0.0.5 trunk trunk.lan # x\n",
    # A bare "nameserver" once passed a null pointer to memcpy in SocketAddress::parse_ip.
    "resolv_conf_bare_nameserver.txt": b"nameserver\nnameserver \nsearch\n",
    "short.bin": b"\x12\x34\x81",
}

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} files to {os.path.normpath(OUT)}")
