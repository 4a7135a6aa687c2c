#!/usr/bin/env python3
"""Bytes of a linked binary per input archive / object, from a GNU ld map file.

usage: size_by_archive.py MAP [--objects N]
Make the map with -Wl,-Map=FILE on the link line (tools/bench/footprint prints one).
Counts allocated output sections only (.text, .rodata, .data*, .eh_frame, ... not .debug_*
or .bss), so the total is close to the stripped file's size."""
import collections
import re
import signal
import sys

ALLOC = re.compile(r"^\.(text|rodata|data|eh_frame|gcc_except_table|init_array|fini_array|"
                   r"tdata|rela|got|note|gnu|stapsdt|__libc|preinit)")


def group(path):
    m = re.match(r"(.*/)?([^/(]+\.a)\(([^)]+)\)", path)
    if m:
        return m.group(2), m.group(3)
    return path.rsplit("/", 1)[-1], path.rsplit("/", 1)[-1]


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # | head
    path = sys.argv[1]
    nobj = int(sys.argv[sys.argv.index("--objects") + 1]) if "--objects" in sys.argv else 25
    per_archive = collections.Counter()
    per_object = collections.Counter()
    in_memory_map = False
    pending = None
    out_section = ""
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("Linker script and memory map"):
                in_memory_map = True
                continue
            if not in_memory_map:
                continue
            if line and not line[0].isspace():
                out_section = line.split()[0] if line.split() else ""
            parts = line.split()
            # " .text.foo  0xADDR  0xSIZE file" or " .text.foo\n   0xADDR 0xSIZE file"
            if len(parts) == 1 and line.startswith(" .") and not line.startswith("  "):
                pending = parts[0]
                continue
            if pending and len(parts) >= 3 and parts[0].startswith("0x") and parts[1].startswith("0x"):
                sec, addr, size, obj = pending, parts[0], parts[1], " ".join(parts[2:])
                pending = None
            elif len(parts) >= 4 and line.startswith(" .") and parts[1].startswith("0x") and parts[2].startswith("0x"):
                sec, addr, size, obj = parts[0], parts[1], parts[2], " ".join(parts[3:])
                pending = None
            else:
                pending = None
                continue
            if not ALLOC.match(out_section) or out_section.startswith((".debug", ".comment")):
                continue
            if out_section.startswith(".tbss"):
                continue
            n = int(size, 16)
            if n == 0:
                continue
            a, o = group(obj)
            per_archive[a] += n
            per_object[(a, o)] += n
    total = sum(per_archive.values())
    print(f"allocated bytes from inputs: {total} ({total / 1024:.0f} KiB)")
    print("\nper archive:")
    for a, n in per_archive.most_common():
        if n >= 4096:
            print(f"  {n:>9} {n / total:6.1%}  {a}")
    print(f"\nlargest {nobj} objects:")
    for (a, o), n in per_object.most_common(nobj):
        print(f"  {n:>9}  {a}({o})")


if __name__ == "__main__":
    main()
