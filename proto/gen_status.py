#!/usr/bin/env python3
"""Derives everything /status needs from its messages in the .proto, so they are written once.

  gen_status.py --proto proto/umbrella.proto --root umbrella.Status
                [--protoc PATH] [--cpp-out FILE.hpp] [--ts-out FILE.ts]

--cpp-out: plain C++ structs (std::string, std::vector, std::map, uint64_t, nanopb's enums)
for the root message and every message it contains, each with a visit(v) that calls
v.field(number, "name", member) in .proto order, and json_name() for each enum. One JSON
writer and one protobuf writer (src/signal/status_*.cpp) walk any struct through visit().
--ts-out: TypeScript interfaces of the JSON the server writes (/status.json) for web/.

JSON shape: proto field names; integers as numbers; enums as their value name without the
common prefix, lower-cased (MEDIA_KIND_AUDIO -> "audio"); maps as objects. Supported field
types are those both writers handle; anything else stops the build with the field's name.
"""
import argparse
import os
import subprocess
import sys
import tempfile

try:
    from google.protobuf import descriptor_pb2
except ImportError:
    sys.exit("gen_status.py: needs python3's protobuf module (Debian: python3-protobuf)")

F = descriptor_pb2.FieldDescriptorProto
SCALARS = {  # proto type -> (C++ type, C++ zero, TS type)
    F.TYPE_STRING: ("std::string", None, "string"),
    F.TYPE_BOOL: ("bool", "false", "boolean"),
    F.TYPE_UINT32: ("uint32_t", "0", "number"),
    F.TYPE_UINT64: ("uint64_t", "0", "number"),
    F.TYPE_INT32: ("int32_t", "0", "number"),
    F.TYPE_INT64: ("int64_t", "0", "number"),
}


def fail(msg):
    sys.exit(f"gen_status.py: {msg}")


def load(protoc, proto):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        subprocess.run([protoc, f"-I{os.path.dirname(os.path.abspath(proto))}", "--include_imports",
                        "--include_source_info", f"--descriptor_set_out={out}",
                        os.path.basename(proto)], check=True)
        with open(out, "rb") as f:
            return descriptor_pb2.FileDescriptorSet.FromString(f.read())


class Schema:
    """Every message and enum of the set by full name, with its C name and comment."""

    def __init__(self, fds):
        self.messages, self.enums, self.comments = {}, {}, {}
        for file in fds.file:
            for loc in file.source_code_info.location:
                text = (loc.leading_comments or loc.trailing_comments).strip()
                if text:
                    self.comments[(file.name,) + tuple(loc.path)] = text
            c_prefix = file.package.replace(".", "_") + "_" if file.package else ""
            self._add(file.package, "", c_prefix, file.message_type, file.enum_type, (file.name,), 4, 5)

    # Each entry: (descriptor, nanopb's C name, local name for C++/TS, source path for comments).
    # The local name is the name in the package, outer message names joined by '_'.
    def _add(self, scope, local_prefix, c_prefix, messages, enums, path, msg_tag, enum_tag):
        for i, e in enumerate(enums):
            local = local_prefix + e.name
            self.enums[f"{scope}.{e.name}".lstrip(".")] = (e, c_prefix + local, local, path + (enum_tag, i))
        for i, m in enumerate(messages):
            full, local = f"{scope}.{m.name}".lstrip("."), local_prefix + m.name
            self.messages[full] = (m, c_prefix + local, local, path + (msg_tag, i))
            self._add(full, local + "_", c_prefix, m.nested_type, m.enum_type, path + (msg_tag, i), 3, 4)

    def comment(self, path):
        return self.comments.get(path, "")


def enum_names(e):
    """JSON names: the value names without their common prefix (up to an underscore), lower-cased."""
    names = [v.name for v in e.value]
    common = os.path.commonprefix(names)
    common = common[: common.rfind("_") + 1]
    out = [n[len(common):].lower() for n in names]
    if "" in out or len(set(out)) != len(out) or len({v.number for v in e.value}) != len(out):
        fail(f"enum {e.name}: value names must stay distinct without their prefix, numbers unique")
    return out


class Model:
    """The root message and everything it reaches, dependencies first."""

    def __init__(self, schema, root):
        self.schema, self.order, self.enum_order, self.seen = schema, [], [], set()
        if root not in schema.messages:
            fail(f"no message {root}")
        self._walk(root)

    def _walk(self, name):
        if name in self.seen:
            return
        self.seen.add(name)
        msg = self.schema.messages[name][0]
        for f in msg.field:
            if f.HasField("oneof_index"):
                fail(f"{name}.{f.name}: oneof/optional fields are not supported")
            if f.type == F.TYPE_MESSAGE:
                ref = f.type_name.lstrip(".")
                entry = self.schema.messages[ref][0]
                if entry.options.map_entry:
                    for sub in entry.field:
                        self._dep(name, sub)
                    if entry.field[0].type != F.TYPE_STRING:
                        fail(f"{name}.{f.name}: map keys must be strings")
                else:
                    self._walk(ref)
            else:
                self._dep(name, f)
        self.order.append(name)

    def _dep(self, owner, f):
        if f.type == F.TYPE_MESSAGE:
            self._walk(f.type_name.lstrip("."))
        elif f.type == F.TYPE_ENUM:
            ref = f.type_name.lstrip(".")
            if ref not in self.enum_order:
                self.enum_order.append(ref)
        elif f.type not in SCALARS:
            fail(f"{owner}.{f.name}: type {F.Type.Name(f.type)} is not supported by the status writers "
                 "(add it to proto/gen_status.py and src/signal/status_*.cpp)")

    def struct_name(self, full):
        return self.schema.messages[full][2]

    def map_entry(self, f):
        if f.type != F.TYPE_MESSAGE:
            return None
        entry = self.schema.messages[f.type_name.lstrip(".")][0]
        return entry if entry.options.map_entry else None


def cpp_type(model, f):
    if f.type == F.TYPE_MESSAGE:
        return model.struct_name(f.type_name.lstrip("."))
    if f.type == F.TYPE_ENUM:
        return model.schema.enums[f.type_name.lstrip(".")][1]
    return SCALARS[f.type][0]


def cpp_member(model, f):
    entry = model.map_entry(f)
    if entry:
        return f"std::map<{cpp_type(model, entry.field[0])}, {cpp_type(model, entry.field[1])}>", None
    t = cpp_type(model, f)
    if f.label == F.LABEL_REPEATED:
        return f"std::vector<{t}>", None
    if f.type == F.TYPE_ENUM:
        e, c_name, _, _ = model.schema.enums[f.type_name.lstrip(".")]
        return t, f"{c_name}_{e.value[0].name}"
    return t, SCALARS[f.type][1] if f.type in SCALARS else None


def comment_lines(text, indent, style="//"):
    return [f"{indent}{style} {line}".rstrip() for line in text.splitlines()]


def emit_cpp(model, source, nanopb_header):
    out = [f"// Generated by proto/gen_status.py from {source}: do not edit. The structs the server",
           "// fills for /status; visit() feeds each field to the JSON and protobuf writers.",
           "#pragma once", "", "#include <cstdint>", "#include <map>", "#include <string>",
           "#include <string_view>", "#include <vector>", "", f'#include "{nanopb_header}"', "",
           "namespace umbrella::signal::status {", ""]
    for full in model.enum_order:
        e, c_name, _, _ = model.schema.enums[full]
        out.append(f"// JSON name of a {full} value; \"unknown\" outside the enum.")
        out.append(f"inline std::string_view json_name({c_name} v) {{")
        out.append("  switch (v) {")
        for v, name in zip(e.value, enum_names(e)):
            out.append(f'    case {c_name}_{v.name}: return "{name}";')
        out += ["  }", '  return "unknown";', "}", ""]
    for full in model.order:
        msg, _, _, path = model.schema.messages[full]
        out += comment_lines(model.schema.comment(path), "")
        out.append(f"struct {model.struct_name(full)} {{")
        visit = []
        for i, f in enumerate(msg.field):
            t, init = cpp_member(model, f)
            note = model.schema.comment(path + (2, i))
            out += comment_lines(note, "  ")
            out.append(f"  {t} {f.name}{' = ' + init if init else ''};")
            visit.append(f'    v.field({f.number}, "{f.name}", {f.name});')
        out += ["", "  template <class Visitor>", "  void visit(Visitor& v) const {"] + visit + ["  }", "};", ""]
    out += ["}  // namespace umbrella::signal::status", ""]
    return "\n".join(out)


def ts_type(model, f):
    if f.type == F.TYPE_MESSAGE:
        return model.struct_name(f.type_name.lstrip("."))
    if f.type == F.TYPE_ENUM:
        return model.schema.enums[f.type_name.lstrip(".")][2]
    return SCALARS[f.type][2]


def emit_ts(model, source):
    out = [f"// Generated by proto/gen_status.py from {source}: do not edit.",
           "// The shape of <prefix>/status.json, as src/signal/status_json.cpp writes it.", ""]
    for full in model.enum_order:
        e, _, name, path = model.schema.enums[full]
        out += comment_lines(model.schema.comment(path), "")
        out.append(f"export type {name} = {' | '.join(repr(n).replace(chr(39), chr(34)) for n in enum_names(e))};")
        out.append("")
    for full in model.order:
        msg, _, _, path = model.schema.messages[full]
        out += comment_lines(model.schema.comment(path), "")
        out.append(f"export interface {model.struct_name(full)} {{")
        for i, f in enumerate(msg.field):
            out += comment_lines(model.schema.comment(path + (2, i)), "  ")
            entry = model.map_entry(f)
            if entry:
                t = f"Record<string, {ts_type(model, entry.field[1])}>"
            else:
                t = ts_type(model, f) + ("[]" if f.label == F.LABEL_REPEATED else "")
            out.append(f"  {f.name}: {t};")
        out += ["}", ""]
    return "\n".join(out)


def write(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proto", required=True)
    ap.add_argument("--root", default="umbrella.Status")
    ap.add_argument("--protoc", default="protoc")
    ap.add_argument("--cpp-out")
    ap.add_argument("--ts-out")
    a = ap.parse_args()
    model = Model(Schema(load(a.protoc, a.proto)), a.root)
    source = "proto/" + os.path.basename(a.proto)
    if a.cpp_out:
        write(a.cpp_out, emit_cpp(model, source, os.path.splitext(os.path.basename(a.proto))[0] + ".pb.h"))
    if a.ts_out:
        write(a.ts_out, emit_ts(model, source))


if __name__ == "__main__":
    main()
