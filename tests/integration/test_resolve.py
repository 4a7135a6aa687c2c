"""Trunk host names resolved by the server itself, with no NSS and without blocking its
loop: DNS from etc/resolv.conf, /etc/hosts, and one-shot mDNS for .local names.

The dialling SFU runs as it would in a `FROM scratch` image or on OpenWrt: the static
x86_64 binary (tools/cross-build x86_64) chrooted in an empty root that holds only the
binary and its etc/ files; the aarch64 one the same way under qemu when it is built; and
the development build in a private mount namespace with etc/resolv.conf and etc/hosts
bind-mounted over the machine's. A python DNS server on CLIENT_IP:53 and an mDNS responder
on the namespace's veth answer; the far SFU is an ordinary harness.Server.
"""
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from harness import BINARY, CLIENT_IP, SERVER_IP, Server
from name_servers import MDNS_GROUP, DnsServer, MdnsResponder
from test_cross_aarch64 import CHROOT, ScratchServer, missing_reason as aarch64_missing
from test_ice import request
from test_trunk import SECRET, fingerprint, status, wait_until

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
STATIC_BINARY = os.path.join(REPO, "build-static/src/server/umbrella")
AARCH64_BINARY = os.path.join(REPO, "build-aarch64/src/server/umbrella")
# A symbol of the resolver (the unstripped binaries keep their symbol table): tells a binary
# built before it from a current one.
RESOLVER_MARK = b"10NameLookup"
FAR = "far.umbrella.test"


def in_namespace_reason():
    if os.geteuid() != 0:
        return "needs root (chroot, port 53, routes): run through tests/integration/netns"
    if CLIENT_IP == "127.0.0.1":
        return "needs the test namespace's veth addresses: run through tests/integration/netns"
    return None


def binary_reason(path, how):
    if not os.path.isfile(path):
        return f"{os.path.relpath(path, REPO)} not built ({how})"
    with open(path, "rb") as f:
        if RESOLVER_MARK not in f.read():
            return f"{os.path.relpath(path, REPO)} predates the name resolver: rerun {how}"
    return None


def device_of(ip):
    out = subprocess.run(["ip", "-o", "addr", "show", "to", ip], capture_output=True, text=True, check=True)
    return out.stdout.split()[1]


class CommandServer(Server):
    """harness.Server started with self.command instead of the build's binary."""

    command = None

    def start(self, timeout=20):
        self.proc = subprocess.Popen(self.command, cwd=self.workdir, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)  # Server.stop() joins it
        self._reader.start()
        if not self._ready.wait(timeout) or not self.ready:  # set early if it exits
            self.stop()
            raise RuntimeError("server did not become ready:\n" + self.log_text())
        return self


def write_files(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)


class EmptyRootServer(CommandServer):
    """The static x86_64 binary chrooted in a root holding only it and `files`, with only
    UMBRELLA_* variables in its environment (a container gets nothing else)."""

    def __init__(self, files, **kw):
        self.root = tempfile.mkdtemp(prefix="umbrella-scratch-")
        shutil.copy2(STATIC_BINARY, os.path.join(self.root, "umbrella"))
        write_files(self.root, files)
        super().__init__(workdir=self.root, **kw)
        self.env = {k: v for k, v in self.env.items() if k.startswith("UMBRELLA_")}
        self.command = [CHROOT, self.root, "/umbrella"]

    def stop(self, sig=None):
        rc = super().stop(sig)
        shutil.rmtree(self.root, ignore_errors=True)
        return rc


class MountNamespaceServer(CommandServer):
    """The development build with `files` (etc/resolv.conf, etc/hosts) bind-mounted over the
    machine's in a private mount namespace: the same files, without a static build."""

    def __init__(self, files, **kw):
        super().__init__(**kw)
        files = dict({"etc/hosts": "127.0.0.1 localhost\n"}, **files)
        write_files(self.workdir, files)
        mounts = " && ".join(f"mount --bind {self.workdir}/{p} /{p}" for p in files)
        self.command = ["unshare", "--mount", "--propagation", "private", "--",
                        "sh", "-c", f'{mounts} && exec "$0"', BINARY]


class AArch64Server(ScratchServer):
    """test_cross_aarch64's qemu server with `files` added to its empty root."""

    def __init__(self, files, **kw):
        super().__init__(**kw)
        write_files(self.root, files)


class ResolveCases:
    """The checks, run for each way of starting the dialling SFU (`launch`)."""

    launch = None
    start_timeout = 20

    @classmethod
    def setUpClass(cls):
        # One-shot mDNS queries go to 224.0.0.251 by the route for it (the namespace has no
        # default route): out of the server's end of the veth, into the responder's end.
        # Both ends are in this namespace, so that end must accept a local source address.
        server_dev, client_dev = (device_of(SERVER_IP), device_of(CLIENT_IP))
        subprocess.run(["ip", "route", "replace", "224.0.0.0/4", "dev", server_dev], check=True)
        subprocess.run(["sysctl", "-qw", f"net.ipv4.conf.{client_dev}.accept_local=1"], check=True)

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["ip", "route", "del", "224.0.0.0/4"], capture_output=True)

    def setUp(self):
        self.servers = []
        self.dns = DnsServer(CLIENT_IP, {FAR: SERVER_IP})
        self.far = self.own(Server(env={"UMBRELLA_SITE_ID": "far", "UMBRELLA_TRUNK_SECRET": SECRET}).start())

    def tearDown(self):
        self.dns.close()
        for s in self.servers:
            s.stop()

    def own(self, server):
        self.servers.append(server)
        return server

    def dialler(self, host, resolv_conf=None, hosts=None):
        files = {"etc/resolv.conf": resolv_conf or f"nameserver {CLIENT_IP}\n"}
        if hosts is not None:
            files["etc/hosts"] = hosts
        env = {"UMBRELLA_SITE_ID": "near", "UMBRELLA_TRUNK_SECRET": SECRET,
               "UMBRELLA_TRUNK_PIN": fingerprint(os.path.join(self.far.workdir, "service.crt")),
               "UMBRELLA_TRUNK_URL": f"wss://{host}:{self.far.http_port}/wsb"}
        server = self.own(type(self).launch(files, env=env))
        return server.start(self.start_timeout)

    def assert_trunk_connects(self, near):
        wait_until(lambda: any(t["state"] == "connected" for t in status(near)["trunks"]), 30,
                   "the trunk to connect\n" + near.log_text())
        wait_until(lambda: any(c["participant_id"].startswith("trunk-") for c in status(self.far)["clients"]),
                   10, "the far SFU to show the trunk\n" + self.far.log_text())

    def test_dns_name_dials_the_trunk(self):
        near = self.dialler(FAR)
        self.assert_trunk_connects(near)
        self.assertIn((FAR, 1), self.dns.queries)
        self.assertTrue(near.wait_log(f"connected to {SERVER_IP}:{self.far.http_port}", 5), near.log_text())

    def test_unknown_name_logs_one_clear_line_and_backs_off(self):
        near = self.dialler("nowhere.umbrella.test")
        line = "cannot resolve nowhere.umbrella.test: name not found at " + CLIENT_IP
        self.assertTrue(near.wait_log(line, 15), near.log_text())
        said = [l for l in near.log if line in l]
        self.assertIn("retrying in 1 s", said[0])
        # The backoff redials: a second attempt, a second query, and the server carries on.
        self.assertTrue(near.wait_log("retrying in 2 s", 10), near.log_text())
        self.assertIsNone(near.proc.poll())
        self.assertEqual(request(near, "GET", "/healthz")[0], 200)
        trunk = status(near)["trunks"][0]
        self.assertIn(line, trunk["last_error"])
        self.assertNotEqual(trunk["state"], "connected")

    def test_silent_server_times_out_without_blocking_the_loop(self):
        self.dns.close()
        self.dns = DnsServer(CLIENT_IP, {}, silent=True)
        near = self.dialler(FAR, resolv_conf=f"nameserver {CLIENT_IP}\noptions timeout:5 attempts:1\n")
        wait_until(lambda: self.dns.queries, 10, "the DNS query\n" + near.log_text())
        asked = time.monotonic()
        # While the query waits for its 5 s timeout, the server answers HTTP at once (a
        # blocking lookup would hold every request until the timeout).
        worst = 0.0
        for _ in range(5):
            t = time.monotonic()
            self.assertEqual(request(near, "GET", "/healthz")[0], 200)
            worst = max(worst, time.monotonic() - t)
            time.sleep(0.1)
        self.assertLess(worst, 1.0, near.log_text())
        line = f"cannot resolve {FAR}: no answer from {CLIENT_IP} (check /etc/resolv.conf)"
        self.assertTrue(near.wait_log(line, 15), near.log_text())
        self.assertGreater(time.monotonic() - asked, 4.0, "gave up before resolv.conf's timeout")

    def test_hosts_file_name_dials_without_dns(self):
        near = self.dialler("listed.umbrella.test", hosts=f"{SERVER_IP} listed.umbrella.test listed\n")
        self.assert_trunk_connects(near)
        self.assertEqual(self.dns.queries, [])

    def test_local_name_resolves_by_mdns(self):
        mdns = MdnsResponder(CLIENT_IP, {"far-ap.local": SERVER_IP})
        try:
            near = self.dialler("far-ap.local")
            self.assert_trunk_connects(near)
            self.assertIn(("far-ap.local", 1), mdns.queries)
        finally:
            mdns.close()
        self.assertEqual(self.dns.queries, [])  # .local names never go to DNS


@unittest.skipIf(in_namespace_reason() or binary_reason(STATIC_BINARY, "tools/cross-build x86_64"),
                 in_namespace_reason() or binary_reason(STATIC_BINARY, "tools/cross-build x86_64") or "")
class StaticBinaryFromEmptyRoot(ResolveCases, unittest.TestCase):
    launch = EmptyRootServer


@unittest.skipIf(in_namespace_reason(), in_namespace_reason() or "")
class DevelopmentBuildWithOwnEtc(ResolveCases, unittest.TestCase):
    launch = MountNamespaceServer


def aarch64_reason():
    return (in_namespace_reason() or aarch64_missing()
            or binary_reason(AARCH64_BINARY, "tools/cross-build aarch64"))


@unittest.skipIf(aarch64_reason(), aarch64_reason() or "")
class AArch64FromEmptyRootUnderQemu(ResolveCases, unittest.TestCase):
    launch = AArch64Server
    start_timeout = 120


if __name__ == "__main__":
    unittest.main()
