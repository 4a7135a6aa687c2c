"""Chat through the web app's UI between two headless Chromium pages (issue 16): a message typed
on one page shows on the other with the sender's name, an unread badge while the panel is
closed, and the reply comes back the same way, all over the SFU's room data channel."""
import json
import os
import time
import unittest

from harness import ADMIN, Server
from test_ice import request
from test_browser import ARTIFACTS, CHROMIUM, NODE, Driver, ensure_node_modules, server_status


@unittest.skipUnless(os.path.exists(CHROMIUM) and NODE, "needs /usr/bin/chromium and node")
class BrowserChat(unittest.TestCase):
    BROWSERS = {}  # page -> "firefox" (test_firefox.py); Chromium otherwise
    ROOM = "chat"

    @classmethod
    def setUpClass(cls):
        if not ensure_node_modules():
            raise unittest.SkipTest("tests/browser/node_modules missing: run tools/setup --test")
        os.makedirs(ARTIFACTS, exist_ok=True)
        cls.server = Server().start()
        cls.browser = Driver()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.server.stop()

    def diagnostics(self, *pages):
        out = []
        for p in pages:
            try:
                out.append(f"--- {p}: {json.dumps(self.browser('observe', page=p))}")
                out.append("\n".join(self.browser("logs", page=p)[-25:]))
            except Exception as e:
                out.append(f"--- {p}: {e}")
        return "\n".join(out) + "\n--- server status:\n" + server_status(self.server) + "\n--- server log:\n" + self.server.log_text()

    def wait_text(self, page, testid, pred, what, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.browser("text", page=page, testid=testid)
            if text is not None and pred(text):
                return text
            time.sleep(0.3)
        self.fail(f"timed out waiting for {what}\n{self.diagnostics(page)}")

    def send(self, page, text):
        self.browser("fill", page=page, testid="chat-input", value=text)
        self.browser("click", page=page, testid="chat-send")

    def test_two_pages_chat_through_the_ui(self):
        for page, name in (("alice", "Alice"), ("bob", "Bob")):
            self.browser("open", page=page, url=f"{self.server.base_url}/sfu?room={self.ROOM}",
                         browser=self.BROWSERS.get(page))
            self.browser("join", page=page, name=name, viewer=False)
        for page in ("alice", "bob"):
            self.wait_text(page, "connection-state", lambda t: "onnected" in t and "econnect" not in t, f"{page} connected")
        # Alice opens the panel and writes; her message shows on her side once the channel is open.
        self.browser("click", page="alice", testid="chat-open")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            self.send("alice", "Hello Bob")
            if self.browser("count", page="alice", testid="chat-message") >= 1:
                break
            time.sleep(0.5)
        self.wait_text("alice", "chat-messages", lambda t: "Hello Bob" in t and "You" in t, "Alice's own message")
        # Bob's closed panel shows one unread message; opened, it shows Alice's name and text.
        self.wait_text("bob", "chat-unread", lambda t: t.strip() == "1", "Bob's unread badge")
        self.browser("click", page="bob", testid="chat-open")
        got = self.wait_text("bob", "chat-messages", lambda t: "Hello Bob" in t, "Alice's message at Bob")
        self.assertIn("Alice", got)
        self.assertEqual(self.browser("count", page="bob", testid="chat-unread"), 0)
        # Bob replies; Alice (panel open) sees it with his name.
        self.send("bob", "Hi Alice")
        got = self.wait_text("alice", "chat-messages", lambda t: "Hi Alice" in t, "Bob's reply at Alice")
        self.assertIn("Bob", got)
        self.assertEqual(self.browser("count", page="alice", testid="chat-message"), 2)
        self.browser("screenshot", page="bob", path=os.path.join(ARTIFACTS, "chat_bob.png"))
        counters = json.loads(request(self.server, "GET", "/status.json", headers=ADMIN)[2])["counters"]
        self.assertEqual(counters["data.messages_relayed"], counters["data.messages_received"])
        self.assertGreaterEqual(counters["data.messages_relayed"], 2)


if __name__ == "__main__":
    unittest.main()
