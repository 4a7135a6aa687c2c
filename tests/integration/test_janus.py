"""The load generator against Debian's Janus (the same Janus tools/bench/run compares with):
its --janus mode creates a session and a VideoRoom through Janus's HTTP API, publishers
joinandconfigure with their offer, subscribers answer Janus's offer (the server-offer path:
recvonly m-lines, DTLS role from Janus's a=setup) and Janus, ICE-lite here as in the bench,
must forward the publishers' media to every subscriber. Skipped only when janus is not
installed (tools/setup installs it for the tests).

Umbrella's own WHEP endpoint takes only a viewer's offer (no server offer), so the loadgen's
server-offer path is exercised against Janus alone."""
import json
import os
import subprocess
import sys
import unittest

from harness import BUILD, SERVER_IP

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools/bench"))
import janus_server  # noqa: E402

LOADGEN = os.path.join(BUILD, "tools/loadgen/umbrella-loadgen")


@unittest.skipUnless(janus_server.janus_binary(), "janus is not installed (tools/setup installs it)")
class LoadgenAgainstJanus(unittest.TestCase):
    def setUp(self):
        self.janus = janus_server.Janus(SERVER_IP)
        self.addCleanup(self.janus.stop)

    def loadgen(self, *args):
        proc = subprocess.run(
            # One address for both, as in tools/bench/run: with the peers on CLIENT_IP, Janus's
            # datagrams to them (sent without error, per strace) never woke their sockets.
            [LOADGEN, "--janus", self.janus.url, "--bind", SERVER_IP, "--room", "x", "--video-kbps", "200",
             "--duration", "2", "--json", "--quiet"] + list(args),
            capture_output=True, text=True, timeout=90)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:] + "\nJanus: " + self.janus.tail())
        return json.loads(proc.stdout)

    def test_one_publisher_reaches_two_subscribers(self):
        s = self.loadgen("--publishers", "1", "--viewers", "2")
        self.assertEqual((s["connected"], s["failed"], s["signalling"]), (3, 0, "janus"), s)
        self.assertEqual((s["streams_announced"], s["streams_receiving"]), (4, 4), s)  # audio + video each
        self.assertGreater(s["expected"], 100, s)
        self.assertLess(s["loss_pct"], 5, s)
        # The publisher's probes came through Janus's SRTP intact: the viewers decrypted them.
        self.assertGreater(s["delay_samples"], 100, s)
        self.assertEqual(s["unprotect_failed"], 0, s)

    def test_call_subscribers_receive_every_other_publisher(self):
        s = self.loadgen("--call", "3")
        self.assertEqual((s["connected"], s["failed"]), (6, 0), s)
        # Each of the 3 subscribers: the 2 other publishers' audio and video.
        self.assertEqual((s["streams_announced"], s["streams_receiving"]), (12, 12), s)
        self.assertGreater(s["delay_samples"], 100, s)


if __name__ == "__main__":
    unittest.main()
