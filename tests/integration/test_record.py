"""Recording: an aiortc publisher (VP8 + Opus) in a recorded room, its WebM file checked with
Debian's ffprobe/ffmpeg as a user would: it decodes without errors, every video frame sent
while recording is in it (each frame carries its index in black and white blocks, read back
from the decoded file), its duration matches the frames' RTP time, and audio and video start
and end together. Started and stopped by the administrator over HTTP (POST /record), or by
UMBRELLA_RECORD_ROOMS; a second run drops 10% of the publisher's packets on the way to the
SFU (a relay) and the file still decodes; SIGTERM finishes the file."""
import asyncio
import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import numpy
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack
from av import VideoFrame

from harness import ADMIN, CLIENT_IP, SERVER_IP, Server
from rtc_util import PatternVideoTrack, post_sdp, wait_for
from udp_relay import UdpRelay, rewrite_candidates

FPS = 30  # aiortc's VideoStreamTrack clock: 3000 RTP ticks a frame
BITS = 16
W, H = 640, 360
BLOCK = 40
RECORD_S = 10


class IndexedVideoTrack(PatternVideoTrack):
    """The pattern with the frame's index in 16 blocks (white = 1) along the bottom."""

    async def recv(self):
        frame = await super().recv()
        img = frame.to_ndarray(format="bgr24")
        n = self.n - 1
        img[H - BLOCK:, :, :] = 0
        for b in range(BITS):
            if n >> b & 1:
                img[H - BLOCK:, b * BLOCK:(b + 1) * BLOCK] = 255
        out = VideoFrame.from_ndarray(img, format="bgr24")
        out.pts, out.time_base = frame.pts, frame.time_base
        return out


def http(server, method, path, headers=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(server.base_url + path, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def status(server):
    return json.loads(http(server, "GET", "/status.json", ADMIN)[1])


def frame_indices(path):
    """Decodes every video frame (scaled to 1/4) and reads the index blocks."""
    w, h = W // 4, H // 4
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-an", "-vf", f"scale={w}:{h}", "-f", "rawvideo",
                          "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    frames = numpy.frombuffer(raw, numpy.uint8).reshape(-1, h, w)
    y, b = (H - BLOCK // 2) // 4, BLOCK // 4
    return [sum(1 << i for i in range(BITS) if f[y, i * b + b // 2] > 128) for f in frames]


def stream_ranges(path):
    """First and last packet time (end included) per stream kind, from ffprobe."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "packet=codec_type,pts_time,duration_time",
                          "-show_entries", "stream=codec_type", "-of", "json", "-i", path, "-show_packets"],
                         capture_output=True, text=True, check=True).stdout
    ranges = {}
    packets = json.loads(out)["packets"]
    for p in packets:
        t = float(p["pts_time"])
        end = t + float(p.get("duration_time") or 0)
        lo, hi = ranges.get(p["codec_type"], (t, end))
        ranges[p["codec_type"]] = (min(lo, t), max(hi, end))
    return ranges


def decode_errors(path, *args):
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", path, *args, "-f", "null", "-"], capture_output=True, text=True)
    return r.returncode, r.stderr.strip()


def recorded_files(directory):
    return sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith((".webm", ".mkv")))


def video_stream(path):
    """The video stream's codec, decoded frame count and the container, from ffprobe."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-count_frames", "-show_entries",
                          "stream=codec_name,nb_read_frames", "-show_entries", "format=format_name", "-of", "json",
                          path], capture_output=True, text=True, check=True).stdout
    j = json.loads(out)
    return j["streams"][0]["codec_name"], int(j["streams"][0]["nb_read_frames"]), j["format"]["format_name"]


async def publish(server, room, relay=None):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    video = IndexedVideoTrack(W, H)
    pc.addTrack(video)
    pc.addTrack(AudioStreamTrack())
    await pc.setLocalDescription(await pc.createOffer())
    while pc.iceGatheringState != "complete":
        await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    code, _, answer = await loop.run_in_executor(None, post_sdp, f"{server.base_url}/whip/{room}",
                                                 pc.localDescription.sdp)
    assert code == 201, code
    if relay:
        ip, port = relay.address
        answer = rewrite_candidates(answer, ip, port)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    return pc, video


@unittest.skipUnless(shutil.which("ffprobe") and shutil.which("ffmpeg"), "needs Debian's ffmpeg")
class Recording(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="umbrella-rec-")
        self.server = Server(env={"UMBRELLA_RECORD_DIR": self.dir, "UMBRELLA_RECORD_ROOMS": "always-*,board"}).start()

    def tearDown(self):
        self.server.stop()
        if os.environ.get("UMBRELLA_KEEP_RECORDINGS"):
            print(f"recordings kept in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def counters(self):
        return status(self.server)["counters"]

    def test_admin_records_a_call_that_decodes_whole_and_in_sync(self):
        s = self.server
        self.assertEqual(http(s, "POST", "/record?room=lecture&on=1")[0], 401)
        self.assertEqual(http(s, "POST", "/record?room=lecture&on=1", {"Authorization": "Bearer wrong"})[0], 401)
        self.assertEqual(http(s, "POST", "/record?room=lecture&on=2", ADMIN)[0], 400)
        self.assertEqual(http(s, "POST", "/record?room=lecture&on=1", ADMIN), (200, "recording lecture\n"))
        st = status(s)
        self.assertTrue(st["recording_available"])
        self.assertEqual([r["room"] for r in st["recordings"]], ["lecture"], st["recordings"])
        # Status without the secret: counters yes, rooms no.
        public = json.loads(http(s, "GET", "/status.json")[1])
        self.assertNotIn("lecture", json.dumps(public))
        self.assertIn("record.bytes_written", public["counters"])

        async def run():
            pc, video = await publish(s, "lecture")
            self.assertTrue(await wait_for(lambda: pc.connectionState == "connected", 15), s.log_text())
            self.assertTrue(await wait_for(lambda: self.counters()["record.frames_written"] > 0, 15),
                            f"nothing recorded\n{s.log_text()}")
            await asyncio.sleep(RECORD_S)
            code, _ = await asyncio.get_running_loop().run_in_executor(
                None, http, s, "POST", "/record?room=lecture&on=0", ADMIN)
            self.assertEqual(code, 200)
            sent = video.n
            await asyncio.sleep(1)
            await pc.close()
            return sent

        sent = asyncio.run(run())
        self.assertTrue(s.wait_log("finished"), s.log_text())
        files = recorded_files(self.dir)
        self.assertEqual(len(files), 1, files)
        path = files[0]
        self.assertIn("lecture_", os.path.basename(path))
        self.assertEqual(video_stream(path)[0], "vp8")
        rc, errors = decode_errors(path)
        self.assertEqual((rc, errors), (0, ""), f"ffmpeg decode errors in {path}")
        idx = frame_indices(path)
        span = idx[-1] - idx[0] + 1
        ranges = stream_ranges(path)
        c = self.counters()
        report = (f"{len(idx)} frames, indices {idx[0]}..{idx[-1]} of {sent} sent, ranges {ranges}, "
                  f"counters { {k: v for k, v in c.items() if k.startswith('record.')} }")
        print(f"recording: {report}")
        # Every frame sent between the first and last recorded one is in the file, once, in order.
        self.assertEqual(idx, sorted(idx), report)
        self.assertGreaterEqual(len(idx), span * 0.98, report)
        self.assertGreater(span, (RECORD_S - 1) * FPS * 0.9, report)
        # Duration: the frames' own time (RTP, 30 a second), within a few percent.
        v0, v1 = ranges["video"]
        a0, a1 = ranges["audio"]
        self.assertAlmostEqual(v1 - v0, span / FPS, delta=span / FPS * 0.04, msg=report)
        # Audio and video start and end together.
        self.assertLess(abs(a0 - v0), 0.1, report)
        self.assertLess(abs(a1 - v1), 0.1, report)
        self.assertEqual(c["record.files"], 1, report)
        self.assertEqual(c["record.active"], 0, report)
        self.assertEqual(c["record.dropped"], 0, report)
        self.assertGreater(c["record.bytes_written"], 50000, report)

    def test_ten_percent_loss_still_decodes_and_sigterm_finishes_the_file(self):
        s = self.server

        async def run():
            relay = await UdpRelay((SERVER_IP, s.media_port), CLIENT_IP, loss=0.0, seed=19,
                                   loss_to_server=0.10).start()
            pc, video = await publish(s, "always-loss", relay)  # recorded by UMBRELLA_RECORD_ROOMS
            self.assertTrue(await wait_for(lambda: pc.connectionState == "connected", 15), s.log_text())
            self.assertTrue(await wait_for(lambda: self.counters()["record.frames_written"] > 0, 15),
                            f"nothing recorded\n{s.log_text()}")
            await asyncio.sleep(RECORD_S)
            st = status(s)
            self.assertEqual([(r["room"], r["always"]) for r in st["recordings"]], [("always-loss", True)])
            c = st["counters"]
            # SIGTERM while recording: the file is finished (cues, duration) on the way out.
            self.assertEqual(s.stop(), 0, s.log_text())
            await pc.close()
            relay.close()
            return relay.stats, c

        stats, c = asyncio.run(run())
        files = recorded_files(self.dir)
        self.assertEqual(len(files), 1, files)
        path = files[0]
        report = f"relay {stats}, counters { {k: v for k, v in c.items() if k.startswith(('record.', 'media.n'))} }"
        print(f"recording with loss: {report}")
        self.assertGreater(stats["dropped_to_server"], 0.05 * stats["srtp_to_server"], report)
        rc, errors = decode_errors(path)
        self.assertEqual((rc, errors), (0, ""), f"decode errors with loss, {report}")
        idx = frame_indices(path)
        self.assertEqual(idx, sorted(idx), report)
        self.assertGreater(len(idx), (RECORD_S - 2) * FPS * 0.5, report)
        duration = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                                              "json", path], capture_output=True, text=True).stdout)
        self.assertGreater(float(duration["format"]["duration"]), RECORD_S - 2, f"{duration} {report}")
        self.assertTrue(any("finished 1 recording" in l for l in s.log), s.log_text())

    def test_a_crash_leaves_a_file_that_plays_to_its_last_cluster(self):
        s = self.server

        async def run():
            pc, _ = await publish(s, "board")  # recorded by UMBRELLA_RECORD_ROOMS
            self.assertTrue(await wait_for(lambda: pc.connectionState == "connected", 15), s.log_text())
            self.assertTrue(await wait_for(lambda: self.counters()["record.frames_written"] > 0, 15), s.log_text())
            await asyncio.sleep(6)
            s.stop(signal.SIGKILL)  # no cues, no duration, no last cluster size
            await pc.close()

        asyncio.run(run())
        files = recorded_files(self.dir)
        self.assertEqual(len(files), 1, files)
        rc, errors = decode_errors(files[0])
        idx = frame_indices(files[0])
        print(f"after a crash: {len(idx)} frames decode, ffmpeg said {errors!r}")
        self.assertEqual(rc, 0, errors)
        self.assertEqual(idx, sorted(idx))
        self.assertGreater(len(idx), 3 * FPS, "less than the clusters flushed before the crash")


class RecordingUnavailable(unittest.TestCase):
    def test_without_a_folder_the_switch_says_how_to_turn_it_on(self):
        with Server() as s:
            code, body = http(s, "POST", "/record?room=x&on=1", ADMIN)
            self.assertEqual(code, 409)
            self.assertIn("UMBRELLA_RECORD_DIR", body)
            self.assertFalse(status(s).get("recording_available", False))

    def test_a_missing_folder_stops_the_server_with_one_line(self):
        s = Server(env={"UMBRELLA_RECORD_DIR": "/nonexistent/recordings"})
        with self.assertRaises(RuntimeError):
            s.start()
        self.assertIn("UMBRELLA_RECORD_DIR /nonexistent/recordings is not a folder", s.log_text())


if __name__ == "__main__":
    unittest.main()


from test_browser import CHROMIUM, NODE, Driver, ensure_node_modules  # noqa: E402


@unittest.skipUnless(os.path.exists(CHROMIUM) and NODE and shutil.which("ffmpeg"), "needs chromium, node and ffmpeg")
class ChromiumRecording(unittest.TestCase):
    """The administrator starts and stops a room's recording on the status page while Chromium
    is in a call there (its fake camera and microphone, VP8 and Opus through the web app)."""

    def setUp(self):
        if not ensure_node_modules():
            raise unittest.SkipTest("tests/browser/node_modules missing: run tools/setup --test")
        self.dir = tempfile.mkdtemp(prefix="umbrella-rec-")
        self.server = Server(env={"UMBRELLA_RECORD_DIR": self.dir}).start()
        self.browser = Driver()

    def tearDown(self):
        self.browser.quit()
        self.server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def wait(self, what, pred, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.3)
        self.fail(f"timed out waiting for {what}\n{self.browser('logs', page='ann')[-20:]}\n{self.server.log_text()}")

    def test_status_page_records_a_chromium_call(self):
        s, b = self.server, self.browser
        b("open", page="admin", url=f"{s.base_url}/status")
        b("fill", page="admin", testid="admin-secret", value=ADMIN["Authorization"].split(" ", 1)[1])
        b("click", page="admin", testid="admin-submit")
        self.wait("the recording form", lambda: b("count", page="admin", testid="record-start") > 0)
        b("fill", page="admin", testid="record-room", value="cam")
        b("click", page="admin", testid="record-start")
        self.wait("the room listed as recording", lambda: b("count", page="admin", testid="recording-cam") > 0)

        b("open", page="ann", url=f"{s.base_url}/sfu?room=cam")
        b("join", page="ann", name="Ann", viewer=False)
        # Generous: Chromium starts slowly on a loaded machine.
        self.wait("Chromium to connect", lambda: b("observe", page="ann")["state"] == "connected", 45)
        self.wait("frames recorded", lambda: status(s)["counters"]["record.frames_written"] > 0, 30)
        time.sleep(RECORD_S)
        b("click", page="admin", testid="record-stop-cam")
        self.wait("the recording to finish", lambda: s.wait_log("finished", 0.1) and not status(s)["recordings"])
        self.wait("the page to show no recording", lambda: b("count", page="admin", testid="recording-cam") == 0)

        files = recorded_files(self.dir)
        self.assertEqual(len(files), 1, files)
        rc, errors = decode_errors(files[0])
        self.assertEqual((rc, errors), (0, ""), f"decode errors in {files[0]}")
        ranges = stream_ranges(files[0])
        print(f"chromium recording: {ranges}")
        self.assertEqual(set(ranges), {"audio", "video"}, ranges)
        (v0, v1), (a0, a1) = ranges["video"], ranges["audio"]
        self.assertGreater(v1 - v0, RECORD_S - 3, ranges)
        self.assertLess(abs(a0 - v0), 0.1, ranges)
        self.assertLess(abs(a1 - v1), 0.1, ranges)


# Chromium publishing over WHIP with one video codec offered (setCodecPreferences), optionally
# with spatial layers (scalabilityMode), from its fake camera and microphone.
PUBLISH_JS = """(async (url, mime, svc) => {
  const stream = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 360, frameRate: 30},
                                                            audio: true});
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) {
    const init = {direction: "sendonly", streams: [stream]};
    if (track.kind === "video" && svc) init.sendEncodings = [{scalabilityMode: svc}];
    const t = pc.addTransceiver(track, init);
    if (track.kind === "video")
      t.setCodecPreferences(RTCRtpSender.getCapabilities("video").codecs.filter(
          (c) => c.mimeType === mime || c.mimeType === "video/rtx"));
  }
  await pc.setLocalDescription();
  while (pc.iceGatheringState !== "complete") await new Promise((r) => setTimeout(r, 50));
  const res = await fetch(url, {method: "POST", headers: {"Content-Type": "application/sdp"},
                                body: pc.localDescription.sdp});
  if (res.status !== 201) return "WHIP answered " + res.status;
  await pc.setRemoteDescription({type: "answer", sdp: await res.text()});
  window.__pub = pc;
  return "ok";
})(%s, %s, %s)"""

SENT_JS = """(async () => {
  for (const r of (await window.__pub.getStats()).values())
    if (r.type === "outbound-rtp" && r.kind === "video") return [r.framesSent, r.frameHeight || 0];
  return [0, 0];
})()"""


@unittest.skipUnless(os.path.exists(CHROMIUM) and NODE and shutil.which("ffmpeg"), "needs chromium, node and ffmpeg")
class ChromiumCodecs(unittest.TestCase):
    """Debian's Chromium sends VP9, AV1 and H264: each
    recording decodes without errors, in its codec, with as many frames as Chromium sent in
    that time and audio in sync."""

    def setUp(self):
        if not ensure_node_modules():
            raise unittest.SkipTest("tests/browser/node_modules missing: run tools/setup --test")
        self.dir = tempfile.mkdtemp(prefix="umbrella-rec-")
        self.server = Server(env={"UMBRELLA_RECORD_DIR": self.dir, "UMBRELLA_RECORD_ROOMS": "rec-*"}).start()
        self.browser = Driver()

    def tearDown(self):
        self.browser.quit()
        self.server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def until(self, what, pred, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.2)
        self.fail(f"timed out waiting for {what}\n{self.server.log_text()}")

    def record(self, mime, svc=None):
        s, b = self.server, self.browser
        room = "rec-" + mime.split("/")[1].lower() + (svc or "")
        b("open", page="pub", url=f"{s.base_url}/status")
        self.assertEqual(b("eval", page="pub", expr=PUBLISH_JS % (json.dumps(f"{s.base_url}/whip/{room}"),
                                                                  json.dumps(mime), json.dumps(svc))), "ok")
        self.until("Chromium to connect", lambda: b("eval", page="pub", expr="window.__pub.connectionState") ==
                   "connected", 45)
        self.until("frames recorded", lambda: status(s)["counters"]["record.frames_written"] > 0)
        time.sleep(1)
        sent0, _ = b("eval", page="pub", expr=SENT_JS)
        t0 = time.monotonic()
        time.sleep(RECORD_S)
        sent1, height = b("eval", page="pub", expr=SENT_JS)
        rate = (sent1 - sent0) / (time.monotonic() - t0)
        self.assertEqual(http(s, "POST", f"/record?room={room}&on=0", ADMIN)[0], 200)
        self.until("the recording to finish", lambda: s.wait_log("finished", 0.1) and not status(s)["recordings"])
        b("eval", page="pub", expr="window.__pub.close()")
        files = recorded_files(self.dir)
        self.assertEqual(len(files), 1, files)
        path = files[0]
        # Frames keep the file's millisecond times (Chromium's come unevenly; ffmpeg's default
        # 1/30 s output clock would put two on one tick and complain about its own output).
        rc, errors = decode_errors(path, "-enc_time_base", "-1")
        self.assertEqual((rc, errors), (0, ""), f"decode errors in {path}")
        codec, frames, _ = video_stream(path)
        ranges = stream_ranges(path)
        (v0, v1), (a0, a1) = ranges["video"], ranges["audio"]
        c = status(s)["counters"]
        report = (f"{mime} {svc or ''}: {frames} frames in {v1 - v0:.2f} s, Chromium sent {rate:.1f}/s at height "
                  f"{height}, ranges {ranges}, counters { {k: v for k, v in c.items() if k.startswith('record.')} }")
        print(report)
        self.assertEqual(codec, {"video/VP9": "vp9", "video/AV1": "av1", "video/H264": "h264"}[mime], report)
        self.assertTrue(path.endswith(".mkv" if mime == "video/H264" else ".webm"), path)
        self.assertGreater(v1 - v0, RECORD_S, report)
        self.assertGreater(rate, 5, report)
        # Every frame Chromium sent while recording is in the file, once: frames per second of the
        # file's own (RTP) time match what Chromium counted per second of wall time.
        self.assertAlmostEqual(frames / (v1 - v0), rate, delta=rate * 0.05, msg=report)
        self.assertLess(abs(a0 - v0), 0.1, report)
        self.assertLess(abs(a1 - v1), 0.1, report)
        self.assertEqual(c["record.malformed"], 0, report)
        return path

    def test_vp9(self):
        self.record("video/VP9")

    def test_av1(self):
        self.record("video/AV1")

    def test_h264(self):
        self.record("video/H264")
