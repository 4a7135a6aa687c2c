#!/usr/bin/env python3
"""Footprint of idle signalling clients: RSS of the server with N idle wss:// clients on /wsb.

Usage: tools/bench/idle_websockets.py [BINARY] [N]   (a figure, not a test)
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../tests/integration"))
from wsclient import WebSocket  # noqa: E402


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/src/server/umbrella"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, UMBRELLA_HTTP_SERVE_ADDR=f"127.0.0.1:{port}", UMBRELLA_LOG_LEVEL="warn",
               UMBRELLA_PUBLIC_IP="127.0.0.1", UMBRELLA_MIN_PORT="52000", UMBRELLA_MAX_PORT="52100",
               UMBRELLA_HTTP_MAX_PER_IP="0", UMBRELLA_JOINS_PER_MINUTE="0",  # every client is 127.0.0.1
               UMBRELLA_MAX_PARTICIPANTS="0", UMBRELLA_MAX_ROOM_PARTICIPANTS="0")
    proc = subprocess.Popen([os.path.abspath(binary)], cwd=tempfile.mkdtemp(), env=env)
    try:
        time.sleep(1.0)
        idle = rss_kb(proc.pid)
        clients = [WebSocket("127.0.0.1", port) for _ in range(n)]
        time.sleep(1.0)
        loaded = rss_kb(proc.pid)
        print(f"idle RSS {idle} KiB; with {n} idle wss clients {loaded} KiB; "
              f"{(loaded - idle) / n:.1f} KiB per client")
        for c in clients:
            c.close()
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
