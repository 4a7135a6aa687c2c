"""Loss repair: 5% of SRTP packets toward a WHEP subscriber are dropped by a relay in the path;
the subscriber NACKs, the SFU retransmits from its cache and the video keeps decoding."""
import asyncio
import json
import time
import unittest

from aiortc import RTCSessionDescription

from harness import ADMIN, CLIENT_IP, SERVER_IP, Server
from rtc_util import Subscriber, post_sdp, publish, wait_for
from test_ice import request
from udp_relay import UdpRelay, rewrite_candidates, rtx_payload_types

LOSS = 0.05
SEED = 20240611
WINDOW_S = 10


class LossRepair(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def status(self):
        return json.loads(request(self.server, "GET", "/status.json", headers=ADMIN)[2])

    async def subscribe_through(self, relay, room):
        """WHEP with the answer's candidates pointed at the relay (the SFU learns the relay's
        address from its ICE checks: ICE-lite accepts any source that authenticates)."""
        sub = Subscriber()
        pc = sub.pc
        pc.addTransceiver("video", direction="recvonly")
        pc.addTransceiver("audio", direction="recvonly")
        sub.started = time.monotonic()
        await pc.setLocalDescription(await pc.createOffer())
        while pc.iceGatheringState != "complete":
            await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        status, location, answer = await loop.run_in_executor(
            None, post_sdp, f"{self.server.base_url}/whep/{room}", pc.localDescription.sdp)
        self.assertEqual(status, 201)
        relay.rtx_pts = rtx_payload_types(answer)
        ip, port = relay.address
        await pc.setRemoteDescription(RTCSessionDescription(sdp=rewrite_candidates(answer, ip, port), type="answer"))
        sub.location, sub.answer = location, answer
        return sub

    def test_nack_repair_keeps_video_decoding_at_5_percent_loss(self):
        async def run():
            base = self.server.base_url
            pub, _, _ = await publish(base, "loss")
            self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15),
                            f"publisher {pub.connectionState}\n{self.server.log_text()}")
            relay = await UdpRelay((SERVER_IP, self.server.media_port), CLIENT_IP, LOSS, SEED).start()
            sub = await self.subscribe_through(relay, "loss")
            self.assertTrue(await wait_for(lambda: sub.video_frames >= 5, 20),
                            f"no video through the relay: {relay.stats}\n{self.server.log_text()}")
            # Count decoded frames per second over the window: the video must not stall.
            per_second = []
            for _ in range(WINDOW_S):
                before = sub.video_frames
                await asyncio.sleep(1)
                per_second.append(sub.video_frames - before)
            st = self.status()
            me = [c for c in st["clients"] if c["forwarded"] and c["address"].split(":")[0] == relay.address[0]
                  and int(c["address"].split(":")[1]) in [u.transport.get_extra_info("sockname")[1]
                                                           for u in relay.upstreams.values() if u.transport]]
            video = [t for c in me for t in c["forwarded"] if t["kind"] == "video"]
            pub_video = [t for c in st["clients"] for t in c["published"] if t["kind"] == "video"]
            report = (f"frames/s {per_second}, relay {relay.stats}, forwarded video {video}, "
                      f"published video {pub_video}")
            print(f"loss repair: {report}")
            self.assertEqual(len(video), 1, f"{report}\n{json.dumps(st, indent=1)}")
            self.assertGreater(relay.stats["dropped"], 0, report)
            dropped_ratio = relay.stats["dropped"] / max(1, relay.stats["srtp_to_client"])
            self.assertTrue(0.02 < dropped_ratio < 0.10, report)
            # NACKs reached the SFU (counted per subscription) ...
            self.assertGreater(video[0]["nacks"], 0, report)
            # ... and it answered them: /status.json does not expose the subscription's
            # "retransmitted" counter, so count the repairs on the wire (RTX payload type, or the
            # same SSRC and sequence number as a dropped packet).
            repairs = relay.stats["rtx_to_client"] + relay.stats["resent_to_client"]
            self.assertGreater(repairs, 0, report)
            # The subscriber kept decoding: frames in every second and a sane total.
            self.assertGreaterEqual(min(per_second), 1, report)
            self.assertGreaterEqual(sum(per_second), 5 * WINDOW_S, report)
            await sub.close()
            await pub.close()
            relay.close()

        asyncio.run(run())


if __name__ == "__main__":
    unittest.main()
