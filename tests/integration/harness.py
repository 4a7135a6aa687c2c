"""Starts the real umbrella binary for integration tests and stops it cleanly."""
import os
import socket
import subprocess
import tempfile
import threading
import time

BUILD = os.environ.get("UMBRELLA_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
BINARY = os.path.join(BUILD, "src/server/umbrella")
SERVER_IP = os.environ.get("UMBRELLA_TEST_SERVER_IP", "127.0.0.1")
CLIENT_IP = os.environ.get("UMBRELLA_TEST_CLIENT_IP", "127.0.0.1")
# The IPv6-only veth pair (tests/integration/netns); unset outside it.
SERVER_IP6 = os.environ.get("UMBRELLA_TEST_SERVER_IP6")
CLIENT_IP6 = os.environ.get("UMBRELLA_TEST_CLIENT_IP6")
# Every test server gets this administrator secret unless a test sets (or removes) its own;
# ADMIN is the header that shows the detailed /status.json and /status.pb.
ADMIN_SECRET = "integration-admin-secret-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_SECRET}"}


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The umbrella binary in a temporary working directory, with its log captured."""

    def __init__(self, env=None, args=None, workdir=None, host="127.0.0.1", prefix=None):
        self.http_port = free_port()
        self.media_port = free_port(socket.SOCK_DGRAM)
        self.workdir = workdir or tempfile.mkdtemp(prefix="umbrella-test-")
        self.env = dict(os.environ)
        self.env.update({
            "UMBRELLA_HTTP_SERVE_ADDR": f":{self.http_port}",
            "UMBRELLA_MIN_PORT": str(self.media_port),
            "UMBRELLA_MAX_PORT": str(self.media_port),
            "UMBRELLA_PUBLIC_IP": SERVER_IP,
            "UMBRELLA_LOG_LEVEL": "debug",
            # Every test client comes from one or two addresses, and a class shares one server:
            # no per-address rates, unless a test sets them (test_limits.py uses the defaults).
            "UMBRELLA_JOINS_PER_MINUTE": "0",
            "UMBRELLA_SESSIONS_PER_MINUTE": "0",
            "UMBRELLA_ADMIN_SECRET": ADMIN_SECRET,
        })
        self.env.update(env or {})
        self.env = {k: v for k, v in self.env.items() if v is not None}  # None removes a setting
        self.host = host  # what base_url names: an IPv6 test reaches the server by its IPv6 address
        self.args = args or []
        # A command the binary runs under, e.g. nsenter into another network namespace
        # (test_direct_nat.py); it must exec the binary, so that stop() signals the server.
        self.prefix = prefix or []
        self.proc = None
        self.log = []
        self._ready = threading.Event()  # set on the ready line, or when the output ends
        self.ready = False

    def start(self, timeout=20):
        # The ports were free on 127.0.0.1 when chosen; a socket bound since to the test
        # address (another server's trunk, a client) can hold one there: choose again.
        for attempt in range(3):
            self._launch()
            ended = self._ready.wait(timeout)
            chosen = (self.env.get("UMBRELLA_MIN_PORT") == str(self.media_port) and
                      self.env.get("UMBRELLA_HTTP_SERVE_ADDR") == f":{self.http_port}")
            if self.ready or not chosen or "Address already in use" not in self.log_text() or attempt == 2:
                break
            self.proc.wait(10)
            self.http_port, self.media_port = free_port(), free_port(socket.SOCK_DGRAM)
            self.env["UMBRELLA_HTTP_SERVE_ADDR"] = f":{self.http_port}"
            self.env["UMBRELLA_MIN_PORT"] = self.env["UMBRELLA_MAX_PORT"] = str(self.media_port)
        if not self.ready:
            if ended:  # it exited: keep its own status, not our SIGTERM's
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass
            self.stop()
            raise RuntimeError("server did not become ready:\n" + self.log_text())
        return self

    def _launch(self):
        self.log = []
        self._ready.clear()
        self.proc = subprocess.Popen(self.prefix + [BINARY] + self.args, cwd=self.workdir, env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.log.append(line.rstrip("\n"))
            if "ready:" in line:
                self.ready = True
                self._ready.set()
        self._ready.set()  # the process closed its output (exited): start() stops waiting

    def log_text(self):
        return "\n".join(self.log[-80:])

    def wait_log(self, needle, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(needle in l for l in self.log):
                return True
            time.sleep(0.05)
        return False

    def stop(self, sig=None):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate() if sig is None else self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self._reader.join(5)  # the log holds the server's last lines once stop() returns
        return self.proc.returncode if self.proc else None

    def restart(self):
        """Stops this process and starts a new one with the same settings, ports and working
        directory (so the same certificate): a server restart as clients see it."""
        self.stop()
        new = Server(env=self.env, args=self.args, workdir=self.workdir, host=self.host, prefix=self.prefix)
        new.http_port, new.media_port = self.http_port, self.media_port
        return new.start()

    @property
    def base_url(self):
        scheme = "http" if self.env.get("UMBRELLA_CLOUD") in ("1", "true") else "https"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.http_port}{self.env.get('UMBRELLA_HTTP_PREFIX', '')}"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
