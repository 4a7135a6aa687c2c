"""Pull-based trunks: a track crosses a trunk only while someone on the far side (or further
along) watches it. Bytes are read from /status: every datagram of the trunk's transport
(bytes_sent/bytes_received of its client entry) and each track it forwards."""
import asyncio
import json
import os
import subprocess
import sys
import time
import unittest

from harness import BUILD, CLIENT_IP
from test_loadgen_peers import viewers_with_three_layers
from rtc_util import Subscriber, publish, wait_for
from test_churn import Stayer
from test_trunk import SECRET, Sites, fingerprint, published_tracks, status, wait_until


def trunk_client(server, far_site):
    for c in status(server)["clients"]:
        if c["participant_id"] == "trunk-" + far_site:
            return c
    return None


def trunk_forwarded(server, far_site):
    c = trunk_client(server, far_site)
    return sorted(t["track_id"] for t in c["forwarded"]) if c else []


def publishers_bytes(server):
    """Media the local publishers sent this SFU so far."""
    return sum(t["bytes"] for c in status(server)["clients"] if not c.get("trunk_site") for t in c["published"])


def window(server, far_site, seconds=3):
    """(trunk bytes sent, publishers' bytes received) on `server` over the next `seconds`."""
    t0, p0 = trunk_client(server, far_site)["bytes_sent"], publishers_bytes(server)
    time.sleep(seconds)
    return trunk_client(server, far_site)["bytes_sent"] - t0, publishers_bytes(server) - p0


class Pull(Sites, unittest.TestCase):

    def test_idle_trunk_carries_no_media_one_viewer_pulls_its_tracks_and_leaving_stops_them(self):
        a, b = self.pair()

        async def run():
            loop = asyncio.get_running_loop()
            pubs = [(await publish(a.base_url, "default"))[0] for _ in range(3)]
            for pc in pubs:
                self.assertTrue(await wait_for(lambda: pc.connectionState == "connected", 15))
            await loop.run_in_executor(None, wait_until, lambda: len(published_tracks(b)) == 6, 20,
                                       "the six tracks announced on B\n" + a.log_text())
            # Nobody on B: the trunk carries RTCP and ICE at most, no media.
            idle, media = await loop.run_in_executor(None, window, a, "site-b")
            print(f"\nidle trunk A->B over 3 s: {idle} bytes; A's publishers sent {media} bytes", file=sys.stderr)
            self.assertGreater(media, 100_000)
            self.assertLess(idle, media / 50, (idle, media))
            self.assertEqual(trunk_forwarded(a, "site-b"), [])
            on_b = trunk_client(b, "site-a")["published"]
            self.assertEqual([t for t in on_b if t.get("pulled") or t["packets"]], [], on_b)

            # One WHEP viewer on B takes one video and one audio track: only those two cross.
            sub = await Subscriber().start(b.base_url, "default")
            self.assertTrue(await wait_for(lambda: sub.video_frames >= 20, 30), b.log_text())
            watched = sorted(t["track_id"] for c in status(b)["clients"] if c["display_name"].startswith("WHEP")
                             for t in c["forwarded"])
            self.assertEqual(len(watched), 2, watched)
            self.assertEqual(trunk_forwarded(a, "site-b"), watched)
            pulled = sorted(t["track_id"] for t in trunk_client(b, "site-a")["published"] if t.get("pulled"))
            self.assertEqual(pulled, watched)
            busy, media = await loop.run_in_executor(None, window, a, "site-b")
            print(f"one viewer on B: trunk A->B {busy} bytes over 3 s (publishers {media})", file=sys.stderr)

            # The viewer leaves: nothing is wanted any more and media stops crossing.
            await sub.close()
            await loop.run_in_executor(None, wait_until, lambda: trunk_forwarded(a, "site-b") == [], 10,
                                       "A to stop sending to B")
            after, media = await loop.run_in_executor(None, window, a, "site-b")
            print(f"viewer gone: trunk A->B {after} bytes over 3 s (publishers {media})", file=sys.stderr)
            self.assertLess(after, media / 50, (after, media))
            self.assertLess(after, busy / 10, (after, busy))
            for pc in pubs:
                await pc.close()

        asyncio.run(run())

    def test_line_of_three_pulls_through_the_middle(self):
        sites = ["line-a", "line-b", "line-c"]
        a, b, c = [self.start(s, UMBRELLA_TRUNK_SECRET=SECRET) for s in sites]
        # A dials B and C dials B: B is in the middle and accepts both.
        pin_b = fingerprint(os.path.join(b.workdir, "service.crt"))
        line = [b]
        for s in (a, c):
            s.env.update({"UMBRELLA_TRUNK_PIN": pin_b, "UMBRELLA_TRUNK_URL": f"wss://127.0.0.1:{b.http_port}/wsb"})
            self.servers.remove(s)
            r = s.restart()
            self.servers.append(r)
            line.append(r)
        b, a, c = line

        async def run():
            loop = asyncio.get_running_loop()
            pub, _, _ = await publish(a.base_url, "default", audio=False)
            self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15))
            await loop.run_in_executor(None, wait_until, lambda: len(published_tracks(c)) == 1, 30,
                                       "A's track announced on C\n" + b.log_text())
            track = published_tracks(c)[0]["track_id"]
            self.assertEqual(trunk_forwarded(a, "line-b"), [])
            sub = await Subscriber().start(c.base_url, "default")
            self.assertTrue(await wait_for(lambda: sub.video_frames >= 20, 30), c.log_text() + b.log_text())
            print(f"\nline A-B-C: first frame on C {sub.first_video_at - sub.started:.2f} s after the viewer started",
                  file=sys.stderr)
            # The want went C -> B -> A, and the track came back A -> B -> C.
            self.assertEqual(trunk_forwarded(a, "line-b"), [track])
            self.assertEqual(trunk_forwarded(b, "line-c"), [track])
            self.assertEqual([t["track_id"] for t in trunk_client(b, "line-a")["published"] if t.get("pulled")], [track])
            await sub.close()
            await loop.run_in_executor(None, wait_until,
                                       lambda: trunk_forwarded(a, "line-b") == [] and trunk_forwarded(b, "line-c") == [],
                                       10, "the line to stop carrying the track")
            await pub.close()

        asyncio.run(run())

    def test_ring_of_three_delivers_each_track_once_to_each_watcher(self):
        ring = self.ring(["ring-a", "ring-b", "ring-c"])

        async def run():
            loop = asyncio.get_running_loop()
            pubs = []
            for s in ring:
                pc, _, _ = await publish(s.base_url, "default", audio=False)
                pubs.append(pc)
            for pc in pubs:
                self.assertTrue(await wait_for(lambda: pc.connectionState == "connected", 15))
            await loop.run_in_executor(None, wait_until, lambda: all(len(published_tracks(s)) == 3 for s in ring), 30,
                                       "every SFU to have the three tracks")
            # A /wsb participant on each SFU receives every other site's video.
            people = [Stayer(s, "default", name=f"watcher-{i}") for i, s in enumerate(ring)]
            try:
                for p in people:
                    await p.start()

                def everyone_decodes():
                    return all(sum(1 for t, n in p.frames.items() if t.kind == "video" and n >= 10) >= 2 for p in people)
                self.assertTrue(await wait_for(everyone_decodes, 40),
                                [[(t.kind, n) for t, n in p.frames.items()] for p in people])
                # Each video crosses exactly two links (to the two other sites), never a third
                # one round the ring; no site receives a track over two trunks.
                crossings = {}
                for s in ring:
                    pulled = []
                    for c in status(s)["clients"]:
                        if not c.get("trunk_site"):
                            continue
                        for t in c["forwarded"]:
                            if t["kind"] == "video":
                                crossings[t["track_id"]] = crossings.get(t["track_id"], 0) + 1
                        pulled += [t["track_id"] for t in c["published"] if t.get("pulled") and t["kind"] == "video"]
                    self.assertEqual(len(pulled), len(set(pulled)), pulled)
                video = [t["track_id"] for s in ring for c in status(s)["clients"] if not c.get("trunk_site")
                         for t in c["published"] if t["kind"] == "video"]
                self.assertEqual(len(video), 3, video)
                self.assertEqual({t: crossings.get(t, 0) for t in video}, {t: 2 for t in video})
            finally:
                for p in people:
                    await p.close()
            for pc in pubs:
                await pc.close()

        asyncio.run(run())


if __name__ == "__main__":
    unittest.main()


class TrunkSimulcast(Sites, unittest.TestCase):
    """A simulcast publisher on A (the loadgen, three layers by rid), WHEP viewers on B: the
    trunk carries every layer (signalled to B as an SSRC group), so B's router chooses a layer
    for each of its viewers as A's does for its own, and each viewer gets one layer's frames."""

    def test_far_viewers_get_layers_chosen_by_their_own_sfu(self):
        a, b = self.pair()
        loadgen = os.path.join(BUILD, "tools/loadgen/umbrella-loadgen")
        common = ["--insecure", "--bind", CLIENT_IP, "--room", "default", "--json", "--quiet"]
        pub = subprocess.Popen([loadgen, "--server", a.base_url, "--publishers", "1", "--viewers", "0", "--simulcast",
                                "--video-kbps", "600", "--duration", "40", "--settle", "0"] + common,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_until(lambda: len(published_tracks(b)) == 2, 20, "the publisher's tracks announced on B\n" + a.log_text())
            view = subprocess.Popen([loadgen, "--server", b.base_url, "--publishers", "0", "--viewers", "2",
                                     "--recv-video", "1", "--recv-audio", "1", "--duration", "5"] + common,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            seen = viewers_with_three_layers(b, view, 2, 30)
            out, err = view.communicate(timeout=60)
            self.assertEqual(view.returncode, 0, err[-3000:])
            s = json.loads(out)
            self.assertIsNotNone(seen, f"B's viewers never had three layers to choose from: {s}\n" + b.log_text())
            self.assertTrue(all(t["layer_reason"] in ("best", "bandwidth") for t in seen), seen)
            self.assertEqual((s["connected"], s["failed"]), (2, 0), s)
            # One layer's frames each (30 fps), not the three layers' at once.
            want = 2 * 30 * s["window_s"]
            self.assertGreater(s["recv_frames"], 0.8 * want, s)
            self.assertLess(s["recv_frames"], 1.2 * want, s)
            self.assertLess(s["loss_pct"], 5, s)
            self.assertIn("3 simulcast layers", b.log_text())
        finally:
            pub.kill()
            pub.wait()
