"""Room data channel messages across trunks (issue 16): an aiortc participant on SFU A is heard
by one on SFU B (and a WHEP viewer there) labelled with its participant id, and back; in a ring
of three SFUs each message reaches each participant exactly once."""
import asyncio
import json
import os
import unittest

from rtc_util import DataPeer, wait_for
from test_trunk import SECRET, Sites, fingerprint, status, wait_until


def whip_id(server, room):
    return [c["participant_id"] for c in status(server)["clients"]
            if c["room"] == room and c["display_name"].startswith("WHIP")][0]


async def warm_up(peers, timeout=30):
    """Until every peer has heard every other once: the trunks' data channels open after
    their transports connect, and what is sent before that crosses no trunk."""
    async def run():
        n = 0
        while not all(len({l for l, m in p.received if m.startswith("warm")}) == len(peers) - 1 for p in peers):
            for p in peers:
                p.room.send(f"warm {n}")
            n += 1
            await asyncio.sleep(0.5)
    await asyncio.wait_for(run(), timeout)


def real(messages):
    """What a test sent, without the warm-up."""
    return [m for m in messages if not str(m).startswith("warm")]


def counters(servers):
    return [{k: v for k, v in status(s)["counters"].items() if k.startswith("data.")} for s in servers]


class TrunkData(Sites, unittest.TestCase):

    def test_a_message_crosses_the_trunk_both_ways_with_its_sender(self):
        b = self.start("site-b", UMBRELLA_TRUNK_SECRET=SECRET)
        pin = fingerprint(os.path.join(b.workdir, "service.crt"))
        a = self.start("site-a", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_TRUNK_PIN=pin,
                       UMBRELLA_TRUNK_URL=f"wss://127.0.0.1:{b.http_port}/wsb")
        wait_until(lambda: any(t["state"] == "connected" for t in status(a)["trunks"]), 20,
                   "the trunk to connect\n" + a.log_text())

        async def run():
            on_a = await DataPeer().start(a.base_url, "chat")
            on_b = await DataPeer().start(b.base_url, "chat")
            viewer_b = await DataPeer(viewer=True).start(b.base_url, "chat")
            peers = (on_a, on_b, viewer_b)
            ok = await wait_for(lambda: all(p.room.readyState == "open" for p in peers), 20)
            self.assertTrue(ok, a.log_text())
            try:
                await warm_up(peers)
            except asyncio.TimeoutError:
                self.fail(f"{[p.received for p in peers]}\n{counters((a, b))}\nA:\n{a.log_text()}\nB:\n{b.log_text()}")
            id_a, id_b = whip_id(a, "chat"), whip_id(b, "chat")
            on_a.room.send("over the trunk")
            on_a.room.send(b"\x00binary")
            on_b.room.send("and back")
            ok = await wait_for(lambda: len(real(on_b.from_sender(id_a))) >= 2 and
                                len(real(viewer_b.from_sender(id_a))) >= 2 and
                                real(on_a.from_sender(id_b)), 10)
            self.assertTrue(ok, f"{[p.received for p in peers]}\n{counters((a, b))}")
            for p in (on_b, viewer_b):
                self.assertEqual(real(p.from_sender(id_a)), ["over the trunk", b"\x00binary"])
                self.assertEqual(p.relayed[id_a].protocol, "umbrella-relay")
            self.assertEqual(real(on_a.from_sender(id_b)), ["and back"])
            ca, cb = counters((a, b))
            self.assertGreater(ca["data.trunk_sent"], 0)
            self.assertGreater(cb["data.trunk_received"], 0)
            self.assertEqual(ca["data.trunk_refused"] + cb["data.trunk_refused"], 0)
            # The sender leaves: its channel on the far SFU closes with its departure.
            await on_a.pc.close()
            ok = await wait_for(lambda: on_b.relayed[id_a].readyState == "closed", 30)
            self.assertTrue(ok, b.log_text())
            for p in (on_b, viewer_b):
                await p.pc.close()

        asyncio.run(run())

    def test_ring_of_three_delivers_each_message_exactly_once(self):
        sites = ["ring-a", "ring-b", "ring-c"]
        servers = [self.start(s, UMBRELLA_TRUNK_SECRET=SECRET) for s in sites]
        ring = []
        for i, s in enumerate(servers):  # as test_trunk's ring: each dials the next
            nxt = servers[(i + 1) % 3]
            pin = fingerprint(os.path.join(nxt.workdir, "service.crt"))
            s.env.update({"UMBRELLA_TRUNK_PIN": pin, "UMBRELLA_TRUNK_URL": f"wss://127.0.0.1:{nxt.http_port}/wsb"})
            self.servers.remove(s)
            r = s.restart()
            self.servers.append(r)
            ring.append(r)
        wait_until(lambda: all(sum(c["participant_id"].startswith("trunk-") for c in status(s)["clients"]) == 2
                               for s in ring), 30, "every SFU to have its two trunks")

        async def run():
            peers = [await DataPeer().start(s.base_url, "default") for s in ring]
            ok = await wait_for(lambda: all(p.room.readyState == "open" for p in peers), 20)
            self.assertTrue(ok)
            try:
                await warm_up(peers)
            except asyncio.TimeoutError:
                self.fail(f"{[p.received for p in peers]}\n{json.dumps(counters(ring))}")
            for i, p in enumerate(peers):
                for k in range(5):
                    p.room.send(f"m{i}.{k}")

            def sent(p):
                return [(l, m) for l, m in p.received if real([m])]
            ok = await wait_for(lambda: all(len(sent(p)) >= 10 for p in peers), 15)
            self.assertTrue(ok, f"{[sent(p) for p in peers]}\n{json.dumps(counters(ring))}")
            await asyncio.sleep(2)  # a copy that went around the ring would have arrived by now
            for i, p in enumerate(peers):
                got = sent(p)
                expected = sorted(f"m{j}.{k}" for j in range(3) if j != i for k in range(5))
                self.assertEqual(sorted(m for _, m in got), expected, got)
                # One label per sender, in order per sender (ordered channels).
                by_label = {}
                for l, m in got:
                    by_label.setdefault(l, []).append(m)
                self.assertEqual(len(by_label), 2, by_label)
                for msgs in by_label.values():
                    self.assertEqual(msgs, sorted(msgs), msgs)
            c = counters(ring)
            # The ring's second copies were dropped by message id, not delivered.
            self.assertGreater(sum(x["data.trunk_duplicates"] for x in c), 0, c)
            self.assertEqual(sum(x["data.trunk_refused"] for x in c), 0, c)
            for p in peers:
                await p.pc.close()

        asyncio.run(run())


if __name__ == "__main__":
    unittest.main()
