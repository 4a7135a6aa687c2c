#!/usr/bin/python3
"""A GStreamer webrtcbin peer for test_webrtcbin.py (Debian's GStreamer 1.22 through python3-gi),
run as a child process so its GLib main loop stays out of the test runner.

  webrtcbin_peer.py publish URL CODEC POLICY    WHIP: test pattern in CODEC (vp8, h264) + Opus
  webrtcbin_peer.py subscribe URL CODEC POLICY  WHEP: receives, decodes, counts frames
  webrtcbin_peer.py offer - CODEC POLICY        prints the publisher's offer before ICE gathering
                                                (no addresses, nothing sent; for tests/data/sdp)

POLICY is webrtcbin's bundle-policy (max-bundle, balanced, max-compat). Offers are sent whole
(non-trickle: after ICE gathering), as WHIP and WHEP clients do. Prints one JSON line when
negotiated ({"offer", "answer", "location"}), then one per second ({"state", "video_frames",
"audio_buffers"}) until stdin closes or the peer fails ({"error"})."""
import json
import ssl
import sys
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

POLICIES = {
    "balanced": GstWebRTC.WebRTCBundlePolicy.BALANCED,
    "max-compat": GstWebRTC.WebRTCBundlePolicy.MAX_COMPAT,
    "max-bundle": GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE,
}
# openh264enc makes Constrained Baseline, packetization-mode 1: what the SFU forwards.
VIDEO = {
    "vp8": ("vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay",
            "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96"),
    "h264": ("openh264enc gop-size=30 ! h264parse ! rtph264pay config-interval=-1 aggregate-mode=zero-latency",
             "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=102"),
}
# Opus is opus/48000/2 in SDP whatever the channels (RFC 7587): encoding-params says so.
AUDIO_CAPS = "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,encoding-params=(string)2,payload=111"


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def post(url, sdp):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the test server's self-signed certificate
    req = urllib.request.Request(url, data=sdp.encode(), method="POST", headers={"Content-Type": "application/sdp"})
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return r.status, r.headers.get("Location"), r.read().decode()


class Peer:
    def __init__(self, mode, url, codec, policy):
        self.mode, self.url = mode, url
        self.video_frames = 0
        self.audio_buffers = 0
        self.loop = GLib.MainLoop()
        enc, caps = VIDEO[codec]
        if mode in ("publish", "offer"):
            self.pipe = Gst.parse_launch(
                f"webrtcbin name=w "
                f"videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 ! "
                f"videoconvert ! {enc} ! {caps} ! w. "
                f"audiotestsrc is-live=true wave=ticks ! audioconvert ! audioresample ! opusenc ! rtpopuspay ! "
                f"{AUDIO_CAPS} ! w.")
        else:
            self.pipe = Gst.Pipeline.new()
            self.pipe.add(Gst.ElementFactory.make("webrtcbin", "w"))
        self.w = self.pipe.get_by_name("w")
        self.w.set_property("bundle-policy", POLICIES[policy])
        if mode in ("publish", "offer"):
            for i in range(2):
                self.w.emit("get-transceiver", i).set_property(
                    "direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        else:
            recv = GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY
            if codec == "h264":  # what the SFU forwards: Constrained Baseline, packetization-mode 1
                caps += ",packetization-mode=(string)1,profile-level-id=(string)42e01f"
            self.w.emit("add-transceiver", recv, Gst.Caps.from_string(caps))
            self.w.emit("add-transceiver", recv, Gst.Caps.from_string(AUDIO_CAPS))
            self.w.connect("pad-added", self.on_pad)
        self.w.connect("on-negotiation-needed", lambda _: self.w.emit(
            "create-offer", None, Gst.Promise.new_with_change_func(self.on_offer, None)))
        self.w.connect("notify::ice-gathering-state", self.on_gathering)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_error)
        GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.IO_IN | GLib.IO_HUP, self.on_stdin)
        GLib.timeout_add(1000, self.report)
        self.offered = False

    def on_offer(self, promise, _):
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply else None
        if offer is None:
            self.fail(f"create-offer: {reply.to_string() if reply else 'no reply'}")
            return
        if self.mode == "offer":
            sys.stdout.write(offer.sdp.as_text())
            self.loop.quit()
            return
        self.w.emit("set-local-description", offer, None)

    def on_gathering(self, *_):
        if self.offered or self.w.get_property("ice-gathering-state") != GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            return
        self.offered = True
        offer = self.w.get_property("local-description").sdp.as_text()
        try:
            status, location, answer = post(self.url, offer)
        except Exception as e:  # the server refused: say what it said
            self.fail(f"POST {self.url}: {e} {getattr(e, 'read', lambda: b'')().decode(errors='replace')}")
            return
        if status != 201:
            self.fail(f"POST {self.url}: HTTP {status}")
            return
        _, msg = GstSdp.SDPMessage.new_from_text(answer)
        desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        self.w.emit("set-remote-description", desc, None)
        say({"offer": offer, "answer": answer, "location": location})

    def on_pad(self, _, pad):
        if pad.direction != Gst.PadDirection.SRC:
            return
        decode = Gst.ElementFactory.make("decodebin")
        decode.connect("pad-added", self.on_decoded)
        self.pipe.add(decode)
        decode.sync_state_with_parent()
        pad.link(decode.get_static_pad("sink"))

    def on_decoded(self, _, pad):
        kind = pad.get_current_caps().get_structure(0).get_name()
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        self.pipe.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))
        video = kind.startswith("video/")
        pad.add_probe(Gst.PadProbeType.BUFFER, self.count_video if video else self.count_audio)

    def count_video(self, *_):
        self.video_frames += 1  # one buffer of raw video per decoded frame
        return Gst.PadProbeReturn.OK

    def count_audio(self, *_):
        self.audio_buffers += 1
        return Gst.PadProbeReturn.OK

    def report(self):
        state = self.w.get_property("ice-connection-state").value_nick
        say({"state": state, "video_frames": self.video_frames, "audio_buffers": self.audio_buffers})
        return True

    def on_error(self, _, msg):
        err, dbg = msg.parse_error()
        self.fail(f"{err.message} ({dbg})")

    def fail(self, why):
        say({"error": why})
        self.loop.quit()

    def on_stdin(self, *_):
        self.loop.quit()
        return False

    def run(self):
        self.pipe.set_state(Gst.State.PLAYING)
        self.loop.run()
        self.pipe.set_state(Gst.State.NULL)


if __name__ == "__main__":
    Gst.init(None)
    Peer(*sys.argv[1:5]).run()
