"""The binary's command line: --help, --version, bad values, clean shutdown."""
import signal
import subprocess
import unittest

from harness import BINARY, Server


def run(args, env=None):
    return subprocess.run([BINARY] + args, capture_output=True, text=True, env=env, timeout=20)


class CommandLine(unittest.TestCase):
    def test_help_lists_every_variable(self):
        r = run(["--help"])
        self.assertEqual(r.returncode, 0)
        for v in ["UMBRELLA_CLOUD", "UMBRELLA_HTTP_PREFIX", "UMBRELLA_HTTP_SERVE_ADDR", "UMBRELLA_PUBLIC_IP",
                  "UMBRELLA_PUBLIC_HOST", "UMBRELLA_MIN_PORT", "UMBRELLA_MAX_PORT", "UMBRELLA_LOG_LEVEL"]:
            self.assertIn(v, r.stdout)

    def test_version(self):
        r = run(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^umbrella \d+\.\d+\.\d+")

    def test_bad_addresses_are_one_clear_line_each(self):
        for env, says in ((("UMBRELLA_PUBLIC_IP", "203.0.113.7,fe80::1"), "'fe80::1' is not a usable IP address"),
                          (("UMBRELLA_PUBLIC_IP", "[2001:db8::1]"), "'[2001:db8::1]' is not a usable IP address"),
                          (("UMBRELLA_HTTP_SERVE_ADDR", "::1:8081"), "goes in brackets"),
                          (("UMBRELLA_TRUNK_URL", "wss://[2001:db8::1::2]:8081/wsb"), "not an IPv6 address")):
            r = run([], env={env[0]: env[1], "PATH": "/usr/bin"})
            self.assertNotEqual(r.returncode, 0, env)
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn(env[0], lines[0])
            self.assertIn(says, lines[0])

    def test_bad_value_is_one_clear_line(self):
        r = run([], env={"UMBRELLA_MAX_PORT": "seventy", "PATH": "/usr/bin"})
        self.assertNotEqual(r.returncode, 0)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn("UMBRELLA_MAX_PORT", lines[0])
        self.assertIn("1-65535", lines[0])

    def test_sigterm_stops_cleanly(self):
        s = Server().start()
        self.assertEqual(s.stop(signal.SIGTERM), 0, s.log_text())
        self.assertTrue(any("stopped" in l for l in s.log), s.log_text())

    def test_media_port_in_use_is_one_clear_line(self):
        import socket
        busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        busy.bind(("0.0.0.0", 0))
        port = busy.getsockname()[1]
        try:
            s = Server(env={"UMBRELLA_MIN_PORT": str(port), "UMBRELLA_MAX_PORT": str(port)})
            with self.assertRaises(RuntimeError):
                s.start(timeout=5)
            self.assertNotEqual(s.proc.returncode, 0)
            self.assertTrue(any("UMBRELLA_MIN_PORT" in l for l in s.log), s.log_text())
        finally:
            busy.close()


if __name__ == "__main__":
    unittest.main()
