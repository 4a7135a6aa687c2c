"""aiortc peers for WHIP/WHEP tests: a synthetic publisher and counting subscribers."""
import asyncio
import fractions
import ssl
import time
import urllib.request

import numpy
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamTrack, VideoStreamTrack
from av import VideoFrame


class PatternVideoTrack(VideoStreamTrack):
    """640x360 frames with a moving bar, so the encoder has real content to code."""

    def __init__(self, width=640, height=360):
        super().__init__()
        self.width, self.height = width, height
        self.n = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        img = numpy.zeros((self.height, self.width, 3), numpy.uint8)
        x = (self.n * 8) % self.width
        img[:, x:x + 40] = (255, 200, 40)
        img[: self.height // 4, :, 1] = 120
        self.n += 1
        frame = VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts, frame.time_base = pts, time_base
        return frame


class ToneTrack(AudioStreamTrack):
    """A 440 Hz tone at -12 dBFS while `loud`, silence otherwise (aiortc's audio pacing)."""

    def __init__(self, loud=True):
        super().__init__()
        self.loud = loud

    async def recv(self):
        frame = await super().recv()
        if self.loud:
            n = frame.samples
            t = (frame.pts + numpy.arange(n)) / frame.sample_rate
            tone = (numpy.sin(2 * numpy.pi * 440 * t) * 8000).astype(numpy.int16)
            frame.planes[0].update(tone.tobytes())
        return frame


def post_sdp(url, sdp, token=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    headers = {"Content-Type": "application/sdp"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=sdp.encode(), method="POST", headers=headers)
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return r.status, r.headers.get("Location"), r.read().decode()


async def negotiate(pc, url, token=None):
    await pc.setLocalDescription(await pc.createOffer())
    while pc.iceGatheringState != "complete":
        await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    status, location, answer = await loop.run_in_executor(None, post_sdp, url, pc.localDescription.sdp, token)
    assert status == 201, status
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    return location, answer


async def publish(base_url, room, video=True, audio=True, token=None):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    if video:
        pc.addTrack(PatternVideoTrack())
    if audio:
        pc.addTrack(AudioStreamTrack())
    location, answer = await negotiate(pc, f"{base_url}/whip/{room}", token)
    return pc, location, answer


class Subscriber:
    """A WHEP viewer counting decoded video frames and audio frames."""

    def __init__(self):
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.video_frames = 0
        self.audio_frames = 0
        self.sizes = set()
        self.first_video_at = None
        self.tasks = []

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack):
            self.tasks.append(asyncio.ensure_future(self._consume(track)))

    async def _consume(self, track):
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            if track.kind == "video":
                self.video_frames += 1
                self.sizes.add((frame.width, frame.height))
                if self.first_video_at is None:
                    self.first_video_at = time.monotonic()
            else:
                self.audio_frames += 1

    async def start(self, base_url, room, token=None):
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")
        self.started = time.monotonic()
        self.location, self.answer = await negotiate(self.pc, f"{base_url}/whep/{room}", token)
        return self

    async def close(self):
        for t in self.tasks:
            t.cancel()
        await self.pc.close()


class DataPeer:
    """A WHIP publisher (or, viewer=True, a WHEP viewer receiving only) with a data channel
    labelled "room", recording what the SFU relays to it as (label, message): the label of a
    relayed channel is the sender's participant id."""

    def __init__(self, ordered=True, max_retransmits=None, viewer=False):
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.viewer = viewer
        if viewer:
            self.pc.addTransceiver("audio", direction="recvonly")
        else:
            self.pc.addTrack(AudioStreamTrack())
        self.room = self.pc.createDataChannel("room", ordered=ordered, maxRetransmits=max_retransmits)
        self.relayed = {}   # label (sender id) -> channel
        self.received = []  # (label, message)

        @self.pc.on("datachannel")
        def on_datachannel(channel):
            self.relayed[channel.label] = channel

            @channel.on("message")
            def on_message(message):
                self.received.append((channel.label, message))

    async def start(self, base, room, token=None):
        await negotiate(self.pc, f"{base}/{'whep' if self.viewer else 'whip'}/{room}", token)
        return self

    def from_sender(self, label):
        return [m for (l, m) in self.received if l == label]


async def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.1)
    return predicate()
