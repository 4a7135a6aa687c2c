#!/usr/bin/python3
# Hand tool: prints a real GStreamer webrtcbin offer (VP8 + Opus, sendonly, as a WHIP
# publisher makes it) with the bundle policy given as argv[1] (max-bundle, balanced, ...).
# Debian packages: gstreamer1.0-plugins-bad gstreamer1.0-nice gstreamer1.0-plugins-good
# python3-gst-1.0 gir1.2-gst-plugins-bad-1.0. No network: no STUN server, nothing is sent.
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402,F401

POLICIES = {
    "none": GstWebRTC.WebRTCBundlePolicy.NONE,
    "balanced": GstWebRTC.WebRTCBundlePolicy.BALANCED,
    "max-compat": GstWebRTC.WebRTCBundlePolicy.MAX_COMPAT,
    "max-bundle": GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE,
}


def main():
    Gst.init(None)
    policy = sys.argv[1] if len(sys.argv) > 1 else "max-bundle"
    pipe = Gst.parse_launch(
        "webrtcbin name=w "
        "videotestsrc is-live=true ! videoconvert ! vp8enc deadline=1 ! rtpvp8pay ! "
        "application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w. "
        "audiotestsrc is-live=true ! audioconvert ! audioresample ! opusenc ! rtpopuspay ! "
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=97 ! w.")
    w = pipe.get_by_name("w")
    w.set_property("bundle-policy", POLICIES[policy])
    for t in range(2):
        tr = w.emit("get-transceiver", t)
        if tr:
            tr.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
    loop = GLib.MainLoop()
    out = {}

    def on_offer(promise, _):
        reply = promise.get_reply()
        offer = reply.get_value("offer")
        out["sdp"] = offer.sdp.as_text()
        loop.quit()

    def on_negotiation_needed(element):
        element.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, None))

    w.connect("on-negotiation-needed", on_negotiation_needed)
    pipe.set_state(Gst.State.PLAYING)
    GLib.timeout_add_seconds(20, loop.quit)
    loop.run()
    pipe.set_state(Gst.State.NULL)
    if "sdp" not in out:
        sys.exit("no offer")
    sys.stdout.write(out["sdp"])


if __name__ == "__main__":
    main()
