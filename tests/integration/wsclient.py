"""A minimal WebSocket client (RFC 6455) over TLS or TCP, and the signalling protobufs.

Written here rather than imported so the tests need only Debian's python3 and python3-protobuf;
the server side is the code under test, this side is deliberately plain.
"""
import base64
import hashlib
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile

_HERE = os.path.dirname(os.path.abspath(__file__))
_PROTO_DIR = os.path.join(_HERE, "../../proto")
_pb = None


def pb():
    """umbrella_pb2, generated from proto/umbrella.proto with Debian's protoc."""
    global _pb
    if _pb is None:
        out = tempfile.mkdtemp(prefix="umbrella-pb-")
        subprocess.run(["protoc", f"-I{_PROTO_DIR}", f"--python_out={out}", "umbrella.proto"], check=True)
        sys.path.insert(0, out)
        import umbrella_pb2  # noqa: E402
        _pb = umbrella_pb2
    return _pb


def connect(host, port, path, tls=True, timeout=5.0, source=None):
    raw = socket.create_connection((host, port), timeout=timeout, source_address=(source, 0) if source else None)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = ctx.wrap_socket(raw, server_hostname=host)
    return raw


class WebSocket:
    def __init__(self, host, port, path="/wsb", tls=True, timeout=5.0, source=None):
        """`source`: the local address to connect from (the per-address limits' tests)."""
        self.sock = connect(host, port, path, tls, timeout, source)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during handshake: " + head.decode(errors="replace"))
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        if self.status == 101:
            want = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
            assert self.headers.get("sec-websocket-accept") == want.decode(), "bad accept key"

    def send_frame(self, opcode, payload, fin=True):
        mask = os.urandom(4)
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, envelope):
        self.send_frame(0x2, envelope.SerializeToString())

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        b0, b1 = self._need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        return b0 & 0x0F, self._need(n)

    def recv(self, want=None, limit=50):
        """Next Envelope (optionally the next whose body is `want`), answering pings."""
        for _ in range(limit):
            op, payload = self.recv_frame()
            if op == 0x9:
                self.send_frame(0xA, payload)
                continue
            if op == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise ConnectionError(f"closed by server: {code} {payload[2:].decode(errors='replace')}")
            env = pb().Envelope()
            env.ParseFromString(payload)
            if want is None or env.WhichOneof("body") == want:
                return env
        raise AssertionError(f"no {want} message")

    def close(self):
        try:
            self.send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()
