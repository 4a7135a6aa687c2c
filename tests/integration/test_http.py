"""The HTTPS/WebSocket control plane against the real binary over loopback."""
import asyncio
import http.client
import json
import os
import socket
import ssl
import time
import unittest

from harness import ADMIN, Server
from rtc_util import Subscriber, publish, wait_for
from wsclient import WebSocket, connect, pb


def https(server, method, path, headers=None, body=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", server.http_port, context=ctx, timeout=5)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r, data


def short_enum_name(field, number):
    """status.json's enum spelling: the value name without the enum's common prefix, lower-case."""
    names = [v.name for v in field.enum_type.values]
    prefix = os.path.commonprefix(names)
    prefix = prefix[: prefix.rfind("_") + 1]
    return field.enum_type.values_by_number[number].name[len(prefix):].lower()


def as_status_json(msg):
    """A message decoded by python's protobuf (from the .proto, not our generator) in the shape
    of status.json: every field, defaults included."""
    out = {}
    for f in msg.DESCRIPTOR.fields:
        v = getattr(msg, f.name)
        if f.message_type and f.message_type.GetOptions().map_entry:
            out[f.name] = dict(v)
        elif f.label == f.LABEL_REPEATED:
            out[f.name] = [as_status_json(x) for x in v] if f.message_type else list(v)
        elif f.message_type:
            out[f.name] = as_status_json(v)
        else:
            out[f.name] = short_enum_name(f, v) if f.enum_type else v
    return out


# Figures that may go up and down between two requests: only their presence is compared.
GAUGES = {"rss_bytes", "http.connections", "media.forward_delay_p50_us", "media.forward_delay_p99_us"}


def assert_between(test, before, pb_value, after, path="status"):
    """The protobuf document, fetched between two JSON ones, carries the same figures: the same
    keys, lists and strings (or one of the two, for states that may change), and each
    counter within the two JSON readings."""
    test.assertEqual(type(pb_value), type(before), path)
    if isinstance(before, dict):
        test.assertEqual(set(pb_value), set(before), path)
        test.assertEqual(set(after), set(before), path)
        for k in before:
            assert_between(test, before[k], pb_value[k], after[k], f"{path}.{k}")
    elif isinstance(before, list):
        test.assertEqual(len(pb_value), len(before), path)
        test.assertEqual(len(after), len(before), path)
        for i, (b, p, a) in enumerate(zip(before, pb_value, after)):
            assert_between(test, b, p, a, f"{path}[{i}]")
    elif isinstance(before, int) and path.rsplit(".", 1)[-1] in GAUGES:
        test.assertGreaterEqual(pb_value, 0, path)
    elif isinstance(before, int):
        test.assertTrue(min(before, after) <= pb_value <= max(before, after), f"{path}: {before} {pb_value} {after}")
    else:
        test.assertIn(pb_value, (before, after), path)


class StatusEncodings(unittest.TestCase):
    """/status.json and /status.pb are two writers over one snapshot type: during a call with
    a trunk configured they must carry the same fields and figures."""

    def test_json_and_protobuf_carry_the_same_figures(self):
        # The trunk points at a closed loopback port: it shows as connecting/retrying with an error.
        server = Server(env={"UMBRELLA_TRUNK_URL": "wss://127.0.0.1:9/wsb", "UMBRELLA_TRUNK_SECRET": "s3cret",
                             "UMBRELLA_SITE_ID": "site-status"}).start()
        self.addCleanup(server.stop)

        def json_status():
            r, body = https(server, "GET", "/status.json", ADMIN)
            self.assertEqual(r.getheader("content-type"), "application/json")
            return json.loads(body)

        def pb_status():
            r, body = https(server, "GET", "/status.pb", ADMIN)
            self.assertEqual(r.getheader("content-type"), "application/x-protobuf")
            st = pb().Status()
            st.ParseFromString(body)
            return as_status_json(st)

        async def run():
            pub, _, _ = await publish(server.base_url, "status")
            sub = await Subscriber().start(server.base_url, "status")
            try:
                self.assertTrue(await wait_for(lambda: sub.video_frames >= 10 and sub.audio_frames >= 10, 20),
                                server.log_text())
                # Bitrates need snapshots 200 ms apart and media flowing between them (video
                # may pause while the first keyframe is asked for): poll until they are there.
                taken = []

                def bitrates_filled():
                    taken[:] = [json_status(), pb_status(), json_status()]
                    tracks = [t for c in taken[0]["clients"] for t in c["published"] + c["forwarded"]]
                    return len(tracks) == 4 and all(t["bitrate_bps"] > 0 for t in tracks)
                await wait_for(bitrates_filled, 15)  # the assertions below say what is missing
                before, pb_value, after = taken
            finally:
                await sub.close()
                await pub.close()
            return before, pb_value, after

        before, pb_value, after = asyncio.run(run())
        detail = json.dumps({"json": before, "pb": pb_value}, indent=1)
        self.assertEqual(pb_value["site_id"], "site-status")
        tracks = [t for c in before["clients"] for t in c["published"] + c["forwarded"]]
        self.assertEqual(sorted(t["kind"] for t in tracks), ["audio", "audio", "video", "video"], detail)
        self.assertTrue(all(t["bitrate_bps"] > 0 and t["packets"] > 0 for t in tracks), detail)
        self.assertEqual(len(before["trunks"]), 1, detail)
        self.assertIn(before["trunks"][0]["state"], ("connecting", "retrying"), detail)
        assert_between(self, before, pb_value, after)


class Https(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_call_page_and_asset(self):
        r, body = https(self.server, "GET", "/sfu")
        self.assertEqual(r.status, 200)
        self.assertIn("text/html", r.getheader("content-type"))
        self.assertIn(b"<html", body.lower())
        # The page references its assets under /static/; fetch each one.
        import re
        assets = re.findall(rb'(?:src|href)="([^"]*static/[^"]+)"', body)
        self.assertTrue(assets, body[:400])
        for a in assets:
            path = "/static/" + a.decode().split("static/", 1)[1]
            r2, data = https(self.server, "GET", path)
            self.assertEqual(r2.status, 200, path)
            self.assertTrue(data)
            etag = r2.getheader("etag")
            self.assertTrue(etag)
            r3, _ = https(self.server, "GET", path, {"If-None-Match": etag})
            self.assertEqual(r3.status, 304)

    def test_gzip_when_accepted(self):
        r, body = https(self.server, "GET", "/sfu", {"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 200)
        import gzip
        if r.getheader("content-encoding") == "gzip":
            self.assertIn(b"<html", gzip.decompress(body).lower())

    def test_health_and_status(self):
        r, body = https(self.server, "GET", "/healthz")
        self.assertEqual((r.status, body), (200, b"ok\n"))
        r, body = https(self.server, "GET", "/status.json", ADMIN)
        self.assertEqual(r.status, 200)
        status = json.loads(body)
        self.assertIn("clients", status)
        self.assertGreater(status["rss_bytes"], 0)
        r, body = https(self.server, "GET", "/status", {"Accept": "application/x-protobuf", **ADMIN})
        self.assertEqual(r.getheader("content-type"), "application/x-protobuf")
        st = pb().Status()
        st.ParseFromString(body)
        self.assertEqual(st.version, status["version"])
        r, _ = https(self.server, "GET", "/nope")
        self.assertEqual(r.status, 404)

    def test_oversize_and_malformed_refused_while_others_work(self):
        good = WebSocket("127.0.0.1", self.server.http_port)
        self.assertEqual(good.status, 101)
        r, _ = https(self.server, "GET", "/sfu", {"X-Big": "a" * 20000})
        self.assertEqual(r.status, 431)
        # A body over the limit is refused on its Content-Length, before it is sent.
        s = connect("127.0.0.1", self.server.http_port, "/")
        s.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 307200\r\n\r\n" + b"x" * 1000)
        self.assertIn(b" 413 ", s.recv(1000))
        s.close()
        s = connect("127.0.0.1", self.server.http_port, "/")
        s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        self.assertIn(b" 400 ", s.recv(1000))
        s.close()
        env = pb().Envelope()
        env.ping.nonce = 7
        good.send(env)
        self.assertEqual(good.recv("pong").pong.nonce, 7)
        good.close()
        counters = json.loads(https(self.server, "GET", "/status.json", ADMIN)[1])["counters"]
        self.assertGreaterEqual(counters["http.headers_too_large"], 1)
        self.assertGreaterEqual(counters["http.body_too_large"], 1)
        self.assertGreaterEqual(counters["http.bad_request"], 1)

    def test_slowloris_is_dropped_and_others_unaffected(self):
        # The header timeout is 10 s: a partial request stays open while a normal client is
        # served, then the server answers 408 and closes it.
        s = connect("127.0.0.1", self.server.http_port, "/")
        s.sendall(b"GET /sfu HTTP/1.1\r\nHost: x\r\n")
        r, _ = https(self.server, "GET", "/healthz")
        self.assertEqual(r.status, 200)
        s.settimeout(15)
        start = time.monotonic()
        data = s.recv(1000)
        self.assertLess(time.monotonic() - start, 14)
        self.assertIn(b" 408 ", data)
        s.close()

    def test_signalling_session(self):
        a = WebSocket("127.0.0.1", self.server.http_port)
        b = WebSocket("127.0.0.1", self.server.http_port)
        env = pb().Envelope()
        env.join.room = "r1"
        env.join.display_name = "Alice"
        a.send(env)
        joined = a.recv("joined").joined
        self.assertEqual(joined.room, "r1")
        self.assertTrue(joined.participant_id)
        env.join.display_name = "Bob"
        b.send(env)
        jb = b.recv("joined").joined
        self.assertEqual([p.display_name for p in jb.participants], ["Alice"])
        self.assertEqual(a.recv("participant_joined").participant_joined.participant.display_name, "Bob")
        mute = pb().Envelope()
        mute.set_mute.audio_muted = True
        b.send(mute)
        upd = a.recv("participant_updated").participant_updated.participant
        self.assertTrue(upd.audio_muted)
        # A garbage frame is refused with an Error and the session stays usable.
        a.send_frame(0x2, b"\xff\xff\xff\xff")
        self.assertEqual(a.recv("error").error.code, pb().Error.CODE_BAD_MESSAGE)
        b.close()
        self.assertEqual(a.recv("participant_left").participant_left.participant_id, jb.participant_id)
        a.close()

    def test_large_tls_record_from_another_tls_stack(self):
        # Python's OpenSSL sends this 12 KiB frame as one TLS record, as Chrome sends a big SDP
        # offer: the server must take full-size records (our mbedTLS build sends smaller ones).
        ws = WebSocket("127.0.0.1", self.server.http_port)
        ws.send_frame(0x2, b"\xff" * (12 * 1024))
        self.assertEqual(ws.recv("error").error.code, pb().Error.CODE_BAD_MESSAGE)
        env = pb().Envelope()
        env.join.room = "big-record"
        env.join.display_name = "After"
        ws.send(env)
        self.assertEqual(ws.recv("joined").joined.room, "big-record")
        ws.close()

    def test_websocket_oversize_message_closed_1009(self):
        ws = WebSocket("127.0.0.1", self.server.http_port)
        # Announce a 1 MiB frame (over the largest Envelope, ~135 KiB with a 128 KiB SDP): the
        # server refuses on the header, before the payload.
        ws.sock.sendall(bytes([0x82, 0x80 | 127]) + (1024 * 1024).to_bytes(8, "big") + b"mask" + b"\x00" * 1000)
        with self.assertRaises(ConnectionError) as cm:
            ws.recv()
        self.assertIn("1009", str(cm.exception))
        ws.sock.close()


class Prefix(unittest.TestCase):
    def test_prefix_routes_and_cloud_mode(self):
        with Server(env={"UMBRELLA_HTTP_PREFIX": "/umbrella", "UMBRELLA_CLOUD": "1"}) as s:
            conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=5)
            conn.request("GET", "/umbrella/sfu")
            r = conn.getresponse()
            body = r.read()
            self.assertEqual(r.status, 200)
            self.assertIn(b"<html", body.lower())
            conn.request("GET", "/sfu")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 404)
            conn.close()
            ws = WebSocket("127.0.0.1", s.http_port, "/umbrella/wsb", tls=False)
            self.assertEqual(ws.status, 101)
            env = pb().Envelope()
            env.join.room = ""
            ws.send(env)
            self.assertEqual(ws.recv("joined").joined.room, "default")
            ws.close()


class Certificates(unittest.TestCase):
    def test_bad_certificate_file_is_one_clear_line(self):
        import os
        import tempfile
        d = tempfile.mkdtemp()
        open(os.path.join(d, "service.crt"), "w").write("not a certificate")
        open(os.path.join(d, "service.key"), "w").write("not a key")
        s = Server(workdir=d)
        with self.assertRaises(RuntimeError):
            s.start(timeout=5)
        self.assertNotEqual(s.proc.returncode, 0)
        self.assertTrue(any("service.crt" in l for l in s.log), s.log_text())

    def test_make_certs_then_clients_verify_with_the_local_ca(self):
        import os
        import subprocess
        import tempfile
        from harness import BINARY
        d = tempfile.mkdtemp()
        r = subprocess.run([BINARY, "make-certs", d, "umbrella-test"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        for f in ("ca.crt", "ca.key", "service.crt", "service.key"):
            self.assertTrue(os.path.exists(os.path.join(d, f)), f)
        with Server(workdir=d) as s:
            ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))  # verification on
            for name in ("localhost", "umbrella-test.local"):
                with socket.create_connection(("127.0.0.1", s.http_port), timeout=5) as raw:
                    with ctx.wrap_socket(raw, server_hostname=name) as tls:
                        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        self.assertIn(b"200 OK", tls.recv(1000))
            # Without the CA the same certificate is refused.
            with socket.create_connection(("127.0.0.1", s.http_port), timeout=5) as raw:
                with self.assertRaises(ssl.SSLCertVerificationError):
                    ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")

    def test_http_port_in_use_is_one_clear_line(self):
        busy = socket.socket()
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        s = Server(env={"UMBRELLA_HTTP_SERVE_ADDR": f":{busy.getsockname()[1]}"})
        try:
            with self.assertRaises(RuntimeError):
                s.start(timeout=5)
            self.assertTrue(any("already in use" in l for l in s.log), s.log_text())
        finally:
            busy.close()


if __name__ == "__main__":
    unittest.main()
