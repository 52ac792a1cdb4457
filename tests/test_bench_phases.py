"""The per-phase profile credits time to the right part of the code."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.bench.phases import OTHER, attribute, format_phases, phase_of, profile_scenarios

PARSE = ("/x/harness/sip/message.py", 10, "parse")
JUDGE = ("/x/harness/certify/checks_rtx.py", 20, "check")
DNS = ("/venv/lib/twisted/names/dns.py", 30, "encode")
SPLIT = ("~", 0, "<method 'split' of 'str' objects>")
SORT = ("~", 0, "<method 'sort' of 'list' objects>")


def entry(tt: float, callers: dict | None = None) -> tuple:
    return (1, 1, tt, tt, callers or {})


class PhaseOfTests(SynchronousTestCase):
    def test_modules_map_to_phases(self) -> None:
        self.assertEqual(phase_of(PARSE[0]), "SIP parse/serialise")
        self.assertEqual(phase_of(JUDGE[0]), "judging (checkers)")
        self.assertEqual(phase_of(DNS[0]), "DNS encode/decode")
        self.assertEqual(phase_of("/venv/lib/twisted/names/client.py"), "DNS client/server")
        self.assertEqual(phase_of("/usr/lib/python3.11/json/encoder.py"), OTHER)

    def test_builtins_have_no_phase_of_their_own(self) -> None:
        self.assertIsNone(phase_of("~"))


class AttributeTests(SynchronousTestCase):
    def test_own_time_goes_to_the_module_phase(self) -> None:
        totals = attribute({PARSE: entry(2.0), JUDGE: entry(1.0), DNS: entry(0.5)})
        self.assertEqual(totals["SIP parse/serialise"], 2.0)
        self.assertEqual(totals["judging (checkers)"], 1.0)
        self.assertEqual(totals["DNS encode/decode"], 0.5)

    def test_builtin_time_is_shared_by_call_edge_cost(self) -> None:
        stats = {
            PARSE: entry(1.0),
            JUDGE: entry(1.0),
            # str.split: 3 s via the parser, 1 s via a checker
            SPLIT: entry(4.0, {PARSE: (1, 1, 3.0, 3.0), JUDGE: (1, 1, 1.0, 1.0)}),
        }
        totals = attribute(stats)
        self.assertAlmostEqual(totals["SIP parse/serialise"], 4.0)
        self.assertAlmostEqual(totals["judging (checkers)"], 2.0)

    def test_builtin_called_by_builtin_follows_the_chain(self) -> None:
        stats = {
            JUDGE: entry(0.0),
            SORT: entry(1.0, {JUDGE: (1, 1, 1.0, 1.0)}),
            SPLIT: entry(2.0, {SORT: (1, 1, 2.0, 2.0)}),
        }
        self.assertAlmostEqual(attribute(stats)["judging (checkers)"], 3.0)

    def test_orphan_builtin_is_other(self) -> None:
        self.assertEqual(attribute({SPLIT: entry(1.0)}), {OTHER: 1.0})


class ProfileScenariosTests(SynchronousTestCase):
    def test_profile_reports_stages_and_phases(self) -> None:
        figures = profile_scenarios(runs=2)
        for stage in ("build", "run", "judge"):
            self.assertGreater(figures[f"profile_{stage}_us_per_scenario"], 0)
        phases = figures["profile_phases_pct"]
        self.assertLess(abs(sum(phases.values()) - 100.0), 1.0)
        self.assertIn("SIP parse/serialise", phases)
        self.assertIn("judging (checkers)", phases)
        self.assertEqual(len(format_phases(figures)), len(phases))
