"""Two SFUs trunked over wss:// (the dialler pins the far side's certificate): an aiortc
publisher on each side is watched and decoded by an aiortc subscriber on the other side."""
import asyncio
import hashlib
import json
import os
import ssl
import time
import unittest

from harness import Server
from rtc_util import Subscriber, publish, wait_for
from test_ice import request

SECRET = "correct horse battery staple"


def fingerprint(cert_path):
    der = ssl.PEM_cert_to_DER_cert(open(cert_path).read())
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def status(server):
    return json.loads(request(server, "GET", "/status.json")[2])


def published_tracks(server):
    return [t for c in status(server)["clients"] for t in c["published"]]


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Trunk(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def start(self, site, **env):
        s = Server(env=dict({"UMBRELLA_SITE_ID": site}, **env)).start()
        self.servers.append(s)
        return s

    def test_media_both_ways_over_one_trunk(self):
        b = self.start("site-b", UMBRELLA_TRUNK_SECRET=SECRET)
        pin = fingerprint(os.path.join(b.workdir, "service.crt"))
        a = self.start("site-a", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_PIN=pin,
                       UMBRELLA_TRUNK_URL=f"wss://127.0.0.1:{b.http_port}/wsb")
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
