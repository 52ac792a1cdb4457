"""
L{harness.certify.checks_base.Ctx}'s own helpers: each answers what the
inline computations it replaced answered.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from harness.certify.checks_base import Ctx
from harness.testing.tracebuilder import TraceBuilder, default_facts


def _ctx(calls: list[float]) -> Ctx:
    """A context over an empty trace whose facts plan calls at C{calls}."""
    facts = default_facts(calls=calls)
    return Ctx(TraceBuilder(facts).build(), facts)


def _scanned(ctx: Ctx, by: float) -> float | None:
    """The scan the checkers wrote inline before L{Ctx.last_call_planned}."""
    return max((p.at for p in ctx.facts.calls if p.at <= by), default=None)


class LastCallPlannedTests(SynchronousTestCase):
    """The latest call planned by a time: a bisect that answers as the scan did."""

    def test_none_before_the_first_call(self) -> None:
        ctx = _ctx([30.0, 4.2])
        self.assertIsNone(ctx.last_call_planned(4.1999))
        self.assertIsNone(_ctx([]).last_call_planned(1e9))

    def test_bound_inclusive(self) -> None:
        """A call planned exactly at the bound counts: callers pass C{<=} bounds."""
        ctx = _ctx([30.0, 4.2])
        self.assertEqual(ctx.last_call_planned(4.2), 4.2)
        self.assertEqual(ctx.last_call_planned(29.999), 4.2)
        self.assertEqual(ctx.last_call_planned(30.0), 30.0)
        self.assertEqual(ctx.last_call_planned(1e9), 30.0)

    def test_call_at_zero_is_a_call(self) -> None:
        """A call placed at 0.0 s is an answer, not the lack of one (falsy, not None)."""
        self.assertEqual(_ctx([0.0, 5.0]).last_call_planned(0.0), 0.0)

    def test_same_instant(self) -> None:
        self.assertEqual(_ctx([10.0, 10.0, 3.0]).last_call_planned(10.0), 10.0)

    def test_with_a_tolerance(self) -> None:
        """The boundary is the caller's: a start plus the tolerance as written inline."""
        ctx = _ctx([4.25])
        started = 4.2
        self.assertIsNone(ctx.last_call_planned(started))
        self.assertEqual(ctx.last_call_planned(started + ctx.tol), 4.25)
        self.assertEqual(ctx.last_call_planned(started + ctx.tol),
                         _scanned(ctx, started + ctx.tol))

    @given(st.lists(st.floats(0.0, 600.0), max_size=8),
           st.floats(-1.0, 700.0), st.sampled_from([0.0, 0.05, 0.001]))
    def test_as_the_scan(self, calls: list[float], t: float, tol: float) -> None:
        ctx = _ctx(calls)
        self.assertEqual(ctx.last_call_planned(t + tol), _scanned(ctx, t + tol))
        # planned calls at the bound itself, to the last bit
        for at in calls:
            self.assertEqual(ctx.last_call_planned(at), _scanned(ctx, at))
