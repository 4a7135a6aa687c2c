#!/usr/bin/python3
"""Writes the seed corpora for fuzz/direct_setup_fuzz.cpp (DirectSetup payloads, encoded by
python3-protobuf from proto/umbrella.proto, independently of nanopb) and
fuzz/rendezvous_fuzz.cpp (operation sequences, see that file). Needs Debian's python3-protobuf.
Usage: fuzz/seeds/direct.py"""
import importlib
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import write  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with tempfile.TemporaryDirectory() as gen:
    subprocess.run(["protoc", "-I" + os.path.join(root, "proto"), "--python_out=" + gen,
                    os.path.join(root, "proto", "umbrella.proto")], check=True)
    sys.path.insert(0, gen)
    pb = importlib.import_module("umbrella_pb2")

FP = "sha-256 " + ":".join(["AB"] * 32)


def setup(**kw):
    base = dict(session=7, ufrag="abcd", pwd="p" * 24, fingerprint=FP, candidates=["10.0.0.2:40000"])
    base.update(kw)
    return pb.DirectSetup(**base).SerializeToString()


setups = {
    "valid_host": setup(),
    "valid_host_srflx_v6": setup(candidates=["10.0.0.2:40000", "198.51.100.1:40000", "[2001:db8::1]:9"]),
    "valid_eight": setup(candidates=["10.0.0.%d:%d" % (i, 4000 + i) for i in range(8)]),
    "broken_nine_candidates": setup(candidates=["10.0.0.%d:1" % i for i in range(9)]),
    "broken_no_candidates": setup(candidates=[]),
    "broken_name_candidate": setup(candidates=["example.org:80"]),
    "broken_port_zero": setup(candidates=["10.0.0.2:0"]),
    "broken_ufrag_too_long": setup(ufrag="u" * 32),
    "broken_no_pwd": setup(pwd=""),
    "broken_truncated": setup()[:20],
    "broken_empty": b"",
}
for name, data in setups.items():
    write("direct_setup", name + ".bin", data)

# Rendezvous sequences: each op is 3 bytes [op, a, b] (+ payload length and bytes for signals):
# op%4 == 0 site a joins (name "s<b%4>"), 1 site a leaves, 2 site a's rooms = bitmask b,
# 3 site a signals site "s<b%4>" with the next byte's length of payload; time moves 100 ms an op.
def ops(*xs):
    return bytes(xs)


rendezvous = {
    "introduce_and_signal": ops(0, 1, 0, 0, 2, 1, 2, 1, 1, 2, 2, 1, 3, 1, 1, 4, 1, 2, 3, 4),
    "not_introduced": ops(0, 1, 0, 0, 2, 1, 2, 1, 1, 2, 2, 2, 3, 1, 1, 2, 9, 9),
    "leave_then_signal": ops(0, 1, 0, 0, 2, 1, 2, 1, 3, 2, 2, 3, 1, 2, 0, 3, 1, 1, 3, 7, 7, 7),
    "flood": ops(0, 1, 0, 0, 2, 1, 2, 1, 1, 2, 2, 1) + ops(3, 1, 1, 1, 0) * 40,
    "same_name": ops(0, 1, 0, 0, 2, 0, 2, 1, 1, 2, 2, 1),
}
for name, data in rendezvous.items():
    write("rendezvous", name + ".bin", data)
print("wrote %d direct_setup and %d rendezvous seeds" % (len(setups), len(rendezvous)))
