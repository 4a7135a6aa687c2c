"""VP9 SVC through the call page in headless Chromium. Alice's page is made to send her camera
as one VP9 stream with three spatial and three temporal layers (scalabilityMode L3T3_KEY,
VP9 preferred) instead of simulcast. Bob watches directly; Carol watches through a relay that
caps her downlink at 300 kbit/s (tests/integration/udp_relay.py). The SFU drops the layers
Carol's link cannot carry: she decodes a smaller picture than Bob and keeps decoding, and
status shows her spatial and temporal layers. Lifting the cap brings the full picture back."""
import os
import time
import unittest

import test_browser as tb
from test_simulcast import THROUGH_RELAY, RelayedChromiumCall

ROOM = "svc"
CAP_BPS = 300_000

# The page's camera transceiver: one L3T3_KEY encoding instead of its three simulcast ones,
# with VP9 (profile 0) first in the codec preferences (run before the page joins).
VP9_SVC = """(() => {
  const add = RTCPeerConnection.prototype.addTransceiver;
  RTCPeerConnection.prototype.addTransceiver = function (track, init) {
    const video = (typeof track === "string" ? track : track.kind) === "video";
    if (!video || !init || !init.sendEncodings || init.sendEncodings.length < 2) return add.call(this, track, init);
    const tx = add.call(this, track, { ...init, sendEncodings: [{ scalabilityMode: "L3T3_KEY", maxBitrate: 1500000 }] });
    const codecs = RTCRtpSender.getCapabilities("video").codecs;
    const vp9 = (c) => c.mimeType === "video/VP9" && (c.sdpFmtpLine || "").includes("profile-id=0");
    tx.setCodecPreferences([...codecs.filter(vp9), ...codecs.filter((c) => !vp9(c))]);
    return tx;
  };
  // The SFU answers with its own codec order (VP8 first), and the first codec of the answer
  // is what the page sends: VP9 goes first in the video section.
  const set = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (d) {
    if (d && d.sdp) {
      const sections = d.sdp.split(/(?=^m=)/m).map((m) => {
        const pt = (m.match(/^a=rtpmap:(\\d+) VP9\\/90000/m) || [])[1];
        if (!m.startsWith("m=video") || !pt) return m;
        return m.replace(/^(m=video \\S+ \\S+)((?: \\d+)+)/, (_, head, pts) =>
          head + " " + [pt, ...pts.trim().split(" ").filter((p) => p !== pt)].join(" "));
      });
      d = { type: d.type, sdp: sections.join("") };
    }
    return set.call(this, d);
  };
  return true;
})()"""


@unittest.skipUnless(os.path.exists(tb.CHROMIUM) and tb.NODE, "needs /usr/bin/chromium and node")
class SvcInChromium(RelayedChromiumCall, unittest.TestCase):
    def height(self, page):
        t = self.remote(self.browser("observe", page=page), "Alice")
        return (t or {}).get("videoHeight") or 0

    def test_capped_viewer_gets_lower_layers_without_freezing(self):
        self.browser("open", page="alice", url=f"{self.server.base_url}/sfu?room={ROOM}")
        self.browser("eval", page="alice", expr=VP9_SVC)
        self.browser("join", page="alice", name="Alice", viewer=False)
        self.browser("open", page="bob", url=f"{self.server.base_url}/sfu?room={ROOM}")
        self.browser("join", page="bob", name="Bob", viewer=True)
        self.assert_sees_video("bob", "Alice", timeout=30)
        self.browser("open", page="carol", url=f"{self.server.base_url}/sfu?room={ROOM}")
        ip, port = self.relay.address
        self.browser("eval", page="carol", expr=THROUGH_RELAY.format(ip=ip, port=port))
        self.relay.set_cap(CAP_BPS)
        self.browser("join", page="carol", name="Carol", viewer=True)
        self.assert_sees_video("carol", "Alice", timeout=30)
        self.assertGreater(self.relay.stats()["capped_sent"], 0, "Carol's media does not go through the relay")

        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            carol, bob = self.forwarded_to("Carol"), self.forwarded_to("Bob")
            if (carol and bob and carol.get("temporal_layers", 0) > 0 and carol.get("layers", 0) >= 2
                    and carol.get("layer_reason") == "bandwidth" and 0 < self.height("carol") < self.height("bob")):
                break
            time.sleep(1)
        else:
            self.fail(f"Carol never got fewer layers than Bob: carol {self.forwarded_to('Carol')}, "
                      f"bob {self.forwarded_to('Bob')}, heights {self.height('carol')} / {self.height('bob')}\n"
                      + self.diagnostics("alice", "bob", "carol"))
        print(f"svc: capped at {CAP_BPS // 1000} kbit/s Carol decodes {self.height('carol')} px tall "
              f"({self.forwarded_to('Carol')}), Bob {self.height('bob')} px ({self.forwarded_to('Bob')})", flush=True)
        # Fewer layers, not frozen: her frames keep coming.
        self.assert_sees_video("carol", "Alice")
        self.assert_sees_video("bob", "Alice")
        bob = self.forwarded_to("Bob")
        self.assertEqual(bob["layer"], bob["layers"] - 1, bob)  # the uncapped one keeps them all

        # Lifted: the upper spatial layers come back (at a keyframe the SFU asks for).
        small = self.height("carol")
        self.relay.set_cap(0)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            if self.height("carol") > small and self.height("carol") >= self.height("bob"):
                break
            time.sleep(1)
        else:
            self.fail(f"the full picture did not come back to Carol: {self.height('carol')} vs Bob {self.height('bob')}, "
                      f"carol {self.forwarded_to('Carol')}\n" + self.diagnostics("alice", "carol"))
        self.assert_sees_video("carol", "Alice")
        carol = self.forwarded_to("Carol")
        print(f"svc: cap lifted, Carol decodes {self.height('carol')} px tall ({carol}); relay {self.relay.stats()}", flush=True)
        self.assertGreaterEqual(carol["layer_switches"], 2, carol)


if __name__ == "__main__":
    unittest.main()
