"""Churn: one participant stays on /wsb (aiortc answering the SFU's offers) while 42 others
publish audio and video over WHIP, a few at a time, and leave. The stayer must receive every
newcomer's media, on m-lines the SFU reuses from departed tracks, and the offers it gets must
stay the size of what is live (issue 12: they used to grow by every departed track until the
signalling bound, then arrive empty).

The load generator's churn (umbrella-loadgen --churn) then does the same at scale, all /wsb:
long-lived participants stay while others join, publish, stay a moment once their media has
reached every long-lived one, and leave, 500+ joins and leaves; the server's RSS and open fds
are sampled throughout. UMBRELLA_CHURN_SECONDS=1200 makes it the 20-minute soak of issue 12
(10 long-lived, 20 churning) and prints its figures."""
import asyncio
import json
import os
import re
import subprocess
import threading
import time
import unittest

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from harness import ADMIN, BUILD, CLIENT_IP, Server
from rtc_util import PatternVideoTrack, negotiate, wait_for
from test_ice import request
from wsclient import WebSocket, pb

PUBLISHERS = 42
AT_ONCE = 1  # aiortc 1.4 routes a reused m-line's new SSRC by payload type: one line per kind


class Stayer:
    """A /wsb participant: publishes audio, answers every server offer, counts decoded
    frames per received track and keeps every offer's SDP."""

    def __init__(self, server, room, audio=None, name="stayer"):
        self.ws = WebSocket("127.0.0.1", server.http_port)
        assert self.ws.status == 101, self.ws.status
        self.room = room
        self.lock = threading.Lock()  # the reader thread answers pings too
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.frames = {}  # receiver track -> decoded frames
        self.offers = []  # SDP text of every server offer, applied in order
        self.errors = []
        self.joined = []  # participant ids the room announced, in order
        self.speakers = []  # every Speakers list the room sent, in order
        self.audio = audio or AudioStreamTrack()
        self.name = name
        self.tasks = []
        self.applied = asyncio.Event()
        self.pc.on("track", lambda track: self.tasks.append(asyncio.ensure_future(self._consume(track))))

    def send(self, env):
        with self.lock:
            self.ws.send(env)

    def _read(self, loop, queue):
        try:
            while True:
                op, payload = self.ws.recv_frame()
                if op == 0x9:
                    with self.lock:
                        self.ws.send_frame(0xA, payload)
                elif op == 0x8:
                    break
                elif op == 0x2:
                    env = pb().Envelope()
                    env.ParseFromString(payload)
                    loop.call_soon_threadsafe(queue.put_nowait, env)
        except (OSError, ConnectionError):
            pass
        loop.call_soon_threadsafe(queue.put_nowait, None)

    async def _consume(self, track):
        self.frames.setdefault(track, 0)
        while True:
            try:
                await track.recv()
            except Exception:
                return
            self.frames[track] += 1

    async def start(self):
        P = pb()
        self.queue = asyncio.Queue()
        threading.Thread(target=self._read, args=(asyncio.get_running_loop(), self.queue), daemon=True).start()
        join = P.Envelope()
        join.join.room = self.room
        join.join.display_name = self.name
        self.send(join)
        joined = await self.queue.get()
        assert joined.WhichOneof("body") == "joined", joined
        self.id = joined.joined.participant_id
        self.pc.addTrack(self.audio)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = P.Envelope()
        offer.description.type = P.SessionDescription.TYPE_OFFER
        offer.description.sdp = self.pc.localDescription.sdp
        offer.description.revision = 1
        self.send(offer)
        self.task = asyncio.ensure_future(self._run())

    async def _run(self):
        P = pb()
        while True:
            env = await self.queue.get()
            if env is None:
                return
            kind = env.WhichOneof("body")
            if kind == "error":
                self.errors.append(env.error.message)
            if kind == "participant_joined":
                self.joined.append(env.participant_joined.participant.participant_id)
            if kind == "speakers":
                self.speakers.append(list(env.speakers.participant_ids))
            if kind != "description":
                continue
            d = env.description
            if d.type == P.SessionDescription.TYPE_ANSWER:
                await self.pc.setRemoteDescription(RTCSessionDescription(sdp=d.sdp, type="answer"))
                continue
            self.offers.append(d.sdp)
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=d.sdp, type="offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            answer = P.Envelope()
            answer.description.type = P.SessionDescription.TYPE_ANSWER
            answer.description.sdp = self.pc.localDescription.sdp
            answer.description.revision = d.revision
            self.send(answer)
            self.applied.set()

    def mids_of(self, participant):
        """{kind: mid} of the sendonly m-lines carrying `participant` in the latest offer."""
        out = {}
        if not self.offers:
            return out
        for section in self.offers[-1].split("\r\nm=")[1:]:
            kind = section.split(" ", 1)[0]
            mid = re.search(r"\r\na=mid:(\S+)", section)
            if mid and "a=sendonly" in section and f"a=msid:{participant} " in section:
                out[kind] = mid.group(1)
        return out

    def track_on(self, mid):
        for t in self.pc.getTransceivers():
            if t.mid == mid:
                return t.receiver.track
        return None

    def count(self, mid):
        track = self.track_on(mid)
        return self.frames.get(track, 0) if track else 0

    async def close(self):
        for t in self.tasks:
            t.cancel()
        if hasattr(self, "task"):
            self.task.cancel()
        await self.pc.close()
        self.ws.close()


async def publish_small(base, room):
    """A WHIP publisher with small video (cheap to encode and decode) and audio."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(PatternVideoTrack(160, 120))
    pc.addTrack(AudioStreamTrack())
    location, _ = await negotiate(pc, f"{base}/whip/{room}")
    return pc, location


class Churn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"UMBRELLA_LOG_LEVEL": "info"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def status(self):
        return json.loads(request(self.server, "GET", "/status.json", headers=ADMIN)[2])

    def test_long_lived_participant_receives_every_newcomer_on_reused_m_lines(self):
        async def run():
            base = self.server.base_url
            stayer = Stayer(self.server, "churn")
            await stayer.start()
            group = []
            try:
                seen_mids = set()
                reused = 0
                first_round_max = None
                for start in range(0, PUBLISHERS, AT_ONCE):
                    announced = len(stayer.joined)
                    group = [await publish_small(base, "churn") for _ in range(min(AT_ONCE, PUBLISHERS - start))]
                    # The resource URL says nothing of who publishes: the room's announcement does.
                    ok = await wait_for(lambda: len(stayer.joined) >= announced + len(group), 20)
                    self.assertTrue(ok, f"round {start}: newcomers not announced\n{self.server.log_text()}")
                    ids = stayer.joined[announced:announced + len(group)]
                    # The stayer gets an offer with each newcomer's audio and video, applies it ...
                    ok = await wait_for(lambda: all(len(stayer.mids_of(p)) == 2 for p in ids), 20)
                    self.assertTrue(ok, f"round {start}: no offer for {ids}\n{stayer.offers[-1:]}\n{self.server.log_text()}")
                    mids = {p: stayer.mids_of(p) for p in ids}
                    for p in ids:
                        for mid in mids[p].values():
                            reused += mid in seen_mids
                            seen_mids.add(mid)
                    base_counts = {mid: stayer.count(mid) for p in ids for mid in mids[p].values()}
                    # ... and decodes each newcomer's video and audio on those m-lines (on a reused
                    # one, the same receiver track as the departed publisher's: its frames now).
                    def flowing():
                        return all(stayer.count(mid) >= base_counts[mid] + (5 if kind == "video" else 10)
                                   for p in ids for kind, mid in mids[p].items())
                    ok = await wait_for(flowing, 20)
                    self.assertTrue(ok, f"round {start}: media of {ids} on {mids} not received: "
                                        f"{ {m: (base_counts[m], stayer.count(m)) for m in base_counts} }\n"
                                        f"{json.dumps(self.status()['clients'], indent=1)[:3000]}\n{self.server.log_text()}")
                    if first_round_max is None:
                        first_round_max = max(len(o) for o in stayer.offers)
                    # Everyone of the group leaves; their m-lines go inactive before being reused.
                    for pc, location in group:
                        self.assertEqual(request(self.server, "DELETE", location)[0], 200)
                        await pc.close()
                    ok = await wait_for(lambda: not any(stayer.mids_of(p) for p in ids), 20)
                    self.assertTrue(ok, f"round {start}: departed tracks still offered\n{self.server.log_text()}")

                sizes = [len(o) for o in stayer.offers]
                lines = max(o.count("\r\nm=") for o in stayer.offers)
                print(f"churn: {PUBLISHERS} publishers, {len(stayer.offers)} offers, {len(seen_mids)} mids, "
                      f"{reused} reuses; offer size max {max(sizes)} (first round {first_round_max}), last {sizes[-1]}")
                self.assertEqual(stayer.errors, [])
                # Two m-lines per publisher present at once, plus the stayer's own audio.
                self.assertLessEqual(lines, 2 * AT_ONCE + 1)
                self.assertLessEqual(len(seen_mids), 2 * AT_ONCE)
                self.assertGreaterEqual(reused, 2 * (PUBLISHERS - AT_ONCE))
                self.assertLessEqual(max(sizes), first_round_max + 256)
                counters = self.status()["counters"]
                self.assertEqual(counters["signal.description_failed"], 0)
                self.assertGreaterEqual(counters["signal.offers_sent"], 2 * PUBLISHERS // AT_ONCE)
            finally:
                # A failed round must not leave peer connections (and their tasks) behind.
                for pc, _ in group:
                    await pc.close()
                await stayer.close()

        asyncio.run(run())


LOADGEN = os.path.join(BUILD, "tools/loadgen/umbrella-loadgen")
SOAK_SECONDS = float(os.environ.get("UMBRELLA_CHURN_SECONDS", "0"))


class ProcessSampler:
    """RSS (kB), open fds and CPU time of one process, every `period` seconds on a thread."""

    def __init__(self, pid, period):
        self.pid, self.period = pid, period
        self.samples = []  # (seconds since start, rss_kb, fds, cpu seconds)
        self.t0 = time.monotonic()
        self.stopped = threading.Event()

    def sample(self):
        with open(f"/proc/{self.pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{self.pid}/fd"))
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        self.samples.append((time.monotonic() - self.t0, rss, fds, cpu))
        return rss, fds

    def start(self):
        self.sample()
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self):
        while not self.stopped.wait(self.period):
            self.sample()

    def stop(self):
        self.stopped.set()
        return self.sample()

    def figures(self):
        first, last = self.samples[0], self.samples[-1]
        return (f"RSS start {first[1] / 1024:.1f} MiB, max {max(s[1] for s in self.samples) / 1024:.1f} MiB, "
                f"end {last[1] / 1024:.1f} MiB; open fds start {first[2]}, max {max(s[2] for s in self.samples)}, "
                f"end {last[2]} ({len(self.samples)} samples every {self.period} s over {last[0]:.0f} s); "
                f"CPU {last[3] - first[3]:.0f} s ({100 * (last[3] - first[3]) / max(last[0], 1):.0f}% of a core)")

    def by_minute(self):
        """'minute: RSS MiB, fds, CPU % of a core' for each minute (its last sample)."""
        out, prev = [], self.samples[0]
        for s in self.samples[1:]:
            if int(s[0] // 60) > int(prev[0] // 60) or s is self.samples[-1]:
                cpu = 100 * (s[3] - prev[3]) / max(s[0] - prev[0], 1e-3)
                out.append(f"{s[0] / 60:.0f}m {s[1] / 1024:.1f} MiB {s[2]} fds {cpu:.0f}%")
                prev = s
        return out


class LoadgenChurn(unittest.TestCase):
    """Long-lived /wsb participants through 500+ joins and leaves (the soak when
    UMBRELLA_CHURN_SECONDS is set)."""

    def test_long_lived_participants_receive_every_churner_through_500_joins_and_leaves(self):
        soak = SOAK_SECONDS > 0
        # The soak: the 10 long-lived, and as many churning at once as the room's
        # track bound (sdp::kMaxTracksPerRoom, 48: 24 people with camera and microphone) lets
        # in; more are refused at publish time (UMBRELLA_CHURN_AT_ONCE=20 shows it).
        long_lived = int(os.environ.get("UMBRELLA_CHURN_LONG_LIVED", 10 if soak else 4))
        at_once = int(os.environ.get("UMBRELLA_CHURN_AT_ONCE", 14 if soak else 8))
        # Every participant comes from the one test address: no per-address cap here.
        server = Server(env={"UMBRELLA_LOG_LEVEL": "info", "UMBRELLA_HTTP_MAX_PER_IP": "0"}).start()
        try:
            self.churn(server, soak, long_lived, at_once)
        finally:
            server.stop()

    def test_simulcast_publishers_come_and_go_while_viewers_switch_layers(self):
        """The same with every participant publishing three simulcast layers by rid: layer groups
        come and go with their publishers while the long-lived viewers' subscriptions move
        between layers (their estimates ramp up as they join), and nothing is left behind."""
        server = Server(env={"UMBRELLA_LOG_LEVEL": "info", "UMBRELLA_HTTP_MAX_PER_IP": "0"}).start()
        try:
            counters = self.churn(server, False, 4, 6, ["--simulcast"], joins=150)
            self.assertGreater(counters["media.layer_switches"], 0, counters)
        finally:
            server.stop()

    def churn(self, server, soak, long_lived, at_once, extra=(), joins=260):
        status = lambda: json.loads(request(server, "GET", "/status.json", headers=ADMIN)[2])
        sampler = ProcessSampler(server.proc.pid, 5 if soak else 1).start()
        args = [LOADGEN, "--server", server.base_url, "--insecure", "--bind", CLIENT_IP, "--room", "churn",
                "--wsb", "--call", str(long_lived), "--churn", str(at_once), "--json",
                # Small media keeps a shared 2-core machine able to forward everyone to everyone.
                "--video-kbps", "64", "--fps", "10", "--audio-ms", "60", "--join-rate", "20", "--settle", "2"]
        if soak:
            args += ["--duration", str(SOAK_SECONDS), "--stay-min", "1", "--stay-max", "5"]
        else:
            args += ["--duration", "900", "--churn-joins", str(joins), "--stay-min", "0.2", "--stay-max", "1", "--quiet"]
        args += list(extra)
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        progress = []
        def read_stderr():
            for line in proc.stderr:
                progress.append(line.rstrip("\n"))
                if soak and "churn:" in line and int(line.split("s", 1)[0][2:]) % 60 == 0:
                    print(line.rstrip("\n"), flush=True)
        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        out, _ = proc.communicate(timeout=SOAK_SECONDS + 900)
        reader.join(5)
        self.assertTrue(out.strip(), "\n".join(progress[-40:]))
        summary = json.loads(out)
        churn = summary["churn"]
        counters = status()["counters"]
        # Everyone gone (the loadgen exited): the server holds what it held before anyone came.
        gone = asyncio.run(wait_for(lambda: not status()["clients"], 30))
        rss, fds = sampler.stop()
        start_rss, start_fds = sampler.samples[0][1:3]
        participants = churn["participants"]
        figures = [
            f"churn: {long_lived} long-lived, {at_once} churning at once for {churn['churn_s']:.0f} s: "
            f"{churn['joins']} joins + {churn['leaves']} leaves = {churn['joins'] + churn['leaves']}; "
            f"{churn['reached']} churners reached every long-lived participant (slowest {churn['reach_max_ms']:.0f} ms), "
            f"{churn['unreached']} did not, {churn['churner_failures']} failed"
            + (f" (the first: {churn['first_churner_failure']})" if churn["churner_failures"] else "")
            + (f"; {churn['first_unreached']}" if churn["unreached"] else ""),
            f"server: {sampler.figures()}",
            f"server: signal.offers_sent {counters['signal.offers_sent']}, signal.description_failed "
            f"{counters['signal.description_failed']}, signal.tracks_refused {counters['signal.tracks_refused']}",
        ] + [f"long-lived {p['index']} ({p['id']}): {'ok' if p['ok'] else 'FAILED ' + p['failure']}, "
             f"{p['receiving']}/{p['announced']} announced streams receiving, {p['peers_heard']}/{p['peers_expected']} "
             f"others heard at the end, {p['missed_churners']} churners missed, {p['renegotiations']} offers; "
             f"offer SDP bytes (m-lines): before churn {p['baseline_offer_bytes']} ({p['baseline_offer_mlines']}), "
             f"max {p['max_offer_bytes']} ({p['max_offer_mlines']}), last {p['last_offer_bytes']} ({p['last_offer_mlines']})"
             for p in participants]
        if soak:
            figures.append("server by minute (RSS, fds, CPU): " + ", ".join(sampler.by_minute()))
        warnings = [l for l in server.log if " WARN " in l or " ERROR " in l]
        if warnings:
            figures.append(f"server: {len(warnings)} warnings, the first: " + "\n  ".join(warnings[:10]))
        print("\n".join(figures), flush=True)
        detail = "\n".join(figures + progress[-20:]) + "\n" + server.log_text()

        self.assertEqual(summary["connected"], long_lived, detail)
        self.assertGreaterEqual(churn["joins"] + churn["leaves"], 2 * joins - 20 if not soak else 2 * at_once, detail)
        self.assertEqual(churn["unreached"], 0, detail)
        self.assertEqual(churn["churner_failures"], 0, detail)
        self.assertEqual(counters["signal.description_failed"], 0, detail)
        self.assertGreaterEqual(counters["signal.offers_sent"], churn["joins"] * long_lived, detail)
        self.assertEqual(len(participants), long_lived, detail)
        # Per participant: every other long-lived one's audio and video, every announced stream.
        for p in participants:
            self.assertTrue(p["ok"], f"long-lived {p['index']}\n{detail}")
            self.assertEqual(p["missed_churners"], 0, detail)
            self.assertEqual(p["announced"], 2 * (long_lived - 1), detail)
            self.assertEqual(p["receiving"], p["announced"], detail)
            # Offers bounded by what is live: its own 2 m-lines, 2 per other participant present
            # (at most long_lived - 1 + at_once) and as many departed ones not yet reused; each no
            # larger than the full lines of the offer before churn.
            bound_lines = 2 * (long_lived + 2 * at_once)
            per_line = p["baseline_offer_bytes"] / p["baseline_offer_mlines"]
            self.assertLessEqual(p["max_offer_mlines"], bound_lines, detail)
            self.assertLessEqual(p["max_offer_bytes"], per_line * bound_lines + 1024, detail)
            self.assertLessEqual(p["last_offer_mlines"], bound_lines, detail)
        # Nothing kept per departed participant: fds back to the start; RSS within a generous
        # margin (allocator high water, buffers sized once).
        self.assertTrue(gone, detail)
        self.assertLessEqual(fds, start_fds + 4, detail)
        self.assertLessEqual(rss, start_rss + 96 * 1024, detail)
        self.assertEqual(proc.returncode, 0, detail)
        return counters


if __name__ == "__main__":
    unittest.main()
