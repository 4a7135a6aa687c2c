#!/usr/bin/python3
"""Writes the seed corpus for fuzz/jwt_fuzz.cpp, with tokens signed here by Python's hmac
(independently of the C++ signer). First byte: 0 token, 1 header JSON, 2 claims JSON, 3 base64url.
Usage: fuzz/seeds/jwt.py"""
import base64
import hashlib
import hmac
import json

from common import write

KEY = b"fuzz-room-key-0123456789"
NOW = 1767225600


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def token(claims, header=None, key=KEY):
    h = b64(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    p = b64(json.dumps(claims).encode() if isinstance(claims, dict) else claims)
    signing = h + b"." + p
    return signing + b"." + b64(hmac.new(key, signing, hashlib.sha256).digest())


good = {"room": "lobby", "sub": "ann", "name": "Ann", "canPublish": True, "canSubscribe": True, "exp": NOW + 3600}
seeds = {
    "token_valid": token(good),
    "token_viewer": token(dict(good, canPublish=False)),
    "token_expired": token(dict(good, exp=NOW - 1)),
    "token_not_yet": token(dict(good, nbf=NOW + 60)),
    "token_wrong_key": token(good, key=b"another-key-0123456789"),
    "token_alg_none": token(good, header={"alg": "none"}),
    "token_no_room": token({"sub": "ann", "exp": NOW + 60}),
    "token_unknown_nested": token(dict(good, video={"roomJoin": True, "list": [1, 2.5e3, None, "x"]})),
    "token_two_dots_only": b"..",
    "token_unicode_name": token(dict(good, name="Zo\u00eb \U0001F600")),
}
for name, data in seeds.items():
    write("jwt", name, b"\x00" + data)
write("jwt", "header_hs256", b"\x01" + b'{"alg":"HS256","typ":"JWT"}')
write("jwt", "header_crit", b"\x01" + b'{"alg":"HS256","crit":["x"]}')
write("jwt", "claims_escapes", b"\x02" + b'{"room":"a\\"b\\\\\\u00e9\\ud83d\\ude00","sub":"x","exp":1}')
write("jwt", "claims_duplicate_room", b"\x02" + b'{"room":"a","room":"b","sub":"x","exp":1}')
write("jwt", "claims_deep", b"\x02" + b'{"x":' + b"[" * 12 + b"]" * 12 + b',"room":"a","sub":"x","exp":1}')
write("jwt", "claims_number_forms", b"\x02" + b'{"n":-0.5e+10,"room":"a","sub":"x","exp":0123}')
write("jwt", "base64url", b"\x03" + b64(bytes(range(40))))
# Found by libFuzzer: raw bytes that are not UTF-8 in a claim (refused since).
write("jwt", "crash_invalid_utf8_claim",
      b'\x02{"room":"\x9d\x9e\x91\xaf\x8a\x9d\x93\x8cshe9\\ud83d\\ude00","sub":"x","exp":1}')
