"""Issue 12: one spoofed datagram from a client's address must not end its session. A raw socket
(IP_HDRINCL, inside the test's network namespace only) sends forged DTLS with the exact source
IP:port of a live aiortc client: the ClientHello fragment of the issue, a handshake record of
junk, junk at epoch 1. The call goes on, the counters on /status.json move. Then the same volley
races a second client's handshake, which must still connect."""
import asyncio
import json
import os
import random
import re
import socket
import struct
import unittest

from aiortc import RTCSessionDescription

from harness import ADMIN, Server
from rtc_util import Subscriber, post_sdp, publish, wait_for
from test_ice import request

# The datagram of the issue: a ClientHello fragment claiming 16 MiB, 30 bytes at offset 0xffff00.
ISSUE12 = bytes.fromhex("16fefd0000000000000064002a01ffffff0000ffff0000001e") + bytes(range(0xa0, 0xa0 + 30))


def record(ctype, epoch, seq, body):
    return struct.pack("!BHHHIH", ctype, 0xfefd, epoch, seq >> 32, seq & 0xffffffff, len(body)) + body


def forgeries(rng):
    junk = lambda n: bytes(rng.randrange(256) for _ in range(n))
    return [
        ISSUE12,
        record(22, 0, 0x65, junk(64)),  # a handshake record of junk
        record(22, 0, 0x66, bytes([1, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0, 100]) + junk(100)),  # a ClientHello fragment
        record(21, 0, 0x67, bytes([2, 40])),  # an unauthenticated fatal alert
        record(23, 1, 0x68, junk(80)),  # application data that cannot authenticate
    ]


def spoof(src, dst, payload):
    """Sends one UDP datagram with the source address `src` (both ends in the namespace)."""
    udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0)  # checksum 0: none (IPv4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp) + len(payload), 0, 0x4000, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src[0]), socket.inet_aton(dst[0]))
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as s:
        s.sendto(ip + udp + payload, (dst[0], 0))


def candidates(sdp):
    """(ip, port) of every host candidate in an SDP."""
    return sorted({(m[0], int(m[1])) for m in re.findall(r"a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ host", sdp)})


@unittest.skipUnless(os.geteuid() == 0, "raw sockets need root (in the test's network namespace)")
class DtlsAbuse(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def status(self):
        return json.loads(request(self.server, "GET", "/status.json", headers=ADMIN)[2])

    def dtls_refusals(self):
        c = self.status()["counters"]
        return {k: v for k, v in c.items() if k.startswith("dtls.")}

    def test_forged_dtls_does_not_end_a_call_or_a_handshake(self):
        async def run():
            rng = random.Random(12)
            base = self.server.base_url
            media = (self.server.env["UMBRELLA_PUBLIC_IP"], self.server.media_port)
            pub, location, _ = await publish(base, "abuse")
            self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15), self.server.log_text())
            sub = await Subscriber().start(base, "abuse")
            self.assertTrue(await wait_for(lambda: sub.video_frames >= 20, 30), self.server.log_text())
            # aiortc offers only SRTP_AES128_CM_HMAC_SHA1_80: the SFU keys both with it.
            counters = self.status()["counters"]
            self.assertEqual((counters["srtp.aes_cm_sessions"], counters["srtp.gcm_sessions"]), (2, 0))
            publisher = [c for c in self.status()["clients"] if c["published"]]
            self.assertEqual(len(publisher), 1)
            ip, port = publisher[0]["address"].rsplit(":", 1)
            before = self.dtls_refusals()

            # One of each, from the publisher's exact address.
            for d in forgeries(rng):
                spoof((ip, int(port)), media, d)
            self.assertTrue(await wait_for(lambda: self.dtls_refusals()["dtls.invalid_records"]
                                           >= before["dtls.invalid_records"] + 1, 5),
                            f"{self.dtls_refusals()}\n{self.server.log_text()}")
            frames = sub.video_frames
            self.assertTrue(await wait_for(lambda: sub.video_frames >= frames + 30, 20),
                            f"media stopped: {sub.video_frames} frames\n{self.server.log_text()}")
            after = self.dtls_refusals()
            print(f"DTLS refusals after one volley: { {k: after[k] - before[k] for k in after} }")
            self.assertEqual(after["dtls.invalid_records"] - before["dtls.invalid_records"], 2)
            self.assertEqual(after["dtls.stray_handshake"] - before["dtls.stray_handshake"], 1)
            self.assertEqual(after["dtls.stray_alerts"] - before["dtls.stray_alerts"], 1)
            self.assertEqual(after["dtls.bad_mac"] - before["dtls.bad_mac"], 1)
            self.assertEqual(pub.connectionState, "connected")
            clients = self.status()["clients"]
            self.assertEqual([c["dtls_state"] for c in clients if c["published"]], ["connected"], clients)
            self.assertFalse([l for l in self.server.log if "DTLS failed" in l], self.server.log_text())

            # A second client whose handshake the stranger races: from each of its host
            # candidates, volleys every 10 ms from before the answer until it connects.
            late = Subscriber()
            late.pc.addTransceiver("video", direction="recvonly")
            late.pc.addTransceiver("audio", direction="recvonly")
            await late.pc.setLocalDescription(await late.pc.createOffer())
            while late.pc.iceGatheringState != "complete":
                await asyncio.sleep(0.05)
            # IPv4 only: the forgeries are raw IPv4 datagrams to the server's IPv4 media address
            # (the namespace also gives aiortc an IPv6 address, which it gathers too).
            sources = [c for c in candidates(late.pc.localDescription.sdp) if ":" not in c[0]]
            self.assertTrue(sources, late.pc.localDescription.sdp)
            racing = True
            sent = 0

            async def race():
                nonlocal sent
                while racing:
                    for src in sources:
                        for d in forgeries(rng):
                            spoof(src, media, d)
                            sent += 1
                    await asyncio.sleep(0.01)

            racer = asyncio.ensure_future(race())
            before = self.dtls_refusals()
            loop = asyncio.get_running_loop()
            status, late.location, answer = await loop.run_in_executor(
                None, post_sdp, f"{base}/whep/abuse", late.pc.localDescription.sdp)
            self.assertEqual(status, 201)
            await late.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
            connected = await wait_for(lambda: late.pc.connectionState == "connected", 20)
            racing = False
            await racer
            self.assertTrue(connected, f"{late.pc.connectionState}\n{self.server.log_text()}")
            self.assertTrue(await wait_for(lambda: late.video_frames >= 10, 20),
                            f"late subscriber got {late.video_frames} frames\n{self.server.log_text()}")
            after = self.dtls_refusals()
            moved = sum(after.values()) - sum(before.values())
            print(f"second handshake raced by {sent} forged datagrams; {moved} refused by DTLS")
            self.assertGreater(moved, 0, after)
            self.assertFalse([l for l in self.server.log if "DTLS failed" in l], self.server.log_text())

            await late.close()
            await sub.close()
            self.assertEqual(request(self.server, "DELETE", location)[0], 200)
            await pub.close()

        asyncio.run(run())


if __name__ == "__main__":
    unittest.main()
