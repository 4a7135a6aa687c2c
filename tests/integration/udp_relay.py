"""A lossy, shaping UDP relay for tests (tc netem is not available): sits between a WebRTC
client and the SFU, forwards every datagram both ways, drops a seeded fraction of SRTP packets
toward the client, and can cap the client's downlink (a bottleneck with a drop-tail queue). RTP headers stay in clear under SRTP, so the relay can also count what it sees
(drops per SSRC/sequence number, RTX payload types)."""
import asyncio
import random
import re
import threading


def is_srtp(data):
    """RTP version 2 and not RTCP (RFC 5761: RTCP packet types 192..223 in the second byte)."""
    return len(data) >= 12 and 128 <= data[0] <= 191 and not 192 <= data[1] <= 223


def rewrite_candidates(sdp, ip, port):
    """Points every a=candidate line (and the c= lines) of an SDP at ip:port."""
    out = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            f = line.split(" ")
            f[4], f[5] = ip, str(port)
            line = " ".join(f)
        elif line.startswith("c=IN IP4 "):
            line = f"c=IN IP4 {ip}"
        out.append(line)
    return "\r\n".join(out) + "\r\n"


def rtx_payload_types(sdp):
    return {int(pt) for pt in re.findall(r"^a=rtpmap:(\d+) rtx/", sdp, re.M)}


class _Upstream(asyncio.DatagramProtocol):
    """One socket toward the server per client address, so the server sees distinct peers."""

    def __init__(self, relay, client_addr):
        self.relay, self.client_addr = relay, client_addr
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.relay._to_client(data, self.client_addr)


class UdpRelay(asyncio.DatagramProtocol):
    def __init__(self, server_addr, bind_ip, loss=0.05, seed=1, loss_to_server=0.0):
        self.server_addr = server_addr
        self.bind_ip = bind_ip
        self.loss = loss
        self.loss_to_server = loss_to_server  # of SRTP from a publisher (test_record.py)
        self.rng = random.Random(seed)
        self.transport = None
        self.upstreams = {}
        self.pending = {}
        self.rtx_pts = set()
        self.stats = {"to_server": 0, "to_client": 0, "srtp_to_client": 0, "dropped": 0, "rtx_to_client": 0,
                      "resent_to_client": 0, "srtp_to_server": 0, "dropped_to_server": 0}
        self.dropped = set()  # (ssrc, seq) dropped toward the client
        # Downlink cap (0: none): datagrams toward the client leave at cap_bps, and one that
        # would wait longer than max_queue_s is dropped, as at a full router queue.
        self.cap_bps = 0
        self.max_queue_s = 0.25
        self.link_free = 0.0
        self.stats.update({"capped_dropped": 0, "capped_sent": 0})

    async def start(self):
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(self.bind_ip, 0))
        return self

    @property
    def address(self):
        return self.transport.get_extra_info("sockname")[:2]

    def datagram_received(self, data, addr):
        up = self.upstreams.get(addr)
        if up is None:
            up = _Upstream(self, addr)
            self.upstreams[addr] = up
            self.pending[addr] = [data]
            asyncio.ensure_future(self._open(up, addr))
            return
        if up.transport is None:
            self.pending[addr].append(data)
            return
        if is_srtp(data):
            self.stats["srtp_to_server"] += 1
            if self.loss_to_server and self.rng.random() < self.loss_to_server:
                self.stats["dropped_to_server"] += 1
                return
        self.stats["to_server"] += 1
        up.transport.sendto(data, self.server_addr)

    async def _open(self, up, addr):
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: up, local_addr=(self.bind_ip, 0))
        for data in self.pending.pop(addr):
            self.stats["to_server"] += 1
            up.transport.sendto(data, self.server_addr)

    def _to_client(self, data, client_addr):
        if is_srtp(data):
            self.stats["srtp_to_client"] += 1
            key = (int.from_bytes(data[8:12], "big"), int.from_bytes(data[2:4], "big"))
            if data[1] & 0x7F in self.rtx_pts:
                self.stats["rtx_to_client"] += 1
            elif key in self.dropped:
                self.stats["resent_to_client"] += 1  # plain retransmission of a dropped packet
            if self.rng.random() < self.loss:
                self.stats["dropped"] += 1
                self.dropped.add(key)
                return
        self.stats["to_client"] += 1
        if not self.cap_bps:
            self.transport.sendto(data, client_addr)
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self.link_free)
        if start - now > self.max_queue_s:
            self.stats["capped_dropped"] += 1
            return
        self.link_free = start + len(data) * 8 / self.cap_bps
        self.stats["capped_sent"] += 1
        loop.call_at(self.link_free, self.transport.sendto, data, client_addr)

    def close(self):
        for up in self.upstreams.values():
            if up.transport:
                up.transport.close()
        if self.transport:
            self.transport.close()


class RelayThread:
    """A UdpRelay on an event loop of its own, for tests that are not asyncio (the browser
    tests): set_cap() from the test's thread."""

    def __init__(self, server_addr, bind_ip, **relay_args):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.relay = asyncio.run_coroutine_threadsafe(UdpRelay(server_addr, bind_ip, **relay_args).start(), self.loop).result(10)

    @property
    def address(self):
        return self.relay.address

    def set_cap(self, bps):
        self.loop.call_soon_threadsafe(setattr, self.relay, "cap_bps", bps)

    def stats(self):
        return asyncio.run_coroutine_threadsafe(asyncio.sleep(0, dict(self.relay.stats)), self.loop).result(5)

    def close(self):
        self.loop.call_soon_threadsafe(self.relay.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
