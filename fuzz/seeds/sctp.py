#!/usr/bin/python3
"""Writes the seed corpora for fuzz/dcep_fuzz.cpp (DATA_CHANNEL_OPEN/ACK messages),
fuzz/trunk_data_fuzz.cpp (room messages over a trunk) and
fuzz/sctp_association_fuzz.cpp (SCTP packets: [u8 op][u16 length][packet], the harness
writes ports, verification tag and CRC32c unless op bit 1 is set).
Usage: fuzz/seeds/sctp.py"""
import struct

from common import u8, u16, u32, write


def dcep_open(channel_type, priority, param, label, protocol):
    return struct.pack("!BBHIHH", 3, channel_type, priority, param, len(label), len(protocol)) + label + protocol


write("dcep", "open_reliable", dcep_open(0x00, 256, 0, b"room", b""))
write("dcep", "open_unordered_rtx", dcep_open(0x81, 128, 3, b"chat", b"json"))
write("dcep", "open_lifetime", dcep_open(0x02, 512, 1500, b"", b"proto"))
write("dcep", "ack", b"\x02")
write("dcep", "truncated", dcep_open(0x00, 256, 0, b"label", b"")[:10])


def trunk_data(flags, reliability, param, epoch, seq, origin, room, sender, payload):
    return (struct.pack("!BBIII", flags, reliability, param, epoch, seq) + bytes([len(origin)]) + origin +
            bytes([len(room)]) + room + bytes([len(sender)]) + sender + payload)


# fuzz/trunk_data_fuzz.cpp: room messages crossing a trunk (src/server/trunk_data_frame.hpp).
write("trunk_data", "text", trunk_data(0, 0, 0, 7, 1, b"site-a", b"r", b"alice", b"hello"))
write("trunk_data", "binary_unordered_rtx", trunk_data(3, 1, 2, 7, 2, b"site-b", b"r", b"bob", b"\0\1\2"))
write("trunk_data", "empty_payload", trunk_data(0, 2, 500, 9, 3, b"site-c", b"r", b"carol", b""))
write("trunk_data", "ours_back", trunk_data(0, 0, 0, 1, 1, b"here", b"r", b"p", b"x"))
write("trunk_data", "truncated", trunk_data(0, 0, 0, 7, 1, b"site-a", b"r", b"alice", b"")[:20])


def chunk(kind, flags, value):
    body = struct.pack("!BBH", kind, flags, 4 + len(value)) + value
    return body + b"\0" * (-len(body) % 4)


def packet(*chunks):
    return struct.pack("!HHII", 5000, 5000, 0, 0) + b"".join(chunks)


def record(op, data):
    return u8(op) + u16(len(data)) + data


DATA, INIT, SACK, HEARTBEAT, ABORT, SHUTDOWN, ERROR, COOKIE_ECHO, FORWARD_TSN, RECONFIG = 0, 1, 3, 4, 6, 7, 9, 10, 192, 130


def data_chunk(tsn, sid, ssn, ppid, payload, flags=3):
    return chunk(DATA, flags, struct.pack("!IHHI", tsn, sid, ssn, ppid) + payload)


to_server = 1
seeds = {
    "data_unknown_stream": record(to_server, packet(data_chunk(0x12345678, 9, 0, 51, b"hi"))),
    "data_dcep_open": record(to_server, packet(data_chunk(1, 2, 0, 50, dcep_open(0, 256, 0, b"x", b"")))),
    "sack": record(to_server, packet(chunk(SACK, 0, struct.pack("!IIHH", 0, 65536, 1, 1) + struct.pack("!HH", 2, 5) + u32(7)))),
    "heartbeat": record(0, packet(chunk(HEARTBEAT, 0, struct.pack("!HH", 1, 8) + b"abcd"))),
    "abort": record(to_server, packet(chunk(ABORT, 0, b""))),
    "shutdown": record(to_server, packet(chunk(SHUTDOWN, 0, u32(0)))),
    "init_again": record(to_server, packet(chunk(INIT, 0, struct.pack("!IIHHI", 0xdeadbeef, 65536, 64, 64, 1)))),
    "forward_tsn": record(to_server, packet(chunk(FORWARD_TSN, 0, u32(5) + u16(0) + u16(1)))),
    "reconfig_reset": record(to_server, packet(chunk(RECONFIG, 0, struct.pack("!HHIII", 13, 18, 1, 0, 0) + u16(0) + b"\0\0"))),
    "fragments": record(to_server, packet(data_chunk(2, 0, 0, 53, b"A" * 100, flags=2)))
    + record(to_server | (4 << 2), packet(data_chunk(3, 0, 0, 53, b"B" * 100, flags=1))),
    "error_chunk": record(0, packet(chunk(ERROR, 0, struct.pack("!HH", 1, 8) + u32(0)))),
    "raw_bad_crc": record(to_server | 2, packet(data_chunk(1, 0, 0, 51, b"x"))),
    "many_chunks": record(to_server, packet(*[chunk(HEARTBEAT, 0, struct.pack("!HH", 1, 4)) for _ in range(40)])),
    "zero_length_chunk": record(to_server, packet(b"\0\0\0\0")),
}
for name, data in seeds.items():
    write("sctp_association", name, data)
