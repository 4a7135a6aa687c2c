"""The web app in headless Chromium across an SFU-to-SFU trunk: Alice joins through the UI on
SFU A, Bob on SFU B (A dials B over wss:// and pins its certificate); each sees the other's
video decoding, under the right name. Then SFU B restarts on the same ports and working
directory: the trunk redials by itself, Bob's page reconnects by itself, and both see each
other again without a reload. Then they chat across the trunk, each message under its
sender's name.

Reuses test_browser.py's driver and checks, test_trunk.py's certificate pinning and status.
Screenshots and server logs go to tests/browser/artifacts/ (trunk_*)."""
import os
import time
import unittest

import test_browser as tb
from harness import Server
import test_browser_chat as tc
from test_trunk import SECRET, fingerprint, status

ROOM = "default"  # the room the trunk bridges


def site_env(site, **extra):
    return dict({"UMBRELLA_SITE_ID": site, "UMBRELLA_TRUNK_SECRET": SECRET}, **extra)


def restart_on_same_ports(old, env):
    """test_browser.start_on_same_ports, keeping the site's own settings too."""
    new = Server(workdir=old.workdir, env=dict(env, **{
        "UMBRELLA_HTTP_SERVE_ADDR": f":{old.http_port}",
        "UMBRELLA_MIN_PORT": str(old.media_port),
        "UMBRELLA_MAX_PORT": str(old.media_port),
    }))
    new.http_port, new.media_port = old.http_port, old.media_port
    return new.start()


def trunk_connected(server):
    try:
        return any(t["state"] == "connected" for t in status(server).get("trunks", []))
    except OSError:
        return False


@unittest.skipUnless(os.path.exists(tb.CHROMIUM) and tb.NODE, "needs /usr/bin/chromium and node")
class BrowserTrunk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not tb.ensure_node_modules():
            raise unittest.SkipTest("tests/browser/node_modules missing: run tools/setup --test")
        os.makedirs(tb.ARTIFACTS, exist_ok=True)
        cls.env_b = site_env("site-b")
        cls.b = Server(env=cls.env_b).start()
        pin = fingerprint(os.path.join(cls.b.workdir, "service.crt"))
        cls.env_a = site_env("site-a", UMBRELLA_TRUNK_PIN=pin,
                             UMBRELLA_TRUNK_URL=f"wss://127.0.0.1:{cls.b.http_port}/wsb")
        cls.a = Server(env=cls.env_a).start()
        cls.browser = tb.Driver()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        for server, name in ((cls.a, "trunk-server-a.log"), (cls.b, "trunk-server-b.log")):
            server.stop()
            tb.BrowserCall.save_log(server, name)

    # The checks of test_browser.py, unchanged; diagnostics print both servers.
    wait_until = tb.BrowserCall.wait_until
    remote = staticmethod(tb.BrowserCall.remote)
    names = tb.BrowserCall.names
    assert_sees_video = tb.BrowserCall.assert_sees_video
    assert_hears = tb.BrowserCall.assert_hears
    send = tc.BrowserChat.send
    wait_text = tc.BrowserChat.wait_text

    def diagnostics(self, *pages):
        text = tb.BrowserCall.diagnostics(self, *pages)
        return text.replace("--- server log:", "--- SFU A log:", 1) + "\n--- SFU B log:\n" + self.b.log_text()

    @property
    def server(self):  # diagnostics() reads self.server
        return self.a

    def wait_for(self, what, pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.2)
        self.fail(f"timed out waiting for {what}\n--- SFU A log:\n{self.a.log_text()}\n--- SFU B log:\n{self.b.log_text()}")

    def join(self, page, name, server):
        self.browser("open", page=page, url=f"{server.base_url}/sfu?room={ROOM}")
        self.browser("join", page=page, name=name)

    def assert_sees(self, page, other, shot=None):
        """`page` shows `other`'s tile decoding video, hears it, and lists only it by name."""
        self.assert_sees_video(page, other, shot, timeout=30)
        self.assert_hears(page, other)
        obs = self.browser("observe", page=page)
        self.assertEqual(obs["state"], "connected", self.diagnostics(page))
        self.assertEqual(self.names(obs), [other], self.diagnostics(page))
        self.assertEqual([t["name"] for t in obs["tiles"] if t["self"]], [page.title()], self.diagnostics(page))

    # -- the scenario, one step per test (name order, each builds on the one before) ----------

    def setUp(self):
        if BrowserTrunk.broken:
            self.skipTest(f"an earlier step failed: {BrowserTrunk.broken}")

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before and not BrowserTrunk.broken:
            BrowserTrunk.broken = self._testMethodName
        return out

    broken = None

    def test_1_pages_on_two_sfus_see_each_other(self):
        started = time.monotonic()
        self.wait_for("the trunk to connect", lambda: trunk_connected(self.a), 20)
        self.join("alice", "Alice", self.a)
        self.join("bob", "Bob", self.b)
        self.assert_sees("alice", "Bob", "trunk_alice_sees_bob.png")
        self.assert_sees("bob", "Alice", "trunk_bob_sees_alice.png")
        # The far participant's tile carries its site-qualified id.
        bob_on_a = self.remote(self.browser("observe", page="alice"), "Bob")
        alice_on_b = self.remote(self.browser("observe", page="bob"), "Alice")
        self.assertTrue(bob_on_a["id"].endswith(".site-b"), bob_on_a)
        self.assertTrue(alice_on_b["id"].endswith(".site-a"), alice_on_b)
        print(f"\nbrowser-trunk: both pages decode each other {time.monotonic() - started:.1f} s after joining")
        self.browser("screenshot", page="alice", path=os.path.join(tb.ARTIFACTS, "trunk_call_alice.png"))

    def test_2_far_sfu_restarts_and_the_call_comes_back(self):
        self.b.stop()
        tb.BrowserCall.save_log(self.b, "trunk-server-b-1.log")
        self.wait_until("Bob's page to show it lost its server",
                        lambda o: o["bob"]["state"] == "reconnecting" and not self.names(o["bob"]), ["bob"], 10)
        self.wait_until("Bob's tile to go from Alice's page (the trunk went down)",
                        lambda o: self.remote(o["alice"], "Bob") is None, ["alice"], 15)
        self.assertEqual(self.browser("observe", page="alice")["state"], "connected", self.diagnostics("alice"))
        type(self).b = restart_on_same_ports(self.b, self.env_b)
        started = time.monotonic()
        self.wait_for("the trunk to redial", lambda: trunk_connected(self.a), 30)
        trunk_up = time.monotonic() - started
        self.wait_until("Bob's page to reconnect", lambda o: o["bob"]["state"] == "connected", ["bob"], 30)
        self.assert_sees("alice", "Bob", "trunk_alice_sees_bob_after_restart.png")
        print(f"\nbrowser-trunk: trunk up {trunk_up:.1f} s, Alice decodes Bob again "
              f"{time.monotonic() - started:.1f} s after SFU B restarted")

    def test_3_far_page_sees_the_dialling_side_again(self):
        # Here the trunk reaches B when Alice is already on A (not the case in step 1).
        self.assert_sees("bob", "Alice", "trunk_bob_sees_alice_after_restart.png")
        self.browser("screenshot", page="bob", path=os.path.join(tb.ARTIFACTS, "trunk_call_bob_after_restart.png"))

    def test_4_chat_crosses_the_trunk_with_names(self):
        # The trunk's data channel opens once its transport is up: Alice writes until Bob sees it.
        for p in ("alice", "bob"):
            self.browser("click", page=p, testid="chat-open")
        deadline, got = time.monotonic() + 30, ""
        while "Hello from A" not in got and time.monotonic() < deadline:
            self.send("alice", "Hello from A")
            time.sleep(1)
            got = self.browser("text", page="bob", testid="chat-messages") or ""
        self.assertIn("Hello from A", got, self.diagnostics("alice", "bob"))
        self.assertIn("Alice", got)  # the far sender's name, from the roster the trunk carries
        self.send("bob", "Hi from B")
        got = self.wait_text("alice", "chat-messages", lambda t: "Hi from B" in t, "Bob's reply on SFU A")
        self.assertIn("Bob", got)
        self.browser("screenshot", page="alice", path=os.path.join(tb.ARTIFACTS, "trunk_chat_alice.png"))

    def test_5_no_errors_shown_or_logged(self):
        for p in ("alice", "bob"):
            self.assertIsNone(self.browser("observe", page=p)["serverError"], self.diagnostics(p))
            errors = [l for l in self.browser("logs", page=p) if l.startswith(("pageerror", "error"))
                      and not tb.restart_refusal(l)]
            self.assertEqual(errors, [], self.diagnostics(p))


if __name__ == "__main__":
    unittest.main()
