"""Simulcast through the call page in headless Chromium. Alice publishes her camera in a room
of three, so her page sends three layers. Bob watches directly; Carol watches through a relay
that caps her downlink at 300 kbit/s (tc is not available: the relay shapes, tests/integration/
udp_relay.py). Carol's SFU estimate settles below the full layer: she decodes a smaller picture
than Bob and keeps decoding (no freeze), and status says her layer is chosen for bandwidth.
Lifting the cap brings the full layer back to her. What is checked is what the pages show
(decoded video size, frames rising) and the server's status. The same again with Alice in
Firefox ESR: its own simulcast encoder and rid header extensions, switched by the same flags."""
import json
import os
import time
import unittest

import test_browser as tb
from test_firefox import FIREFOX, WithDefaultRoute
from harness import ADMIN, CLIENT_IP, SERVER_IP, Server
from test_ice import request
from udp_relay import RelayThread

ROOM = "layers"
CAP_BPS = 300_000

# Points the SFU's candidates in every description the page is given at the relay, so that
# its media goes through it (run before the page connects).
THROUGH_RELAY = """(() => {{
  const set = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (d) {{
    if (d && d.sdp) d = {{ type: d.type, sdp: d.sdp.replace(/^(a=candidate:\\S+ \\d+ \\S+ \\d+ )\\S+ \\d+/gm, "$1{ip} {port}") }};
    return set.call(this, d);
  }};
  return true;
}})()"""


class RelayedChromiumCall:
    """A server, a Chromium driver and a UDP relay in front of the media port (to cap a viewer's
    link), with what the layer tests read: status, a viewer's forwarded video, diagnostics.
    Shared by the simulcast and SVC tests (test_svc.py)."""

    SERVER_ENV = None

    @classmethod
    def setUpClass(cls):
        if not tb.ensure_node_modules():
            raise unittest.SkipTest("tests/browser/node_modules missing: run tools/setup --test")
        cls.server = Server(env=cls.SERVER_ENV).start()
        cls.browser = tb.Driver()
        cls.relay = RelayThread((SERVER_IP, cls.server.media_port), CLIENT_IP, loss=0.0)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.relay.close()
        cls.server.stop()

    wait_until = tb.BrowserCall.wait_until
    remote = staticmethod(tb.BrowserCall.remote)
    assert_sees_video = tb.BrowserCall.assert_sees_video
    BROWSERS = {}

    def diagnostics(self, *pages):
        return tb.BrowserCall.diagnostics(self, *pages) + f"\n--- relay: {self.relay.stats()}"

    def status(self):
        return json.loads(request(self.server, "GET", "/status.json", headers=ADMIN)[2])

    def client(self, name):
        return next((c for c in self.status()["clients"] if c["display_name"] == name), {})

    def forwarded_to(self, name):
        """Carol's or Bob's forwarded video track of Alice's, as status lists it."""
        for c in self.status()["clients"]:
            if c["display_name"] == name:
                return next((t for t in c["forwarded"] if t["kind"] == "video"), None)
        return None


@unittest.skipUnless(os.path.exists(tb.CHROMIUM) and tb.NODE, "needs /usr/bin/chromium and node")
class SimulcastInChromium(RelayedChromiumCall, unittest.TestCase):
    TWO_PERSON_LAYERS = ["f"]
    join = tb.BrowserCall.join

    def width(self, page):
        t = self.remote(self.browser("observe", page=page), "Alice")
        return (t or {}).get("videoWidth") or 0

    def sent_by_rid(self):
        return {e["rid"]: e.get("bytesSent") or 0 for e in self.browser("observe", page="alice").get("outbound", [])}

    def growing_layers(self):
        before = self.sent_by_rid()
        time.sleep(3)
        after = self.sent_by_rid()
        return sorted(rid for rid, n in after.items() if n > before.get(rid, 0))

    def test_capped_viewer_gets_a_smaller_layer_without_freezing_and_recovers(self):
        self.join("alice", "Alice", ROOM)
        self.join("bob", "Bob", ROOM, viewer=True)
        self.assert_sees_video("bob", "Alice", timeout=30)
        # Two people: the other one always sees Alice big, so only the full layer goes out.
        # Firefox keeps all three on (web/src/lib/simulcast.ts), and sends from the lowest up
        # as its estimate allows.
        growing = self.growing_layers()
        if self.TWO_PERSON_LAYERS:
            self.assertEqual(growing, self.TWO_PERSON_LAYERS, self.sent_by_rid())
        else:
            self.assertIn("q", growing, self.sent_by_rid())
        self.browser("open", page="carol", url=f"{self.server.base_url}/sfu?room={ROOM}")
        ip, port = self.relay.address
        self.browser("eval", page="carol", expr=THROUGH_RELAY.format(ip=ip, port=port))
        self.relay.set_cap(CAP_BPS)
        self.browser("join", page="carol", name="Carol", viewer=True)

        self.assert_sees_video("bob", "Alice", timeout=30)
        self.assert_sees_video("carol", "Alice", timeout=30)
        self.assertGreater(self.relay.stats()["capped_sent"], 0, "Carol's media does not go through the relay")

        # Three people: all three layers go out (the browser may still leave one off when its
        # own estimate or CPU is short, so at least two).
        self.assertGreaterEqual(len(self.growing_layers()), 2, self.sent_by_rid())
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            carol, bob = self.forwarded_to("Carol"), self.forwarded_to("Bob")
            if (carol and bob and carol.get("layers", 0) >= 2 and carol.get("layer_reason") == "bandwidth"
                    and 0 < self.width("carol") < self.width("bob")):
                break
            time.sleep(1)
        else:
            self.fail(f"Carol never settled on a smaller layer than Bob: carol {self.forwarded_to('Carol')}, "
                      f"bob {self.forwarded_to('Bob')}, widths {self.width('carol')} / {self.width('bob')}\n"
                      + self.diagnostics("alice", "bob", "carol"))
        small = self.width("carol")
        print(f"simulcast: capped at {CAP_BPS // 1000} kbit/s Carol decodes {small} px wide "
              f"(layer {self.forwarded_to('Carol')}), Bob {self.width('bob')} px", flush=True)
        # Smaller, not frozen: her frames keep coming at the low layer.
        self.assert_sees_video("carol", "Alice")

        self.relay.set_cap(0)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            if self.width("carol") > small and self.width("carol") >= self.width("bob"):
                break
            time.sleep(1)
        else:
            self.fail(f"the full layer did not come back to Carol: {self.width('carol')} vs Bob {self.width('bob')}, "
                      f"carol {self.forwarded_to('Carol')}\n" + self.diagnostics("alice", "carol"))
        self.assert_sees_video("carol", "Alice")
        carol = self.forwarded_to("Carol")
        print(f"simulcast: cap lifted, Carol decodes {self.width('carol')} px wide ({carol}); relay {self.relay.stats()}", flush=True)
        self.assertGreaterEqual(carol["layer_switches"], 2, carol)


@unittest.skipUnless(os.path.exists(tb.CHROMIUM) and tb.NODE, "needs /usr/bin/chromium and node")
class BandwidthPauseInChromium(RelayedChromiumCall, unittest.TestCase):
    """Carol's link drops to 60 kbit/s mid-call: less than Alice's lowest layer with her audio.
    The SFU pauses Carol's video (audio keeps flowing) and her tile says so; when the link
    comes back, so does the video and the note goes."""
    join = tb.BrowserCall.join
    assert_hears = tb.BrowserCall.assert_hears
    PAUSE_CAP_BPS = 60_000
    PUBLISH_HOOK = None  # run in Alice's page before she joins (test_svc: one SVC stream)

    def carol_tile(self):
        return self.remote(self.browser("observe", page="carol"), "Alice") or {}

    def test_starved_viewer_is_paused_keeps_audio_and_resumes(self):
        self.run_pause("pause", cap_from_start=False)

    def test_viewer_joining_on_a_starved_link_is_paused_and_resumes(self):
        self.run_pause("pause-at-join", cap_from_start=True)

    def run_pause(self, room, cap_from_start):
        self.relay.set_cap(0)
        self.browser("open", page="alice", url=f"{self.server.base_url}/sfu?room={room}")
        if self.PUBLISH_HOOK:
            self.browser("eval", page="alice", expr=self.PUBLISH_HOOK)
        self.browser("join", page="alice", name="Alice", viewer=False)
        self.join("bob", "Bob", room, viewer=True)
        self.browser("open", page="carol", url=f"{self.server.base_url}/sfu?room={room}")
        ip, port = self.relay.address
        self.browser("eval", page="carol", expr=THROUGH_RELAY.format(ip=ip, port=port))
        if cap_from_start:
            self.relay.set_cap(self.PAUSE_CAP_BPS)
        pauses = self.status()["counters"].get("bwe.pauses", 0)
        resumes = self.status()["counters"].get("bwe.resumes", 0)
        self.browser("join", page="carol", name="Carol", viewer=True)
        if not cap_from_start:
            self.assert_sees_video("carol", "Alice", timeout=30)
            self.relay.set_cap(self.PAUSE_CAP_BPS)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            if self.carol_tile().get("bandwidthPaused"):
                break
            time.sleep(1)
        else:
            self.fail(f"Carol's video was never paused at {self.PAUSE_CAP_BPS // 1000} kbit/s: "
                      f"{self.forwarded_to('Carol')}, tile {self.carol_tile()}\n" + self.diagnostics("alice", "carol"))
        self.assertGreater(self.relay.stats()["capped_sent"], 0, "Carol's media does not go through the relay")
        carol = self.forwarded_to("Carol")
        counters = self.status()["counters"]
        print(f"pause: at {self.PAUSE_CAP_BPS // 1000} kbit/s{' from the start' if cap_from_start else ''} Carol's "
              f"video paused ({carol}), bwe.pauses {counters.get('bwe.pauses')}; relay {self.relay.stats()}", flush=True)
        self.assertGreater(counters.get("bwe.pauses", 0), pauses, counters)
        self.assertTrue(self.client("Carol").get("video_paused"), self.client("Carol"))
        # Audio is what she still gets: it keeps playing with sound in it.
        self.assert_hears("carol", "Alice")
        self.assert_sees_video("bob", "Alice")  # nobody else is touched

        self.relay.set_cap(0)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            if not self.carol_tile().get("bandwidthPaused"):
                break
            time.sleep(1)
        else:
            self.fail(f"Carol's video stayed paused after the cap lifted: {self.forwarded_to('Carol')}\n"
                      + self.diagnostics("alice", "carol"))
        self.assert_sees_video("carol", "Alice", timeout=30)
        counters = self.status()["counters"]
        print(f"pause: cap lifted, Carol's video back ({self.forwarded_to('Carol')}), "
              f"bwe.resumes {counters.get('bwe.resumes')}", flush=True)
        self.assertGreater(counters.get("bwe.resumes", 0), resumes, counters)
        self.assertFalse(self.client("Carol").get("video_paused"), self.client("Carol"))


@unittest.skipUnless(os.path.exists(FIREFOX), "needs /usr/bin/firefox-esr (tools/setup --test)")
class SimulcastFromFirefox(WithDefaultRoute, SimulcastInChromium):
    """Alice publishes from Firefox; Bob and Carol watch in Chromium."""
    BROWSERS = {"alice": "firefox"}
    TWO_PERSON_LAYERS = None  # all on


if __name__ == "__main__":
    unittest.main()
