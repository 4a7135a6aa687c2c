"""The load generator against WebRTC peers that are not Umbrella: a full-ICE answerer
(aiortc behind a small WHIP endpoint) checks the loadgen's candidate back and answers the
WHIP POST with a chunked response; the loadgen must answer those checks, read the chunked
answer, and its media must reach the peer and decode there (real VP8 and Opus)."""
import asyncio
import http.server
import json
import os
import subprocess
import threading
import time
import unittest

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from harness import BUILD, CLIENT_IP, SERVER_IP, Server
from rtc_util import wait_for
from test_trunk import status

LOADGEN = os.path.join(BUILD, "tools/loadgen/umbrella-loadgen")


def viewers_with_three_layers(server, proc, viewers, timeout):
    """While the loadgen `proc` runs: the video tracks `server` forwards to its `viewers`
    participants (trunks left out) once each has three simulcast layers to choose from, else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        videos = [t for c in status(server)["clients"] if not c.get("trunk_site") for t in c["forwarded"]
                  if t["kind"] == "video"]
        if len(videos) == viewers and all(t.get("layers") == 3 for t in videos):
            return videos
        time.sleep(0.2)
    return None


class WhipAnswerer:
    """aiortc answering WHIP offers on SERVER_IP, in chunks, on its own asyncio loop."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.pcs = []
        self.decoded = {"video": 0, "audio": 0}
        self.sizes = set()
        answerer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                offer = self.rfile.read(int(self.headers["Content-Length"])).decode()
                answer = asyncio.run_coroutine_threadsafe(answerer.answer(offer), answerer.loop).result(15)
                self.send_response(201)
                self.send_header("Content-Type", "application/sdp")
                self.send_header("Location", f"/whip/resource/{len(answerer.pcs)}")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                body = answer.encode()
                for i in range(0, len(body), 100):  # several chunks
                    part = body[i:i + 100]
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((SERVER_IP, 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    async def answer(self, offer):
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pcs.append(pc)
        pc.on("track", lambda track: asyncio.ensure_future(self.decode(track)))
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        while pc.iceGatheringState != "complete":
            await asyncio.sleep(0.05)
        return pc.localDescription.sdp

    async def decode(self, track):
        """What a browser would show and play: frames decoded by aiortc's libvpx and libopus."""
        try:
            while True:
                frame = await track.recv()
                self.decoded[track.kind] += 1
                if track.kind == "video":
                    self.sizes.add((frame.width, frame.height))
        except Exception:  # the track ended
            pass

    def run(self, coro, timeout=30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def packets_received(self):
        total = 0
        for pc in self.pcs:
            for r in pc.getReceivers():
                for s in (await r.getStats()).values():
                    if s.type == "inbound-rtp":
                        total += s.packetsReceived
        return total

    def close(self):
        self.httpd.shutdown()
        for pc in self.pcs:
            self.run(pc.close())
        self.loop.call_soon_threadsafe(self.loop.stop)


class LoadgenPeers(unittest.TestCase):
    def test_publishes_to_a_full_ice_answerer_that_answers_in_chunks(self):
        peer = WhipAnswerer()
        try:
            proc = subprocess.run(
                [LOADGEN, "--server", f"{SERVER_IP}:{peer.port}", "--bind", CLIENT_IP, "--room", "x",
                 "--publishers", "1", "--viewers", "0", "--video-kbps", "200", "--duration", "3",
                 "--settle", "0", "--json", "--quiet"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
            summary = json.loads(proc.stdout)
            states = [pc.connectionState for pc in peer.pcs]
            self.assertEqual(states, ["connected"], f"{states}\n{proc.stderr[-3000:]}")
            received = peer.run(peer.packets_received())
            # 3 s of 200 kbit/s video and 50 audio packets a second.
            self.assertGreater(received, 150, f"{received} packets reached aiortc; loadgen: {summary}")
            # Real media: 30 fps of 320x180 VP8 (200 kbit/s) and 20 ms Opus frames decode.
            self.assertGreater(peer.decoded["video"], 45, f"{peer.decoded}; loadgen: {summary}")
            self.assertGreater(peer.decoded["audio"], 75, f"{peer.decoded}; loadgen: {summary}")
            self.assertEqual(peer.sizes, {(320, 180)}, summary)
            self.assertIn("VP8 320x180", summary["media"])
        finally:
            peer.close()

    def test_whip_and_whep_against_umbrella(self):
        """The same offer (a=setup:actpass) against our own SFU, which answers passive."""
        server = Server().start()
        try:
            proc = subprocess.run(
                [LOADGEN, "--server", server.base_url, "--insecure", "--bind", CLIENT_IP, "--room", "x",
                 "--publishers", "1", "--viewers", "2", "--video-kbps", "200", "--duration", "2",
                 "--json", "--quiet"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
            s = json.loads(proc.stdout)
            self.assertEqual((s["connected"], s["failed"]), (3, 0), s)
            self.assertEqual(s["streams_receiving"], 4, s)  # audio and video at each viewer
            self.assertGreater(s["expected"], 100, s)
            self.assertLess(s["loss_pct"], 5, s)
            # Its receivers report like a browser's: at least one RR per viewer per second.
            self.assertGreaterEqual(s["rtcp_sent"], 4, s)
            # Its publisher's transport-wide sequence numbers reach the SFU, which answers with
            # feedback; the viewers joining made the SFU ask it for keyframes, which it sent.
            self.assertGreater(s["twcc_received"], 5, s)
            self.assertGreaterEqual(s["keyframes_sent"], 1, s)
        finally:
            server.stop()

    def test_the_sfu_probes_its_viewers_links_up_to_what_they_need(self):
        """On an open link the SFU's estimate toward each viewer climbs past the video they
        need through its probe padding (RTX packets with nothing but padding, which the loadgen
        reports as arrived): no viewer is paused for bandwidth. Without probing, the estimate
        rises from its 300 kbit/s start by 8% a second and the SFU pauses them after 5 s."""
        server = Server().start()
        try:
            proc = subprocess.run(
                [LOADGEN, "--server", server.base_url, "--insecure", "--bind", CLIENT_IP, "--room", "x",
                 "--publishers", "1", "--viewers", "3", "--video-kbps", "1000", "--duration", "7",
                 "--json", "--quiet"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
            s = json.loads(proc.stdout)
            self.assertEqual((s["connected"], s["failed"]), (4, 0), s)
            st = status(server)
            counters = st["counters"]
            self.assertEqual(counters.get("bwe.pauses", 0), 0, counters)
            self.assertGreater(counters.get("bwe.probe_packets", 0), 0, counters)
            estimates = sorted(int(c.get("bandwidth_estimate_bps", 0)) for c in st["clients"]
                               if c.get("bandwidth_estimate_bps"))
            self.assertEqual(len(estimates), 3, st["clients"])
            self.assertGreater(estimates[0], 1000000, estimates)
            self.assertGreater(s["recv_frames"], 0.95 * 3 * s["sent_frames"], s)
        finally:
            server.stop()

    def test_receivers_nack_emulated_loss_and_the_sfu_repairs_it(self):
        server = Server().start()
        try:
            proc = subprocess.run(
                [LOADGEN, "--server", server.base_url, "--insecure", "--bind", CLIENT_IP, "--room", "x",
                 "--publishers", "1", "--viewers", "2", "--no-audio", "--video-kbps", "500", "--duration", "3",
                 "--drop-pct", "10", "--json", "--quiet"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
            s = json.loads(proc.stdout)
            self.assertEqual((s["connected"], s["failed"]), (3, 0), s)
            self.assertGreater(s["dropped"], 20, s)
            self.assertGreater(s["nacks_sent"], 20, s)
            self.assertGreater(s["rtx"], 20, s)  # the SFU answered them from its cache
            self.assertLess(s["loss_pct"], 3, s)  # what stays lost after repair, of 10% dropped
            counters = status(server)["counters"]
            self.assertGreater(counters["media.nacks_received"], 0, counters)
        finally:
            server.stop()

    def test_simulcast_by_rid_one_layer_to_each_viewer(self):
        """--simulcast: the publisher sends three VP8 layers by rid (RFC 8852 header extension,
        no SSRCs in its offer); the SFU learns each layer's SSRC, forwards each viewer one
        layer's frames (not two layers' mixed), and says so in status."""
        self.check_simulcast("--simulcast", "by rid")

    def test_simulcast_by_ssrc_group(self):
        """--simulcast-ssrc: the same layers signalled as a=ssrc-group:SIM (as libwebrtc without
        rids), no rid extension on the packets."""
        self.check_simulcast("--simulcast-ssrc", "by SSRC group")

    def check_simulcast(self, option, described):
        server = Server().start()
        try:
            proc = subprocess.Popen(
                [LOADGEN, "--server", server.base_url, "--insecure", "--bind", CLIENT_IP, "--room", "x",
                 "--publishers", "1", "--viewers", "2", option, "--video-kbps", "600", "--duration", "4",
                 "--json", "--quiet"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            seen = viewers_with_three_layers(server, proc, 2, 20)
            out, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, err[-3000:])
            s = json.loads(out)
            self.assertIsNotNone(seen, f"the viewers' video never showed three layers in status; loadgen: {s}")
            self.assertTrue(all(t["layer_reason"] in ("best", "bandwidth") for t in seen), seen)
            self.assertEqual((s["connected"], s["failed"]), (3, 0), s)
            self.assertIn(f"simulcast q/h/f {described}", s["media"])
            # Each viewer gets every frame of one layer: about twice what one layer sent, never
            # the frames of two layers at once (which would be up to six times).
            self.assertGreater(s["recv_frames"], 1.8 * s["sent_frames"], s)
            self.assertLess(s["recv_frames"], 2.2 * s["sent_frames"] + 10, s)
            self.assertLess(s["loss_pct"], 5, s)
        finally:
            server.stop()

    def test_data_channels_through_the_room_relay(self):
        """--data-rate: every peer negotiates a data channel, publishers talk on the room channel
        and the SFU relays each message to everyone else in the room (the other publisher and
        the WHEP viewer), who measure its delay."""
        server = Server().start()
        try:
            proc = subprocess.run(
                [LOADGEN, "--server", server.base_url, "--insecure", "--bind", CLIENT_IP, "--room", "x",
                 "--publishers", "2", "--viewers", "1", "--video-kbps", "200", "--duration", "3",
                 "--data-rate", "20", "--json", "--quiet"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
            s = json.loads(proc.stdout)
            self.assertEqual((s["connected"], s["failed"]), (3, 0), s)
            self.assertGreater(s["data_sent"], 60, s)  # 2 x 20/s for 3 s and more, less joining
            self.assertEqual(s["data_send_failed"], 0, s)
            # Each message reaches the two others; a few may be in flight when the run ends.
            self.assertGreaterEqual(s["data_received"], 2 * s["data_sent"] - 10, s)
            self.assertLessEqual(s["data_received"], 2 * s["data_sent"], s)
            self.assertGreater(s["data_delay_p99_ms"], 0, s)
            counters = status(server)["counters"]
            # What the loadgen sent is what the SFU took (but for the last few, queued at exit).
            self.assertLessEqual(abs(counters["data.messages_received"] - s["data_sent"]), 5, counters)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
