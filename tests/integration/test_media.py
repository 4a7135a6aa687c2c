"""Real media through the SFU between independent WebRTC peers (Debian's python3-aiortc):
WHIP in, WHEP out, frames decoded on the far side."""
import asyncio
import json
import os
import signal
import time
import unittest

from harness import ADMIN, CLIENT_IP, SERVER_IP, Server
from rtc_util import Subscriber, publish, wait_for
from test_ice import request


class WhipWhep(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def status(self):
        return json.loads(request(self.server, "GET", "/status.json", headers=ADMIN)[2])

    def test_publisher_to_two_subscribers_and_late_joiner(self):
        async def run():
            base = self.server.base_url
            pub, location, answer = await publish(base, "media")
            self.assertNotIn(CLIENT_IP, answer)
            self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15),
                            f"publisher {pub.connectionState}\n{self.server.log_text()}")
            subs = [await Subscriber().start(base, "media") for _ in range(2)]
            for s in subs:
                self.assertNotIn(CLIENT_IP, s.answer)
            ok = await wait_for(lambda: all(s.video_frames >= 30 and s.audio_frames >= 50 for s in subs), 30)
            self.assertTrue(ok, f"frames {[(s.video_frames, s.audio_frames) for s in subs]}\n{json.dumps(self.status(), indent=1)}\n{self.server.log_text()}")
            for s in subs:
                self.assertEqual(s.sizes, {(640, 360)})
            # /status reports bitrates between two polls (at least 200 ms apart).
            def video_tracks():
                return [t for c in self.status()["clients"] for t in c["published"] if t["kind"] == "video"]
            self.assertTrue(await wait_for(lambda: video_tracks()[0]["bitrate_bps"] > 50_000, 10), video_tracks())
            # A subscriber joining mid-stream gets a keyframe promptly (PLI on subscribe).
            await asyncio.sleep(2)
            late = await Subscriber().start(base, "media")
            self.assertTrue(await wait_for(lambda: late.video_frames >= 5, 15), self.server.log_text())
            delay = late.first_video_at - late.started
            print(f"late joiner: first decoded frame {delay * 1000:.0f} ms after its WHEP request")
            self.assertLess(delay, 5.0)
            st = self.status()
            pubs = [c for c in st["clients"] if c["published"]]
            self.assertEqual(len(pubs), 1)
            # The publisher's address (either of its host candidates) shows on /status only.
            self.assertIn(pubs[0]["address"].split(":")[0], (CLIENT_IP, SERVER_IP))
            fwd = [c for c in st["clients"] if c["forwarded"]]
            self.assertEqual(len(fwd), 3)
            # The SFU measures its own forwarding delay (kernel receive time to send call).
            c = st["counters"]
            p50, p99, top = (c["media.forward_delay_p50_us"], c["media.forward_delay_p99_us"],
                             c["media.forward_delay_max_us"])
            print(f"SFU forward delay p50 {p50} us, p99 {p99} us, max {top} us")
            self.assertGreater(p50, 0, c)
            self.assertTrue(p50 <= p99 <= top, c)
            # DELETE ends the WHIP session: the publisher's tracks leave the room.
            self.assertEqual(request(self.server, "DELETE", location)[0], 200)
            self.assertTrue(await wait_for(lambda: not [c for c in self.status()["clients"] if c["published"]], 5))
            for s in subs + [late]:
                await s.close()
            await pub.close()

        asyncio.run(run())

    def test_media_that_waited_out_a_stall_is_dropped_and_the_call_goes_on(self):
        async def run():
            base = self.server.base_url
            pub, location, _ = await publish(base, "stall")
            sub = await Subscriber().start(base, "stall")
            self.assertTrue(await wait_for(lambda: sub.video_frames >= 20, 30), self.server.log_text())
            before = self.status()["counters"]["media.stale_dropped"]
            raises_before = self.status()["counters"]["media.load_raises"]
            # Freeze the SFU for 1.5 s while the publisher keeps sending: the backlog in its
            # socket is the past by the time it runs again.
            os.kill(self.server.proc.pid, signal.SIGSTOP)
            await asyncio.sleep(1.5)
            os.kill(self.server.proc.pid, signal.SIGCONT)
            await wait_for(lambda: self.status()["counters"]["media.stale_dropped"] - before > 10, 5)
            dropped = self.status()["counters"]["media.stale_dropped"] - before
            print(f"stale media dropped after a 1.5 s stall: {dropped} datagrams")
            self.assertGreater(dropped, 10)
            frames = sub.video_frames
            self.assertTrue(await wait_for(lambda: sub.video_frames >= frames + 20, 20),
                            f"video stopped after the stall: {sub.video_frames} frames\n{self.server.log_text()}")
            # One stall is not a load the server cannot carry: the load governor, which judges
            # 2 s at a time, lowered nobody's video for it.
            await asyncio.sleep(3)
            c = self.status()["counters"]
            self.assertEqual(c["media.load_raises"], raises_before, f"{c}\n{self.server.log_text()}")
            self.assertEqual(c["media.load_level"], 0, c)
            self.assertEqual(request(self.server, "DELETE", location)[0], 200)
            await sub.close()
            await pub.close()

        asyncio.run(run())

    def test_media_only_sessions_keep_dtls_keys_only_and_still_hear_close_notify(self):
        """Without data channels a transport frees its DTLS session once the peer's SRTP shows
        the handshake done, keeping only the record keys: a viewer that closes (aiortc sends
        close_notify, no WHEP DELETE) must still be gone at once, not after 30 s of consent."""
        async def run():
            base = self.server.base_url
            before = self.status()["counters"]["dtls.sessions_released"]
            pub, location, _ = await publish(base, "keys-only")
            sub = await Subscriber().start(base, "keys-only")
            self.assertTrue(await wait_for(lambda: sub.video_frames >= 20, 30), self.server.log_text())
            # The publisher's SRTP and the viewer's SRTCP released both sessions.
            self.assertTrue(await wait_for(
                lambda: self.status()["counters"]["dtls.sessions_released"] - before == 2, 5), self.status()["counters"])

            def viewers():
                return [c for c in self.status()["clients"] if c["forwarded"] and not c["published"]]
            self.assertEqual(len(viewers()), 1, self.status()["clients"])
            closed_at = time.monotonic()
            await sub.close()
            gone = await wait_for(lambda: not viewers(), 5)
            self.assertTrue(gone, f"{viewers()}\n{self.server.log_text()}")
            print(f"viewer gone {(time.monotonic() - closed_at) * 1000:.0f} ms after its close_notify")
            self.assertTrue([l for l in self.server.log if "DTLS closed by peer" in l], self.server.log_text())
            self.assertEqual(self.status()["counters"]["dtls.bad_mac"], 0)
            self.assertEqual(request(self.server, "DELETE", location)[0], 200)
            await pub.close()

        asyncio.run(run())


if __name__ == "__main__":
    unittest.main()
