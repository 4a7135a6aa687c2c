"""Two SFUs trunked over wss:// (the dialler pins the far side's certificate): an aiortc
publisher on each side is watched and decoded by an aiortc subscriber on the other side."""
import asyncio
import hashlib
import json
import os
import ssl
import time
import unittest

from harness import ADMIN, ADMIN_SECRET, Server
from rtc_util import Subscriber, publish, wait_for
from test_ice import request

SECRET = "correct horse battery staple"


def fingerprint(cert_path):
    der = ssl.PEM_cert_to_DER_cert(open(cert_path).read())
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def status(server):
    return json.loads(request(server, "GET", "/status.json", headers=ADMIN)[2])


def published_tracks(server):
    return [t for c in status(server)["clients"] for t in c["published"]]


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Sites:
    """Servers a test starts, one per site, stopped after it (mixed into test cases)."""

    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def start(self, site, **env):
        s = Server(env=dict({"UMBRELLA_SITE_ID": site}, **env)).start()
        self.servers.append(s)
        return s

    def pair(self):
        """site-b accepts trunks; site-a dials it (pinned to its certificate). Returns (a, b)."""
        b = self.start("site-b", UMBRELLA_TRUNK_SECRET=SECRET)
        pin = fingerprint(os.path.join(b.workdir, "service.crt"))
        a = self.start("site-a", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_PIN=pin,
                       UMBRELLA_TRUNK_URL=f"wss://127.0.0.1:{b.http_port}/wsb")
        return a, b

    def ring(self, sites):
        """One SFU per site, each restarted with a trunk to the next (pinned to its certificate)."""
        servers = [self.start(s, UMBRELLA_TRUNK_SECRET=SECRET) for s in sites]
        ring = []
        for i, s in enumerate(servers):
            nxt = servers[(i + 1) % len(servers)]
            pin = fingerprint(os.path.join(nxt.workdir, "service.crt"))
            s.env.update({"UMBRELLA_TRUNK_PIN": pin, "UMBRELLA_TRUNK_URL": f"wss://127.0.0.1:{nxt.http_port}/wsb"})
            self.servers.remove(s)
            r = s.restart()
            self.servers.append(r)
            ring.append(r)
        return ring


class Trunk(Sites, unittest.TestCase):

    def test_media_both_ways_over_one_trunk(self):
        a, b = self.pair()
        wait_until(lambda: any(t["state"] == "connected" for t in status(a)["trunks"]), 20,
                   "the trunk to connect\n" + a.log_text())

        async def run():
            pub_a, _, _ = await publish(a.base_url, "default")
            pub_b, _, _ = await publish(b.base_url, "default")
            for pc in (pub_a, pub_b):
                self.assertTrue(await wait_for(lambda: pc.connectionState == "connected", 15))
            # Each side's tracks appear on the other, published by the trunk.
            await asyncio.get_running_loop().run_in_executor(None, wait_until,
                lambda: len(published_tracks(b)) >= 4 and len(published_tracks(a)) >= 4, 20,
                "tracks to cross the trunk\nA:\n" + a.log_text() + "\nB:\n" + b.log_text())
            sub_b = await Subscriber().start(b.base_url, "default")  # watches A's publisher...
            sub_a = await Subscriber().start(a.base_url, "default")  # ...and B's, on the other SFU
            ok = await wait_for(lambda: sub_a.video_frames >= 20 and sub_b.video_frames >= 20, 30)
            self.assertTrue(ok, f"frames a={sub_a.video_frames} b={sub_b.video_frames}\n"
                                f"A: {json.dumps(status(a), indent=1)}\nB: {json.dumps(status(b), indent=1)}\n"
                                f"A log:\n{a.log_text()}\nB log:\n{b.log_text()}")
            # Each subscriber watches the publisher of the other SFU (global track ids name the site).
            fwd_b = [t["track_id"] for c in status(b)["clients"] if c["display_name"].startswith("WHEP")
                     for t in c["forwarded"]]
            fwd_a = [t["track_id"] for c in status(a)["clients"] if c["display_name"].startswith("WHEP")
                     for t in c["forwarded"]]
            self.assertTrue(fwd_b and all(t.startswith("site-a/") for t in fwd_b), fwd_b)
            self.assertTrue(fwd_a and all(t.startswith("site-b/") for t in fwd_a), fwd_a)
            for x in (sub_a, sub_b, pub_a, pub_b):
                await (x.close() if isinstance(x, Subscriber) else x.close())

        asyncio.run(run())
        # One trunk transport: A shows exactly one trunk client on B.
        trunks_on_b = [c for c in status(b)["clients"] if c["participant_id"].startswith("trunk-")]
        self.assertEqual(len(trunks_on_b), 1)

    def test_every_room_crosses_and_rooms_stay_apart(self):
        a, b = self.pair()

        async def run():
            blue, _, _ = await publish(a.base_url, "blue", audio=False)
            green, _, _ = await publish(a.base_url, "green", audio=False)
            for pc in (blue, green):
                self.assertTrue(await wait_for(lambda: pc.connectionState == "connected", 15))
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, wait_until, lambda: len(published_tracks(b)) == 2, 20,
                                       "both rooms' tracks on B\n" + a.log_text())
            on_b = {t["track_id"]: t for t in published_tracks(b)}
            subs = {room: await Subscriber().start(b.base_url, room) for room in ("blue", "green")}
            for sub in subs.values():
                self.assertTrue(await wait_for(lambda: sub.video_frames >= 10, 20), json.dumps(status(b), indent=1))
            forwarded = {c["room"]: [t["track_id"] for t in c["forwarded"]] for c in status(b)["clients"]
                         if c["display_name"].startswith("WHEP")}
            rooms_a = {c["room"]: [t["track_id"] for t in c["published"]] for c in status(a)["clients"]
                       if c["published"] and not c["participant_id"].startswith("trunk-")}
            self.assertEqual(forwarded["blue"], rooms_a["blue"])    # each viewer gets its own room's
            self.assertEqual(forwarded["green"], rooms_a["green"])  # publisher, never the other one
            self.assertEqual(set(on_b), set(rooms_a["blue"] + rooms_a["green"]))
            for sub in subs.values():
                await sub.close()
            for pc in (blue, green):
                await pc.close()

        asyncio.run(run())

    def test_far_side_restart_heals_and_local_call_goes_on(self):
        a, b = self.pair()

        async def run():
            pub, _, _ = await publish(a.base_url, "default", audio=False)
            self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15))
            local = await Subscriber().start(a.base_url, "default")
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, wait_until, lambda: len(published_tracks(b)) == 1, 20, "A's track on B")
            far = await Subscriber().start(b.base_url, "default")
            self.assertTrue(await wait_for(lambda: far.video_frames >= 10, 20), b.log_text())
            await far.close()
            # B goes away: A's own call keeps decoding while the trunk retries.
            self.servers.remove(b)
            b.stop()
            before = local.video_frames
            self.assertTrue(await wait_for(lambda: local.video_frames >= before + 30, 10))
            await loop.run_in_executor(None, wait_until,
                lambda: any(t["state"] in ("retrying", "connecting") for t in status(a)["trunks"]), 10,
                "A to notice B is gone")
            b2 = await loop.run_in_executor(None, b.restart)
            self.servers.append(b2)
            await loop.run_in_executor(None, wait_until, lambda: len(published_tracks(b2)) == 1, 30,
                                       "the trunk to come back\n" + a.log_text())
            again = await Subscriber().start(b2.base_url, "default")
            self.assertTrue(await wait_for(lambda: again.video_frames >= 10, 20), b2.log_text())
            for x in (again, local):
                await x.close()
            await pub.close()

        asyncio.run(run())

    def test_ring_of_three_each_track_once_no_storm(self):
        ring = self.ring(["ring-a", "ring-b", "ring-c"])

        async def run():
            pubs = []
            for s in ring:
                pc, _, _ = await publish(s.base_url, "default", audio=False)
                pubs.append(pc)
            for pc in pubs:
                self.assertTrue(await wait_for(lambda: pc.connectionState == "connected", 15))
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, wait_until,
                lambda: all(len(published_tracks(s)) == 3 for s in ring), 20,
                "every SFU to have the three tracks\n" + "\n=====\n".join(json.dumps(status(s)["trunks"]) + "\n" + s.log_text()[-1500:] for s in ring))
            await asyncio.sleep(3)
            for s in ring:
                ids = [t["track_id"] for t in published_tracks(s)]
                self.assertEqual(len(ids), 3, ids)
                self.assertEqual(len(set(ids)), 3, ids)  # each track exactly once
            # No storm: what each SFU receives stays proportional to the streams (3 videos,
            # each crossing at most two links), not growing as packets circle the ring.
            first = [status(s)["counters"]["udp.received"] for s in ring]
            await asyncio.sleep(3)
            second = [status(s)["counters"]["udp.received"] for s in ring]
            for f, g in zip(first, second):
                rate = (g - f) / 3
                self.assertLess(rate, 3 * 2 * 400, (first, second))  # << what a loop would multiply
            for pc in pubs:
                await pc.close()

        asyncio.run(run())

    def test_set_and_clear_from_the_trunk_page_protocol(self):
        from wsclient import WebSocket, pb
        b = self.start("site-b", UMBRELLA_TRUNK_SECRET=SECRET)
        pin = fingerprint(os.path.join(b.workdir, "service.crt"))
        a = self.start("site-a", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_PIN=pin)
        ws = WebSocket("127.0.0.1", a.http_port)  # what the /trunk page does
        env = pb().Envelope()
        env.set_trunks.urls.append(f"wss://127.0.0.1:{b.http_port}/wsb")
        env.set_trunks.admin = ADMIN_SECRET
        ws.send(env)
        self.assertEqual(len(ws.recv("trunks").trunks.trunks), 1)
        wait_until(lambda: any(c["participant_id"] == "trunk-site-a" for c in status(b)["clients"]), 20,
                   "B to see the trunk\n" + a.log_text())
        get = pb().Envelope()
        get.get_trunks.admin = ADMIN_SECRET
        ws.send(get)
        t = ws.recv("trunks").trunks.trunks[0]
        self.assertEqual(t.state, pb().TrunkState.STATE_CONNECTED)
        clear = pb().Envelope()
        clear.set_trunks.admin = ADMIN_SECRET  # with no URLs: an empty list stops trunking
        ws.send(clear)
        self.assertEqual(len(ws.recv("trunks").trunks.trunks), 0)
        wait_until(lambda: not any(c["participant_id"].startswith("trunk-") for c in status(b)["clients"]), 10,
                   "B to drop the trunk")
        self.assertEqual(status(a)["trunks"], [])
        ws.close()

    def test_two_sfus_dialling_each_other_keep_one_link(self):
        a = self.start("site-a", UMBRELLA_TRUNK_SECRET=SECRET)
        b = self.start("site-b", UMBRELLA_TRUNK_SECRET=SECRET)
        pins = {s: fingerprint(os.path.join(s.workdir, "service.crt")) for s in (a, b)}
        for me, other in ((a, b), (b, a)):
            me.env.update({"UMBRELLA_TRUNK_PIN": pins[other],
                           "UMBRELLA_TRUNK_URL": f"wss://127.0.0.1:{other.http_port}/wsb"})
        self.servers.clear()
        a = a.restart()
        self.servers.append(a)
        b = b.restart()
        self.servers.append(b)

        def trunk_clients():
            return [c["participant_id"] for s in (a, b) for c in status(s)["clients"]
                    if c["participant_id"].startswith("trunk-")]
        wait_until(lambda: len(trunk_clients()) >= 2, 20, "a trunk between the two\n" + a.log_text())

        def refused():  # the second link: its dialler reports the refusal and retries
            return [t for s in (a, b) for t in status(s)["trunks"] if t["state"] != "connected" and t["last_error"]]
        wait_until(lambda: refused(), 20, "the second link to be refused\n" + json.dumps(
            [status(s)["trunks"] for s in (a, b)]))
        self.assertEqual(len(trunk_clients()), 2, trunk_clients())  # one link: a participant on each side

    def test_wrong_secret_and_wrong_certificate_are_refused(self):
        b = self.start("site-b", UMBRELLA_TRUNK_SECRET=SECRET)
        pin = fingerprint(os.path.join(b.workdir, "service.crt"))
        bad_secret = self.start("site-c", UMBRELLA_TRUNK_SECRET="wrong", UMBRELLA_TRUNK_PIN=pin,
                                UMBRELLA_TRUNK_URL=f"wss://127.0.0.1:{b.http_port}/wsb")
        wrong_pin = "AB:" * 31 + "AB"
        bad_cert = self.start("site-d", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_PIN=wrong_pin,
                              UMBRELLA_TRUNK_URL=f"wss://127.0.0.1:{b.http_port}/wsb")
        self.assertTrue(b.wait_log("wrong trunk secret", 20), b.log_text())
        self.assertTrue(bad_secret.wait_log("wrong trunk secret", 20), bad_secret.log_text())
        self.assertTrue(bad_cert.wait_log("fingerprint mismatch", 20), bad_cert.log_text())
        self.assertFalse(any(c["participant_id"].startswith("trunk-") for c in status(b)["clients"]))


if __name__ == "__main__":
    unittest.main()
