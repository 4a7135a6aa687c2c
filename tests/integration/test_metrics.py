"""GET /metrics against the real binary, parsed with a real Prometheus text parser (Debian's
python3-prometheus-client): a call published with aiortc and watched over WHEP shows in the
counters and gauges; the administrator secret or UMBRELLA_METRICS_TOKEN may scrape, nobody
else."""
import asyncio
import unittest

from prometheus_client.parser import text_string_to_metric_families

from harness import ADMIN, ADMIN_SECRET, Server
from rtc_util import Subscriber, publish, wait_for
from test_access import http

METRICS_TOKEN = "integration-metrics-token-0123456789"
SCRAPER = {"Authorization": f"Bearer {METRICS_TOKEN}"}


def parse(body):
    """{family name: family} and {(sample name, sorted labels): value}."""
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    samples = {}
    for f in families.values():
        for s in f.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return families, samples


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"UMBRELLA_METRICS_TOKEN": METRICS_TOKEN}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def scrape(self, headers):
        code, hdrs, body = http(self.server, "GET", "/metrics", headers=headers)
        self.assertEqual(code, 200, body)
        self.assertEqual(hdrs["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        return parse(body)

    def unauthorized(self):
        _, samples = self.scrape(ADMIN)
        return samples[("umbrella_signal_unauthorized_total", ())]

    def test_refused_without_or_with_a_wrong_credential(self):
        before = self.unauthorized()
        for headers in ({}, {"Authorization": "Bearer not-the-secret-0123456789"},
                        {"Authorization": f"Basic {ADMIN_SECRET}"}):
            code, hdrs, body = http(self.server, "GET", "/metrics", headers=headers)
            self.assertEqual(code, 401, headers)
            self.assertEqual(hdrs.get("WWW-Authenticate"), "Bearer")
            text = body.decode()
            self.assertIn("UMBRELLA_METRICS_TOKEN", text)
            self.assertEqual(text.count("\n"), 1, text)  # one line
            self.assertNotIn("# TYPE", text)
        # Each refusal counted like the other ones (the scrape that reads it is allowed).
        self.assertEqual(self.unauthorized(), before + 3)
        self.assertEqual(http(self.server, "POST", "/metrics", b"", ADMIN)[0], 405)

    def test_a_call_in_the_metrics(self):
        async def run():
            base = self.server.base_url
            pub, location, _ = await publish(base, "metrics")
            self.assertTrue(await wait_for(lambda: pub.connectionState == "connected", 15), self.server.log_text())
            sub = await Subscriber().start(base, "metrics")
            self.assertTrue(await wait_for(lambda: sub.video_frames >= 20 and sub.audio_frames >= 20, 30),
                            self.server.log_text())
            # Both credentials scrape the same families.
            families, first = await asyncio.to_thread(self.scrape, SCRAPER)
            admin_families, _ = await asyncio.to_thread(self.scrape, ADMIN)
            self.assertEqual(set(families), set(admin_families))
            await asyncio.sleep(1.5)
            _, second = await asyncio.to_thread(self.scrape, SCRAPER)
            await sub.close()
            await pub.close()
            return families, first, second

        families, first, second = asyncio.run(run())
        types = {name: f.type for name, f in families.items()}
        # prometheus_client names a counter family without its _total suffix.
        for counter in ("umbrella_media_packets_received", "umbrella_media_bytes_received",
                        "umbrella_media_packets_forwarded", "umbrella_media_bytes_forwarded",
                        "umbrella_media_plis_sent", "umbrella_media_nacks_received", "umbrella_udp_sent",
                        "umbrella_signal_unauthorized", "umbrella_signal_refused_room_full"):
            self.assertEqual(types.get(counter), "counter", counter)
            key = (counter + "_total", ())
            self.assertIn(key, first)
        for name in ("umbrella_media_packets_received", "umbrella_media_bytes_received",
                     "umbrella_media_packets_forwarded", "umbrella_media_bytes_forwarded"):
            a, b = first[(name + "_total", ())], second[(name + "_total", ())]
            self.assertGreater(a, 0, name)
            self.assertGreater(b, a, name)
        for gauge in ("umbrella_participants", "umbrella_rooms", "umbrella_tracks", "umbrella_resident_memory_bytes",
                      "umbrella_uptime_seconds", "umbrella_packet_pool_buffers_in_use", "umbrella_http_connections"):
            self.assertEqual(types.get(gauge), "gauge", gauge)
        # One WHIP publisher (audio and video) and one WHEP viewer in one room.
        self.assertEqual(first[("umbrella_participants", ())], 2)
        self.assertEqual(first[("umbrella_rooms", ())], 1)
        self.assertEqual(first[("umbrella_tracks", ())], 2)
        self.assertEqual(first[("umbrella_subscriptions", ())], 2)
        self.assertGreater(first[("umbrella_resident_memory_bytes", ())], 1 << 20)
        self.assertGreater(first[("umbrella_packet_pool_buffers_in_use", ())], 0)
        self.assertLessEqual(first[("umbrella_packet_pool_buffers_in_use", ())],
                             first[("umbrella_packet_pool_buffers", ())])
        # Forward delays: a histogram with cumulative buckets ending at +Inf == _count.
        self.assertEqual(types["umbrella_forward_delay_seconds"], "histogram")
        buckets = sorted((float(dict(labels)["le"]), v) for (name, labels), v in second.items()
                         if name == "umbrella_forward_delay_seconds_bucket")
        self.assertEqual(buckets[-1][0], float("inf"))
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts))
        count = second[("umbrella_forward_delay_seconds_count", ())]
        self.assertEqual(buckets[-1][1], count)
        self.assertGreater(count, 0)
        self.assertGreater(second[("umbrella_forward_delay_seconds_sum", ())], 0)
        # Nothing names a client.
        for name, labels in first:
            for _, value in labels:
                self.assertNotIn("metrics", value)  # the room
                self.assertNotRegex(value, r"^\d+\.\d+\.\d+\.\d+")


if __name__ == "__main__":
    unittest.main()
