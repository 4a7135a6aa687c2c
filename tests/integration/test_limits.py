"""Limits and HTTPS hygiene against the real binary with its default settings: one address
flooding joins, WHIP/WHEP sessions and signalling messages is refused (an Error or a 429 with
the reason, and counters in /status) while a call from another address goes on decoding video,
in aiortc and in Chromium; security headers on every response, HSTS only with a public host;
TLS refuses a suite without forward secrecy and anything below TLS 1.2."""
import asyncio
import json
import os
import socket
import subprocess
import time
import unittest

from harness import Server
from rtc_util import Subscriber, publish, wait_for
from test_abuse_http import attacker_addresses, tls_context
from test_browser import CHROMIUM, NODE, ARTIFACTS, Driver, ensure_node_modules
from test_http import https
from wsclient import WebSocket, pb

JOINS_PER_MINUTE = 30  # the defaults of UMBRELLA_JOINS_PER_MINUTE and UMBRELLA_SESSIONS_PER_MINUTE
SESSIONS_PER_MINUTE = 30


def default_limits_server(**env):
    s = Server(env=env)
    for k in ("UMBRELLA_JOINS_PER_MINUTE", "UMBRELLA_SESSIONS_PER_MINUTE"):  # the harness turns them off
        s.env.pop(k, None)
    return s.start()


def server_ip(source):
    """Where `source` reaches the server: 127.0.0.1 from loopback, else the attacker's destination."""
    return "127.0.0.1" if source.startswith("127.0.0.1") else attacker_addresses()[1]


def counters(server):
    return json.loads(https(server, "GET", "/status.json")[1])["counters"]


def ws_from(server, source, destination):
    ws = WebSocket(destination, server.http_port, source=source)
    assert ws.status == 101, ws.status
    return ws


def join(ws, room):
    env = pb().Envelope()
    env.join.room = room
    env.join.display_name = "flood"
    ws.send(env)
    reply = ws.recv()
    while reply.WhichOneof("body") not in ("joined", "error"):
        reply = ws.recv()
    return reply


def post_from(server, source, destination, path):
    """A WHIP/WHEP POST from `source` (a junk offer: admission comes before the SDP)."""
    raw = socket.create_connection((destination, server.http_port), timeout=5, source_address=(source, 0))
    s = tls_context().wrap_socket(raw)
    body = b"v=0\r\n"
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\nContent-Length: {len(body)}\r\n"
              f"Connection: close\r\n\r\n".encode() + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, text = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head.decode("latin-1"), text.decode()


class Flood:
    """Everything one address may try, each step checked for its refusal."""

    def __init__(self, test, server):
        self.test, self.server = test, server
        self.source, self.destination = attacker_addresses()
        self.held = []

    def joins(self):
        # Join and leave until refused: however slowly this machine goes, the bucket (30, then
        # one more every 2 s) runs dry long before 200 joins. A few connections, so no one
        # of them goes over its messages a second instead.
        refused, joins = None, 0
        leave = pb().Envelope()
        leave.leave.SetInParent()
        while refused is None and joins < 200:
            ws = ws_from(self.server, self.source, self.destination)
            self.held.append(ws)
            for _ in range(20):
                reply = join(ws, f"flood-{joins % 8}")
                joins += 1
                if reply.WhichOneof("body") == "error":
                    refused = reply
                    break
                ws.send(leave)
        self.test.assertIsNotNone(refused, f"none of {joins} joins was refused")
        self.test.assertEqual(refused.error.code, pb().Error.CODE_RATE_LIMITED, refused)
        self.test.assertIn("too many joins from this address", refused.error.message)

    def sessions(self):
        # POST until three are refused (the bucket refills one every 2 s, whatever the pace).
        statuses = []
        while statuses.count(429) < 3 and len(statuses) < 200:
            status, head, text = post_from(self.server, self.source, self.destination, f"/whep/flood-{len(statuses) % 4}")
            statuses.append(status)
            if status == 429:
                self.test.assertIn("too many WHIP/WHEP sessions from this address", text)
                self.test.assertIn("Retry-After:", head)
        self.test.assertEqual(statuses.count(429), 3, statuses)
        self.test.assertGreaterEqual(statuses.index(429), SESSIONS_PER_MINUTE, statuses)  # a minute's worth first
        self.sessions_refused = 3

    def messages(self):
        ws = self.held[0]
        ping = pb().Envelope()
        ping.ping.nonce = 1
        frame = ping.SerializeToString()
        for _ in range(400):
            ws.send_frame(0x2, frame)
        error = ws.recv("error", limit=500)
        self.test.assertEqual(error.error.code, pb().Error.CODE_RATE_LIMITED)
        self.test.assertIn("too many messages", error.error.message)

    def check_counters(self):
        c = counters(self.server)
        self.test.assertGreaterEqual(c["signal.refused_join_rate"], 1)
        self.test.assertEqual(c["signal.refused_session_rate"], self.sessions_refused)
        self.test.assertGreater(c["signal.refused_message_rate"], 0)

    def run(self):
        self.joins()
        self.sessions()
        self.messages()
        self.check_counters()

    def close(self):
        for ws in self.held:
            ws.close()


class FloodWhileACallGoesOn(unittest.TestCase):
    def test_flood_from_one_address_is_refused_and_a_call_from_another_keeps_decoding(self):
        server = default_limits_server()
        flood = Flood(self, server)
        try:
            async def run():
                pub, _, _ = await publish(server.base_url, "call")
                self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15))
                sub = await Subscriber().start(server.base_url, "call")
                self.assertTrue(await wait_for(lambda: sub.video_frames >= 10, 20), server.log_text())
                await asyncio.get_running_loop().run_in_executor(None, flood.run)
                before = sub.video_frames
                self.assertTrue(await wait_for(lambda: sub.video_frames >= before + 30, 20),
                                f"frames {before} -> {sub.video_frames}\n{server.log_text()}")
                await sub.close()
                await pub.close()
            asyncio.run(run())
            self.assertIn("refused", server.log_text())
        finally:
            flood.close()
            server.stop()


class Headers(unittest.TestCase):
    def test_every_response_carries_the_security_headers_and_hsts_only_with_a_public_host(self):
        with Server() as s:
            for method, path in (("GET", "/sfu"), ("GET", "/status.json"), ("GET", "/nowhere"), ("POST", "/sfu")):
                r, _ = https(s, method, path)
                csp = r.getheader("Content-Security-Policy") or ""
                self.assertIn("frame-ancestors 'none'", csp, (method, path, r.status))
                self.assertIn("script-src 'self'", csp)
                self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")
                self.assertEqual(r.getheader("Referrer-Policy"), "no-referrer")
                self.assertIsNone(r.getheader("Strict-Transport-Security"))
            # A refusal made by the HTTP layer itself, before any route.
            raw = tls_context().wrap_socket(socket.create_connection(("127.0.0.1", s.http_port), timeout=5))
            raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
            data = raw.recv(65536)
            raw.close()
            self.assertTrue(data.startswith(b"HTTP/1.1 400"), data[:80])
            self.assertIn(b"X-Content-Type-Options: nosniff", data)
        with Server(env={"UMBRELLA_PUBLIC_HOST": "sfu.example.org"}) as s:
            r, _ = https(s, "GET", "/sfu")
            self.assertEqual(r.getheader("Strict-Transport-Security"), "max-age=31536000")
        with Server(env={"UMBRELLA_PUBLIC_HOST": "umbrella.local"}) as s:  # an access point's LAN name
            r, _ = https(s, "GET", "/sfu")
            self.assertIsNone(r.getheader("Strict-Transport-Security"))


class TlsSuites(unittest.TestCase):
    def s_client(self, port, *args):
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-brief", *args],
                           input=b"", capture_output=True, timeout=20)
        return r.returncode, (r.stdout + r.stderr).decode(errors="replace")

    def test_only_forward_secret_aead_suites_and_tls_1_2_or_later(self):
        with Server() as s:
            code, out = self.s_client(s.http_port, "-tls1_2", "-cipher", "ECDHE+AESGCM:ECDHE+CHACHA20")
            self.assertEqual(code, 0, out)
            self.assertIn("ECDHE", out)
            for cipher in ("AES128-SHA", "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA"):
                code, out = self.s_client(s.http_port, "-tls1_2", "-cipher", cipher + "@SECLEVEL=0")
                self.assertNotEqual(code, 0, f"{cipher} was accepted:\n{out}")
            code, out = self.s_client(s.http_port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
            self.assertNotEqual(code, 0, f"TLS 1.1 was accepted:\n{out}")
            self.assertGreaterEqual(counters(s)["http.tls_failed"], 4)


@unittest.skipUnless(os.path.exists(CHROMIUM) and NODE, "needs /usr/bin/chromium and node")
class FloodWhileChromiumCalls(unittest.TestCase):
    def remote(self, obs, name):
        return next((t for t in obs["tiles"] if not t["self"] and t["name"] == name), None)

    def frames(self, browser, page, name):
        t = self.remote(browser("observe", page=page), name) or {}
        return (t.get("framesDecoded") or 0) if t.get("hasVideo") else 0

    def wait_frames(self, browser, page, name, at_least, server):
        for _ in range(100):
            n = self.frames(browser, page, name)
            if n >= at_least:
                return n
            time.sleep(0.3)
        self.fail(f"{page} decodes {self.frames(browser, page, name)} frames of {name}, wanted {at_least}\n"
                  + "\n".join(browser("logs", page=page)[-20:]) + "\n" + server.log_text())

    def test_a_chromium_call_keeps_decoding_through_a_flood_from_another_address(self):
        if not ensure_node_modules():
            self.skipTest("tests/browser/node_modules missing: run tools/setup --test")
        os.makedirs(ARTIFACTS, exist_ok=True)
        server = default_limits_server()
        browser = Driver()
        flood = Flood(self, server)
        try:
            for page, name in (("alice", "Alice"), ("bob", "Bob")):
                browser("open", page=page, url=f"{server.base_url}/sfu?room=call")
                browser("join", page=page, name=name, viewer=False)
            before = self.wait_frames(browser, "alice", "Bob", 10, server)
            flood.run()
            self.wait_frames(browser, "alice", "Bob", before + 30, server)
            self.wait_frames(browser, "bob", "Alice", 10, server)
            # The app ran under the server's Content-Security-Policy without a violation.
            for page in ("alice", "bob"):
                logs = "\n".join(browser("logs", page=page))
                self.assertNotIn("Content Security Policy", logs)
        finally:
            flood.close()
            browser.quit()
            server.stop()


if __name__ == "__main__":
    unittest.main()


class BehindATrustedProxy(unittest.TestCase):
    def post(self, server, source, forwarded_for):
        raw = socket.create_connection((server_ip(source), server.http_port), timeout=5, source_address=(source, 0))
        raw.sendall(f"POST /whep/r HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n"
                    f"X-Forwarded-For: {forwarded_for}\r\nConnection: close\r\n\r\nv=0\r\n".encode())
        data = b""
        while chunk := raw.recv(65536):
            data += chunk
        raw.close()
        return int(data.split(b" ", 2)[1])

    def until_refused(self, server, source, forwarded_for):
        """POSTs until one is refused (at most 200); how many went before it, or None."""
        for i in range(200):
            if self.post(server, source, forwarded_for(i)) == 429:
                return i
        return None

    def test_forwarded_for_names_the_client_only_when_the_proxy_sends_it(self):
        source, _ = attacker_addresses()
        server = default_limits_server(UMBRELLA_CLOUD="1", UMBRELLA_TRUSTED_PROXY="127.0.0.1")
        try:
            # Through the proxy: one client is limited after a minute's worth...
            before = self.until_refused(server, "127.0.0.1", lambda i: "192.0.2.1, 203.0.113.5")
            self.assertIsNotNone(before)
            self.assertGreaterEqual(before, SESSIONS_PER_MINUTE)
            # ...and another client behind the same proxy is not (the last entry names the client).
            self.assertNotEqual(self.post(server, "127.0.0.1", "203.0.113.5, 203.0.113.6"), 429)
            # Not the proxy: its X-Forwarded-For is ignored, a fresh name each time or not.
            self.assertIsNotNone(self.until_refused(server, source, lambda i: f"203.0.{i // 250}.{i % 250}"))
        finally:
            server.stop()
