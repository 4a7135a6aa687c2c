"""The web app in headless Chromium across a direct bridge between two sites (#18): a cloud SFU
that is a rendezvous, and two site SFUs that trunk to it. Alice joins through the UI on site-a,
Bob on site-b. The cloud introduces the sites, their bridge connects and the path goes direct:
each sees and hears the other while the cloud forwards none of their media (the app publishes
simulcast, so every layer crosses the bridge). A drop rule on the bridge moves the media back
to the cloud with both pages still decoding; lifting it moves it back.

Reuses test_browser.py's driver and checks and test_browser_trunk.py's pattern. Screenshots and
server logs go to tests/browser/artifacts/ (direct_*)."""
import os
import shutil
import subprocess
import time
import unittest

import test_browser as tb
import test_browser_trunk as tbt
from harness import Server
from test_firefox import WithDefaultRoute
from test_trunk import SECRET, fingerprint, status

TABLE = "umbrella_browser_direct"


def forwarded(server):
    return status(server)["counters"]["media.packets_forwarded"]


def logged(server, text):
    return sum(text in line for line in server.log)


@unittest.skipUnless(os.path.exists(tb.CHROMIUM) and tb.NODE, "needs /usr/bin/chromium and node")
class BrowserDirect(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not tb.ensure_node_modules():
            raise unittest.SkipTest("tests/browser/node_modules missing: run tools/setup --test")
        os.makedirs(tb.ARTIFACTS, exist_ok=True)
        cls.cloud = Server(env={"UMBRELLA_SITE_ID": "cloud", "UMBRELLA_TRUNK_SECRET": SECRET,
                                "UMBRELLA_RENDEZVOUS": "1"}).start()
        pin = fingerprint(os.path.join(cls.cloud.workdir, "service.crt"))
        url = f"wss://127.0.0.1:{cls.cloud.http_port}/wsb"
        cls.a, cls.b = (Server(env={"UMBRELLA_SITE_ID": site, "UMBRELLA_TRUNK_SECRET": SECRET,
                                    "UMBRELLA_TRUNK_PIN": pin, "UMBRELLA_TRUNK_URL": url}).start()
                        for site in ("site-a", "site-b"))
        cls.browser = tb.Driver()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        for server, name in ((cls.cloud, "direct-cloud.log"), (cls.a, "direct-site-a.log"), (cls.b, "direct-site-b.log")):
            server.stop()
            tb.BrowserCall.save_log(server, name)

    wait_until = tb.BrowserCall.wait_until
    remote = staticmethod(tb.BrowserCall.remote)
    names = tb.BrowserCall.names
    assert_sees_video = tb.BrowserCall.assert_sees_video
    assert_hears = tb.BrowserCall.assert_hears

    def diagnostics(self, *pages):
        text = tb.BrowserCall.diagnostics(self, *pages)
        return (text.replace("--- server log:", "--- site-a log:", 1) + "\n--- site-b log:\n" + self.b.log_text() +
                "\n--- cloud log:\n" + self.cloud.log_text())

    @property
    def server(self):  # diagnostics() reads self.server
        return self.a

    wait_for = tbt.BrowserTrunk.wait_for
    BROWSERS = {}  # page -> "firefox"; Chromium otherwise

    def join(self, page, name, server):
        self.browser("open", page=page, url=f"{server.base_url}/sfu?room=default", browser=self.BROWSERS.get(page))
        self.browser("join", page=page, name=name)

    def both_see_each_other(self, when):
        self.assert_sees_video("bob", "Alice", f"direct_bob_sees_alice_{when}.png", timeout=30)
        self.assert_sees_video("alice", "Bob", f"direct_alice_sees_bob_{when}.png", timeout=30)
        self.assert_hears("bob", "Alice")
        self.assert_hears("alice", "Bob")


    def test_call_goes_direct_falls_back_and_returns(self):
        for s in (self.a, self.b):
            self.wait_for(f"{s.env['UMBRELLA_SITE_ID']} to join the cloud", lambda s=s: "joined cloud" in s.log_text(), 20)
        self.join("alice", "Alice", self.a)
        self.join("bob", "Bob", self.b)
        started = time.monotonic()
        self.both_see_each_other("start")
        for s, peer in ((self.a, "site-b"), (self.b, "site-a")):
            self.wait_for(f"{peer} path direct", lambda s=s, peer=peer: logged(s, f"path to {peer}: direct") >= 1, 30)
        time.sleep(3)  # the wants move off the cloud trunks, one keyframe each way

        # Direct: both decode and the cloud forwards nothing; each site's bridge carries video.
        before = forwarded(self.cloud), [status(s)["direct_bridges"][0]["bytes_received"] for s in (self.a, self.b)]
        self.both_see_each_other("direct")
        after = forwarded(self.cloud), [status(s)["direct_bridges"][0]["bytes_received"] for s in (self.a, self.b)]
        self.assertEqual(after[0], before[0], "the cloud forwards media while the path is direct\n" +
                         self.diagnostics("alice", "bob"))
        for x, y in zip(before[1], after[1]):
            self.assertGreater(y - x, 50_000, "a bridge does not carry the media")
        for s in (self.a, self.b):
            self.assertEqual(status(s)["counters"]["trunk.direct_tracks"], 2)
        print(f"\nbrowser-direct: both decode over the bridge {time.monotonic() - started:.1f} s after joining")

        if not shutil.which("nft"):
            self.skipTest("nftables (nft) is not installed: the fallback is not tested")
        ports = [d["remote"].rsplit(":", 1)[1] for s in (self.a, self.b) for d in status(s)["direct_bridges"]]
        subprocess.run(["nft", "-f", "-"], check=True, text=True, input=(
            f"table inet {TABLE} {{\n chain out {{\n  type filter hook output priority 0;\n"
            f"  udp dport {{ {', '.join(ports)} }} counter drop\n }}\n}}\n"))
        try:
            blocked = time.monotonic()
            self.wait_for("site-b's path to fall back", lambda: logged(self.b, "path to site-a: cloud") >= 1, 10)
            fwd = forwarded(self.cloud)
            self.both_see_each_other("fallback")
            self.assertGreater(forwarded(self.cloud), fwd, "the cloud carries nothing after the fallback")
            print(f"browser-direct: both decode through the cloud {time.monotonic() - blocked:.1f} s after the block")
            subprocess.run(["nft", "delete", "table", "inet", TABLE], check=True)
            self.wait_for("site-b's path to be direct again", lambda: logged(self.b, "path to site-a: direct") >= 2, 30)
        finally:
            subprocess.run(["nft", "delete", "table", "inet", TABLE], check=False, stderr=subprocess.DEVNULL)
        time.sleep(3)
        fwd = forwarded(self.cloud)
        self.both_see_each_other("direct_again")
        self.assertEqual(forwarded(self.cloud), fwd, "the cloud forwards media after the path moved back")
        for p in ("alice", "bob"):
            obs = self.browser("observe", page=p)
            self.assertEqual(obs["state"], "connected", self.diagnostics(p))
            self.assertIsNone(obs["serverError"], self.diagnostics(p))
            errors = [l for l in self.browser("logs", page=p) if l.startswith(("pageerror", "error"))]
            self.assertEqual(errors, [], self.diagnostics(p))


@unittest.skipUnless(os.path.exists("/usr/bin/firefox-esr"), "needs /usr/bin/firefox-esr (tools/setup --test)")
class BrowserDirectFirefox(WithDefaultRoute, BrowserDirect):
    """The same with Bob in Firefox ESR: its own ICE, DTLS and RTCP toward site-b, Alice's
    simulcast arriving over the bridge. (Firefox gathers no candidate without a default route.)"""
    BROWSERS = {"bob": "firefox"}


if __name__ == "__main__":
    unittest.main()
