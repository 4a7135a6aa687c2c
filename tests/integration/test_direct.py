"""Direct bridges between sites (#18), the rendezvous stage: a cloud SFU with
UMBRELLA_RENDEZVOUS=1 and two site SFUs that both trunk to it. When someone on each site is in
the same room, the cloud introduces the two sites, relays their DirectSetups, and the sites'
own direct transport (full ICE, host and server-reflexive candidates, DTLS) connects between
them, never through the cloud. No NAT yet: all three share the namespace's addresses."""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

from rtc_util import publish, wait_for
from test_churn import Stayer
from test_ice import request
from test_trunk import SECRET, Sites, fingerprint, published_tracks, status, wait_until
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


def logged(server, needle):
    """How many lines of the server's whole log contain `needle` (log_text() keeps only the
    last 80 lines, which media and debug logging soon push a path line out of)."""
    return sum(needle in line for line in list(server.log))


def cloud_forwarded(cloud):
    """RTP packets the cloud's router has forwarded so far (retransmissions not included)."""
    return counters(cloud)["media.packets_forwarded"]


def bridge_received(server):
    [d] = status(server)["direct_bridges"]
    return d["bytes_received"]


DROP_TABLE = "umbrella_direct_media_test"


def block_ports(ports):
    """Drops every datagram to these UDP ports (this namespace is the test's own)."""
    subprocess.run(["nft", "-f", "-"], check=True, text=True, input=(
        f"table inet {DROP_TABLE} {{\n chain out {{\n  type filter hook output priority 0;\n"
        f"  udp dport {{ {', '.join(ports)} }} counter drop\n }}\n}}\n"))


def unblock_ports(check=True):
    subprocess.run(["nft", "delete", "table", "inet", DROP_TABLE], check=check,
                   stderr=None if check else subprocess.DEVNULL)


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

    @unittest.skipUnless(shutil.which("nft") and os.environ.get("UMBRELLA_TEST_SERVER_IP6"),
                         "needs nftables (nft) and the runner's IPv6 pair")
    def test_the_bridge_goes_over_ipv6_when_ipv4_between_the_sites_is_blocked(self):
        """Sites with IPv6 often need no hole punching: each offers its IPv6 host addresses too.
        With every IPv4 datagram between the sites' own sockets dropped (only the SFUs' media
        ports pass: clients, and the reflexive question to the cloud), the bridge connects over
        IPv6."""
        cloud, a, b = self.three()
        media = ", ".join(str(s.media_port) for s in (cloud, a, b))
        subprocess.run(["nft", "-f", "-"], check=True, text=True, input=(
            "table inet umbrella_direct_v4 {\n chain out {\n  type filter hook output priority 0;\n"
            f"  meta nfproto ipv4 udp sport != {{ {media} }} udp dport != {{ {media} }} counter drop\n }}\n}}\n"))
        try:
            wa, wb = join(a, "meet", "alice"), join(b, "meet", "bob")
            for s in (a, b):
                wait_until(lambda s=s: counters(s)["trunk.direct_connected"] == 1, 20, "the direct bridge")
            for s in (a, b):
                [d] = status(s)["direct_bridges"]
                self.assertTrue(d["remote"].startswith("[fd00:198:18::"), d)
            for s, peer in ((a, "site-b"), (b, "site-a")):
                wait_until(lambda s=s, peer=peer: f"path to {peer}: direct" in s.log_text(), 5, f"{peer} path direct")
            dropped = subprocess.run(["nft", "list", "table", "inet", "umbrella_direct_v4"], check=True,
                                     capture_output=True, text=True).stdout
            self.assertNotIn("packets 0 ", dropped)  # the IPv4 checks were tried, and dropped
            for w in (wa, wb):
                w.close()
        finally:
            subprocess.run(["nft", "delete", "table", "inet", "umbrella_direct_v4"], check=False,
                           stderr=subprocess.DEVNULL)

    def test_media_between_sites_goes_direct_and_falls_back(self):
        """A publisher on site-a and a viewer on site-b, both in "meet", each talking only to
        its own site's SFU. The publisher's tracks reach site-b through the cloud at first; once
        site-b's path to site-a is direct they cross the bridge and the cloud forwards none of
        them; a blocked bridge hands them back to the cloud without the viewer losing the call,
        and lifting the block moves them back onto the bridge after the hold-down."""
        cloud, a, b = self.three()
        started = time.monotonic()

        def took():
            return f"{time.monotonic() - started:.1f} s"

        async def run():
            loop = asyncio.get_running_loop()

            # /status requests and waits block: run them off the event loop, so that aiortc
            # keeps answering ICE consent and decoding meanwhile.
            async def call(f, *args):
                return await loop.run_in_executor(None, f, *args)

            def tails():
                return f"\nsite-a:\n{a.log_text()}\nsite-b:\n{b.log_text()}\ncloud:\n{cloud.log_text()}"

            async def until(predicate, timeout, what):
                """Fails with `what` (a string, or a function giving one then) and the logs' tails."""
                deadline = time.monotonic() + timeout
                while not await call(predicate):
                    if time.monotonic() > deadline:
                        self.fail(f"timed out after {timeout} s waiting for {what() if callable(what) else what} "
                                  f"({took()} into the test)" + tails())
                    await asyncio.sleep(0.2)

            async def window(seconds=3.0):
                """What the cloud forwarded (RTP packets), site-b's bridge received (bytes) and
                the viewer decoded (video frames) over the next `seconds`."""
                before = (await call(cloud_forwarded, cloud), await call(bridge_received, b), video_frames())
                await asyncio.sleep(seconds)
                after = (await call(cloud_forwarded, cloud), await call(bridge_received, b), video_frames())
                return tuple(y - x for x, y in zip(before, after))

            async def media_goes_direct(when):
                fwd, bridge, frames = await window()
                print(f"{when} ({took()}): cloud forwarded {fwd} packets, site-b's bridge received {bridge} bytes, "
                      f"viewer decoded {frames} frames over 3 s", file=sys.stderr)
                self.assertEqual(fwd, 0, f"{when}: the cloud still forwards media" + tails())
                self.assertGreater(bridge, 30_000, f"{when}: site-a's media does not cross the bridge" + tails())
                self.assertGreater(frames, 0, f"{when}: the viewer stopped decoding" + tails())

            def video_frames():
                return sum(n for track, n in viewer.frames.items() if track.kind == "video")

            # The publisher (audio and video, WHIP) talks to site-a's SFU only.
            pub, _, _ = await publish(a.base_url, "meet")
            viewer = None
            try:
                self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15), a.log_text())
                # Its two tracks are announced on site-b through the cloud.
                await until(lambda: len([t for t in published_tracks(b) if t["track_id"].startswith("site-a/")]) == 2,
                            20, "site-a's tracks announced on site-b")
                # The viewer is a /wsb participant on site-b (aiortc answering the SFU's offers,
                # as a browser does; it publishes silent audio). Joining "meet" puts someone of
                # site-b's own there, so the cloud introduces the two sites and their bridge
                # starts. (A WHEP viewer would not do: it is not announced as a person, so the
                # cloud never sees site-b in the room.) Its reader thread answers the server's
                # keepalive pings, so its signalling stays up however long the test idles.
                viewer = Stayer(b, "meet", name="viewer")
                viewer_started = time.monotonic()
                await viewer.start()
                self.assertTrue(await wait_for(lambda: video_frames() >= 1, 30), "no video frame" + tails())
                first = time.monotonic() - viewer_started
                self.assertTrue(await wait_for(lambda: video_frames() >= 20, 30),
                                f"viewer frames {video_frames()}" + tails())
                via_cloud = await call(cloud_forwarded, cloud)
                print(f"\nfirst frame on site-b {first:.2f} s after the viewer started; the cloud had forwarded "
                      f"{via_cloud} packets by the 20th ({took()})", file=sys.stderr)

                # Each site prefers the bridge for the other's tracks once it has held for 1 s;
                # 2 s more for the wants to move off the cloud trunk and onto the bridge.
                for s, peer in ((b, "site-a"), (a, "site-b")):
                    await until(lambda s=s, peer=peer: logged(s, f"path to {peer}: direct") >= 1, 25,
                                f"{peer} path direct")
                await asyncio.sleep(2)

                # Direct: site-a's media reaches site-b over the bridge only. The cloud's router
                # forwards nothing (the viewer's is the only subscription anywhere, and site-b
                # no longer wants site-a's tracks from the cloud), the bridge carries the video,
                # and the viewer keeps decoding.
                await media_goes_direct("direct")

                if not shutil.which("nft"):
                    self.skipTest("nftables (nft) is not installed: the fallback is not tested")
                # Block the bridge both ways (as test_a_blocked_bridge_falls_back_to_the_cloud_and_
                # returns does): consent lapses within 5 s, the path falls back to the cloud at once.
                # The clients' own paths are not blocked: ICE consent keeps the WHIP publisher's
                # session and the viewer's, and the viewer answers its WebSocket's pings.
                bridges = [d for s in (a, b) for d in (await call(status, s))["direct_bridges"]]
                ports = [d["remote"].rsplit(":", 1)[1] for d in bridges]
                self.assertEqual(len(ports), 2)
                block_ports(ports)
                try:
                    await until(lambda: logged(b, "path to site-a: cloud") >= 1, 10,
                                "site-b's path to site-a to fall back to the cloud")
                    print(f"fallback to the cloud ({took()})", file=sys.stderr)
                    # The same viewer decodes again, its media now forwarded by the cloud.
                    frames0, fwd0 = video_frames(), await call(cloud_forwarded, cloud)
                    await until(lambda: video_frames() >= frames0 + 10 and cloud_forwarded(cloud) > fwd0, 8,
                                lambda: f"the viewer's frames through the cloud (frames {frames0} -> "
                                f"{video_frames()}, cloud forwarded {fwd0} -> {cloud_forwarded(cloud)})")
                    self.assertEqual(viewer.pc.connectionState, "connected")
                    print(f"frames through the cloud again ({took()})", file=sys.stderr)

                    # Lifted: the bridge's retry connects again and, after the hold-down, the
                    # path moves back to it.
                    unblock_ports()
                    await until(lambda: logged(b, "path to site-a: direct") >= 2, 30,
                                "site-b's path to site-a to be direct again")
                    print(f"back direct ({took()})", file=sys.stderr)
                finally:
                    unblock_ports(check=False)
                await asyncio.sleep(2)
                await media_goes_direct("direct again")
                self.assertEqual(viewer.pc.connectionState, "connected")
                self.assertEqual(viewer.errors, [])
                # SIGTERM while the direct trunk runs: each site shuts down cleanly (its trunks
                # go before its bridges, which must not reach back into them).
                for s in (b, a):
                    self.assertEqual(await call(s.stop), 0, s.log_text())
            finally:
                if viewer:
                    await viewer.close()
                await pub.close()

        asyncio.run(run())


if __name__ == "__main__":
    unittest.main()
