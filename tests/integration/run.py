"""Integration suite runner: discovers test_*.py here and runs them with unittest.

Prints one line per test and a closing "integration: N passed, N failed" for tools/test.
"""
import argparse
import os
import sys
import time
import unittest


class CountingResult(unittest.TextTestResult):
    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def _line(self, word, test):
        took = time.monotonic() - getattr(self, "_started", time.monotonic())
        self.stream.write(f"{word} {test.id()} ({took:.1f}s)\n")
        self.stream.flush()

    def addSuccess(self, test):
        unittest.TestResult.addSuccess(self, test)
        self._line("ok", test)

    def addFailure(self, test, err):
        unittest.TestResult.addFailure(self, test, err)
        self._line("FAIL", test)

    def addError(self, test, err):
        unittest.TestResult.addError(self, test, err)
        self._line("ERROR", test)

    def addSkip(self, test, reason):
        unittest.TestResult.addSkip(self, test, reason)
        self._line(f"skip ({reason})", test)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("-k", dest="pattern", action="append", help="only tests whose id contains this")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    os.environ["UMBRELLA_BUILD"] = os.path.abspath(args.build)
    sys.path.insert(0, here)
    suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)

    def flatten(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                yield from flatten(t)
            else:
                yield t

    tests = [t for t in flatten(suite) if not args.pattern or any(p in t.id() for p in args.pattern)]
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=0, resultclass=CountingResult)
    result = runner.run(unittest.TestSuite(tests))
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"integration: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
