"""
Tests for L{harness.certify.checkers.judge} and the checker table as a whole.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.certify import checkers
from harness.certify.checkers import CHECKERS, judge
from harness.certify.clauses import CLAUSES
from harness.profile import PROFILES
from harness.testing.tracebuilder import TraceBuilder, default_facts, register_failover
from harness.trace.events import NoteEvent, Trace


class JudgeTests(SynchronousTestCase):
    def test_one_checker_per_clause_in_catalogue_order(self) -> None:
        self.assertEqual(list(CHECKERS), [c.id for c in CLAUSES])

    def test_empty_trace_never_crashes(self) -> None:
        for name in PROFILES:
            for facts in (default_facts(profile=name), default_facts(enable=0),
                          default_facts(redundancy_type=1, transport=3, port1=0),
                          default_facts(server1="127.0.1.10", phone=None, dns=None)):
                for v in judge(Trace(), facts):
                    self.assertIn(v.status, ("pass", "fail", "n/a"))
                    self.assertNotIn("checker error", v.summary, v)

    def test_selected_clauses_in_catalogue_order(self) -> None:
        vs = judge(Trace(), default_facts(), ["FB-0", "CFG-1", "DNS-1"])
        self.assertEqual([v.clause for v in vs], ["CFG-1", "DNS-1", "FB-0"])

    def test_unknown_clause(self) -> None:
        self.assertRaises(KeyError, judge, Trace(), default_facts(), ["NOPE-1"])

    def test_crashing_checker_is_reported(self) -> None:
        def boom(ctx: object) -> None:
            raise RuntimeError("bug")

        self.patch(checkers, "_FAMILY", {**checkers._FAMILY, "RTX-1": boom})
        (v,) = judge(Trace(), default_facts(), ["RTX-1"])
        self.assertEqual(v.status, "fail")
        self.assertTrue(v.summary.startswith("checker error: RuntimeError: bug"))

    def test_notes_are_ignored(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        plain = judge(tb.build(), facts)
        noted = tb.build()
        noted.record(NoteEvent(1.0, "phone", "failed over", "FO-2"))
        self.assertEqual([(v.status, v.summary) for v in judge(noted, facts)],
                         [(v.status, v.summary) for v in plain])

    def test_checkers_callable_directly(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        v = CHECKERS["FO-2"](tb.build(), facts)
        self.assertEqual((v.clause, v.status, v.scenario), ("FO-2", "pass", "synthetic"))
        self.assertTrue(v.evidence)

    def test_golden_failover_passes_everything_it_exercises(self) -> None:
        facts = default_facts(expires=120, duration=200, server2="")
        tb = TraceBuilder(facts)
        register_failover(tb, granted=120)
        r = tb.register("primary", 67.5, cseq=3, expires=120)
        tb.respond(r, 200, headers=[("Expires", "120")])
        r = tb.register("primary", 127.5, cseq=4, expires=120)
        tb.respond(r, 200, headers=[("Expires", "120")])
        tb.call("primary", 150.0, bye_at=160.0)
        bad = [v for v in judge(tb.build(), facts) if v.status == "fail"]
        self.assertEqual(bad, [])
