"""Tiny TAP producer for unittest (stdlib only), for Automake's tap-driver.sh.

    import python_tap
    python_tap.main()          # runs the unittest.TestCase classes of __main__

Prints the plan first ("1..N"), then one "ok"/"not ok" line per test;
skipped tests are "ok N name # SKIP reason"; failures carry their traceback
as "#" diagnostics.
"""
import sys
import unittest


class TAPResult(unittest.TestResult):
    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.n = 0

    def _line(self, ok, test, directive=""):
        self.n += 1
        name = test.id().split(".", 1)[-1].replace("#", "")
        self.stream.write("%s %d - %s%s\n" % ("ok" if ok else "not ok",
                                               self.n, name, directive))
        self.stream.flush()

    def _diag(self, text):
        for line in text.rstrip().splitlines():
            self.stream.write("# %s\n" % line)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test)
        self._diag(self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test)
        self._diag(self.errors[-1][1])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, " # SKIP %s" % reason.replace("\n", " "))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test, " # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, " # TODO unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._diag("subtest %s failed" % subtest.id())


def main(module="__main__"):
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module])
    out = sys.stdout
    out.write("1..%d\n" % suite.countTestCases())
    out.flush()
    result = TAPResult(out)
    suite.run(result)
    sys.exit(0 if result.wasSuccessful() else 1)
