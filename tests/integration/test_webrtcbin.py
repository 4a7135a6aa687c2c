"""GStreamer's webrtcbin (Debian's GStreamer 1.22, driven by webrtcbin_peer.py) publishing over
WHIP and watching over WHEP: VP8 + Opus and H264 (openh264, Constrained Baseline) + Opus, with
max-bundle (every m-line after the first bundle-only), max-compat and balanced, each decoded on
the far side by another webrtcbin."""
import json
import os
import queue
import subprocess
import threading
import time
import unittest

import test_browser
import test_firefox
from harness import Server
from sdp_util import capture

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "webrtcbin_peer.py")
PYTHON = "/usr/bin/python3"  # Debian's, with python3-gi and GStreamer


def have_webrtcbin():
    probe = ("import gi; gi.require_version('Gst','1.0'); gi.require_version('GstWebRTC','1.0');"
             "from gi.repository import Gst; Gst.init(None);"
             "import sys; sys.exit(0 if all(Gst.ElementFactory.find(e) for e in"
             " ('webrtcbin','nicesrc','vp8enc','openh264enc','openh264dec','opusenc','decodebin')) else 1)")
    try:
        return subprocess.run([PYTHON, "-c", probe], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class Peer:
    """webrtcbin_peer.py in a child process; its JSON lines arrive on a queue."""

    def __init__(self, mode, url, codec, policy):
        self.proc = subprocess.Popen([PYTHON, PEER, mode, url, codec, policy], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.stderr = []
        self.last = {}
        self.negotiated = None
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines.put), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr.append), daemon=True).start()

    @staticmethod
    def _read(stream, put):
        for line in stream:
            put(line)

    def wait(self, what, pred, timeout, diag):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = json.loads(self.lines.get(timeout=0.5))
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise AssertionError(f"webrtcbin_peer.py exited ({self.proc.returncode}) waiting for {what}:\n"
                                         f"{''.join(self.stderr[-20:])}\n{diag()}")
                continue
            if "error" in msg:
                raise AssertionError(f"webrtcbin: {msg['error']}\n{diag()}")
            if "answer" in msg:
                self.negotiated = msg
            else:
                self.last = msg
            if pred(self):
                return
        raise AssertionError(f"timed out waiting for {what}: {self.last}\n{''.join(self.stderr[-20:])}\n{diag()}")

    def stop(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


@unittest.skipUnless(os.path.exists(PYTHON) and have_webrtcbin(),
                     "needs GStreamer webrtcbin, vpx, openh264, opus and python3-gi (tools/setup --test)")
class Webrtcbin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def call(self, room, codec, publish_policy, watch_policy, audio=True):
        """A webrtcbin publishes CODEC + Opus to ROOM; another one watches and decodes it."""
        base = self.server.base_url
        diag = self.server.log_text
        pub = Peer("publish", f"{base}/whip/{room}", codec, publish_policy)
        sub = None
        try:
            pub.wait("the publisher to connect", lambda p: p.negotiated and p.last.get("state") in ("connected", "completed"), 20, diag)
            sub = Peer("subscribe", f"{base}/whep/{room}", codec, watch_policy)
            diag = lambda: f"publisher's answer:\n{pub.negotiated['answer']}\nviewer's offer:\n{(sub.negotiated or {}).get('offer')}\nanswer:\n{(sub.negotiated or {}).get('answer')}\n{self.server.log_text()}"
            sub.wait("the viewer to decode video and audio",
                     lambda p: p.last.get("video_frames", 0) >= 30 and (p.last.get("audio_buffers", 0) >= 50 or not audio), 30, diag)
            capture(f"webrtcbin_whip_{codec}_{publish_policy}_offer", pub.negotiated["offer"])
            capture(f"webrtcbin_whip_{codec}_{publish_policy}_answer", pub.negotiated["answer"])
            capture(f"webrtcbin_whep_{codec}_{watch_policy}_offer", sub.negotiated["offer"])
            capture(f"webrtcbin_whep_{codec}_{watch_policy}_answer", sub.negotiated["answer"])
            return pub.negotiated, sub.negotiated
        finally:
            for p in (sub, pub):
                if p:
                    p.stop()

    def assert_bundled(self, offer, answer):
        """Every m-line after the first was offered bundle-only (port 0) and is answered on the
        one transport, in one BUNDLE group."""
        lines = [l for l in offer.splitlines() if l.startswith("m=")]
        self.assertGreater(len(lines), 1, offer)
        for l in lines[1:]:
            self.assertTrue(l.split()[1] == "0", offer)
        self.assertEqual(offer.count("a=bundle-only"), len(lines) - 1, offer)
        group = next(l for l in answer.splitlines() if l.startswith("a=group:BUNDLE"))
        self.assertEqual(len(group.split()) - 1, len(lines), answer)
        ports = {l.split()[1] for l in answer.splitlines() if l.startswith("m=")}
        self.assertEqual(len(ports), 1, answer)
        self.assertNotIn("0", ports, answer)

    def test_vp8_opus_max_bundle(self):
        pub, sub = self.call("gst-vp8", "vp8", "max-bundle", "max-bundle")
        self.assert_bundled(pub["offer"], pub["answer"])
        self.assert_bundled(sub["offer"], sub["answer"])
        self.assertIn("VP8/90000", sub["answer"])

    def test_h264_opus_max_bundle(self):
        pub, sub = self.call("gst-h264", "h264", "max-bundle", "max-bundle")
        self.assert_bundled(pub["offer"], pub["answer"])
        self.assertIn("H264/90000", pub["answer"])
        self.assertIn("packetization-mode=1", pub["answer"])
        self.assertIn("H264/90000", sub["answer"])

    def test_vp8_opus_max_compat(self):
        # webrtcbin's max-compat: one BUNDLE group, every line with its own port and credentials.
        pub, _ = self.call("gst-max-compat", "vp8", "max-compat", "max-compat")
        self.assertIn("a=group:BUNDLE video0 audio1", pub["offer"])
        self.assertNotIn("a=bundle-only", pub["offer"])
        self.assertIn("a=group:BUNDLE video0 audio1", pub["answer"])

    def test_balanced_has_no_bundle_group_so_only_the_first_line_is_answered(self):
        # webrtcbin 1.22's balanced policy offers no BUNDLE group: every m-line asks for a
        # transport of its own. The SFU has one per participant, so it takes the first line
        # and refuses the others with port 0; the video still gets through.
        pub, _ = self.call("gst-balanced", "vp8", "balanced", "max-bundle", audio=False)
        self.assertNotIn("a=group:BUNDLE", pub["offer"])
        ports = [l.split()[1] for l in pub["answer"].splitlines() if l.startswith("m=")]
        self.assertEqual(len(ports), 2, pub["answer"])
        self.assertNotEqual(ports[0], "0", pub["answer"])
        self.assertEqual(ports[1], "0", pub["answer"])


@unittest.skipUnless(os.path.exists(PYTHON) and have_webrtcbin() and os.path.exists(test_firefox.FIREFOX)
                     and os.path.exists(test_browser.CHROMIUM) and test_browser.NODE,
                     "needs webrtcbin, chromium, firefox-esr and node (tools/setup --test)")
class WebrtcbinToBrowsers(unittest.TestCase):
    """Browsers watch GStreamer: a webrtcbin publishing H264 and one publishing VP8 in a room,
    Chromium and Firefox join it as viewers through the web app. Chromium decodes both; Debian's
    Firefox has no H264 decoder (no OpenH264 plugin), so it refuses that m-line in its answer and
    still decodes the VP8 one. The publishers stay past ICE consent's 30 s on their media alone."""

    def test_browsers_decode_what_webrtcbin_publishes(self):
        if not test_browser.ensure_node_modules():
            self.skipTest("tests/browser/node_modules missing: run tools/setup --test")
        route = test_firefox.add_default_route()
        server = Server().start()
        pubs = [Peer("publish", f"{server.base_url}/whip/gst-browsers", c, "max-bundle") for c in ("h264", "vp8")]
        browser = test_browser.Driver()
        try:
            for p in pubs:
                p.wait("the publisher to connect", lambda p: p.negotiated and p.last.get("state") in ("connected", "completed"), 20, server.log_text)
            connected = time.monotonic()
            for page, kind in (("chromium", None), ("firefox", "firefox")):
                browser("open", page=page, url=f"{server.base_url}/sfu?room=gst-browsers", browser=kind)
                browser("join", page=page, name=page, viewer=True)

            def decoding(page, want):
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    obs = browser("observe", page=page)
                    frames = sorted(i["framesDecoded"] for i in obs["inbound"] if i["kind"] == "video")
                    if sum(f > 30 for f in frames) >= want:
                        return obs
                    time.sleep(0.5)
                self.fail(f"{page} decodes {frames}, wants {want} videos\n{browser('codecs', page=page)}\n"
                          f"{browser('logs', page=page)}\n{server.log_text()}")

            decoding("chromium", 2)
            codecs = {c["mimeType"].lower() for c in browser("codecs", page="chromium")
                      if c["type"] == "inbound-rtp" and c["kind"] == "video"}
            self.assertEqual(codecs, {"video/h264", "video/vp8"})
            obs = decoding("firefox", 1)
            self.assertEqual(obs["state"], "connected", obs)
            self.assertIsNone(obs["serverError"], obs)
            codecs = {c["mimeType"].lower() for c in browser("codecs", page="firefox")
                      if c["type"] == "inbound-rtp" and c["kind"] == "video" and c["packets"] > 0}
            self.assertEqual(codecs, {"video/vp8"})
            errors = [l for l in browser("logs", page="firefox") if l.startswith(("pageerror", "error"))]
            self.assertEqual(errors, [])
            # libnice sends no checks once nominated, only media: the publishers must outlive
            # the 30 s that ICE consent allows a silent peer, and Chromium keep decoding them.
            while time.monotonic() < connected + 35:
                time.sleep(1)
            frames = lambda: [i["framesDecoded"] for i in browser("observe", page="chromium")["inbound"] if i["kind"] == "video"]
            before = frames()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not all(a >= b + 10 for a, b in zip(frames(), before)):
                time.sleep(0.5)
            self.assertTrue(all(a >= b + 10 for a, b in zip(frames(), before)), f"{before} {frames()}\n{server.log_text()}")
            self.assertNotIn("consent expired", server.log_text())
        finally:
            browser.quit()
            for p in pubs:
                p.stop()
            server.stop()
            test_firefox.del_route(route)


if __name__ == "__main__":
    unittest.main()
