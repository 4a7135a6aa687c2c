"""Debian's Janus (apt install janus) for tools/bench/run and the integration test: a generated
config folder with only the VideoRoom plugin and the HTTP transport, no STUN, ICE-lite like the
SFU, and ICE gathering limited to one address (ice_enforce_list: libnice skips loopback-only
hosts, so the caller puts the address on a dummy or veth interface in its namespace). Janus runs
in the foreground; `libsrtp` may name a folder holding a libsrtp2.so.1 to use instead of
Debian's (the SFU's OpenSSL-backed build, see same_libsrtp())."""
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

PLUGIN_DIRS = glob.glob("/usr/lib/*/janus") + glob.glob("/usr/lib/janus")


def janus_binary():
    return shutil.which("janus")


def free_port(ip):
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def same_libsrtp(root, out_dir):
    """A shared libsrtp2.so.1 from the SFU's own static libsrtp2 + OpenSSL (build-deps), so Janus
    runs the same SRTP code: with the static minimal libcrypto when tools/cross-build made one,
    else Debian's shared libcrypto, as the native SFU build links it. None when build-deps or gcc
    lack it (Janus then uses Debian's)."""
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    srtp = os.path.join(root, "build-deps", f"libsrtp2-{arch}", "prefix", "lib", "libsrtp2.a")
    crypto = os.path.join(root, "build-deps", f"openssl-{arch}", "prefix", "lib", "libcrypto.a")
    if not (os.path.exists(srtp) and shutil.which("gcc")):
        return None
    link = [crypto, "-Wl,--exclude-libs,libcrypto.a"] if os.path.exists(crypto) else ["-lcrypto"]
    os.makedirs(out_dir, exist_ok=True)
    so = os.path.join(out_dir, "libsrtp2.so.1")
    r = subprocess.run(["gcc", "-shared", "-o", so, "-Wl,-soname,libsrtp2.so.1", "-Wl,--whole-archive", srtp,
                        "-Wl,--no-whole-archive"] + link, capture_output=True)
    return out_dir if r.returncode == 0 else None


def janus_version():
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "janus"], capture_output=True, text=True)
    return r.stdout.strip() or "?"


def describe_libsrtp(paths):
    """Which crypto each libsrtp2 Janus mapped is backed by."""
    out = []
    for p in paths:
        if p.startswith("/tmp") or "janus-libsrtp" in p:
            out.append("the SFU's own libsrtp2 2.5.0 from build-deps, built against OpenSSL, made a shared library")
        else:
            dep = subprocess.run(["dpkg-query", "-W", "-f", "${Version} (Depends: ${Depends})", "libsrtp2-1"],
                                 capture_output=True, text=True).stdout.strip()
            out.append(f"Debian's libsrtp2-1 {dep}: NSS-backed, not OpenSSL")
    return "; ".join(out)


def libsrtp_in_use(pid):
    """The libsrtp2 file the running Janus mapped."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            for line in f:
                if "libsrtp2" in line:
                    return line.split()[-1]
    except OSError:
        pass
    return "?"


class Janus:
    def __init__(self, ip, libsrtp=None, rtp_ports=(20000, 40000)):
        self.ip = ip
        self.port = free_port(ip)
        self.dir = tempfile.mkdtemp(prefix="janus-bench-")
        base = PLUGIN_DIRS[0]
        keep = {"plugins": "libjanus_videoroom.so", "transports": "libjanus_http.so"}
        disable = {k: ",".join(os.path.basename(p) for p in glob.glob(os.path.join(base, k, "*.so"))
                               if os.path.basename(p) != keep.get(k)) for k in ("plugins", "transports", "events", "loggers")}
        cfg = f"""general: {{
  configs_folder = "{self.dir}"
  plugins_folder = "{base}/plugins"
  transports_folder = "{base}/transports"
  events_folder = "{base}/events"
  loggers_folder = "{base}/loggers"
  debug_level = 3
  event_loops = 2
  session_timeout = 60
  server_name = "umbrella-bench"
  interface = "{ip}"
}}
media: {{
  rtp_port_range = "{rtp_ports[0]}-{rtp_ports[1]}"
}}
nat: {{
  ice_lite = true
  ice_enforce_list = "{ip}"
  nice_debug = false
}}
plugins: {{ disable = "{disable['plugins']}" }}
transports: {{ disable = "{disable['transports']}" }}
events: {{ broadcast = false disable = "{disable['events']}" }}
loggers: {{ disable = "{disable['loggers']}" }}
"""
        with open(os.path.join(self.dir, "janus.jcfg"), "w") as f:
            f.write(cfg)
        with open(os.path.join(self.dir, "janus.transport.http.jcfg"), "w") as f:
            f.write(f'general: {{ json = "compact" base_path = "/janus" http = true port = {self.port} ip = "{ip}" '
                    f'https = false }}\nadmin: {{ admin_http = false admin_https = false }}\n')
        with open(os.path.join(self.dir, "janus.plugin.videoroom.jcfg"), "w") as f:
            f.write("general: { }\n")
        env = dict(os.environ)
        if libsrtp:
            env["LD_LIBRARY_PATH"] = libsrtp
        self.log = open(os.path.join(self.dir, "janus.log"), "w+")
        self.proc = subprocess.Popen([janus_binary(), "-F", self.dir, "-C", os.path.join(self.dir, "janus.jcfg"),
                                      "-o"], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.url = f"http://{ip}:{self.port}/janus"
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/info", timeout=2) as r:
                    self.info = json.loads(r.read())
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("Janus did not start: " + self.tail())
                time.sleep(0.2)
        self.libsrtp = libsrtp_in_use(self.proc.pid)

    def tail(self, n=15):
        try:
            self.log.flush()
            with open(self.log.name) as f:
                return " / ".join(f.read().splitlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
