"""VP9 and AV1 SVC through the call page in headless Chromium. Alice's page is made to send her
camera as one VP9 (or AV1) stream with three spatial and three temporal layers (scalabilityMode
L3T3_KEY, that codec preferred) instead of simulcast. Bob watches directly; Carol watches through a relay that
caps her downlink at 300 kbit/s (tests/integration/udp_relay.py). The SFU drops the layers
Carol's link cannot carry: she decodes a smaller picture than Bob and keeps decoding, and
status shows her spatial and temporal layers. Lifting the cap brings the full picture back."""
import os
import time
import unittest

import test_browser as tb
from harness import Server
from test_trunk import SECRET, fingerprint
import test_simulcast
from test_simulcast import THROUGH_RELAY, RelayedChromiumCall

ROOM = "svc"
CAP_BPS = 300_000

# The page's camera transceiver: one encoding with a scalability mode instead of its three
# simulcast ones, with the codec (CODEC, its fmtp line containing FMTP) first in the codec
# preferences (run before the page joins). The transceiver is kept as window.__svcTx so the
# test can read what the encoder really does.
SVC_HOOK = """(() => {
  const add = RTCPeerConnection.prototype.addTransceiver;
  RTCPeerConnection.prototype.addTransceiver = function (track, init) {
    const video = (typeof track === "string" ? track : track.kind) === "video";
    if (!video || !init || !init.sendEncodings || init.sendEncodings.length < 2) return add.call(this, track, init);
    const tx = add.call(this, track, { ...init, sendEncodings: [{ scalabilityMode: "MODE", maxBitrate: 1500000 }] });
    const codecs = RTCRtpSender.getCapabilities("video").codecs;
    const want = (c) => c.mimeType === "video/CODEC" && (c.sdpFmtpLine || "").includes("FMTP");
    tx.setCodecPreferences([...codecs.filter(want), ...codecs.filter((c) => !want(c))]);
    window.__svcTx = tx;
    return tx;
  };
  // The SFU answers with its own codec order (VP8 first), and the first codec of the answer
  // is what the page sends: CODEC goes first in the video section.
  const set = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (d) {
    if (d && d.sdp) {
      const sections = d.sdp.split(/(?=^m=)/m).map((m) => {
        const pt = (m.match(/^a=rtpmap:(\\d+) CODEC\\/90000/m) || [])[1];
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


def svc_hook(codec, mode, fmtp=""):
    return SVC_HOOK.replace("CODEC", codec).replace("MODE", mode).replace("FMTP", fmtp)


# What the page's encoder sends: codec and scalability mode, from the sender's getStats.
SENT_MODE = """(async () => {
  const tx = window.__svcTx;
  if (!tx) return null;
  const stats = await tx.sender.getStats();
  for (const r of stats.values())
    if (r.type === "outbound-rtp" && r.kind === "video")
      return { mimeType: stats.get(r.codecId)?.mimeType ?? null, scalabilityMode: r.scalabilityMode ?? null,
               frameHeight: r.frameHeight ?? 0, encoder: r.encoderImplementation ?? null };
  return null;
})()"""


@unittest.skipUnless(os.path.exists(tb.CHROMIUM) and tb.NODE, "needs /usr/bin/chromium and node")
class SvcInChromium(RelayedChromiumCall, unittest.TestCase):
    CODEC, MODE, FMTP = "VP9", "L3T3_KEY", "profile-id=0"

    def height(self, page):
        t = self.remote(self.browser("observe", page=page), "Alice")
        return (t or {}).get("videoHeight") or 0

    @property
    def publisher(self):  # the SFU Alice publishes on (SvcAcrossTrunk: the far one)
        return self.server

    def test_capped_viewer_gets_lower_layers_without_freezing(self):
        self.browser("open", page="alice", url=f"{self.publisher.base_url}/sfu?room={ROOM}")
        self.browser("eval", page="alice", expr=svc_hook(self.CODEC, self.MODE, self.FMTP))
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
        sent = self.browser("eval", page="alice", expr=SENT_MODE)
        print(f"svc: Alice sends {sent}", flush=True)
        self.assertEqual((sent or {}).get("mimeType"), f"video/{self.CODEC}", sent)

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
        counters = self.status()["counters"]
        svc = {k: counters.get(k, 0) for k in ("media.svc_dropped", "media.malformed_payload", "media.layer_switches")}
        print(f"svc: {self.CODEC} counters {svc}", flush=True)
        self.assertGreater(svc["media.svc_dropped"], 0, svc)  # layers were dropped, by the descriptor


class Av1SvcInChromium(SvcInChromium):
    """The same with AV1 (libaom in Chromium), whose layers only the Dependency Descriptor
    header extension names: the SFU negotiates it, selects layers by it and forwards it."""
    CODEC, MODE, FMTP = "AV1", "L3T3_KEY", ""


class SvcAcrossTrunk(SvcInChromium):
    """The same with Alice on SFU A and Bob and Carol on SFU B, which A trunks to: the whole
    SVC stream crosses the trunk (the trunk is never given fewer layers), and B drops layers for
    Carol by its own estimate of her link."""
    SERVER_ENV = {"UMBRELLA_SITE_ID": "site-b", "UMBRELLA_TRUNK_SECRET": SECRET}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()  # B: cls.server, with the relay in front of its media port
        cls.b = cls.server
        pin = fingerprint(os.path.join(cls.b.workdir, "service.crt"))
        cls.a = Server(env={"UMBRELLA_SITE_ID": "site-a", "UMBRELLA_TRUNK_SECRET": SECRET, "UMBRELLA_TRUNK_PIN": pin,
                            "UMBRELLA_TRUNK_URL": f"wss://127.0.0.1:{cls.b.http_port}/wsb"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()
        super().tearDownClass()

    @property
    def publisher(self):
        return self.a

    def diagnostics(self, *pages):
        return super().diagnostics(*pages) + "\n--- SFU A (Alice's) log:\n" + self.a.log_text()


class Av1SvcAcrossTrunk(SvcAcrossTrunk):
    """AV1 across the trunk: the Dependency Descriptor is negotiated on the trunk's transport
    and crosses with the packets, and B selects Carol's layers by it."""
    CODEC, MODE, FMTP = "AV1", "L3T3_KEY", ""


class SvcPauseInChromium(test_simulcast.BandwidthPauseInChromium):
    """A viewer whose link cannot carry even the lowest spatial and temporal layer of a VP9
    SVC stream is paused like a simulcast one (test_simulcast.BandwidthPauseInChromium)."""
    PUBLISH_HOOK = svc_hook("VP9", "L3T3_KEY", "profile-id=0")


if __name__ == "__main__":
    unittest.main()
