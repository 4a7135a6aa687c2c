"""The static aarch64 build (tools/cross-build aarch64) under qemu, from an empty root.

The binary and qemu-aarch64-static are copied into an otherwise empty directory and run
chrooted there: the stand-in for a `FROM scratch` image or a bare OpenWrt rootfs (no libc,
no /etc, no NSS, no CA store). Skipped (and counted as skipped by tools/test) when
build-aarch64/ has no binary, i.e. with UMBRELLA_SKIP_CROSS=1.
"""
import http.client
import os
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import unittest

from harness import CLIENT_IP, SERVER_IP, Server

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
AARCH64_BINARY = os.path.join(REPO, "build-aarch64/src/server/umbrella")
QEMU = shutil.which("qemu-aarch64-static") or "/usr/bin/qemu-aarch64-static"
CHROOT = shutil.which("chroot") or "/usr/sbin/chroot"  # absolute: the child gets no PATH


def missing_reason():
    if not os.path.isfile(AARCH64_BINARY):
        return "aarch64 binary not built (tools/cross-build aarch64)"
    if not os.path.isfile(QEMU):
        return "qemu-aarch64-static not installed (apt-get install qemu-user-static)"
    if os.geteuid() != 0:
        return "chroot needs root (the integration suite runs as root in its namespace)"
    return None


def empty_root():
    """A temp dir holding only the binary and the (static) emulator."""
    root = tempfile.mkdtemp(prefix="umbrella-scratch-")
    shutil.copy2(AARCH64_BINARY, os.path.join(root, "umbrella"))
    shutil.copy2(QEMU, os.path.join(root, "qemu-aarch64-static"))
    return root


def command(root, args):
    return [CHROOT, root, "/qemu-aarch64-static", "/umbrella"] + args


class ScratchServer(Server):
    """harness.Server, but the aarch64 binary chrooted into an empty root, with only
    UMBRELLA_* variables in its environment (a container gets nothing else)."""

    def __init__(self, **kw):
        self.root = empty_root()
        super().__init__(workdir=self.root, **kw)
        self.env = {k: v for k, v in self.env.items() if k.startswith("UMBRELLA_")}

    def start(self, timeout=120):  # qemu makes key generation and start-up slower
        import threading
        self.proc = subprocess.Popen(command(self.root, self.args), env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)  # Server.stop() joins it
        self._reader.start()
        if not self._ready.wait(timeout) or not self.ready:  # set early if it exits
            self.stop()
            raise RuntimeError("aarch64 server did not become ready:\n" + self.log_text())
        return self

    def stop(self, sig=None):
        rc = super().stop(sig)
        shutil.rmtree(self.root, ignore_errors=True)
        return rc


def stun_binding_request(txid):
    return struct.pack(">HHI", 0x0001, 0, 0x2112A442) + txid


def assert_serves_https_and_media(tc, s):
    """The checks of a server started from an empty root (here, and the packaged binaries of
    test_packages.py): HTTPS with a certificate it made itself, its media port bound, and a
    real ICE connectivity check answered on it."""
    # HTTPS: the certificate is generated inside the empty root (no /dev, no CA store).
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", s.http_port, context=ctx, timeout=30)
    conn.request("GET", "/sfu")
    r = conn.getresponse()
    body = r.read()
    conn.close()
    tc.assertEqual(r.status, 200, s.log_text())
    tc.assertIn(b"<html", body.lower())

    # The media UDP port is open: binding it again fails.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        with tc.assertRaises(OSError):
            u.bind(("0.0.0.0", s.media_port))

    # A real ICE connectivity check: credentials from a WHIP answer, then a binding
    # request with MESSAGE-INTEGRITY; the server answers with our address.
    from aioice import stun
    from sdp_util import attr, candidates, minimal_audio_offer
    from test_ice import binding_request
    offer = minimal_audio_offer("qemuufrag", "qemupasswordqemupassword")
    conn = http.client.HTTPSConnection("127.0.0.1", s.http_port, context=ctx, timeout=60)
    conn.request("POST", "/whip/qemu", body=offer, headers={"Content-Type": "application/sdp"})
    r = conn.getresponse()
    answer = r.read().decode()
    conn.close()
    tc.assertEqual(r.status, 201, answer + s.log_text())
    port = candidates(answer)[0][1]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.bind((CLIENT_IP, 0))
        u.settimeout(10)
        pwd = attr(answer, "ice-pwd")
        req = binding_request(f"{attr(answer, 'ice-ufrag')}:qemuufrag", pwd)
        u.sendto(bytes(req), (SERVER_IP, port))
        resp = stun.parse_message(u.recvfrom(2048)[0], integrity_key=pwd.encode())
        tc.assertEqual(resp.message_class, stun.Class.RESPONSE)
        tc.assertEqual(resp.attributes["XOR-MAPPED-ADDRESS"], u.getsockname())


@unittest.skipIf(missing_reason(), missing_reason() or "")
class CrossAarch64(unittest.TestCase):
    def test_version_from_empty_root(self):
        root = empty_root()
        try:
            r = subprocess.run(command(root, ["--version"]), capture_output=True, text=True, timeout=60, env={})
        finally:
            shutil.rmtree(root, ignore_errors=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^umbrella \d+\.\d+\.\d+")

    def test_binary_is_static_aarch64(self):
        with open(AARCH64_BINARY, "rb") as f:
            elf = f.read(64)
        self.assertEqual(elf[:4], b"\x7fELF")
        self.assertEqual(struct.unpack_from("<H", elf, 18)[0], 183)  # EM_AARCH64
        r = subprocess.run(["readelf", "-lW", AARCH64_BINARY], capture_output=True, text=True)
        if r.returncode == 0:
            self.assertNotIn("INTERP", r.stdout, "dynamically linked: needs a loader the target lacks")

    def test_serves_https_and_media_port_from_empty_root(self):
        with ScratchServer() as s:
            assert_serves_https_and_media(self, s)


if __name__ == "__main__":
    unittest.main()
