"""Direct bridges between sites behind real NATs (#18). The test builds its own network
namespaces inside the runner's (tests/integration/netns), which plays the public internet:

  runner: cloud SFU, the rendezvous, on 198.18.0.1; routes between the two NATs
    nat-a  198.18.1.2 (masquerade) / 10.0.1.1  --  site-a 10.0.1.2: its SFU, a WHIP publisher
    nat-b  198.18.2.2 (masquerade) / 10.0.2.1  --  site-b 10.0.2.2: its SFU, a /wsb viewer

A site's host candidates are unreachable from the other, so the bridge connects only by
punching through both NATs with the reflexive addresses the cloud's media port reports. The
participants run as child processes (netns_peer.py) in their site's namespace."""
import ctypes
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

from harness import SERVER_IP, Server
from test_trunk import SECRET, fingerprint, status

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "netns_peer.py")
PYTHON = "/usr/bin/python3"  # Debian's, with python3-aiortc
CLONE_NEWNET = 0x40000000
NAT_PUBLIC = {"a": "198.18.1.2", "b": "198.18.2.2"}
BLOCK_TABLE = "umbrella_bridge_block"


def run(*cmd, input=None):
    r = subprocess.run(cmd, text=True, input=input, capture_output=True)
    if r.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r.stdout


class Netns:
    """A network namespace held by a `sleep` in it. Not `ip netns add`: its names live in
    /run/netns, which the host (and any other run) shares; this one is private to the run and
    goes with its holder (the runner's PID namespace ends that even if the test dies)."""

    def __init__(self):
        self.proc = subprocess.Popen(["unshare", "--net", "sh", "-c", "echo up; exec sleep infinity"],
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "up":  # only once unshare has run
            self.close()
            raise RuntimeError("unshare --net failed")
        self.pid = self.proc.pid
        self.path = f"/proc/{self.pid}/ns/net"

    def cmd(self, *args):
        return ["nsenter", f"--net={self.path}", *args]

    def run(self, *args, input=None):
        return run(*self.cmd(*args), input=input)

    def call(self, f, *args):
        """f(*args) on a thread of its own that entered this namespace first: a socket belongs
        to the namespace of the thread that opens it. The thread ends with the call."""
        out = {}

        def body():
            try:
                fd = os.open(self.path, os.O_RDONLY)
                try:
                    if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET):
                        raise OSError(ctypes.get_errno(), "setns")
                finally:
                    os.close(fd)
                out["value"] = f(*args)
            except BaseException as e:  # noqa: B036 (raised again on the caller's thread)
                out["error"] = e
        t = threading.Thread(target=body)
        t.start()
        t.join()
        if "error" in out:
            raise out["error"]
        return out["value"]

    def close(self):
        self.proc.kill()
        self.proc.wait()


class Peer:
    """netns_peer.py in a namespace; `last` is its latest JSON line."""

    def __init__(self, ns, *args):
        self.proc = subprocess.Popen(ns.cmd(PYTHON, PEER, *args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.last = {}
        self.stderr = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.last = json.loads(line)

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def frames(self):
        return self.last.get("video_frames", 0)

    def stop(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


# Only in the runner's namespace: the test adds links and turns on forwarding where it runs.
@unittest.skipUnless(SERVER_IP == "198.18.0.1", "runs inside tests/integration/netns only")
@unittest.skipUnless(all(map(shutil.which, ("nft", "ip", "nsenter", "unshare"))), "needs nft, ip, nsenter, unshare")
class DirectBehindNat(unittest.TestCase):
    FIREWALL = True

    @classmethod
    def setUpClass(cls):
        try:
            Netns().close()
        except (OSError, RuntimeError) as e:
            raise unittest.SkipTest(f"cannot make a network namespace: {e}")

    def setUp(self):
        self.servers, self.peers = [], []
        self.ns = {}
        for name in ("nat-a", "site-a", "nat-b", "site-b"):
            self.ns[name] = Netns()
            self.addCleanup(self.ns[name].close)
        # The runner's namespace routes between the NATs (the internet, with the cloud on it).
        with open("/proc/sys/net/ipv4/ip_forward") as f:
            forward = f.read().strip()
        run("sysctl", "-qw", "net.ipv4.ip_forward=1")
        self.addCleanup(run, "sysctl", "-qw", f"net.ipv4.ip_forward={forward}")
        for x, n in (("a", 1), ("b", 2)):
            nat, site = self.ns[f"nat-{x}"], self.ns[f"site-{x}"]
            up = f"umbnat{x}"  # the runner's end of the NAT's public link
            run("ip", "link", "add", up, "type", "veth", "peer", "name", "pub", "netns", str(nat.pid))
            self.addCleanup(subprocess.run, ["ip", "link", "del", up], stderr=subprocess.DEVNULL)
            run("ip", "addr", "add", f"198.18.{n}.1/24", "dev", up)
            run("ip", "link", "set", up, "up")
            nat.run("ip", "link", "add", "priv", "type", "veth", "peer", "name", "eth0", "netns", str(site.pid))
            nat.run("sh", "-ec", f"ip link set lo up; ip addr add {NAT_PUBLIC[x]}/24 dev pub; ip link set pub up;"
                    f"ip addr add 10.0.{n}.1/24 dev priv; ip link set priv up;"
                    f"ip route add default via 198.18.{n}.1; sysctl -qw net.ipv4.ip_forward=1")
            # A home router: masquerade, and its firewall drops what nobody inside asked for.
            firewall = (" chain in {\n  type filter hook input priority filter;\n  iifname \"pub\" ct state new drop\n }\n"
                        if self.FIREWALL else "")
            nat.run("nft", "-f", "-", input=(
                "table ip nat {\n chain post {\n  type nat hook postrouting priority srcnat;\n"
                f"  oifname \"pub\" masquerade\n }}\n{firewall}}}\n"))
            site.run("sh", "-ec", f"ip link set lo up; ip addr add 10.0.{n}.2/24 dev eth0; ip link set eth0 up;"
                     f"ip route add default via 10.0.{n}.1")

    def start(self, site, ns=None, ip="198.18.0.1", **env):
        s = Server(env=dict({"UMBRELLA_SITE_ID": site, "UMBRELLA_PUBLIC_IP": ip}, **env),
                   host=ip if ns else "127.0.0.1", prefix=ns.cmd() if ns else None)
        s.ns = ns
        self.addCleanup(s.stop)
        self.servers.append(s)
        return s.start()

    def peer(self, ns, *args):
        p = Peer(ns, *args)
        self.addCleanup(p.stop)
        self.peers.append(p)
        return p

    def status(self, s):
        return s.ns.call(status, s) if s.ns else status(s)

    def counters(self, s):
        return self.status(s)["counters"]

    def tails(self):
        out = ""
        for s in self.servers:
            out += f"\n{s.env['UMBRELLA_SITE_ID']}:\n{s.log_text()}"
        for p in self.peers:
            out += f"\npeer {p.proc.args[-3]}: {p.last}\n{''.join(p.stderr[-15:])}"
        return out

    def until(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                self.fail(f"timed out after {timeout} s waiting for {what() if callable(what) else what} "
                          f"({time.monotonic() - self.started:.1f} s into the test)" + self.tails())
            time.sleep(0.2)

    @staticmethod
    def logged(s, needle):
        return sum(needle in line for line in list(s.log))

    def block_bridge(self):
        """In nat-a only, drops UDP forwarded to or from nat-b's public address: the bridge's
        datagrams, not the sites' trunks to the cloud."""
        self.ns["nat-a"].run("nft", "-f", "-", input=(
            f"table inet {BLOCK_TABLE} {{\n chain forward {{\n  type filter hook forward priority filter;\n"
            f"  ip saddr {NAT_PUBLIC['b']} meta l4proto udp counter drop\n"
            f"  ip daddr {NAT_PUBLIC['b']} meta l4proto udp counter drop\n }}\n}}\n"))

    def unblock_bridge(self, check=True):
        r = subprocess.run(self.ns["nat-a"].cmd("nft", "delete", "table", "inet", BLOCK_TABLE),
                           capture_output=True, text=True)
        if check and r.returncode:
            raise RuntimeError(r.stderr)

    def test_media_between_sites_behind_nats_goes_direct_and_falls_back(self):
        """A publisher on site-a, a viewer on site-b: once the bridge is punched through both
        NATs the cloud forwards none of site-a's media; a drop rule in nat-a moves it to the
        cloud with the viewer's video going on, and lifting it moves it back."""
        self.started = time.monotonic()

        def took():
            return f"{time.monotonic() - self.started:.1f} s"

        cloud = self.start("cloud", UMBRELLA_TRUNK_SECRET=SECRET, UMBRELLA_RENDEZVOUS="1")  # runner's namespace
        url = f"wss://198.18.0.1:{cloud.http_port}/wsb"
        pin = fingerprint(os.path.join(cloud.workdir, "service.crt"))
        a, b = (self.start(f"site-{x}", self.ns[f"site-{x}"], f"10.0.{n}.2", UMBRELLA_TRUNK_SECRET=SECRET,
                           UMBRELLA_TRUNK_PIN=pin, UMBRELLA_TRUNK_URL=url) for x, n in (("a", 1), ("b", 2)))
        for s in (a, b):
            self.until(lambda s=s: self.logged(s, "joined cloud"), 15, "the sites' trunks to the cloud")

        pub = self.peer(self.ns["site-a"], "publish", a.base_url, "meet")
        self.until(lambda: pub.last.get("state") == "connected", 20, "the publisher to connect")
        self.until(lambda: sum(t["track_id"].startswith("site-a/") for c in self.status(b)["clients"]
                               for t in c["published"]) == 2, 20, "site-a's tracks announced on site-b")
        # A /wsb participant, not WHEP: it puts site-b into the room, so the cloud introduces the sites.
        viewer = self.peer(self.ns["site-b"], "view", str(b.http_port), "meet")
        self.until(lambda: viewer.frames() >= 20, 40, lambda: f"20 video frames on site-b ({viewer.last})")
        print(f"\n20 frames on site-b ({took()})", file=sys.stderr)

        for s, peer in ((a, "site-b"), (b, "site-a")):
            self.until(lambda s=s, peer=peer: self.logged(s, f"path to {peer}: direct") >= 1, 30, f"{peer} path direct")
        # Hole punched through both NATs: each site reached the other at the other NAT's public
        # address, and learned its own NAT's address from the cloud's media port.
        for s, x, other in ((a, "a", "b"), (b, "b", "a")):
            [d] = self.status(s)["direct_bridges"]
            self.assertEqual(d["state"], "connected", d)
            self.assertTrue(d["remote"].startswith(NAT_PUBLIC[other] + ":"), d)
            self.assertTrue(self.logged(s, f"this site is {NAT_PUBLIC[x]}:"), self.tails())
        self.assertGreaterEqual(self.counters(cloud)["media.stun_reflexive_answered"], 2)
        time.sleep(2)  # the wants move off the cloud trunk and onto the bridge

        def window(seconds=3.0):
            """Cloud forwarded (packets), site-b's bridge received (bytes), viewer decoded (frames)."""
            def sample():
                [d] = self.status(b)["direct_bridges"]
                return self.counters(cloud)["media.packets_forwarded"], d["bytes_received"], viewer.frames()
            before = sample()
            time.sleep(seconds)
            return tuple(y - x for x, y in zip(before, sample()))

        def media_goes_direct(when):
            fwd, bridge, frames = window()
            print(f"{when} ({took()}): cloud forwarded {fwd} packets, site-b's bridge received {bridge} bytes, "
                  f"viewer decoded {frames} frames over 3 s", file=sys.stderr)
            self.assertEqual(fwd, 0, f"{when}: the cloud still forwards media" + self.tails())
            self.assertGreater(bridge, 30_000, f"{when}: site-a's media does not cross the bridge" + self.tails())
            self.assertGreater(frames, 0, f"{when}: the viewer stopped decoding" + self.tails())

        media_goes_direct("direct")

        # Blocked in one NAT: consent lapses (5 s) and site-b's path falls back to the cloud.
        self.addCleanup(self.unblock_bridge, False)
        self.block_bridge()
        self.until(lambda: self.logged(b, "path to site-a: cloud") >= 1, 10, "site-b's path to fall back to the cloud")
        print(f"fallback to the cloud ({took()})", file=sys.stderr)
        frames0, fwd0 = viewer.frames(), self.counters(cloud)["media.packets_forwarded"]
        self.until(lambda: viewer.frames() >= frames0 + 10 and self.counters(cloud)["media.packets_forwarded"] > fwd0,
                   8, lambda: f"the viewer's frames through the cloud ({frames0} -> {viewer.frames()})")
        self.assertEqual(viewer.last["state"], "connected")
        dropped = self.ns["nat-a"].run("nft", "list", "table", "inet", BLOCK_TABLE)
        print(f"frames through the cloud again ({took()}); nat-a's drop rule:\n{dropped}", file=sys.stderr)

        # Lifted: the bridge's retry connects again, and after the hold-down the path is back.
        self.unblock_bridge()
        self.until(lambda: self.logged(b, "path to site-a: direct") >= 2, 30, "site-b's path to be direct again")
        print(f"back direct ({took()})", file=sys.stderr)
        time.sleep(2)
        media_goes_direct("direct again")
        for s, other in ((a, "b"), (b, "a")):
            [d] = self.status(s)["direct_bridges"]
            self.assertTrue(d["remote"].startswith(NAT_PUBLIC[other] + ":"), d)
        self.assertEqual(viewer.last["state"], "connected")
        self.assertEqual(viewer.last["errors"], [])


class DirectBehindBareNat(DirectBehindNat):
    """The same behind two bare masquerades (no input firewall). There the other site's first
    datagrams, arriving before this site sent any, are delivered to the NAT itself and conntrack
    keeps them: this site's own flow to that address is then mapped to another port, which the
    other NAT drops. Each site's openers (datagrams with a hop limit of 2) open its own NAT
    before any check leaves, so the checks find both open."""
    FIREWALL = False


if __name__ == "__main__":
    unittest.main()
