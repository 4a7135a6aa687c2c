"""The call page's features in headless Chromium, through the UI, checking what a person sees:
a screen share appears large on the other page (its own tile, decoding, most of the window) and
goes when stopped by the page or the browser's own stop; switching cameras mid-call keeps the
other side decoding with no new offer either way; twelve people (two pages and ten of the
load generator's /wsb participants) page the grid, nine tiles at a time; no serious or critical
axe-core finding on the lobby, call, status and trunk pages; an unplugged camera says so;
and the speaking ring follows the page whose fake microphone plays a beep (the server's Speakers).

Reuses test_browser.py's driver and checks. Screenshots go to tests/browser/artifacts/ (call_*)."""
import math
import os
import struct
import subprocess
import tempfile
import time
import unittest
import wave

import test_browser as tb
from harness import BUILD, CLIENT_IP, Server

LOADGEN = os.path.join(BUILD, "tools/loadgen/umbrella-loadgen")
ROOM = "features"


def shot(name):
    return os.path.join(tb.ARTIFACTS, name)


@unittest.skipUnless(os.path.exists(tb.CHROMIUM) and tb.NODE, "needs /usr/bin/chromium and node")
class BrowserCallFeatures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not tb.ensure_node_modules():
            raise unittest.SkipTest("tests/browser/node_modules missing: run tools/setup --test")
        os.makedirs(tb.ARTIFACTS, exist_ok=True)
        cls.server = Server().start()
        cls.browser = tb.Driver()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.server.stop()

    wait_until = tb.BrowserCall.wait_until
    diagnostics = tb.BrowserCall.diagnostics
    remote = staticmethod(tb.BrowserCall.remote)
    assert_sees_video = tb.BrowserCall.assert_sees_video
    broken = None

    # The steps run in name order and build on each other: one failure skips the rest.
    def setUp(self):
        if BrowserCallFeatures.broken:
            self.skipTest(f"an earlier step failed: {BrowserCallFeatures.broken}")

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before and not BrowserCallFeatures.broken:
            BrowserCallFeatures.broken = self._testMethodName
        return out
    BROWSERS = {}

    def join(self, page, name):
        self.browser("open", page=page, url=f"{self.server.base_url}/sfu?room={ROOM}")
        self.browser("join", page=page, name=name)

    @staticmethod
    def screen_of(obs, owner_id):
        return next((t for t in obs["tiles"] if t["kind"] == "screen" and t["id"] == f"{owner_id}#screen"), None)

    def test_1_screen_share_shows_large_on_the_other_page(self):
        self.join("alice", "Alice")
        self.join("bob", "Bob")
        self.assert_sees_video("bob", "Alice")
        # Each tile's connection indicator (getStats every 2 s): good on this clean link.
        self.wait_until("Alice's tile on Bob's page to show a good connection",
                        lambda o: (self.remote(o["bob"], "Alice") or {}).get("quality") == "good", ["bob"], 10)
        alice_id = self.remote(self.browser("observe", page="bob"), "Alice")["id"]
        self.browser("click", page="alice", testid="share-screen")

        def large_and_decoding(o, frames=0):
            t = self.screen_of(o["bob"], alice_id)
            # Large: the stage's main tile, most of the 1024 px wide window, not the filmstrip.
            return bool(t and o["bob"]["layout"] == "speaker" and t["large"] and t["tileWidth"] > 600
                        and (t["framesDecoded"] or 0) > frames and t["videoWidth"] > 0)
        first = self.wait_until("Bob to see Alice's screen large", large_and_decoding, ["bob"], 20)
        frames = self.screen_of(first["bob"], alice_id)["framesDecoded"]
        self.wait_until("Alice's screen frames to keep coming", lambda o: large_and_decoding(o, frames + 10), ["bob"], 15)
        obs = self.browser("observe", page="bob")
        # Alice's camera stays, small, in the filmstrip.
        cam = self.remote(obs, "Alice")
        self.assertTrue(cam and cam["hasVideo"] and not cam["large"], self.diagnostics("bob"))
        print(f"\nbrowser: Bob sees Alice's screen {self.screen_of(obs, alice_id)}")
        self.browser("screenshot", page="bob", path=shot("call_screen_share.png"))

        # The browser's own "Stop sharing" ends the track: the page stops publishing it.
        self.assertTrue(self.browser("endScreenShare", page="alice"))
        self.wait_until("Alice's screen to go from Bob's page", lambda o: self.screen_of(o["bob"], alice_id) is None and o["bob"]["layout"] == "grid", ["bob"], 15)
        # Again with the keyboard shortcut, then the page's own button stops it.
        self.browser("press", page="alice", key="s")
        self.wait_until("Bob to see Alice's second share", large_and_decoding, ["bob"], 20)
        self.browser("click", page="alice", testid="share-screen")
        self.wait_until("the second share to go", lambda o: self.screen_of(o["bob"], alice_id) is None, ["bob"], 15)
        self.assert_sees_video("bob", "Alice")

    def test_2_switching_cameras_keeps_frames_flowing_without_renegotiation(self):
        before = {p: self.browser("offers", page=p) for p in ("alice", "bob")}
        camera = lambda o: next(t for t in o["alice"]["tiles"] if t["self"] and t["kind"] == "camera")["trackLabel"]
        self.assertEqual(camera({"alice": self.browser("observe", page="alice")}), "fake_device_0")
        self.browser("select", page="alice", testid="pick-camera", label="fake_device_2")
        self.wait_until("Alice's own tile to show the other camera", lambda o: camera(o) == "fake_device_2", ["alice"], 10)
        # Bob's page decodes the new camera: its 4:3 picture (fake_device_2, 640x480; the first
        # one is 16:9), frames still rising. That fake camera's picture is one flat colour, so
        # no motion check here.
        def new_camera(o, frames=0):
            t = self.remote(o["bob"], "Alice") or {}
            return t.get("videoHeight") and abs(t["videoWidth"] / t["videoHeight"] - 4 / 3) < 0.05 and (t.get("framesDecoded") or 0) > frames
        first = self.wait_until("Bob to decode Alice's other camera", new_camera, ["bob"], 15)
        frames = self.remote(first["bob"], "Alice")["framesDecoded"]
        self.wait_until("frames of Alice's other camera to keep coming", lambda o: new_camera(o, frames + 30), ["bob"], 15)
        self.assertGreater(self.browser("frame", page="bob", name="Alice", path=shot("call_bob_sees_alice_other_camera.png"))["mean"], 20)
        after = {p: self.browser("offers", page=p) for p in ("alice", "bob")}
        self.assertEqual(after, before, "a camera switch must not renegotiate")

    def test_3_twelve_people_page_the_grid(self):
        if not os.path.exists(LOADGEN):
            self.skipTest("umbrella-loadgen not built")
        # Ten /wsb participants of the load generator (audio only: their tiles show initials).
        gen = subprocess.Popen([LOADGEN, "--server", self.server.base_url, "--insecure", "--bind", CLIENT_IP, "--room", ROOM,
                                "--wsb", "--call", "10", "--no-video", "--duration", "120", "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            def twelve(o):
                return all(len(v["tiles"]) == 9 and v["audioElements"] == 11 for v in o.values())
            obs = self.wait_until("both pages to list twelve people, nine tiles on the first page", twelve, ["alice", "bob"], 40)
            self.assertEqual(self.browser("text", page="alice", testid="page-number"), "Page 1 of 2")
            self.assertEqual(len([t for t in obs["alice"]["tiles"] if t["hasVideo"]]), 2, self.diagnostics("alice"))
            self.assert_sees_video("alice", "Bob")
            self.browser("screenshot", page="alice", path=shot("call_twelve_grid.png"))
            self.browser("click", page="alice", testid="page-next")
            self.wait_until("the second page's three tiles", lambda o: len(o["alice"]["tiles"]) == 3, ["alice"], 10)
            self.browser("screenshot", page="alice", path=shot("call_twelve_grid_page2.png"))
            self.browser("click", page="alice", testid="page-prev")
            # Pinning Bob makes his tile the large one (speaker layout), unpinning brings the grid back.
            bob = self.remote(obs["alice"], "Bob")["id"]
            pin = f"document.querySelector('[data-testid=tile][data-participant-id=\"{bob}\"] [data-testid=pin]').click()"
            self.browser("eval", page="alice", expr=pin)
            self.wait_until("Bob's pinned tile to be large", lambda o: o["alice"]["main"] == bob and (self.remote(o["alice"], "Bob") or {}).get("large"), ["alice"], 10)
            self.assert_sees_video("alice", "Bob")
            self.browser("screenshot", page="alice", path=shot("call_twelve_pinned.png"))
            self.browser("eval", page="alice", expr=pin)
            self.wait_until("the grid to come back", lambda o: o["alice"]["layout"] == "grid", ["alice"], 10)
        finally:
            gen.terminate()
            gen.wait(15)
        self.wait_until("the load generator's people to leave", lambda o: len(o["alice"]["tiles"]) == 2, ["alice"], 20)

    def test_4_accessibility_audit(self):
        """axe-core (WCAG 2.1 A/AA and best practice): nothing serious or critical."""
        pages = {"call": "alice"}
        for name, path in (("lobby", f"/sfu?room={ROOM}"), ("status", "/status"), ("trunk", "/trunk")):
            self.browser("open", page=f"axe-{name}", url=self.server.base_url + path)
            pages[name] = f"axe-{name}"
        self.browser("text", page="axe-lobby", testid="name-input")
        found = {name: self.browser("axe", page=page) for name, page in pages.items()}
        for name in ("lobby", "status", "trunk"):
            self.browser("close", page=f"axe-{name}")
        print("\naxe-core: " + "; ".join(f"{k}: {v['passed']} rules pass, minor: {v['minor']}" for k, v in found.items()))
        for name, r in found.items():
            self.assertGreater(r["passed"], 10, f"axe-core did not audit the {name} page")
        self.assertEqual({k: v["serious"] for k, v in found.items() if v["serious"]}, {}, "axe-core found serious or critical problems")


    def test_6_an_unplugged_camera_says_so_and_another_can_be_picked(self):
        # Unplugging ends the track (the browser fires "ended" on it); the page says what happened.
        self.browser("eval", page="alice", expr="""(() => {
            const t = document.querySelector('[data-testid=tile][data-self][data-kind=camera] video').srcObject.getVideoTracks()[0];
            t.stop(); t.dispatchEvent(new Event('ended')); return t.label; })()""")
        deadline = time.monotonic() + 10
        while "camera stopped" not in (self.browser("text", page="alice", testid="call-notice") or "") and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertIn("camera stopped", self.browser("text", page="alice", testid="call-notice") or "", self.diagnostics("alice"))
        self.browser("screenshot", page="alice", path=shot("call_camera_unplugged.png"))
        # Picking the other camera brings the picture back on Bob's page, still without an offer.
        before = self.browser("offers", page="bob")
        self.browser("select", page="alice", testid="pick-camera", label="fake_device_0")
        self.assert_sees_video("bob", "Alice")
        self.assertEqual(self.browser("count", page="alice", testid="call-notice"), 0)
        self.assertEqual(self.browser("offers", page="bob"), before)


def write_wav(path, tone_hz, seconds=4.0, rate=48000):
    """A mono 16-bit WAV: a beep (tone_hz, 0.5 s on, 0.25 s off) or silence (tone_hz 0)."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            on = tone_hz and (i % int(0.75 * rate)) < int(0.5 * rate)
            frames += struct.pack("<h", int(12000 * math.sin(2 * math.pi * tone_hz * i / rate)) if on else 0)
        w.writeframes(bytes(frames))


@unittest.skipUnless(os.path.exists(tb.CHROMIUM) and tb.NODE, "needs /usr/bin/chromium and node")
class BrowserSpeakers(unittest.TestCase):
    """Two Chromiums: one's fake microphone beeps, the other's is silent. The page of the silent
    one shows the speaking ring on the beeping one's tile (the server's Speakers), never on its own."""

    @classmethod
    def setUpClass(cls):
        if not tb.ensure_node_modules():
            raise unittest.SkipTest("tests/browser/node_modules missing: run tools/setup --test")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.beep, cls.silence = os.path.join(cls.tmp.name, "beep.wav"), os.path.join(cls.tmp.name, "silence.wav")
        write_wav(cls.beep, 880)
        write_wav(cls.silence, 0)
        cls.server = Server().start()
        cls.browser = tb.Driver()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.server.stop()
        cls.tmp.cleanup()

    wait_until = tb.BrowserCall.wait_until
    diagnostics = tb.BrowserCall.diagnostics
    remote = staticmethod(tb.BrowserCall.remote)

    def test_speaking_ring_follows_the_beeping_microphone(self):
        for page, name, wav in (("quiet", "Quiet", self.silence), ("loud", "Loud", self.beep)):
            self.browser("open", page=page, url=f"{self.server.base_url}/sfu?room=speakers",
                         args=[f"--use-file-for-fake-audio-capture={wav}"])
            self.browser("join", page=page, name=name)
        obs = self.wait_until("the quiet page to ring the loud one's tile",
                              lambda o: (self.remote(o["quiet"], "Loud") or {}).get("speaking"), ["quiet"], 30)
        self.assertFalse(next(t for t in obs["quiet"]["tiles"] if t["self"])["speaking"], self.diagnostics("quiet"))
        self.browser("screenshot", page="quiet", path=shot("call_speaking_ring.png"))
        # Speaker view follows the speaker: the loud one is the large tile.
        self.browser("click", page="quiet", testid="toggle-layout")
        loud_id = self.remote(obs["quiet"], "Loud")["id"]
        self.wait_until("speaker view to feature the loud one", lambda o: o["quiet"]["main"] == loud_id, ["quiet"], 10)
        self.browser("screenshot", page="quiet", path=shot("call_speaker_view.png"))


if __name__ == "__main__":
    unittest.main()
