"""Byte-reproducible archives for tools/openwrt/make-ipk and tools/docker/make-image.

Python's standard library only. Every archive member gets the same mtime (SOURCE_DATE_EPOCH,
else the last commit's time), owner 0:0 (or the uid/gid given) with no user or group
names, and members come in name order, so the same inputs give the same bytes.
"""
import gzip
import io
import os
import re
import struct
import subprocess
import sys
import tarfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def die(message):
    """One line on stderr saying what is wrong and how to fix it, then exit status 1."""
    print(f"{os.path.basename(sys.argv[0])}: {message}", file=sys.stderr)
    sys.exit(1)


def git(*args):
    try:
        r = subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True)
    except FileNotFoundError:
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


def source_date_epoch():
    """The time every member carries: SOURCE_DATE_EPOCH (the reproducible-builds convention)
    or the commit's time, never now, so rebuilding the same commit changes nothing."""
    value = os.environ.get("SOURCE_DATE_EPOCH") or git("log", "-1", "--format=%ct") or "0"
    if not value.isdigit():
        die(f"SOURCE_DATE_EPOCH={value!r} is not a number of seconds: unset it or fix it")
    return int(value)


def project_version():
    """meson.build's project version: the one `umbrella --version` prints."""
    with open(os.path.join(REPO, "meson.build")) as f:
        m = re.search(r"project\(.*?version\s*:\s*'([^']+)'", f.read(), re.S)
    if not m:
        die("no version in meson.build's project(): pass --version")
    return m.group(1)


def revision():
    """The commit, with -dirty when the work tree differs from it (the binary may too)."""
    rev = git("rev-parse", "HEAD")
    if rev and git("status", "--porcelain", "--untracked-files=no"):
        rev += "-dirty"
    return rev


def elf_info(path):
    """(machine, static) of an ELF executable: e_machine, and whether it lacks PT_INTERP
    (a dynamic loader, which neither OpenWrt's musl rootfs nor a scratch image has)."""
    with open(path, "rb") as f:
        head = f.read(64)
        if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
            return None, False  # not a 64-bit little-endian ELF
        machine = struct.unpack_from("<H", head, 18)[0]
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    interp = any(struct.unpack_from("<I", table, i * phentsize)[0] == 3 for i in range(phnum))
    return machine, not interp


EM_X86_64, EM_AARCH64 = 62, 183


def check_binary(path, machine, build_hint):
    """The static build's stripped binary, current with its unstripped one, else one line."""
    unstripped = os.path.join(os.path.dirname(os.path.dirname(path)), "src/server/umbrella")
    rel = os.path.relpath(path, REPO)
    if not os.path.isfile(path):
        die(f"{rel} not found: build it first with {build_hint}")
    if os.path.isfile(unstripped) and os.path.getmtime(unstripped) > os.path.getmtime(path):
        die(f"{rel} is older than {os.path.relpath(unstripped, REPO)}: rerun {build_hint}")
    got, static = elf_info(path)
    if got != machine:
        die(f"{rel} is not a 64-bit {'aarch64' if machine == EM_AARCH64 else 'x86_64'} ELF: rerun {build_hint}")
    if not static:
        die(f"{rel} is dynamically linked (needs a loader the target lacks): rerun {build_hint}")


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Tree:
    """Files and directories to archive: path -> (mode, bytes or None for a directory, uid, gid)."""

    def __init__(self):
        self.entries = {}

    def dir(self, path, mode=0o755, uid=0, gid=0):
        self.entries[path.strip("/")] = (mode, None, uid, gid)

    def file(self, path, data, mode=0o644, uid=0, gid=0):
        path = path.strip("/")
        parent = os.path.dirname(path)
        while parent and parent not in self.entries:  # parents as in a real tree, 0755 root
            self.entries[parent] = (0o755, None, 0, 0)
            parent = os.path.dirname(parent)
        self.entries[path] = (mode, data, uid, gid)

    def tar(self, mtime, prefix="", root_dir=False):
        """A GNU tar (what OpenWrt's ipkg-build writes) in name order, parents before their
        contents. prefix "./" and root_dir=True give ipkg-build's "./", "./etc/", ...;
        prefix "" gives the plain "etc/passwd" names of an OCI layer."""
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as t:
            if root_dir:
                t.addfile(self._info(prefix or ".", 0o755, None, 0, 0, mtime))
            for path in sorted(self.entries, key=lambda p: p.split("/")):
                mode, data, uid, gid = self.entries[path]
                t.addfile(self._info(prefix + path, mode, data, uid, gid, mtime),
                          io.BytesIO(data) if data is not None else None)
        return out.getvalue()

    @staticmethod
    def _info(name, mode, data, uid, gid, mtime):
        info = tarfile.TarInfo(name)
        info.mode, info.uid, info.gid, info.mtime = mode, uid, gid, mtime
        info.uname = info.gname = ""  # numeric owners only, as tar --numeric-owner
        if data is None:
            info.type = tarfile.DIRTYPE
        else:
            info.size = len(data)
        return info


def ordered_tar(members, mtime):
    """A GNU tar of (name, bytes) files, 0644 0:0, in the order given."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in members:
            t.addfile(Tree._info(name, 0o644, data, 0, 0, mtime), io.BytesIO(data))
    return out.getvalue()


def gzip_bytes(data):
    """gzip -n: no file name and mtime 0 in the header, so the bytes depend on data only."""
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as g:
        g.write(data)
    return out.getvalue()


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
