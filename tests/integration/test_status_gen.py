"""proto/gen_status.py on protos of its own: what it derives from each kind of field, and the
clear refusal of a field the status writers cannot write."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GENERATOR = os.path.join(ROOT, "proto", "gen_status.py")


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def generate(body, root="demo.Report"):
    """Runs the generator on a proto of `body`; returns (exit status, stderr, hpp, ts)."""
    with tempfile.TemporaryDirectory() as tmp:
        proto = os.path.join(tmp, "demo.proto")
        with open(proto, "w") as f:
            f.write('syntax = "proto3";\npackage demo;\n' + textwrap.dedent(body))
        hpp, ts = os.path.join(tmp, "out.hpp"), os.path.join(tmp, "out.ts")
        r = subprocess.run([sys.executable, GENERATOR, "--proto", proto, "--root", root,
                            "--cpp-out", hpp, "--ts-out", ts], capture_output=True, text=True)
        return r.returncode, r.stderr, read(hpp), read(ts)


class StatusGenerator(unittest.TestCase):
    def test_every_supported_kind_of_field(self):
        rc, err, hpp, ts = generate("""
            enum Colour { COLOUR_UNSPECIFIED = 0; COLOUR_DARK_RED = 1; }
            message Unused { double x = 1; }  // not reachable from the root: ignored
            message Report {
              message Item {
                enum Level { LEVEL_LOW = 0; LEVEL_HIGH = 1; }
                Level level = 1;
                bool on = 2;
              }
              string name = 1;       // who
              int64 delta = 2;
              repeated uint32 ids = 3;
              map<string, Item> items = 4;
              repeated Item list = 5;
              Colour colour = 6;
              Item main = 7;
            }
            """)
        self.assertEqual(rc, 0, err)
        # C++: nested types first, named Outer_Inner; nanopb's enums and their zero values.
        self.assertIn('#include "demo.pb.h"', hpp)
        self.assertLess(hpp.index("struct Report_Item {"), hpp.index("struct Report {"))
        for decl in ["demo_Report_Item_Level level = demo_Report_Item_Level_LEVEL_LOW;", "bool on = false;",
                     "std::string name;", "int64_t delta = 0;", "std::vector<uint32_t> ids;",
                     "std::map<std::string, Report_Item> items;", "std::vector<Report_Item> list;",
                     "demo_Colour colour = demo_Colour_COLOUR_UNSPECIFIED;", "Report_Item main;",
                     'v.field(4, "items", items);', 'case demo_Colour_COLOUR_DARK_RED: return "dark_red";',
                     "  // who"]:
            self.assertIn(decl, hpp)
        self.assertNotIn("Unused", hpp)
        # TypeScript: the JSON shape.
        for decl in ['export type Colour = "unspecified" | "dark_red";', 'export type Report_Item_Level = "low" | "high";',
                     "delta: number;", "ids: number[];", "items: Record<string, Report_Item>;", "list: Report_Item[];",
                     "on: boolean;", "main: Report_Item;"]:
            self.assertIn(decl, ts)

    def test_refuses_what_the_writers_cannot_write(self):
        for body, field in [
            ("message Report { double ratio = 1; }", "demo.Report.ratio"),
            ("message Report { oneof x { string a = 1; uint32 b = 2; } }", "demo.Report.a"),
            ("message Report { optional uint32 n = 1; }", "demo.Report.n"),
            ("message Report { map<uint32, string> m = 1; }", "demo.Report.m"),
            ("message Report { sint32 s = 1; }", "demo.Report.s"),
        ]:
            rc, err, hpp, _ = generate(body)
            self.assertNotEqual(rc, 0, body)
            self.assertIn(field, err, body)
            self.assertEqual(hpp, "", body)

    def test_enum_names_must_stay_distinct(self):
        rc, err, _, _ = generate("enum E { E_A = 0; X_A = 1; }\nmessage Report { E e = 1; }")
        self.assertEqual(rc, 0, err)  # no common prefix: names kept whole ("e_a", "x_a")
        rc, err, _, _ = generate("enum E { option allow_alias = true; E_A = 0; E_B = 0; }\nmessage Report { E e = 1; }")
        self.assertNotEqual(rc, 0)
        self.assertIn("enum E", err)

    def test_unknown_root(self):
        rc, err, _, _ = generate("message Other {}")
        self.assertNotEqual(rc, 0)
        self.assertIn("no message demo.Report", err)


if __name__ == "__main__":
    unittest.main()
