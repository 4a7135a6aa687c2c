"""Data channels through the SFU's room relay (issue 16) between independent aiortc peers
(Debian's python3-aiortc) joined by WHIP (and WHEP): each opens a channel labelled "room"; what one
sends there reaches every other participant of the room, on a channel the SFU opens
labelled with the sender's participant id, with the sender's ordering, and the payload as
sent (strings stay strings, binary stays binary, empty and large messages too)."""
import asyncio
import json
import unittest

from harness import ADMIN, Server
from rtc_util import DataPeer as Peer, wait_for
from test_ice import request


class DataChannels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def status(self):
        return json.loads(request(self.server, "GET", "/status.json", headers=ADMIN)[2])

    def test_one_sends_two_receive_both_directions_ordered_and_unordered(self):
        async def run():
            base = self.server.base_url
            before = self.status()["counters"]
            a, b, c = [await Peer().start(base, "chat") for _ in range(3)]
            peers = (a, b, c)
            ok = await wait_for(lambda: all(p.room.readyState == "open" for p in peers), 20)
            self.assertTrue(ok, f"{[p.room.readyState for p in peers]}\n{self.server.log_text()}")

            # A speaks: B and C hear it on one channel, labelled with A's id; A hears nothing.
            big = "x" * 60000
            for message in ("hello from a", b"\x00\x01\x02", "", b"", big):
                a.room.send(message)
            ok = await wait_for(lambda: len(b.received) == 5 and len(c.received) == 5, 20)
            self.assertTrue(ok, f"b {len(b.received)} c {len(c.received)}\n{json.dumps(self.status()['counters'])}\n{self.server.log_text()}")
            label_a = b.received[0][0]
            self.assertEqual(c.received[0][0], label_a)
            self.assertEqual(b.relayed[label_a].protocol, "umbrella-relay")
            self.assertTrue(b.relayed[label_a].ordered)
            for p in (b, c):
                got = p.from_sender(label_a)
                self.assertEqual(got[:4], ["hello from a", b"\x00\x01\x02", "", b""])
                self.assertIsInstance(got[2], str)   # an empty string stays a string
                self.assertIsInstance(got[3], bytes)
                self.assertEqual(got[4], big)
            self.assertEqual(a.received, [])

            # The other way: B speaks, A and C hear it labelled with B's id.
            b.room.send("hi from b")
            ok = await wait_for(lambda: a.received and len(c.received) == 6, 10)
            self.assertTrue(ok, self.server.log_text())
            label_b = a.received[0][0]
            self.assertNotEqual(label_b, label_a)
            self.assertEqual(a.received, [(label_b, "hi from b")])
            self.assertEqual(c.received[-1], (label_b, "hi from b"))

            # A direct reply on the channel labelled with B's id goes to B alone.
            a.relayed[label_b].send("only for b")
            ok = await wait_for(lambda: len(b.received) == 6, 10)
            self.assertTrue(ok, self.server.log_text())
            self.assertEqual(b.received[-1], (label_a, "only for b"))

            # An unordered, no-retransmission sender: its relayed channel is unordered too.
            d = await Peer(ordered=False, max_retransmits=0).start(base, "chat")
            self.assertTrue(await wait_for(lambda: d.room.readyState == "open", 20))
            for i in range(20):
                d.room.send(f"u{i}")
            ok = await wait_for(lambda: all(len(p.received) >= 6 + 20 for p in (b, c)) and len(a.received) >= 21, 10)
            self.assertTrue(ok, f"{[len(p.received) for p in (a, b, c)]}\n{self.server.log_text()}")
            for p in (a, b, c):
                channel = [ch for l, ch in p.relayed.items() if l not in (label_a, label_b)]
                self.assertEqual(len(channel), 1, p.relayed.keys())
                self.assertFalse(channel[0].ordered)
                self.assertEqual(sorted(m for l, m in p.received if l == channel[0].label),
                                 sorted(f"u{i}" for i in range(20)))

            now = self.status()["counters"]
            counters = {k: now[k] - before.get(k, 0) for k in now if k.startswith("data.")}
            self.assertEqual(counters["data.associations"], 4)
            self.assertEqual(counters["data.messages_received"], 5 + 1 + 1 + 20)
            self.assertEqual(counters["data.messages_relayed"], 5 * 2 + 2 + 1 + 20 * 3)
            self.assertEqual(counters["data.refused_rate"], 0)

            # A leaves: the others' channel from A closes.
            await a.pc.close()
            ok = await wait_for(lambda: b.relayed[label_a].readyState == "closed" and
                                c.relayed[label_a].readyState == "closed", 30)
            self.assertTrue(ok, f"{b.relayed[label_a].readyState}\n{self.server.log_text()}")
            for p in (b, c, d):
                await p.pc.close()

        asyncio.run(run())

    def test_a_flooding_sender_is_limited_and_counted_while_others_go_on(self):
        async def run():
            base = self.server.base_url
            flood, quiet, listener = [await Peer().start(base, "flood") for _ in range(3)]
            ok = await wait_for(lambda: all(p.room.readyState == "open" for p in (flood, quiet, listener)), 20)
            self.assertTrue(ok, self.server.log_text())
            before = self.status()["counters"]["data.refused_rate"]
            for i in range(400):
                flood.room.send(f"f{i}")
            await asyncio.sleep(0.5)
            quiet.room.send("still heard")
            ok = await wait_for(lambda: any(m == "still heard" for _, m in listener.received), 10)
            self.assertTrue(ok, self.server.log_text())
            refused = self.status()["counters"]["data.refused_rate"] - before
            flooded = len([m for _, m in listener.received if m.startswith("f")])
            print(f"flood: {flooded} of 400 relayed, {refused} refused")
            self.assertGreater(refused, 0)
            self.assertEqual(flooded + refused, 400)
            for p in (flood, quiet, listener):
                await p.pc.close()

        asyncio.run(run())

    def test_a_whep_viewer_channel_joins_the_room_relay(self):
        async def run():
            base = self.server.base_url
            speaker = await Peer().start(base, "watch")
            viewer = await Peer(viewer=True).start(base, "watch")
            ok = await wait_for(lambda: speaker.room.readyState == "open" and viewer.room.readyState == "open", 20)
            self.assertTrue(ok, self.server.log_text())
            viewers = [c for c in self.status()["clients"] if c["room"] == "watch" and c["display_name"].startswith("WHEP")]
            self.assertEqual(len(viewers), 1, self.status()["clients"])
            speaker.room.send("to the viewer")
            self.assertTrue(await wait_for(lambda: viewer.received, 10), self.server.log_text())
            label = viewer.received[0][0]
            self.assertEqual(viewer.received, [(label, "to the viewer")])
            # The viewer's own messages reach the room too, labelled with its participant id.
            viewer.room.send("from the viewer")
            self.assertTrue(await wait_for(lambda: speaker.received, 10), self.server.log_text())
            self.assertEqual(speaker.received, [(viewers[0]["participant_id"], "from the viewer")])
            for p in (speaker, viewer):
                await p.pc.close()

        asyncio.run(run())


if __name__ == "__main__":
    unittest.main()
