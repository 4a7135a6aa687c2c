"""IPv6 in the test namespace (tests/integration/netns), on its IPv6-only veth pair
(fd00:198:18::1 and ::2, no IPv4 on it). Servers announcing only their IPv6 address
(UMBRELLA_PUBLIC_IP) and reached by it: HTTPS on an IPv6 address; an aiortc publisher and
viewer with media both ways over IPv6 (the answer's candidates and c= lines IPv6, every
client's address on /status too); two SFUs trunked by an IPv6 literal
(wss://[fd00:198:18::1]:PORT/wsb) and by names with AAAA records (from a DNS server on
IPv6); two Chromium pages decoding each other over IPv6. And both families at once: one
dual-stack media port carrying a call from an IPv4 publisher to an IPv6 viewer and back, and
the interface addresses announced by default."""
import asyncio
import json
import os
import socket
import ssl
import unittest
import urllib.request

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

import test_browser as tb
from harness import ADMIN, CLIENT_IP, CLIENT_IP6, SERVER_IP, SERVER_IP6, Server
from name_servers import DnsServer
from rtc_util import PatternVideoTrack, Subscriber, post_sdp, publish, wait_for
from test_resolve import MountNamespaceServer, in_namespace_reason
from test_trunk import SECRET, fingerprint, published_tracks, status, wait_until

needs_ipv6 = unittest.skipUnless(SERVER_IP6, "needs the IPv6 veth pair of tests/integration/netns")


def v6_server(**env):
    """A server announcing only the IPv6 test address, reached by it."""
    return Server(env=dict({"UMBRELLA_PUBLIC_IP": SERVER_IP6}, **env), host=SERVER_IP6)


def v6_only_http(server):
    """HTTPS on the IPv6 test address alone (nothing on IPv4)."""
    server.env["UMBRELLA_HTTP_SERVE_ADDR"] = f"[{SERVER_IP6}]:{server.http_port}"
    return server


def get(url):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(urllib.request.Request(url, headers=ADMIN), context=ctx, timeout=10) as r:
        return r.status, r.read()


def is_ipv6_address(text):
    """An "[ip]:port" of the IPv6 test pair."""
    return text.startswith("[fd00:198:18::") and "]:" in text


async def negotiate_over(pc, url, address):
    """rtc_util.negotiate, keeping only the server's candidate on `address` in its answer: the
    client checks (and so sends media to) that one address of the server's."""
    await pc.setLocalDescription(await pc.createOffer())
    while pc.iceGatheringState != "complete":
        await asyncio.sleep(0.05)
    status_code, _, answer = await asyncio.get_running_loop().run_in_executor(None, post_sdp, url,
                                                                             pc.localDescription.sdp)
    assert status_code == 201, status_code
    kept = [l for l in answer.split("\r\n") if not l.startswith("a=candidate:") or f" {address} " in l]
    await pc.setRemoteDescription(RTCSessionDescription(sdp="\r\n".join(kept), type="answer"))
    return answer


@needs_ipv6
class Ipv6(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def start(self, server):
        self.servers.append(server.start())
        return server

    def test_https_on_an_ipv6_address(self):
        # Given one IPv6 address: HTTPS there and nowhere else.
        only = self.start(v6_only_http(v6_server()))
        self.assertIn(f"https://[{SERVER_IP6}]:{only.http_port}/sfu", only.log_text())
        code, body = get(f"https://[{SERVER_IP6}]:{only.http_port}/status.json")
        self.assertEqual(code, 200)
        self.assertEqual(json.loads(body)["participants"], 0)
        with self.assertRaises(OSError):
            socket.create_connection((SERVER_IP, only.http_port), timeout=5).close()
        # The default (":PORT") and "[::]:PORT" listen on both families.
        for addr in ("", "::"):
            both = Server()
            both.env["UMBRELLA_HTTP_SERVE_ADDR"] = f"[{addr}]:{both.http_port}" if addr else f":{both.http_port}"
            self.start(both)
            for host in (f"[{SERVER_IP6}]", SERVER_IP, "127.0.0.1", "[::1]"):
                self.assertEqual(get(f"https://{host}:{both.http_port}/healthz")[0], 200, host)

    def test_aiortc_call_over_ipv6_only(self):
        server = self.start(v6_server())

        async def run():
            base = server.base_url
            pub, location, answer = await publish(base, "v6")
            # The server's side of the SDP names only its IPv6 address.
            self.assertIn(f"c=IN IP6 {SERVER_IP6}\r\n", answer)
            cands = [l for l in answer.splitlines() if l.startswith("a=candidate:")]
            self.assertTrue(cands and all(f" {SERVER_IP6} {server.media_port} typ host" in c for c in cands), cands)
            self.assertNotIn("c=IN IP4", answer)
            # aioice gathers IPv6 host candidates by default (use_ipv6=True): the offer has one.
            self.assertIn(f" {CLIENT_IP6} ", pub.localDescription.sdp)
            self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15),
                            f"publisher {pub.connectionState}\n{server.log_text()}")
            sub = await Subscriber().start(base, "v6")
            ok = await wait_for(lambda: sub.video_frames >= 30 and sub.audio_frames >= 50, 30)
            st = status(server)
            self.assertTrue(ok, f"frames {sub.video_frames}/{sub.audio_frames}\n{json.dumps(st, indent=1)}\n"
                                f"{server.log_text()}")
            self.assertEqual(sub.sizes, {(640, 360)})
            # Both clients talk to the media port over IPv6, and the server receives (the
            # publisher's RTP, the viewer's RTCP) and sends (the viewer's media) on it.
            addrs = [c["address"] for c in st["clients"]]
            self.assertEqual(len(addrs), 2, st["clients"])
            self.assertTrue(all(is_ipv6_address(a) for a in addrs), addrs)
            pub_track = [t for c in st["clients"] for t in c["published"] if t["kind"] == "video"]
            fwd = [t for c in st["clients"] for t in c["forwarded"] if t["kind"] == "video"]
            self.assertTrue(pub_track and pub_track[0]["packets"] > 0, pub_track)
            self.assertTrue(fwd and fwd[0]["packets"] > 0, fwd)
            await sub.close()
            await pub.close()

        asyncio.run(run())

    def test_one_media_port_for_both_families(self):
        """Both addresses announced: one dual-stack socket. A publisher that reaches it over
        IPv4 is watched by a viewer that reaches it over IPv6, and the other way round."""
        server = self.start(Server(env={"UMBRELLA_PUBLIC_IP": f"{SERVER_IP},{SERVER_IP6}"}))
        self.assertTrue(server.wait_log(f"announcing {SERVER_IP}, {SERVER_IP6}"), server.log_text())

        async def run(room, pub_address, sub_address):
            pub = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            pub.addTrack(PatternVideoTrack())
            answer = await negotiate_over(pub, f"{server.base_url}/whip/{room}", pub_address)
            self.assertIn(f" {SERVER_IP} {server.media_port} typ host", answer)
            self.assertIn(f" {SERVER_IP6} {server.media_port} typ host", answer)
            sub = Subscriber()
            sub.pc.addTransceiver("video", direction="recvonly")
            await negotiate_over(sub.pc, f"{server.base_url}/whep/{room}", sub_address)
            ok = await wait_for(lambda: sub.video_frames >= 20, 30)
            clients = status(server)["clients"]
            self.assertTrue(ok, f"frames {sub.video_frames}\n{json.dumps(clients, indent=1)}\n{server.log_text()}")
            by_role = {("pub" if c["published"] else "sub"): c["address"] for c in clients if c["room"] == room}
            self.assertEqual(is_ipv6_address(by_role["pub"]), ":" in pub_address, by_role)
            self.assertEqual(is_ipv6_address(by_role["sub"]), ":" in sub_address, by_role)
            await sub.close()
            await pub.close()

        asyncio.run(run("four-to-six", SERVER_IP, SERVER_IP6))
        asyncio.run(run("six-to-four", SERVER_IP6, SERVER_IP))

    def test_interface_addresses_include_ipv6(self):
        """Without UMBRELLA_PUBLIC_IP: every interface address but loopback and link-local
        (each veth end has an fe80:: one), IPv4 first."""
        server = self.start(Server(env={"UMBRELLA_PUBLIC_IP": None}))

        async def run():
            pub, _, answer = await publish(server.base_url, "ifaces", audio=False)
            connected = await wait_for(lambda: pub.connectionState == "connected", 15)
            await pub.close()
            self.assertTrue(connected, server.log_text())
            return answer

        answer = asyncio.run(run())
        cands = [l.split()[4] for l in answer.split("\r\n") if l.startswith("a=candidate:")]
        self.assertEqual(sorted(set(cands)), sorted([SERVER_IP, CLIENT_IP, SERVER_IP6, CLIENT_IP6]), answer)
        self.assertTrue(cands.index(SERVER_IP) < cands.index(SERVER_IP6), cands)
        self.assertNotIn("fe80", answer)
        self.assertNotIn(" ::1 ", answer)
        self.assertNotIn(" 127.0.0.1 ", answer)

    def test_trunk_dialled_by_an_ipv6_literal(self):
        b = self.start(v6_server(UMBRELLA_SITE_ID="site-b", UMBRELLA_TRUNK_SECRET=SECRET))
        url = f"wss://[{SERVER_IP6}]:{b.http_port}/wsb"
        a = self.start(v6_server(UMBRELLA_SITE_ID="site-a", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_URL=url,
                                 UMBRELLA_TRUNK_PIN=fingerprint(os.path.join(b.workdir, "service.crt"))))
        wait_until(lambda: any(t["state"] == "connected" for t in status(a)["trunks"]), 20,
                   "the trunk to connect\n" + a.log_text())
        self.assertTrue(a.wait_log(f"connected to [{SERVER_IP6}]:{b.http_port}"), a.log_text())

        async def run():
            pub, _, _ = await publish(a.base_url, "default")
            self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15), a.log_text())
            await asyncio.get_running_loop().run_in_executor(None, wait_until,
                lambda: len(published_tracks(b)) >= 2, 20, "tracks to cross the trunk\n" + b.log_text())
            sub = await Subscriber().start(b.base_url, "default")
            ok = await wait_for(lambda: sub.video_frames >= 20, 30)
            self.assertTrue(ok, f"frames {sub.video_frames}\nA log:\n{a.log_text()}\nB log:\n{b.log_text()}")
            # The trunk's own media transport is IPv6 too.
            trunk_clients = [c for c in status(b)["clients"] if c["participant_id"].startswith("trunk-")]
            self.assertEqual(len(trunk_clients), 1)
            self.assertTrue(is_ipv6_address(trunk_clients[0]["address"]), trunk_clients)
            await sub.close()
            await pub.close()

        asyncio.run(run())

    @unittest.skipIf(in_namespace_reason(), in_namespace_reason() or "")
    def test_trunk_dials_names_by_their_aaaa_records(self):
        """A name with only an AAAA record, and one whose A record leads nowhere (the far SFU
        listens on IPv6 only): the trunk tries the name's next address and stays with it."""
        b = self.start(v6_only_http(v6_server(UMBRELLA_SITE_ID="site-b", UMBRELLA_TRUNK_SECRET=SECRET)))
        pin = fingerprint(os.path.join(b.workdir, "service.crt"))
        dns = DnsServer(CLIENT_IP6, {"v6only.umbrella.test": SERVER_IP6,
                                     "both.umbrella.test": [SERVER_IP, SERVER_IP6]})
        try:
            for name in ("v6only.umbrella.test", "both.umbrella.test"):
                a = MountNamespaceServer({"etc/resolv.conf": f"nameserver {CLIENT_IP6}\n"}, host=SERVER_IP6, env={
                    "UMBRELLA_PUBLIC_IP": SERVER_IP6, "UMBRELLA_SITE_ID": "site-a", "UMBRELLA_TRUNK_SECRET": SECRET,
                    "UMBRELLA_TRUNK_URL": f"wss://{name}:{b.http_port}/wsb", "UMBRELLA_TRUNK_PIN": pin})
                self.start(a)
                wait_until(lambda: any(t["state"] == "connected" for t in status(a)["trunks"]), 20,
                           f"the trunk to {name} to connect\n" + a.log_text())
                self.assertTrue(a.wait_log(f"connected to [{SERVER_IP6}]:{b.http_port}"), a.log_text())
                if name.startswith("both"):
                    self.assertTrue(a.wait_log(f"connect {SERVER_IP}:{b.http_port} refused"), a.log_text())
                a.stop()
            self.assertIn(("v6only.umbrella.test", 28), dns.queries)
        finally:
            dns.close()


@needs_ipv6
@unittest.skipUnless(os.path.exists(tb.CHROMIUM) and tb.NODE, "needs /usr/bin/chromium and node")
class Ipv6Browser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not tb.ensure_node_modules():
            raise unittest.SkipTest("tests/browser/node_modules missing: run tools/setup --test")
        os.makedirs(tb.ARTIFACTS, exist_ok=True)
        cls.server = v6_server().start()
        cls.browser = tb.Driver()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.server.stop()
        tb.BrowserCall.save_log(cls.server, "ipv6-server.log")

    wait_until = tb.BrowserCall.wait_until
    remote = staticmethod(tb.BrowserCall.remote)
    names = tb.BrowserCall.names
    diagnostics = tb.BrowserCall.diagnostics
    assert_sees_video = tb.BrowserCall.assert_sees_video

    def test_chromium_call_over_ipv6_only(self):
        for page, name in (("alice", "Alice"), ("bob", "Bob")):
            self.browser("open", page=page, url=f"{self.server.base_url}/sfu?room=v6")
            self.browser("join", page=page, name=name)
        self.assert_sees_video("alice", "Bob", "ipv6_alice_sees_bob.png")
        self.assert_sees_video("bob", "Alice", "ipv6_bob_sees_alice.png")
        addrs = [c["address"] for c in status(self.server)["clients"]]
        self.assertEqual(len(addrs), 2, addrs)
        self.assertTrue(all(is_ipv6_address(a) for a in addrs), addrs)


if __name__ == "__main__":
    unittest.main()
