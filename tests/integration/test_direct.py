"""Direct bridges between sites (#18), the rendezvous stage: a cloud SFU with
UMBRELLA_RENDEZVOUS=1 and two site SFUs that both trunk to it. When someone on each site is in
the same room, the cloud introduces the two sites, relays their DirectSetups, and the sites'
own direct transport (full ICE, host and server-reflexive candidates, DTLS) connects between
them, never through the cloud. No NAT yet: all three share the namespace's addresses."""
import json
import os
import shutil
import subprocess
import time
import unittest

from test_ice import request
from test_trunk import SECRET, Sites, fingerprint, status, wait_until
from test_trunk_auth import trunk_join, trunk_mac
from wsclient import WebSocket, pb


def counters(server):
    return status(server)["counters"]


def join(server, room, name):
    ws = WebSocket("127.0.0.1", server.http_port)
    env = pb().Envelope()
    env.join.room = room
    env.join.display_name = name
    ws.send(env)
    assert ws.recv("joined").WhichOneof("body") == "joined"
    return ws


class Direct(Sites, unittest.TestCase):

    def three(self):
        cloud = self.start("cloud", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_RENDEZVOUS="1")
        pin = fingerprint(os.path.join(cloud.workdir, "service.crt"))
        url = f"wss://127.0.0.1:{cloud.http_port}/wsb"
        a = self.start("site-a", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_PIN=pin, UMBRELLA_TRUNK_URL=url)
        b = self.start("site-b", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_PIN=pin, UMBRELLA_TRUNK_URL=url)
        for s in (a, b):
            s.wait_log("joined cloud", timeout=15)
        return cloud, a, b

    def test_sites_sharing_a_room_connect_directly_through_the_introduction(self):
        cloud, a, b = self.three()
        # Each site on its own room: no introduction.
        wa = join(a, "meet", "alice")
        wx = join(b, "elsewhere", "xavier")
        time.sleep(2)
        self.assertEqual(counters(cloud)["rendezvous.introductions"], 0)
        self.assertEqual(counters(a)["trunk.direct_introductions"], 0)

        # Someone on site-b joins "meet": the cloud introduces the two sites, they swap their
        # setups through it and their direct transport connects.
        wb = join(b, "meet", "bob")
        for s in (a, b):
            wait_until(lambda s=s: counters(s)["trunk.direct_connected"] == 1, 20, f"{s.env['UMBRELLA_SITE_ID']} direct")
        c = counters(cloud)
        self.assertEqual(c["rendezvous.introductions"], 2)
        self.assertGreaterEqual(c["rendezvous.signals_relayed"], 2)
        self.assertEqual(c["rendezvous.refused_not_introduced"], 0)
        self.assertEqual(c["rendezvous.refused_rate"], 0)
        # Each site asked the cloud's media port for its public address.
        self.assertGreaterEqual(c["media.stun_reflexive_answered"], 2)
        for s in (a, b):
            k = counters(s)
            self.assertEqual(k["trunk.direct_introductions"], 1)
            self.assertGreaterEqual(k["trunk.direct_setups_sent"], 1)
            self.assertGreaterEqual(k["trunk.direct_setups_received"], 1)
            self.assertGreater(k["trunk.direct_bytes_received"], 0)
            self.assertGreater(k["trunk.direct_bytes_sent"], 0)
            self.assertEqual(k["trunk.direct_refused"], 0)
            self.assertEqual(k["trunk.direct_retries"], 0)
        # site-a sorts first: it controls.
        self.assertIn("introduced to site-b: bridging directly (controlling)", a.log_text())
        self.assertIn("introduced to site-a: bridging directly (controlled)", b.log_text())
        self.assertIn("direct transport to site-b connected", a.log_text())
        self.assertIn("direct transport to site-a connected", b.log_text())
        for s in (a, b):
            self.assertIn("as the rendezvous sees it", s.log_text())
        # Once the bridge has held for a second, each site prefers it for the other's tracks.
        for s, peer in ((a, "site-b"), (b, "site-a")):
            wait_until(lambda s=s, peer=peer: f"path to {peer}: direct" in s.log_text(), 5, f"{peer} path direct")
        # Consent keeps it up.
        time.sleep(6)
        self.assertEqual(counters(a)["trunk.direct_connected"], 1)
        # The detailed status shows each bridge; without the secret there is none (addresses).
        for s, peer, controlling in ((a, "site-b", True), (b, "site-a", False)):
            [d] = status(s)["direct_bridges"]
            self.assertEqual((d["peer_site"], d["state"], d.get("controlling", False)), (peer, "connected", controlling))
            self.assertTrue(d["remote"].startswith("198.18.0."), d)
            self.assertGreater(d["bytes_received"], 0)
            public = json.loads(request(s, "GET", "/status.json")[2])
            self.assertEqual(public["direct_bridges"], [])

        # Bob leaves: the sites no longer share a room, the cloud says so, the bridge ends.
        wb.close()
        for s in (a, b):
            wait_until(lambda s=s: counters(s)["trunk.direct_connected"] == 0, 10, "the bridge to end")
        self.assertEqual(counters(cloud)["rendezvous.endings"], 2)
        for w in (wa, wx):
            w.close()

    def test_only_introduced_authenticated_trunks_are_relayed_to(self):
        cloud, a, b = self.three()
        wa, wb = join(a, "meet", "alice"), join(b, "meet", "bob")
        for s in (a, b):
            wait_until(lambda s=s: counters(s)["trunk.direct_connected"] == 1, 20, "the direct bridge")
        relayed = counters(cloud)["rendezvous.signals_relayed"]

        # A browser connection is no site: its SiteSignal is not relayed.
        web = join(cloud, "meet", "mallory")
        env = pb().Envelope()
        env.site_signal.site_id = "site-a"
        env.site_signal.payload = b"\x01" * 40
        web.send(env)
        # A trunk that proved the secret but shares no room with site-a is not introduced, so
        # nothing it sends reaches site-a; one that did not prove it is refused at once.
        ws = WebSocket("127.0.0.1", cloud.http_port)
        ws.send(trunk_join("site-py"))
        challenge = ws.recv("trunk_challenge").trunk_challenge
        resp = pb().Envelope()
        resp.trunk_response.nonce = os.urandom(32)
        resp.trunk_response.mac = trunk_mac(SECRET, "dialler", challenge.nonce, resp.trunk_response.nonce,
                                            "site-py", challenge.site_id)
        ws.send(resp)
        self.assertEqual(ws.recv("joined").joined.site_id, "cloud")
        ws.send(env)
        big = pb().Envelope()
        big.site_signal.site_id = "site-a"
        big.site_signal.payload = b"\x02" * 2000  # over the 1024-byte bound: undecodable
        ws.send(big)
        time.sleep(1)
        c = counters(cloud)
        self.assertEqual(c["rendezvous.signals_relayed"], relayed)
        self.assertEqual(c["rendezvous.refused_not_introduced"], 1)
        self.assertGreaterEqual(c["signal.malformed"], 1)
        self.assertEqual(counters(a)["trunk.direct_refused"], 0)  # nothing reached site-a
        self.assertEqual(counters(a)["trunk.direct_connected"], 1)
        for w in (ws, web, wa, wb):
            w.close()

    @unittest.skipUnless(shutil.which("nft"), "nftables (nft) is not installed")
    def test_a_blocked_bridge_falls_back_to_the_cloud_and_returns(self):
        cloud, a, b = self.three()
        wa, wb = join(a, "meet", "alice"), join(b, "meet", "bob")
        for s, peer in ((a, "site-b"), (b, "site-a")):
            wait_until(lambda s=s, peer=peer: f"path to {peer}: direct" in s.log_text(), 25, f"{peer} path direct")
        # Consent checks keep crossing the bridge (every second, jittered).
        before = [status(s)["direct_bridges"][0]["bytes_sent"] for s in (a, b)]
        time.sleep(3)
        after = [status(s)["direct_bridges"][0]["bytes_sent"] for s in (a, b)]
        self.assertTrue(all(x > y for x, y in zip(after, before)), (before, after))
        # Alice and Bob stay (their signalling idles past the server's keepalive): a ping from
        # each now and then.
        pinged = [time.monotonic()]

        def alive(predicate):
            def check():
                if time.monotonic() - pinged[0] > 5:
                    pinged[0] = time.monotonic()
                    for w in (wa, wb):
                        w.send_frame(0x9, b"")
                return predicate()
            return check

        # Drop every datagram to either end of the bridge (this namespace is the test's own):
        # consent lapses on both sides (5 s), each falls back to the cloud path at once.
        ports = [d["remote"].rsplit(":", 1)[1] for s in (a, b) for d in status(s)["direct_bridges"]]
        self.assertEqual(len(ports), 2)
        subprocess.run(["nft", "-f", "-"], check=True, text=True, input=(
            "table inet umbrella_direct_test {\n chain out {\n  type filter hook output priority 0;\n"
            f"  udp dport {{ {', '.join(ports)} }} counter drop\n }}\n}}\n"))
        try:
            for s, peer in ((a, "site-b"), (b, "site-a")):
                wait_until(alive(lambda s=s, peer=peer: f"path to {peer}: cloud" in s.log_text()), 8, f"{peer} fallback")
            # Lifting the rule: the retry (a fresh session on the same socket, 5 s after the
            # failure) connects again and, after the hold-down, the path moves back.
            subprocess.run(["nft", "delete", "table", "inet", "umbrella_direct_test"], check=True)
            for s, peer in ((a, "site-b"), (b, "site-a")):
                wait_until(alive(lambda s=s, peer=peer: s.log_text().count(f"path to {peer}: direct") == 2), 30,
                           f"{peer} back direct")
                self.assertEqual(counters(s)["trunk.direct_connected"], 1)
            # The first to retry starts a fresh session; the other takes its new setup.
            self.assertGreaterEqual(sum(counters(s)["trunk.direct_retries"] for s in (a, b)), 1)
        finally:
            subprocess.run(["nft", "delete", "table", "inet", "umbrella_direct_test"], check=False,
                           stderr=subprocess.DEVNULL)
        for w in (wa, wb):
            w.close()


if __name__ == "__main__":
    unittest.main()
