"""Integration suite runner: discovers test_*.py here and runs them with unittest.

Speaks TAP on stdout (meson's `protocol : 'tap'`, tests/meson.build): one "ok N - id" or
"not ok N - id" line per test, "# SKIP reason" for skipped ones, the failure's traceback as
"#" lines, the plan last. Everything else the tests and their child processes print goes to
stderr. With UMBRELLA_SANITIZER_LOGS set (the sanitizer builds' log_path directory), every
sanitizer report written there during the run is one more failed test.

A test that runs longer than UMBRELLA_TEST_TIMEOUT seconds (300) ends the run with every
thread's stack on stderr, so a hang costs minutes and shows where it is, not meson's hour.
"""
import argparse
import faulthandler
import glob
import os
import sys
import time
import unittest


TEST_TIMEOUT = float(os.environ.get("UMBRELLA_TEST_TIMEOUT", "300"))


class TapResult(unittest.TestResult):
    def __init__(self, tap):
        super().__init__()
        self.tap = tap
        self.count = 0

    def startTest(self, test):
        self._started = time.monotonic()
        self.tap.write(f"# {test.id()} started\n")
        self.tap.flush()
        faulthandler.dump_traceback_later(TEST_TIMEOUT, exit=True, file=sys.__stderr__)
        super().startTest(test)

    def stopTest(self, test):
        faulthandler.cancel_dump_traceback_later()
        super().stopTest(test)

    def line(self, ok, test, directive="", detail=""):
        self.count += 1
        took = time.monotonic() - getattr(self, "_started", time.monotonic())
        name = test.id() if isinstance(test, unittest.TestCase) else str(test)
        self.tap.write(f"{'ok' if ok else 'not ok'} {self.count} - {name.replace('#', ' ')} ({took:.1f}s){directive}\n")
        for l in detail.rstrip().splitlines():
            self.tap.write(f"# {l}\n")
        self.tap.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.line(False, test, detail=self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self.line(False, test, detail=self.errors[-1][1])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.line(True, test, directive=f" # SKIP {reason.replace('#', ' ')}")


def sanitizer_reports(directory):
    return sorted(glob.glob(os.path.join(directory, "*"))) if directory else []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("-k", dest="pattern", action="append", help="only tests whose id contains this")
    args = parser.parse_args()
    # TAP keeps the original stdout; fd 1 becomes stderr for the tests and every child.
    tap = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    here = os.path.dirname(os.path.abspath(__file__))
    os.environ["UMBRELLA_BUILD"] = os.path.abspath(args.build)
    sys.path.insert(0, here)
    logs = os.environ.get("UMBRELLA_SANITIZER_LOGS")
    if logs:
        os.makedirs(logs, exist_ok=True)
        for f in sanitizer_reports(logs):
            os.remove(f)
    suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)

    def flatten(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                yield from flatten(t)
            else:
                yield t

    tests = [t for t in flatten(suite) if not args.pattern or any(p in t.id() for p in args.pattern)]
    result = TapResult(tap)
    unittest.TestSuite(tests).run(result)
    reports = sanitizer_reports(logs)
    for path in reports:
        with open(path, errors="replace") as f:
            text = f.read()
        result._started = time.monotonic()
        result.line(False, f"sanitizer report {os.path.basename(path)}", detail="\n".join(text.splitlines()[:80]))
    failed = len(result.failures) + len(result.errors) + len(reports)
    skipped = len(result.skipped)
    passed = result.testsRun - len(result.failures) - len(result.errors) - skipped
    tap.write(f"1..{result.count}\n# integration: {passed} passed, {failed} failed, {skipped} skipped\n")
    tap.flush()
    sys.stderr.flush()
    # Not sys.exit: a thread or executor a failed test left behind must not hold the exit.
    os._exit(1 if failed else 0)


if __name__ == "__main__":
    main()
