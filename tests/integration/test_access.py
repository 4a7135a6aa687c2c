"""Access control against the real binary (README "Access control"): the administrator secret
on control and detailed status, room access tokens on /wsb, WHIP and WHEP, viewer tokens,
WHIP/WHEP resources only their creator ends, and what status shows without credentials."""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import stat
import subprocess
import time
import unittest
import urllib.error

from harness import ADMIN, ADMIN_SECRET, BINARY, CLIENT_IP, Server
from rtc_util import Subscriber, publish, wait_for
from sdp_util import minimal_audio_offer
from test_ice import request
from wsclient import WebSocket, pb

ROOM_KEY = "integration-room-key-0123456789"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims, key=ROOM_KEY):
    """A token made here with Python's hmac, independently of the server's signer."""
    signing = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(json.dumps(claims).encode())
    return signing + "." + b64(hmac.new(key.encode(), signing.encode(), hashlib.sha256).digest())


def cli_token(*args, key=ROOM_KEY):
    env = {"PATH": "/usr/bin:/bin"}
    if key:
        env["UMBRELLA_ROOM_KEY"] = key
    return subprocess.run([BINARY, "token"] + list(args), capture_output=True, text=True, env=env, timeout=20)


def token(room, identity="ann", *extra):
    r = cli_token("--room", room, "--identity", identity, *extra)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def payload(tok):
    p = tok.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


def http(server, method, path, body=None, headers=None):
    """(status, headers, body) for any status, 4xx included."""
    try:
        return request(server, method, path, body, headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def offer():
    return minimal_audio_offer("abcd", "p" * 24).encode()


def sdp_headers(tok=None):
    h = {"Content-Type": "application/sdp"}
    if tok:
        h["Authorization"] = f"Bearer {tok}"
    return h


def join(ws, room, tok, role=None):
    env = pb().Envelope()
    env.join.room = room
    env.join.display_name = "from the client"
    env.join.token = tok
    if role is not None:
        env.join.role = role
    ws.send(env)
    return ws.recv()


def expired_claims(room):
    return {"room": room, "sub": "ann", "exp": int(time.time()) - 5}


class RoomsWithTokens(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"UMBRELLA_ROOM_KEY": ROOM_KEY}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def ws(self):
        ws = WebSocket("127.0.0.1", self.server.http_port)
        self.addCleanup(ws.close)
        return ws

    def test_cli_token_claims(self):
        now = time.time()
        p = payload(token("lobby", "ann", "--name", "Ann", "--ttl", "2h", "--viewer"))
        self.assertEqual((p["room"], p["sub"], p["name"], p["canPublish"], p["canSubscribe"]),
                         ("lobby", "ann", "Ann", False, True))
        self.assertAlmostEqual(p["exp"], now + 7200, delta=30)
        r = cli_token("--room", "lobby", "--identity", "ann", key=None)
        self.assertEqual(r.returncode, 2)
        self.assertIn("UMBRELLA_ROOM_KEY", r.stderr)
        r = cli_token("--room", "lobby", "--identity", "ann", "--ttl", "soon")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--ttl", r.stderr)
        self.assertEqual(cli_token("--room", "lobby").returncode, 2)

    def test_wsb_valid_token_joins_with_its_name(self):
        ws = self.ws()
        joined = join(ws, "lobby", token("lobby", "ann", "--name", "Ann T."))
        self.assertEqual(joined.WhichOneof("body"), "joined", joined)
        other = self.ws()
        seen = join(other, "lobby", sign({"room": "lobby", "sub": "bob", "exp": int(time.time()) + 60}))
        self.assertEqual(seen.WhichOneof("body"), "joined", seen)
        self.assertIn("Ann T.", [p.display_name for p in seen.joined.participants])

    def test_wsb_refusals_say_why(self):
        good = token("lobby")
        h, p, s = good.split(".")
        forged_payload = b64(json.dumps({"room": "board", "sub": "ann", "exp": int(time.time()) + 3600}).encode())
        cases = {
            "": "needs a room access token",
            sign(expired_claims("lobby")): "expired",
            token("board"): "for room 'board', not 'lobby'",
            f"{h}.{forged_payload}.{s}": "signature is wrong",
            sign({"room": "lobby", "sub": "ann", "exp": int(time.time()) + 60}, key="another-key-0123456789"):
                "signature is wrong",
        }
        for tok, why in cases.items():
            with self.subTest(why=why):
                ws = self.ws()
                reply = join(ws, "lobby", tok)
                self.assertEqual(reply.WhichOneof("body"), "error", reply)
                self.assertEqual(reply.error.code, pb().Error.CODE_UNAUTHORIZED)
                self.assertIn(why, reply.error.message)
                # Still not joined: anything but ping is refused.
                mute = pb().Envelope()
                mute.set_mute.audio_muted = True
                ws.send(mute)
                self.assertIn("before join", ws.recv("error").error.message)

    def test_viewer_token_cannot_publish_on_wsb(self):
        ws = self.ws()
        self.assertEqual(join(ws, "show", token("show", "viewer", "--viewer")).WhichOneof("body"), "joined")
        env = pb().Envelope()
        env.description.type = pb().SessionDescription.TYPE_OFFER
        env.description.sdp = offer().decode()
        env.description.revision = 1
        ws.send(env)
        err = ws.recv("error").error
        self.assertIn("may not publish", err.message)

    def test_whip_whep_tokens(self):
        s = self.server
        good, viewer = token("live"), token("live", "v", "--viewer")
        cases = [
            ("/whip/live", None, 401, "needs a room access token"),
            ("/whip/live", sign(expired_claims("live")), 401, "expired"),
            ("/whip/live", token("other"), 403, "for room 'other'"),
            ("/whip/live", good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"), 401, "signature"),
            ("/whip/live", viewer, 403, "may not publish"),
            ("/whep/live", None, 401, "needs a room access token"),
            ("/whep/live", sign(expired_claims("live")), 401, "expired"),
            ("/whep/live", token("other"), 403, "for room 'other'"),
        ]
        for path, tok, code, why in cases:
            with self.subTest(path=path, why=why):
                status, headers, body = http(s, "POST", path, offer(), sdp_headers(tok))
                self.assertEqual(status, code, body)
                self.assertIn(why, body.decode())
                if code == 401:
                    self.assertEqual(headers.get("WWW-Authenticate"), "Bearer")
        status, headers, _ = http(s, "POST", "/whip/live", offer(), sdp_headers(good))
        self.assertEqual(status, 201)
        self.assertRegex(headers["Location"], r"^/resource/[0-9a-f]{32}$")
        status, headers, _ = http(s, "POST", "/whep/live", offer().replace(b"a=sendonly", b"a=recvonly"),
                                  sdp_headers(viewer))
        self.assertEqual(status, 201)
        counters = json.loads(http(s, "GET", "/status.json")[2])["counters"]
        self.assertGreaterEqual(counters["signal.unauthorized"], len(cases))

    def test_administrator_makes_invite_tokens_over_https(self):
        """What the status page's "Make link" does: POST /token with the administrator secret."""
        s = self.server
        path = "/token?room=live&identity=bea&name=Bea&ttl=15m"
        for headers in (None, {"Authorization": "Bearer nope"}):
            status, _, body = http(s, "POST", path, b"", headers)
            self.assertEqual(status, 401, body)
            self.assertIn("administrator", body.decode())
        self.assertEqual(http(s, "GET", path, None, ADMIN)[0], 405)
        self.assertEqual(http(s, "POST", "/token?room=live", b"", ADMIN)[0], 400)  # no identity
        self.assertEqual(http(s, "POST", "/token?room=live&identity=x&ttl=soon", b"", ADMIN)[0], 400)
        now = time.time()
        status, _, body = http(s, "POST", path, b"", ADMIN)
        self.assertEqual(status, 200, body)
        tok = body.decode().strip()
        p = payload(tok)
        self.assertEqual((p["room"], p["sub"], p["name"], p["canPublish"]), ("live", "bea", "Bea", True))
        self.assertAlmostEqual(p["exp"], now + 900, delta=30)
        # The server's own key signed it: it publishes into its room, and only there.
        self.assertEqual(http(s, "POST", "/whip/live", offer(), sdp_headers(tok))[0], 201)
        self.assertEqual(http(s, "POST", "/whip/other", offer(), sdp_headers(tok))[0], 403)
        viewer = http(s, "POST", "/token?room=live&identity=v&viewer=1", b"", ADMIN)[2].decode().strip()
        self.assertEqual(http(s, "POST", "/whip/live", offer(), sdp_headers(viewer))[0], 403)

    def test_resource_only_its_creator_ends(self):
        s = self.server
        ann, bob = token("res", "ann"), token("res", "bob")
        status, headers, _ = http(s, "POST", "/whip/res", offer(), sdp_headers(ann))
        self.assertEqual(status, 201)
        loc = headers["Location"]
        self.assertEqual(http(s, "DELETE", loc)[0], 403)
        self.assertEqual(http(s, "DELETE", loc, headers={"Authorization": f"Bearer {bob}"})[0], 403)
        self.assertEqual(http(s, "PATCH", loc, b"", {"Authorization": f"Bearer {ann}"})[0], 405)
        self.assertEqual(http(s, "DELETE", loc, headers={"Authorization": f"Bearer {ann}"})[0], 200)
        self.assertEqual(http(s, "DELETE", loc, headers={"Authorization": f"Bearer {ann}"})[0], 404)
        # The administrator may end anyone's.
        status, headers, _ = http(s, "POST", "/whip/res", offer(), sdp_headers(ann))
        self.assertEqual(http(s, "DELETE", headers["Location"], headers=ADMIN)[0], 200)

    def test_control_needs_the_administrator(self):
        ws = self.ws()
        for admin in ["", "wrong-secret-0123456789", ADMIN_SECRET[:-1]]:
            with self.subTest(admin=admin):
                env = pb().Envelope()
                env.set_trunks.urls.append("wss://192.0.2.1:9/wsb")
                env.set_trunks.admin = admin
                ws.send(env)
                err = ws.recv()
                self.assertEqual(err.WhichOneof("body"), "error", err)
                self.assertEqual(err.error.code, pb().Error.CODE_UNAUTHORIZED)
                self.assertIn("administrator secret", err.error.message)
                get = pb().Envelope()
                get.get_trunks.admin = admin
                ws.send(get)
                self.assertEqual(ws.recv().WhichOneof("body"), "error")
        self.assertFalse(any("192.0.2.1" in l for l in self.server.log), "a refused SetTrunks was acted on")
        get = pb().Envelope()
        get.get_trunks.admin = ADMIN_SECRET
        ws.send(get)
        self.assertEqual(len(ws.recv("trunks").trunks.trunks), 0)
        clear = pb().Envelope()
        clear.set_trunks.admin = ADMIN_SECRET
        ws.send(clear)
        self.assertEqual(ws.recv().WhichOneof("body"), "trunks")
        # Detailed status: wrong secret 401, right one the detail, none the totals.
        status, headers, body = http(self.server, "GET", "/status.json", headers={"Authorization": "Bearer nope"})
        self.assertEqual(status, 401)
        self.assertIn("administrator secret", body.decode())
        self.assertTrue(json.loads(http(self.server, "GET", "/status.json", headers=ADMIN)[2])["detail"])
        self.assertFalse(json.loads(http(self.server, "GET", "/status.json")[2])["detail"])


class StatusPrivacy(unittest.TestCase):
    """Open rooms (the default): real aiortc clients publish and watch; status without the
    administrator secret has totals only, and no address of theirs is in its bytes, nor in any
    signalling frame another participant receives."""

    def test_no_invite_tokens_without_a_room_key(self):
        with Server() as s:
            status, _, body = http(s, "POST", "/token?room=r&identity=i", b"", ADMIN)
        self.assertEqual(status, 409, body)
        self.assertIn("UMBRELLA_ROOM_KEY", body.decode())

    def test_no_client_address_without_admin(self):
        with Server() as s:
            async def run():
                pub, location, _ = await publish(s.base_url, "priv")
                sub = await Subscriber().start(s.base_url, "priv")
                ws = WebSocket("127.0.0.1", s.http_port)
                try:
                    self.assertTrue(await wait_for(lambda: sub.video_frames >= 5, 20), s.log_text())
                    await asyncio.get_running_loop().run_in_executor(None, self.check, s, ws, location)
                finally:
                    ws.close()
                    await sub.close()
                    await pub.close()
            asyncio.run(run())


    def check(self, s, ws, location):
        # A /wsb participant in the same room: what signalling tells it about the others.
        env = pb().Envelope()
        env.join.room = "priv"
        ws.send(env)
        frames = [ws.recv("joined").SerializeToString()]
        env = pb().Envelope()
        env.description.type = pb().SessionDescription.TYPE_OFFER
        env.description.sdp = offer().decode().replace("a=sendonly", "a=recvonly")
        env.description.revision = 1
        ws.send(env)
        frames.append(ws.recv("description").SerializeToString())  # our answer
        frames.append(ws.recv("description").SerializeToString())  # its offer with the room's tracks
        detail = json.loads(http(s, "GET", "/status.json", headers=ADMIN)[2])
        addresses = [c["address"] for c in detail["clients"] if c["address"]]
        self.assertEqual(len(addresses), 2, detail)  # both aiortc clients, with their ports
        for a in addresses:
            self.assertTrue(a.startswith(CLIENT_IP + ":"), a)
        totals = json.loads(http(s, "GET", "/status.json")[2])
        self.assertEqual((totals["rooms"], totals["participants"], totals["tracks"]), (1, 3, 2))
        self.assertEqual((totals["clients"], totals["trunks"], totals["detail"]), ([], [], False))
        raw = {"json": http(s, "GET", "/status.json")[2], "pb": http(s, "GET", "/status.pb")[2],
               "pb by Accept": http(s, "GET", "/status", headers={"Accept": "application/x-protobuf"})[2]}
        resource = location.rsplit("/", 1)[1].encode()
        for name, body in raw.items():
            with self.subTest(status=name):
                self.assertNotIn(CLIENT_IP.encode(), body)
                for a in addresses:
                    self.assertNotIn(a.encode(), body)
                self.assertNotIn(resource, body)
        admin_raw = http(s, "GET", "/status.pb", headers=ADMIN)[2]
        self.assertIn(addresses[0].encode(), admin_raw)  # the check above can fail
        self.assertNotIn(resource, admin_raw)
        for f in frames:
            self.assertNotIn(CLIENT_IP.encode(), f)  # no address, as ip:port or as an SDP candidate


class AdminSecretFile(unittest.TestCase):
    def test_generated_once_private_and_used(self):
        s = Server(env={"UMBRELLA_ADMIN_SECRET": None, "UMBRELLA_CLOUD": "1"}).start()
        try:
            path = os.path.join(s.workdir, "admin.secret")
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            secret = open(path).read().strip()
            self.assertRegex(secret, r"^[0-9a-f]{32}$")  # 128 random bits
            self.assertTrue(any(secret in l for l in s.log), s.log_text())
            self.assertTrue(any("WARNING: rooms are open" in l for l in s.log), s.log_text())
            r = http(s, "GET", "/status.json", headers={"Authorization": f"Bearer {secret}"})
            self.assertEqual(r[0], 200)
            self.assertTrue(json.loads(r[2])["detail"])
            s = s.restart()
            self.assertEqual(open(path).read().strip(), secret)
            self.assertFalse(any(secret in l for l in s.log), "printed again at a later start")
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
