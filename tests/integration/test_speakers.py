"""Active speakers: /wsb participants (aiortc) publish audio whose RFC 6464 levels the SFU
reads; the room hears Speakers naming whoever plays a tone, never the silent ones, and the
list follows when the tone moves to someone else."""
import asyncio
import unittest

from harness import Server
from rtc_util import ToneTrack, wait_for
from test_churn import Stayer
from test_trunk import SECRET, Sites, fingerprint, status, wait_until


class Speakers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_the_room_hears_who_plays_a_tone_and_follows_it(self):
        async def run():
            ann = Stayer(self.server, "talk", audio=ToneTrack(loud=True), name="Ann")
            bob = Stayer(self.server, "talk", audio=ToneTrack(loud=False), name="Bob")
            eve = Stayer(self.server, "talk", name="Eve")  # silent listener
            try:
                for p in (ann, bob, eve):
                    await p.start()

                def latest(p):
                    return p.speakers[-1] if p.speakers else None

                ok = await wait_for(lambda: latest(eve) == [ann.id] and latest(bob) == [ann.id], 20)
                self.assertTrue(ok, f"eve heard {eve.speakers}, bob heard {bob.speakers}")
                self.assertFalse(any(bob.id in s or eve.id in s for s in eve.speakers), eve.speakers)

                ann.audio.loud, bob.audio.loud = False, True
                ok = await wait_for(lambda: latest(eve) == [bob.id] and latest(ann) == [bob.id], 20)
                self.assertTrue(ok, f"eve heard {eve.speakers}, ann heard {ann.speakers}")
                # Bob started while Ann's ring was still fading: never more than both, newest first.
                for s in eve.speakers:
                    self.assertLessEqual(len(s), 2, eve.speakers)
                    if len(s) == 2:
                        self.assertEqual(s, [bob.id, ann.id], eve.speakers)

                bob.audio.loud = False
                ok = await wait_for(lambda: latest(eve) == [], 20)
                self.assertTrue(ok, f"eve heard {eve.speakers}")
                self.assertEqual(eve.errors, [])
            finally:
                for p in (ann, bob, eve):
                    await p.close()

        asyncio.run(run())


class TrunkedSpeakers(Sites, unittest.TestCase):
    def test_someone_speaking_on_the_far_sfu_is_a_speaker_here(self):
        b = self.start("site-b", UMBRELLA_TRUNK_SECRET=SECRET)
        pin = fingerprint(f"{b.workdir}/service.crt")
        a = self.start("site-a", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_PIN=pin,
                       UMBRELLA_TRUNK_URL=f"wss://127.0.0.1:{b.http_port}/wsb")
        wait_until(lambda: any(t["state"] == "connected" for t in status(a)["trunks"]), 20,
                   "the trunk to connect\n" + a.log_text())

        async def run():
            ann = Stayer(a, "talk", audio=ToneTrack(loud=True), name="Ann")
            eve = Stayer(b, "talk", name="Eve")
            try:
                await ann.start()
                await eve.start()
                ok = await wait_for(lambda: eve.speakers and eve.speakers[-1] == [ann.id], 30)
                self.assertTrue(ok, f"eve on B heard {eve.speakers}, Ann on A is {ann.id}\n"
                                    f"B: {status(b)}")
                self.assertTrue(all(s == [ann.id] for s in eve.speakers), eve.speakers)
            finally:
                await ann.close()
                await eve.close()

        asyncio.run(run())


if __name__ == "__main__":
    unittest.main()
