"""The trunk handshake against the real binary, with an independent implementation of its
MAC in Python: the right secret links, a wrong one is refused (and counted), a recorded
handshake replayed later is refused, and the secret never appears in what the far side
receives (a Python WebSocket server plays the far SFU and keeps every byte)."""
import hashlib
import hmac
import json
import os
import socket
import struct
import threading
import unittest

from harness import ADMIN, Server
from test_ice import request
from test_trunk import SECRET, Sites, wait_until
from wsclient import WebSocket, pb


def field(b):
    return struct.pack("!H", len(b)) + b


def trunk_mac(secret, side, challenge, response, dialler, acceptor):
    """HMAC-SHA256(secret, label || nonces || sites), each field length-prefixed (trunk_auth.cpp)."""
    label = b"umbrella trunk dialler" if side == "dialler" else b"umbrella trunk acceptor"
    data = b"".join(field(x) for x in (label, challenge, response, dialler.encode(), acceptor.encode()))
    return hmac.new(secret.encode(), data, hashlib.sha256).digest()


def status(server):
    return json.loads(request(server, "GET", "/status.json", headers=ADMIN)[2])


def trunk_join(site):
    env = pb().Envelope()
    env.join.role = pb().ROLE_TRUNK
    env.join.site_id = site
    env.join.path.append(site)
    return env


class FarSfu:
    """A plain ws:// WebSocket server that plays an accepting SFU for one dialled trunk and
    records every byte the dialler sends."""

    def __init__(self, secret, site="site-far", check_response=True):
        self.secret, self.site, self.check_response = secret, site, check_response
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.received = b""   # the bytes on the wire (frames masked, as clients send them)
        self.payloads = b""   # and every frame's payload, unmasked
        self.outcome = None
        self.done = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def read(self, conn, n):
        while len(self.buf) < n:
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.received += chunk
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self, conn):
        b0, b1 = self.read(conn, 2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.read(conn, 2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.read(conn, 8))[0]
        mask = self.read(conn, 4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.read(conn, n)))
        self.payloads += payload
        env = pb().Envelope()
        if b0 & 0x0F == 0x2:  # binary: an Envelope (control frames carry none)
            env.ParseFromString(payload)
        return env

    def send(self, conn, env):
        payload = env.SerializeToString()
        head = bytes([0x82]) + (bytes([len(payload)]) if len(payload) < 126 else
                                bytes([126]) + struct.pack("!H", len(payload)))
        conn.sendall(head + payload)

    def serve(self):
        conn, _ = self.listener.accept()
        conn.settimeout(20)
        self.buf = b""
        try:
            while b"\r\n\r\n" not in self.buf:
                chunk = conn.recv(4096)
                self.received += chunk
                self.buf += chunk
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            key = [l.split(b":", 1)[1].strip() for l in head.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key")][0]
            accept = __import__("base64").b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            join = self.frame(conn)
            dialler = join.join.site_id
            challenge = os.urandom(32)
            env = pb().Envelope()
            env.trunk_challenge.nonce = challenge
            env.trunk_challenge.site_id = self.site
            self.send(conn, env)
            response = self.frame(conn).trunk_response
            want = trunk_mac(self.secret, "dialler", challenge, response.nonce, dialler, self.site)
            if self.check_response and not hmac.compare_digest(want, response.mac):
                self.outcome = "bad response"
                return
            env = pb().Envelope()
            env.joined.participant_id = "trunk-" + dialler
            env.joined.site_id = self.site
            env.joined.trunk_proof = trunk_mac(self.secret, "acceptor", challenge, response.nonce, dialler, self.site)
            self.send(conn, env)
            self.outcome = "linked"
            while True:  # what the dialler sends once it trusts us (its offer): kept too
                self.frame(conn)
        except (ConnectionError, OSError, IndexError):
            pass
        finally:
            self.done.set()
            conn.close()


class TrunkAuth(Sites, unittest.TestCase):

    def handshake(self, server, secret, site="site-py"):
        """Dials `server` as trunk `site`; returns (frames sent, what came back last)."""
        ws = WebSocket("127.0.0.1", server.http_port)
        sent = [trunk_join(site)]
        ws.send(sent[0])
        challenge = ws.recv()
        self.assertEqual(challenge.WhichOneof("body"), "trunk_challenge")
        self.assertEqual(len(challenge.trunk_challenge.nonce), 32)
        env = pb().Envelope()
        env.trunk_response.nonce = os.urandom(32)
        env.trunk_response.mac = trunk_mac(secret, "dialler", challenge.trunk_challenge.nonce,
                                           env.trunk_response.nonce, site, challenge.trunk_challenge.site_id)
        sent.append(env)
        ws.send(env)
        reply = ws.recv()
        if reply.WhichOneof("body") == "joined":
            want = trunk_mac(secret, "acceptor", challenge.trunk_challenge.nonce, env.trunk_response.nonce, site,
                             challenge.trunk_challenge.site_id)
            self.assertTrue(hmac.compare_digest(want, reply.joined.trunk_proof), "the server's proof is wrong")
        ws.close()
        return sent, reply

    def test_right_secret_links_wrong_refused_replay_refused(self):
        b = self.start("site-b", UMBRELLA_TRUNK_SECRET=SECRET)
        sent, reply = self.handshake(b, SECRET)
        self.assertEqual(reply.WhichOneof("body"), "joined", reply)
        self.assertEqual(reply.joined.site_id, "site-b")

        _, reply = self.handshake(b, "not the secret", site="site-guess")
        self.assertEqual(reply.WhichOneof("body"), "error")
        self.assertEqual(reply.error.message, "wrong trunk secret")
        self.assertEqual(reply.error.code, pb().Error.CODE_UNAUTHORIZED)

        # The first, successful handshake's frames, played again on a fresh connection.
        ws = WebSocket("127.0.0.1", b.http_port)
        ws.send(sent[0])
        self.assertEqual(ws.recv().WhichOneof("body"), "trunk_challenge")
        ws.send(sent[1])
        reply = ws.recv()
        self.assertEqual(reply.WhichOneof("body"), "error")
        self.assertEqual(reply.error.message, "wrong trunk secret")
        ws.close()
        counters = status(b)["counters"]
        self.assertEqual(counters["signal.trunk_auth_failed"], 2)
        self.assertTrue(b.wait_log("failed the handshake", 5), b.log_text())

    def test_the_secret_never_reaches_the_far_side(self):
        far = FarSfu(SECRET)
        a = self.start("site-a", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_URL=f"ws://127.0.0.1:{far.port}/wsb")
        wait_until(lambda: far.outcome == "linked", 20, "the handshake\n" + a.log_text())
        wait_until(lambda: any(t["state"] == "connected" for t in status(a)["trunks"]), 20,
                   "the trunk to count as connected\n" + a.log_text())
        self.assertIn(b"site-a", far.payloads)  # what it said, unmasked
        for seen in (far.received, far.payloads):
            self.assertNotIn(SECRET.encode(), seen)
            self.assertNotIn(SECRET.encode().hex().encode(), seen.lower())

    def test_a_far_side_without_the_secret_is_not_trusted(self):
        # It accepts anything and answers with a proof made with a guess: the dialler closes.
        far = FarSfu("a guess", check_response=False)
        a = self.start("site-a", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_URL=f"ws://127.0.0.1:{far.port}/wsb")
        self.assertTrue(far.done.wait(30), a.log_text())
        self.assertTrue(a.wait_log("did not prove it knows the trunk secret", 10), a.log_text())
        self.assertNotIn(SECRET.encode(), far.received + far.payloads)
        self.assertGreaterEqual(status(a)["counters"]["signal.trunk_auth_failed"], 1)
        self.assertFalse(any(c["participant_id"].startswith("trunk-") for c in status(a)["clients"]))


if __name__ == "__main__":
    unittest.main()
