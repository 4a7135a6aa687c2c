"""Hostile HTTP clients against the real binary: a client that pipelines and never reads, and
one address that opens more connections than it may. Neither may cost the server memory
beyond its bounds or lock anyone else out."""
import json
import re
import socket
import ssl
import time
import unittest

from harness import ADMIN, CLIENT_IP, SERVER_IP, Server
from test_http import https
from wsclient import WebSocket, pb

PER_ADDRESS = 32  # the default of UMBRELLA_HTTP_MAX_PER_IP


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def counters(server):
    r, body = https(server, "GET", "/status.json", ADMIN)
    return json.loads(body)["counters"]


def attacker_addresses():
    """(source, destination): an address other than 127.0.0.1 that reaches the server. In the
    test namespace that is the client address; on a bare host another loopback address."""
    if CLIENT_IP != "127.0.0.1":
        return CLIENT_IP, SERVER_IP
    return "127.0.0.2", "127.0.0.1"


def count_responses(sock, want, limit_bytes):
    """Reads pipelined HTTP responses until `want` are complete or the server closes.
    Returns (responses, statuses seen)."""
    buf = b""
    done, body_left, statuses, total = 0, 0, set(), 0
    while done < want and total < limit_bytes:
        try:
            chunk = sock.recv(1 << 20)
        except (ConnectionError, ssl.SSLError):
            break
        if not chunk:
            break
        total += len(chunk)
        buf, pos = buf + chunk, 0
        while pos < len(buf):
            if body_left:
                take = min(body_left, len(buf) - pos)
                pos, body_left = pos + take, body_left - take
                if not body_left:
                    done += 1
                continue
            end = buf.find(b"\r\n\r\n", pos)
            if end < 0:
                break
            head, pos = buf[pos:end].decode("latin-1"), end + 4
            statuses.add(int(head.split(" ", 2)[1]))
            m = re.search(r"(?im)^content-length:\s*(\d+)", head)
            body_left = int(m.group(1)) if m else 0
            if not body_left:
                done += 1
        buf = buf[pos:]
    return done, statuses


class PipeliningWithoutReading(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        self.server.stop()

    def test_output_is_bounded_and_others_are_served(self):
        r, page = https(self.server, "GET", "/sfu")
        scripts = re.findall(rb'src="([^"]*static/[^"]+\.js)"', page)
        self.assertTrue(scripts, page[:400])
        asset = "/static/" + scripts[0].decode().split("static/", 1)[1]
        r, body = https(self.server, "GET", asset)  # warm: the asset's pages are resident now
        self.assertEqual(r.status, 200)
        asset_size = len(body)
        self.assertGreater(asset_size, 50_000, "a large asset makes the test meaningful")

        base = counters(self.server)["http.requests"]
        rss_before = rss_bytes(self.server.proc.pid)
        n = 1000
        sock = tls_context().wrap_socket(socket.create_connection(("127.0.0.1", self.server.http_port), timeout=10))
        sock.sendall(f"GET {asset} HTTP/1.1\r\nHost: x\r\n\r\n".encode() * n)

        # Wait until the server stops answering the unread pipeline: the count of requests it
        # handled (minus our own status polls) holds still over several polls.
        polls, last, steady = 0, None, 0
        for _ in range(300):
            polls += 1
            handled = counters(self.server)["http.requests"] - base - polls
            steady = steady + 1 if handled == last else 0
            last = handled
            if steady >= 5 and handled > 0:
                break
            time.sleep(0.05)
        self.assertGreaterEqual(steady, 5, "the server never stopped answering")
        self.assertLess(last, n, "the server answered everything into an unread connection")

        grown = rss_bytes(self.server.proc.pid) - rss_before
        self.assertLess(grown, 8 << 20, f"RSS grew by {grown >> 20} MB for {last} answered requests")
        r, body = https(self.server, "GET", "/healthz")
        self.assertEqual((r.status, body), (200, b"ok\n"))

        # Once the client reads, every request is answered.
        served, statuses = count_responses(sock, n, limit_bytes=n * (asset_size + 4096))
        sock.close()
        self.assertEqual(served, n)
        self.assertEqual(statuses, {200})
        r, body = https(self.server, "GET", "/healthz")
        self.assertEqual(r.status, 200)


class OneAddressManyConnections(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        self.server.stop()

    def open_ws(self, source, destination):
        """A TLS WebSocket to /wsb from `source`, or None when the server refuses it."""
        try:
            ws = WebSocket(destination, self.server.http_port, source=source)
            return ws if ws.status == 101 else None
        except (ConnectionError, ssl.SSLError, socket.timeout, OSError, ValueError, IndexError):
            return None  # refused, reset, or closed before a status line

    def test_one_address_cannot_lock_others_out(self):
        source, destination = attacker_addresses()
        held = []
        try:
            for _ in range(PER_ADDRESS + 8):
                ws = self.open_ws(source, destination)
                if ws:
                    held.append(ws)
            self.assertEqual(len(held), PER_ADDRESS)
            # Plain connections beyond the bound are closed at once, never served.
            extra = []
            for _ in range(60):
                s = socket.create_connection((destination, self.server.http_port), timeout=5,
                                             source_address=(source, 0))
                extra.append(s)
            for s in extra:
                s.settimeout(5)
                try:
                    self.assertEqual(s.recv(100), b"")
                except ConnectionResetError:
                    pass
                s.close()

            # Everyone else still gets in: health check and a room over /wsb.
            r, body = https(self.server, "GET", "/healthz")
            self.assertEqual((r.status, body), (200, b"ok\n"))
            good = WebSocket("127.0.0.1", self.server.http_port)
            self.assertEqual(good.status, 101)
            env = pb().Envelope()
            env.join.room = "open-to-all"
            env.join.display_name = "Someone else"
            good.send(env)
            self.assertEqual(good.recv("joined").joined.room, "open-to-all")
            good.close()

            c = counters(self.server)
            self.assertGreaterEqual(c["http.refused_per_address"], 8 + 60)
            self.assertEqual(c["http.refused_too_many"], 0)
            # The held ones still work.
            ping = pb().Envelope()
            ping.ping.nonce = 5
            held[0].send(ping)
            self.assertEqual(held[0].recv("pong").pong.nonce, 5)
        finally:
            for ws in held:
                ws.sock.close()

        # Closing them frees the address's share: it may connect again.
        def reconnect():
            ws = self.open_ws(source, destination)
            if ws:
                ws.sock.close()
            return ws is not None
        ok = False
        for _ in range(100):  # the server sees the closes a moment later
            ok = reconnect()
            if ok:
                break
            time.sleep(0.05)
        self.assertTrue(ok, self.server.log_text())


if __name__ == "__main__":
    unittest.main()
