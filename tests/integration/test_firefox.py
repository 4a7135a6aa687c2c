"""Firefox ESR (Debian's firefox-esr, driven over WebDriver BiDi by puppeteer-core through
tests/browser/driver.mjs) and Chromium in one room of the web app: the whole scenario of
test_browser.py with Bob, Carol and the viewer Dave in Firefox and Alice in Chromium. So
Firefox <-> Chromium and Firefox <-> Firefox each decode the other's video and receive audio,
Firefox mutes, joins as a viewer, leaves (the others renegotiate) and reconnects after a
server restart, all with the app's max-bundle policy (Firefox offers bundle-only m-lines).
Then the call page's features with a Firefox on one side: chat through the UI (Firefox's own
SCTP stack against the SFU's usrsctp) and the speaking ring on a Firefox that talks (its
RFC 6464 audio levels)."""
import os
import subprocess
import unittest

import test_browser
import test_browser_call
import test_browser_chat
from sdp_util import capture

FIREFOX = os.environ.get("UMBRELLA_FIREFOX", "/usr/bin/firefox-esr")


def add_default_route():
    """Firefox gathers no ICE candidate on a host without a default route. Inside the test's
    namespace one via the veth peer keeps every packet in the namespace (no forwarding).
    Returns the route added, for del_route()."""
    client_ip = os.environ.get("UMBRELLA_TEST_CLIENT_IP")
    server_ip = os.environ.get("UMBRELLA_TEST_SERVER_IP")
    have = subprocess.run(["ip", "route", "show", "default"], capture_output=True, text=True).stdout.strip()
    if not (client_ip and server_ip) or have:
        return None
    route = ["default", "via", server_ip, "src", client_ip]
    subprocess.run(["ip", "route", "add"] + route, check=True)
    return route


def del_route(route):
    if route:
        subprocess.run(["ip", "route", "del"] + route, check=False)


class WithDefaultRoute:
    @classmethod
    def setUpClass(cls):
        cls.route = add_default_route()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        del_route(cls.route)


@unittest.skipUnless(os.path.exists(FIREFOX), "needs /usr/bin/firefox-esr (tools/setup --test)")
class FirefoxChromiumCall(WithDefaultRoute, test_browser.BrowserCall):
    ROOM = "mixed"
    BROWSERS = {"bob": "firefox", "carol": "firefox", "dave": "firefox"}
    broken = None

    def test_1a_both_decode_the_codec_the_other_sends(self):
        """Each page receives video in the codec the other sends (the SFU forwards, it does not
        transcode), and no RED or ULPFEC, which Firefox offers but the SFU does not forward, is
        negotiated with either."""
        for sender, receiver in (("alice", "bob"), ("bob", "alice")):
            sent = {c["mimeType"].lower() for c in self.browser("codecs", page=sender)
                    if c["type"] == "outbound-rtp" and c["kind"] == "video" and c["packets"] > 0}
            got = {c["mimeType"].lower() for c in self.browser("codecs", page=receiver)
                   if c["type"] == "inbound-rtp" and c["kind"] == "video" and c["packets"] > 0}
            self.assertEqual(sent, {"video/vp8"}, self.diagnostics(sender))
            self.assertEqual(got, sent, self.diagnostics(receiver))
        for page in ("alice", "bob"):
            sdp = self.browser("sdp", page=page)
            # After the SFU's offer of the other's tracks: the page's answer to it. Chromium keeps
            # the offer's text as received (Firefox re-serializes it).
            stack = self.BROWSERS.get(page, "chromium")
            capture(f"{stack}_answer_max-bundle", sdp["local"])
            if stack == "chromium":
                capture("umbrella_offer_to_chromium", sdp["remote"])
            for side in ("local", "remote"):
                for codec in ("red/", "ulpfec/"):
                    self.assertNotIn(f" {codec}", sdp[side].lower(), f"{page} {side}:\n{sdp[side]}")

    # The status page is test_browser.py's (Chromium); nothing of it depends on the callers.
    test_4_status_page_lists_the_call = None


@unittest.skipUnless(os.path.exists(FIREFOX), "needs /usr/bin/firefox-esr (tools/setup --test)")
class FirefoxChromiumChat(WithDefaultRoute, test_browser_chat.BrowserChat):
    """test_browser_chat's conversation with Bob in Firefox."""
    ROOM = "mixed-chat"
    BROWSERS = {"bob": "firefox"}


@unittest.skipUnless(os.path.exists(FIREFOX), "needs /usr/bin/firefox-esr (tools/setup --test)")
class FirefoxSpeaker(WithDefaultRoute, test_browser_call.BrowserSpeakers):
    """Firefox's fake microphone plays a continuous tone: a silent Chromium shows the speaking
    ring on the Firefox's tile, never on its own, so Firefox's audio levels reach the SFU."""

    def test_speaking_ring_follows_the_beeping_microphone(self):
        self.browser("open", page="quiet", url=f"{self.server.base_url}/sfu?room=ff-speakers",
                     args=[f"--use-file-for-fake-audio-capture={self.silence}"])
        self.browser("join", page="quiet", name="Quiet")
        self.browser("open", page="loud", url=f"{self.server.base_url}/sfu?room=ff-speakers", browser="firefox")
        self.browser("join", page="loud", name="Fox")
        obs = self.wait_until("the quiet page to ring the Firefox's tile",
                              lambda o: (self.remote(o["quiet"], "Fox") or {}).get("speaking"), ["quiet"], 30)
        self.assertFalse(next(t for t in obs["quiet"]["tiles"] if t["self"])["speaking"], self.diagnostics("quiet"))


if __name__ == "__main__":
    unittest.main()
