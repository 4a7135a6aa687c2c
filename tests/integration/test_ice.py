"""ICE-lite against an independent ICE implementation (Debian's python3-aioice)."""
import asyncio
import binascii
import json
import os
import socket
import ssl
import struct
import unittest
import urllib.request

import aioice
from aioice import stun

from harness import ADMIN, CLIENT_IP, SERVER_IP, Server
from sdp_util import attr, candidates, minimal_audio_offer


def request(server, method, path, body=None, headers=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(server.base_url + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return r.status, dict(r.headers), r.read()


def whip(server, offer, room="ice"):
    return request(server, "POST", f"/whip/{room}", offer.encode(), {"Content-Type": "application/sdp"})


def status(server):
    return json.loads(request(server, "GET", "/status.json", headers=ADMIN)[2])


def binding_request(username, password, use_candidate=True):
    req = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    req.attributes["USERNAME"] = username
    req.attributes["PRIORITY"] = 1853824767
    req.attributes["ICE-CONTROLLING"] = 0x1122334455667788
    if use_candidate:
        req.attributes["USE-CANDIDATE"] = None
    req.add_message_integrity(password.encode())  # adds FINGERPRINT too
    return req


class IceLite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_aioice_connects_and_xor_mapped_address_is_ours(self):
        async def run():
            conn = aioice.Connection(ice_controlling=True, components=1)
            await conn.gather_candidates()
            offer = minimal_audio_offer(conn.local_username, conn.local_password)
            code, headers, body = whip(self.server, offer)
            self.assertEqual(code, 201)
            self.assertIn("/resource/", headers["Location"])
            answer = body.decode()
            self.assertIn("a=ice-lite", answer)
            cands = candidates(answer)
            # The server announces only its test address, never a client's.
            self.assertEqual({c[0] for c in cands}, {SERVER_IP})
            self.assertNotIn(CLIENT_IP, answer)
            conn.remote_username = attr(answer, "ice-ufrag")
            conn.remote_password = attr(answer, "ice-pwd")
            for line in answer.splitlines():
                if line.startswith("a=candidate:"):
                    await conn.add_remote_candidate(aioice.Candidate.from_sdp(line[2 + len("candidate:"):]))
            await conn.add_remote_candidate(None)
            await asyncio.wait_for(conn.connect(), 10)
            await conn.close()

            # And one check by hand, to read the XOR-MAPPED-ADDRESS the server saw.
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((CLIENT_IP, 0))
            sock.settimeout(3)
            server_ufrag, server_pwd = attr(answer, "ice-ufrag"), attr(answer, "ice-pwd")
            req = binding_request(f"{server_ufrag}:{conn.local_username}", server_pwd)
            sock.sendto(bytes(req), (SERVER_IP, cands[0][1]))
            data, _ = sock.recvfrom(2048)
            resp = stun.parse_message(data, integrity_key=server_pwd.encode())
            self.assertEqual(resp.message_class, stun.Class.RESPONSE)
            self.assertEqual(resp.transaction_id, req.transaction_id)
            self.assertEqual(resp.attributes["XOR-MAPPED-ADDRESS"], sock.getsockname())
            sock.close()
            return cands[0][1]

        asyncio.run(run())

    def test_wrong_password_gets_401_and_creates_no_state(self):
        async def run():
            conn = aioice.Connection(ice_controlling=True, components=1)
            offer = minimal_audio_offer(conn.local_username, conn.local_password)
            code, headers, body = whip(self.server, offer, room="ice-bad")
            answer = body.decode()
            port = candidates(answer)[0][1]
            before = status(self.server)
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((CLIENT_IP, 0))
            sock.settimeout(3)
            req = binding_request(f"{attr(answer, 'ice-ufrag')}:{conn.local_username}", "wrong-password-xxxxxxxxx")
            sock.sendto(bytes(req), (SERVER_IP, port))
            data, _ = sock.recvfrom(2048)
            resp = stun.parse_message(data)
            self.assertEqual(resp.message_class, stun.Class.ERROR)
            self.assertEqual(resp.attributes["ERROR-CODE"][0], 401)
            # An unknown ufrag is refused the same way, statelessly.
            req = binding_request(f"nosuchufrag:{conn.local_username}", "whatever-password-xxxxxx")
            sock.sendto(bytes(req), (SERVER_IP, port))
            resp = stun.parse_message(sock.recvfrom(2048)[0])
            self.assertEqual(resp.attributes["ERROR-CODE"][0], 401)
            sock.close()
            after = status(self.server)
            mine = [c for c in after["clients"] if c["room"] == "ice-bad"]
            self.assertEqual(len(mine), 1)
            self.assertEqual(mine[0]["ice_state"], "new")   # no nomination, no selected address
            self.assertEqual(mine[0].get("address", ""), "")
            self.assertEqual(after["counters"]["media.stun_unknown_ufrag"],
                             before["counters"]["media.stun_unknown_ufrag"] + 1)
            self.assertEqual(request(self.server, "DELETE", headers["Location"])[0], 200)

        asyncio.run(run())

    def test_plain_binding_request_learns_the_address_the_server_sees(self):
        """A site behind a NAT asks the rendezvous's media port for its public address (RFC 8489
        basic binding, no credentials) before bridging to another site directly."""
        before = status(self.server)["counters"]
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((CLIENT_IP, 0))
        sock.settimeout(3)
        for fingerprint in (False, True):
            req = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
            data = bytes(req)
            if fingerprint:  # RFC 8489 14.7, which aioice adds only with MESSAGE-INTEGRITY
                data = data[:2] + struct.pack("!H", len(data) - 20 + 8) + data[4:]
                data += struct.pack("!HHI", 0x8028, 4, binascii.crc32(data) ^ 0x5354554E)
            sock.sendto(data, (SERVER_IP, self.server.media_port))
            resp = stun.parse_message(sock.recvfrom(2048)[0])
            self.assertEqual(resp.message_class, stun.Class.RESPONSE)
            self.assertEqual(resp.transaction_id, req.transaction_id)
            self.assertEqual(resp.attributes["XOR-MAPPED-ADDRESS"], sock.getsockname())
        # Credentials without a session still get the stateless 401, not an address.
        req = binding_request("nosuchufrag:peer", "whatever-password-xxxxxx")
        sock.sendto(bytes(req), (SERVER_IP, self.server.media_port))
        resp = stun.parse_message(sock.recvfrom(2048)[0])
        self.assertEqual(resp.attributes["ERROR-CODE"][0], 401)
        sock.close()
        after = status(self.server)["counters"]
        self.assertEqual(after["media.stun_reflexive_answered"], before["media.stun_reflexive_answered"] + 2)
        self.assertEqual(after["media.stun_unknown_ufrag"], before["media.stun_unknown_ufrag"] + 1)


if __name__ == "__main__":
    unittest.main()
