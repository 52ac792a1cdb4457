"""
Property 6: the properties catch every defective phone variant.

For each defect in L{harness.phone.defects.DEFECTS}, a real Hypothesis search
(bounded budget, biased toward worlds where the defect can show) looks for a
world where the golden phone satisfies the defect's clause and every own
property, and the defective phone does not.  Comparing against the golden
phone in the same world keeps a checker's false alarm from counting as
"caught".
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import settings
from twisted.trial.unittest import SynchronousTestCase

from harness.phone.defects import DEFECTS
from harness.testing.mutations import BIAS, search


def _budget() -> int:
    """Worlds per defect: 4x the profile's examples (100 under ci)."""
    return settings.default.max_examples * 4


class MutationTests(SynchronousTestCase):
    """Each defective variant is caught within the budget."""


def _make(defect: str) -> Callable[[MutationTests], None]:
    def test(self: MutationTests) -> None:
        world, tried = search(defect, _budget(), derandomize=settings.default.derandomize)
        if world is None:
            self.fail(f"defect {defect!r} not caught in {tried} worlds")

    test.__name__ = f"test_caught_{defect.replace('-', '_')}"
    test.__doc__ = f"The properties catch the {defect!r} phone."
    return test


for _d in DEFECTS:
    setattr(MutationTests, f"test_caught_{_d.name.replace('-', '_')}", _make(_d.name))


class MutationReportTests(SynchronousTestCase):
    """C{python -m harness.testing.mutations}: the budget report's edges."""

    def test_every_defect_has_a_bias(self) -> None:
        """A new defect without a world bias would be searched nowhere."""
        self.assertEqual(sorted(BIAS), sorted(d.name for d in DEFECTS))

    def test_unknown_defect_rejected(self) -> None:
        """A misspelt defect is an error naming the known ones, before any search."""
        import contextlib
        import io

        from harness.testing.mutations import main

        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as cm:
            main(["--defect", "ignores-dnsttl", "--defect", "no-such-defect"])
        self.assertEqual(cm.exception.code, 2)
        self.assertIn("unknown defect(s) no-such-defect", err.getvalue())
        self.assertIn("ignores-dnsttl", err.getvalue())

    def test_report_counts_worlds(self) -> None:
        """One defect, a tiny budget: the table row and the summary line are printed."""
        import contextlib
        import io

        from harness.testing.mutations import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["--defect", "srv-weight-reversed", "--budget", "40"])
        lines = out.getvalue().splitlines()
        row = next(ln for ln in lines if ln.startswith("srv-weight-reversed"))
        worlds = row.split()[-2]
        self.assertTrue(worlds.lstrip(">").isdigit(), row)
        self.assertEqual(code, 0 if not worlds.startswith(">") else 1)
        self.assertRegex(lines[-1], r"^[01] of 1 defects caught within 40 worlds$")
