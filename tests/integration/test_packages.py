"""The OpenWrt .ipk (tools/openwrt/make-ipk) and the container image (tools/docker/make-image),
checked as opkg and docker/podman load would read them, then run from their own files.

Each is built twice from the static builds (tools/cross-build aarch64 / x86_64) and must be
byte-identical. The .ipk's data.tar.gz is unpacked into an empty root and its binary run
under qemu; the image's layer is unpacked into an empty root and its binary started as a
container runtime would (config's User, WorkingDir, Env, Entrypoint). Skipped with a reason
when a static build is missing (tools/test builds both before the integration suite).
"""
import gzip
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

from test_cross_aarch64 import CHROOT, QEMU, REPO, assert_serves_https_and_media, \
    missing_reason as qemu_reason
from test_resolve import CommandServer

sys.path.insert(0, os.path.join(REPO, "tools"))
from reproducible import EM_AARCH64, EM_X86_64, elf_info, project_version  # noqa: E402

MAKE_IPK = os.path.join(REPO, "tools/openwrt/make-ipk")
MAKE_IMAGE = os.path.join(REPO, "tools/docker/make-image")
AARCH64_STRIPPED = os.path.join(REPO, "build-aarch64/stripped/umbrella")
STATIC_STRIPPED = os.path.join(REPO, "build-static/stripped/umbrella")
OPENWRT = os.path.join(REPO, "tools/openwrt")


def build(tool, *args):
    r = subprocess.run([tool, *args], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"{os.path.relpath(tool, REPO)} failed:\n{r.stdout}{r.stderr}")
    return r.stdout


def members(tar_bytes, mode="r:gz"):
    """(TarInfo, bytes or None) of every member, in archive order."""
    with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode=mode) as t:
        return [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]


def unpack(tar_bytes, root, mode="r:gz"):
    with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode=mode) as t:
        t.extractall(root)  # our own archive, as root: owners and modes kept


def root_reason():
    if os.geteuid() != 0:
        return "chroot needs root: run through tests/integration/netns"
    return None


class LongStartServer(CommandServer):
    """CommandServer whose command runs from `root` (removed on stop); qemu starts slowly."""

    start_timeout = 20

    def __init__(self, root, command, **kw):
        self.root = root
        super().__init__(workdir=root, **kw)
        self.command = command

    def start(self, timeout=None):
        return super().start(timeout or self.start_timeout)

    def stop(self, sig=None):
        rc = super().stop(sig)
        shutil.rmtree(self.root, ignore_errors=True)
        return rc


# ---------------------------------------------------------------- OpenWrt .ipk

def ipk_missing():
    if not os.path.isfile(AARCH64_STRIPPED):
        return "build-aarch64/stripped/umbrella not built (tools/cross-build aarch64)"
    return None


def control_fields(text):
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep or line[:1].isspace():
            raise AssertionError(f"control line opkg cannot parse: {line!r}")
        fields[key] = value.strip()
    return fields


def uci_options(text):
    """UCI `option NAME 'VALUE'` and `list NAME 'VALUE'` of the one section, commented-out
    ones included (so an option documented only as an example is checked too)."""
    opts, lists = {}, {}
    for line in text.splitlines():
        m = re.match(r"\s*(#?)\s*(option|list)\s+(\w+)\s+'([^']*)'", line)
        if m:
            commented, kind, name, value = m.groups()
            if kind == "list":
                lists.setdefault(name, [])
                if not commented:
                    lists[name].append(value)
            elif not commented:
                opts[name] = value
    return opts, lists


# procd and UCI cannot run here (no ubus, no procd as PID 1), so the init script's own
# start_service runs under /bin/sh with stand-ins: config_* read variables this test sets
# from the UCI file, procd_*_param print the instance's command and environment.
PROCD_STUBS = r"""
config_load() { :; }
config_get() { eval "$1=\${CONFIG_$2_$3:-\$4}"; }
config_get_bool() {
	local _v; eval "_v=\${CONFIG_$2_$3:-\$4}"
	case "$_v" in 1|on|true|yes|enabled) _v=1 ;; *) _v=0 ;; esac
	eval "$1=$_v"
}
config_list_foreach() { local _x _l; eval "_l=\${LIST_$1_$2}"; for _x in $_l; do "$3" "$_x"; done; }
procd_open_instance() { :; }
procd_close_instance() { :; }
procd_set_param() { local _k="$1"; shift; case "$_k" in env) for _a; do echo "env $_a"; done ;; command) echo "command $*" ;; esac; }
procd_append_param() { procd_set_param "$@"; }
"""


def init_instance(opts, lists):
    """(command, env) the init script's start_service gives procd for these UCI values."""
    assigns = [f"CONFIG_main_{k}={shlex.quote(v)}" for k, v in opts.items()]
    assigns += [f"LIST_main_{k}={shlex.quote(' '.join(v))}" for k, v in lists.items()]
    script = PROCD_STUBS + "\n".join(assigns) + f"\n. {shlex.quote(os.path.join(OPENWRT, 'umbrella.init'))}\nstart_service\n"
    # No -e: rc.common runs start_service without it (add_env returns 1 for an empty option).
    r = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"start_service failed: {r.stderr}")
    command, env = None, {}
    for line in r.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "command":
            command = rest
        elif kind == "env":
            k, _, v = rest.partition("=")
            env[k] = v
    return command, env


@unittest.skipIf(ipk_missing(), ipk_missing() or "")
class OpenWrtIpk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="umbrella-ipk-")
        build(MAKE_IPK, "--out", os.path.join(cls.out, "a"))
        build(MAKE_IPK, "--out", os.path.join(cls.out, "b"))
        cls.version = project_version()
        name = f"umbrella_{cls.version}_aarch64_cortex-a53.ipk"
        with open(os.path.join(cls.out, "a", name), "rb") as f:
            cls.ipk = f.read()
        with open(os.path.join(cls.out, "b", name), "rb") as f:
            cls.ipk_again = f.read()
        cls.outer = members(cls.ipk)
        blobs = {m.name: data for m, data in cls.outer}
        cls.data_tar = gzip.decompress(blobs["./data.tar.gz"])
        cls.data = {m.name: (m, d) for m, d in members(cls.data_tar, "r")}
        cls.control = {m.name: (m, d) for m, d in members(blobs["./control.tar.gz"])}
        cls.fields = control_fields(cls.control["./control"][1].decode())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def test_outer_archive_as_ipkg_build_writes_it(self):
        self.assertEqual(self.ipk[:2], b"\x1f\x8b", "gzip'd tar, as OpenWrt's ipkg-build writes")
        self.assertEqual([m.name for m, _ in self.outer], ["./debian-binary", "./data.tar.gz", "./control.tar.gz"])
        for m, _ in self.outer:
            self.assertTrue(m.isfile())
            self.assertEqual((m.uid, m.gid), (0, 0))
        self.assertEqual(self.outer[0][1], b"2.0\n")

    def test_control_fields(self):
        f = self.fields
        self.assertEqual(f["Package"], "umbrella")
        self.assertEqual(f["Version"], self.version)
        self.assertEqual(f["Architecture"], "aarch64_cortex-a53")
        self.assertTrue(f["Maintainer"])
        self.assertTrue(f["Description"])
        self.assertNotIn("Depends", f, "static binary: no dependencies")
        self.assertEqual(int(f["Installed-Size"]), len(self.data_tar))
        # tarfile reads ipkg-build's "./" as ".".
        self.assertEqual(sorted(self.control), [".", "./conffiles", "./control", "./postinst", "./prerm"])
        for name, (m, _) in self.control.items():
            self.assertEqual((m.uid, m.gid), (0, 0), name)
        self.assertEqual(self.control["./postinst"][0].mode, 0o755)
        self.assertEqual(self.control["./prerm"][0].mode, 0o755)
        postinst = self.control["./postinst"][1].decode()
        self.assertIn('[ -z "$IPKG_INSTROOT" ]', postinst)  # never enabled on the image builder
        self.assertIn("/etc/init.d/umbrella enable", postinst)
        self.assertIn("/etc/init.d/umbrella stop", self.control["./prerm"][1].decode())
        for script in ("./postinst", "./prerm"):
            text = self.control[script][1].decode()
            self.assertEqual(subprocess.run(["/bin/sh", "-n", "-c", text]).returncode, 0, script)
            # In an image build (IPKG_INSTROOT set) they touch nothing: there is no
            # /etc/init.d/umbrella on this machine, so any call would fail.
            r = subprocess.run(["/bin/sh", "-c", text], env={"IPKG_INSTROOT": "/nonexistent"},
                               capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""), script)

    def test_conffiles_are_in_the_data(self):
        conffiles = self.control["./conffiles"][1].decode().split()
        self.assertIn("/etc/config/umbrella", conffiles)
        for path in conffiles:
            self.assertTrue(path.startswith("/"), path)
            m, _ = self.data["." + path]
            self.assertTrue(m.isfile(), path)

    def test_data_files_modes_and_owners(self):
        def file(path):
            m, d = self.data[path]
            self.assertTrue(m.isfile(), path)
            return m, d
        m, binary = file("./usr/bin/umbrella")
        self.assertEqual(m.mode, 0o755)
        with open(AARCH64_STRIPPED, "rb") as f:
            self.assertEqual(binary, f.read(), "not the build's stripped binary")
        m, init = file("./etc/init.d/umbrella")
        self.assertEqual(m.mode, 0o755)
        with open(os.path.join(OPENWRT, "umbrella.init"), "rb") as f:
            self.assertEqual(init, f.read())
        m, config = file("./etc/config/umbrella")
        with open(os.path.join(OPENWRT, "umbrella.config"), "rb") as f:
            self.assertEqual(config, f.read())
        self.assertEqual(m.mode & 0o077, 0, "the UCI file may hold secrets")
        self.assertTrue(self.data["./etc/umbrella"][0].isdir(), "cert_file's folder")
        names = [m.name.rstrip("/") for m, _ in members(self.data_tar, "r")]
        self.assertEqual(names[0], ".")
        self.assertEqual(names, sorted(names, key=lambda n: n.split("/")), "members in name order")
        for name, (m, _) in self.data.items():
            self.assertEqual((m.uid, m.gid), (0, 0), name)
            self.assertFalse(m.issym() or m.islnk(), name)

    def test_binary_is_static_aarch64(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(self.data["./usr/bin/umbrella"][1])
            f.flush()
            self.assertEqual(elf_info(f.name), (EM_AARCH64, True))

    def test_two_builds_are_byte_identical(self):
        self.assertEqual(hashlib.sha256(self.ipk).hexdigest(), hashlib.sha256(self.ipk_again).hexdigest())
        mtimes = {m.mtime for m, _ in self.outer} | {m.mtime for m, _ in self.data.values()}
        self.assertEqual(len(mtimes), 1, "one fixed mtime")

    def test_init_script_maps_every_uci_option(self):
        with open(os.path.join(OPENWRT, "umbrella.config")) as f:
            opts, lists = uci_options(f.read())
        # Every option set (lists too), so each add_env line has something to pass.
        values = {k: f"v-{k}" for k in opts if k not in ("enabled", "cloud")}
        values.update(enabled="1", cloud="1")
        command, env = init_instance(values, {k: [f"v-{k}1", f"v-{k}2"] for k in lists})
        self.assertEqual(command, "/usr/bin/umbrella")
        self.assertIn("./usr/bin/umbrella", self.data)
        expected = {f"UMBRELLA_{k.upper()}": v for k, v in values.items() if k != "enabled"}
        expected.update({f"UMBRELLA_{k.upper()}": f"v-{k}1,v-{k}2" for k in lists})
        self.assertEqual(env, expected)
        # enabled=0: no instance at all.
        self.assertEqual(init_instance(dict(values, enabled="0"), {}), (None, {}))

    @unittest.skipIf(qemu_reason(), qemu_reason() or "")
    def test_unpacked_binary_runs_and_knows_every_mapped_variable(self):
        root = self.unpacked_root()
        try:
            def run(*args):
                return subprocess.run([CHROOT, root, "/qemu-aarch64-static", "/usr/bin/umbrella", *args],
                                      capture_output=True, text=True, timeout=120, env={})
            r = run("--version")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), f"umbrella {self.version}")
            h = run("--help")
            helped = set(re.findall(r"UMBRELLA_[A-Z0-9_]+", h.stdout + h.stderr))
        finally:
            shutil.rmtree(root, ignore_errors=True)
        with open(os.path.join(OPENWRT, "umbrella.init")) as f:
            mapped = set(re.findall(r"UMBRELLA_[A-Z0-9_]+", f.read()))
        self.assertTrue(mapped)
        self.assertEqual(mapped - helped, set(), "the init script sets variables the binary does not read")

    @unittest.skipIf(qemu_reason(), qemu_reason() or "")
    def test_starts_as_the_init_script_would_from_unpacked_root(self):
        with open(os.path.join(OPENWRT, "umbrella.config")) as f:
            opts, lists = uci_options(f.read())
        command, env = init_instance(opts, lists)  # the packaged defaults
        root = self.unpacked_root()
        s = LongStartServer(root, [CHROOT, root, "/qemu-aarch64-static", command])
        s.start_timeout = 120  # qemu: key generation and start-up are slower
        # The test's ports, address and log level over the packaged defaults (as `uci set` would).
        s.env = dict(env, **{k: v for k, v in s.env.items() if k in (
            "UMBRELLA_HTTP_SERVE_ADDR", "UMBRELLA_MIN_PORT", "UMBRELLA_MAX_PORT", "UMBRELLA_PUBLIC_IP",
            "UMBRELLA_ADMIN_SECRET", "UMBRELLA_JOINS_PER_MINUTE", "UMBRELLA_SESSIONS_PER_MINUTE")})
        with s:
            assert_serves_https_and_media(self, s)
            # The certificate the server made lands where the UCI defaults point.
            self.assertTrue(os.path.isfile(os.path.join(root, "etc/umbrella/service.crt")), s.log_text())

    def unpacked_root(self):
        root = tempfile.mkdtemp(prefix="umbrella-ipk-root-")
        unpack(gzip.compress(self.data_tar), root)
        shutil.copy2(QEMU, os.path.join(root, "qemu-aarch64-static"))
        return root


# ---------------------------------------------------------------- container image

def image_missing():
    if not os.path.isfile(STATIC_STRIPPED):
        return "build-static/stripped/umbrella not built (tools/cross-build x86_64)"
    return None


def dockerfile():
    """ENV and EXPOSE of tools/docker/Dockerfile, which the image mirrors."""
    with open(os.path.join(REPO, "tools/docker/Dockerfile")) as f:
        text = f.read().replace("\\\n", " ")
    env = [t for line in re.findall(r"^ENV (.*)$", text, re.M) for t in line.split()]
    ports = set()
    for spec in re.search(r"^EXPOSE (.*)$", text, re.M).group(1).split():
        nums, proto = spec.split("/")
        lo, _, hi = nums.partition("-")
        ports |= {f"{p}/{proto}" for p in range(int(lo), int(hi or lo) + 1)}
    return env, ports


# A container runtime's last steps for one process: into the root, to WorkingDir, drop to
# User, exec Entrypoint with the environment given. A separate process, so no fork-time
# hook runs in this threaded test runner.
RUNTIME = """
import os, sys
root, workdir, uid, gid, *argv = sys.argv[1:]
os.chroot(root); os.chdir(workdir)
os.setgroups([]); os.setgid(int(gid)); os.setuid(int(uid))
os.execve(argv[0], argv, os.environ)
"""


@unittest.skipIf(image_missing(), image_missing() or "")
class ContainerImage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="umbrella-image-")
        cls.tar_path = os.path.join(cls.out, "a.tar")
        cls.layout = os.path.join(cls.out, "layout")
        build(MAKE_IMAGE, "--out", cls.tar_path, "--layout", cls.layout)
        build(MAKE_IMAGE, "--out", os.path.join(cls.out, "b.tar"))
        with open(cls.tar_path, "rb") as f:
            cls.image = f.read()
        with open(os.path.join(cls.out, "b.tar"), "rb") as f:
            cls.image_again = f.read()
        cls.files = {m.name: d for m, d in members(cls.image, "r") if m.isfile()}
        cls.index = json.loads(cls.files["index.json"])
        cls.manifest_blob = cls.blob(cls.index["manifests"][0])
        cls.manifest = json.loads(cls.manifest_blob)
        cls.config = json.loads(cls.blob(cls.manifest["config"]))
        cls.layer_tar = cls.blob(cls.manifest["layers"][0])
        cls.layer = {m.name.rstrip("/"): (m, d) for m, d in members(cls.layer_tar, "r")}

    @classmethod
    def blob(cls, desc):
        algo, digest = desc["digest"].split(":")
        return cls.files[f"blobs/{algo}/{digest}"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def test_layout_as_docker_and_podman_load_read_it(self):
        self.assertEqual(json.loads(self.files["oci-layout"]), {"imageLayoutVersion": "1.0.0"})
        self.assertEqual(self.index["schemaVersion"], 2)
        self.assertEqual(self.index["mediaType"], "application/vnd.oci.image.index.v1+json")
        for name, data in self.files.items():
            if name.startswith("blobs/"):
                self.assertEqual(name, "blobs/sha256/" + hashlib.sha256(data).hexdigest(), "blob name is its digest")
        desc = self.index["manifests"][0]
        self.assertEqual(len(self.index["manifests"]), 1)
        self.assertEqual(desc["mediaType"], "application/vnd.oci.image.manifest.v1+json")
        self.assertEqual(desc["size"], len(self.manifest_blob))
        self.assertEqual(desc["annotations"]["io.containerd.image.name"], "docker.io/library/umbrella:latest")
        self.assertEqual(desc["annotations"]["org.opencontainers.image.ref.name"], "latest")
        m = self.manifest
        self.assertEqual((m["schemaVersion"], m["mediaType"]), (2, "application/vnd.oci.image.manifest.v1+json"))
        self.assertEqual(m["config"]["mediaType"], "application/vnd.oci.image.config.v1+json")
        self.assertEqual(m["config"]["size"], len(self.blob(m["config"])))
        self.assertEqual(len(m["layers"]), 1)
        self.assertEqual(m["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar")
        self.assertEqual(m["layers"][0]["size"], len(self.layer_tar))
        # Uncompressed layer: its diff_id is its own digest.
        self.assertEqual(self.config["rootfs"], {"type": "layers", "diff_ids": [m["layers"][0]["digest"]]})
        # docker save's manifest.json names the same config and layer blobs.
        docker = json.loads(self.files["manifest.json"])
        self.assertEqual(len(docker), 1)
        self.assertEqual(docker[0]["Config"], "blobs/sha256/" + m["config"]["digest"].split(":")[1])
        self.assertEqual(docker[0]["Layers"], ["blobs/sha256/" + m["layers"][0]["digest"].split(":")[1]])
        self.assertEqual(docker[0]["RepoTags"], ["umbrella:latest"])
        # --layout wrote the same files as a directory.
        for name, data in self.files.items():
            with open(os.path.join(self.layout, name), "rb") as f:
                self.assertEqual(f.read(), data, name)

    def test_config_mirrors_the_dockerfile_and_runs_as_non_root(self):
        c = self.config
        self.assertEqual((c["os"], c["architecture"]), ("linux", "amd64"))
        cfg = c["config"]
        uid, gid = (int(x) for x in cfg["User"].split(":"))
        self.assertNotEqual(uid, 0, "runs as root")
        self.assertNotEqual(gid, 0)
        passwd = self.layer["etc/passwd"][1].decode()
        self.assertIn(f":x:{uid}:{gid}:", passwd)
        self.assertIn(f":x:{gid}:", self.layer["etc/group"][1].decode())
        self.assertEqual(cfg["WorkingDir"], "/data")
        data_dir = self.layer["data"][0]
        self.assertTrue(data_dir.isdir())
        self.assertEqual((data_dir.uid, data_dir.gid), (uid, gid), "the user writes its certificate there")
        self.assertTrue(data_dir.mode & 0o200)
        self.assertEqual(cfg["Entrypoint"], ["/umbrella"])
        env, ports = dockerfile()
        self.assertEqual(cfg["Env"], env)
        self.assertEqual(set(cfg["ExposedPorts"]), ports)
        labels = cfg["Labels"]
        self.assertEqual(labels["org.opencontainers.image.title"], "umbrella")
        self.assertEqual(labels["org.opencontainers.image.version"], project_version())
        self.assertEqual(labels["org.opencontainers.image.licenses"], "MIT")
        self.assertEqual(labels["org.opencontainers.image.created"], c["created"])
        self.assertRegex(labels.get("org.opencontainers.image.revision", ""), r"^[0-9a-f]{40}(-dirty)?$")

    def test_layer_holds_the_static_binary(self):
        m, binary = self.layer["umbrella"]
        self.assertEqual((m.mode, m.uid, m.gid), (0o755, 0, 0))
        with open(STATIC_STRIPPED, "rb") as f:
            self.assertEqual(binary, f.read(), "not the build's stripped binary")
        with tempfile.NamedTemporaryFile() as f:
            f.write(binary)
            f.flush()
            self.assertEqual(elf_info(f.name), (EM_X86_64, True))
        self.assertEqual(sorted(self.layer), ["data", "etc", "etc/group", "etc/passwd", "umbrella"])

    def test_two_builds_are_byte_identical(self):
        self.assertEqual(hashlib.sha256(self.image).hexdigest(), hashlib.sha256(self.image_again).hexdigest())

    @unittest.skipIf(root_reason(), root_reason() or "")
    def test_runs_from_the_unpacked_layer_as_its_config_says(self):
        root = tempfile.mkdtemp(prefix="umbrella-image-root-")
        os.chmod(root, 0o755)  # a runtime's rootfs is; mkdtemp's 0700 would lock the user out
        unpack(self.layer_tar, root, "r")
        cfg = self.config["config"]
        uid, gid = cfg["User"].split(":")
        s = LongStartServer(root, [sys.executable, "-c", RUNTIME, root, cfg["WorkingDir"], uid, gid,
                                   *cfg["Entrypoint"]])
        # The image's Env, then the test's settings over it (as docker run -e does).
        s.env = dict((e.split("=", 1) for e in cfg["Env"]),
                     **{k: v for k, v in s.env.items() if k.startswith("UMBRELLA_")})
        with s:
            assert_serves_https_and_media(self, s)
            crt = os.path.join(root, "data/service.crt")
            self.assertTrue(os.path.isfile(crt), s.log_text())
            self.assertEqual(os.stat(crt).st_uid, int(uid), "written by the image's user")


if __name__ == "__main__":
    unittest.main()
