"""Firefox ESR (Debian's firefox-esr, driven over WebDriver BiDi by puppeteer-core) in the
web app: two Firefox pages join one room with the app's max-bundle policy (Firefox offers
bundle-only m-lines) and each decodes the other's video and receives its audio."""
import json
import os
import shutil
import subprocess
import unittest

from harness import Server

BROWSER_DIR = os.path.join(os.path.dirname(__file__), "../browser")
FIREFOX = os.environ.get("UMBRELLA_FIREFOX", "/usr/bin/firefox-esr")
NODE = shutil.which("node")


@unittest.skipUnless(os.path.exists(FIREFOX) and NODE and
                     os.path.isdir(os.path.join(BROWSER_DIR, "node_modules/puppeteer-core")),
                     "needs /usr/bin/firefox-esr, node and tests/browser/node_modules (tools/setup --test)")
class FirefoxCall(unittest.TestCase):
    def setUp(self):
        # Firefox gathers no ICE candidate on a host without a default route. Inside the test's
        # namespace one via the veth peer keeps every packet in the namespace (no forwarding).
        self.route = None
        client_ip = os.environ.get("UMBRELLA_TEST_CLIENT_IP")
        server_ip = os.environ.get("UMBRELLA_TEST_SERVER_IP")
        have = subprocess.run(["ip", "route", "show", "default"], capture_output=True, text=True).stdout.strip()
        if client_ip and server_ip and not have:
            self.route = ["default", "via", server_ip, "src", client_ip]
            subprocess.run(["ip", "route", "add"] + self.route, check=True)

    def tearDown(self):
        if self.route:
            subprocess.run(["ip", "route", "del"] + self.route, check=False)

    def test_two_firefox_pages_see_and_hear_each_other(self):
        server = Server().start()
        try:
            r = subprocess.run([NODE, "firefox_call.mjs", server.base_url, "ff", FIREFOX], cwd=BROWSER_DIR,
                               capture_output=True, text=True, timeout=180)
            self.assertEqual(r.returncode, 0, r.stderr[-3000:])
            out = json.loads(r.stdout.strip().splitlines()[-1])
            diag = json.dumps(out, indent=1)[-6000:] + "\n" + server.log_text()
            self.assertNotIn("exception", out, diag)
            for name in ("alice", "bob"):
                self.assertEqual(out[name]["state"], "connected", diag)
                self.assertIsNone(out[name]["error"], diag)
                self.assertGreater(out[name]["video"], 10, diag)
                self.assertGreater(out[name]["audio"], 10, diag)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
