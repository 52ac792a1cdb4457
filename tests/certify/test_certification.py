"""
The certification as a whole: the golden phone passes every bundled scenario,
every defective variant fails the clause it breaks, and runs are deterministic.

These are the tests that make the certifier trustworthy: a checker that never
fails, or a fixture that does not exercise what it claims, shows up here.
"""

from __future__ import annotations

from functools import cache

from twisted.trial.unittest import SynchronousTestCase

from harness.certify.clauses import CLAUSES
from harness.phone.defects import DEFECTS, Defects
from harness.scenario import Scenario, bundled_scenarios_dir, find_scenarios, load_scenario
from harness.testbed import RunResult, run_scenario


@cache
def bundled() -> tuple[Scenario, ...]:
    return tuple(load_scenario(p) for p in find_scenarios([str(bundled_scenarios_dir())]))


@cache
def golden() -> tuple[RunResult, ...]:
    return tuple(run_scenario(sc) for sc in bundled())


class GoldenPhoneTests(SynchronousTestCase):
    def test_bundled_scenarios_exist(self) -> None:
        self.assertGreaterEqual(len(bundled()), 20)

    def test_builtin_phone_passes_everything(self) -> None:
        problems = []
        for result in golden():
            for v in result.verdicts:
                if v.status == "fail":
                    problems.append(f"{v.scenario} {v.clause}: {v.summary} / {v.seen}")
            problems.extend(f"{result.scenario.name}: {e}" for e in result.phone_errors)
        self.assertEqual(problems, [])

    def test_declared_clauses_are_exercised(self) -> None:
        """Every clause a scenario says it exercises gets a real verdict there."""
        missing = []
        for result in golden():
            judged = {v.clause for v in result.verdicts if v.status == "pass"}
            missing.extend(
                f"{result.scenario.name}: {c}" for c in result.scenario.clauses if c not in judged
            )
        self.assertEqual(missing, [])

    def test_every_clause_is_covered(self) -> None:
        """Each catalogue clause passes somewhere (STORM-1 is a figure: many phones)."""
        passed = {v.clause for r in golden() for v in r.verdicts if v.status == "pass"}
        uncovered = [c.id for c in CLAUSES if c.id not in passed and c.id != "STORM-1"]
        self.assertEqual(uncovered, [])


class DefectTests(SynchronousTestCase):
    """A checker that judges a phone must fail a phone that misbehaves."""

    def test_each_defect_fails_its_clause(self) -> None:
        escaped = []
        for defect in DEFECTS:
            failed: set[str] = set()
            for sc in bundled():
                result = run_scenario(sc, defects=Defects.of(defect.name))
                failed |= {v.clause for v in result.verdicts if v.status == "fail"}
                if defect.clause in failed:
                    break
            if defect.clause not in failed:
                escaped.append(f"{defect.name} (breaks {defect.clause}) passed it")
        self.assertEqual(escaped, [])

    def test_unknown_defect_is_a_clear_error(self) -> None:
        with self.assertRaises(ValueError) as cm:
            Defects.of("no-such-defect")
        self.assertIn("never-fails-back", str(cm.exception))


class DeterminismTests(SynchronousTestCase):
    def test_same_seed_same_trace(self) -> None:
        sc = next(s for s in bundled() if s.name == "invite-failover-udp")
        first = run_scenario(sc, seed=5)
        second = run_scenario(sc, seed=5)
        self.assertEqual(first.trace.to_jsonl(), second.trace.to_jsonl())
        self.assertEqual(first.digest, second.digest)

    def test_different_seed_different_trace(self) -> None:
        sc = next(s for s in bundled() if s.name == "invite-failover-udp")
        self.assertNotEqual(run_scenario(sc, seed=5).digest, run_scenario(sc, seed=6).digest)

    def test_same_digests_in_other_processes(self) -> None:
        """
        Determinism must not hang on hash randomisation or object addresses:
        two processes with different PYTHONHASHSEEDs give the same digests.
        """
        import json
        import os
        import subprocess
        import sys
        from pathlib import Path

        digests = []
        for hashseed in ("1", "2"):
            out = Path(self.mktemp()).absolute()
            env = {**os.environ, "PYTHONHASHSEED": hashseed}
            subprocess.run(
                [sys.executable, "-m", "harness.cli", "certify", "-q", "--json", str(out)],
                env=env, check=False, timeout=120, capture_output=True,
                cwd=Path(__file__).resolve().parents[2],
            )
            doc = json.loads(out.read_text())
            digests.append([s["trace_sha256"] for s in doc["scenarios"]])
        self.assertEqual(digests[0], digests[1])
        self.assertEqual(digests[0], [r.digest for r in golden()])

    def test_golden_digests_repeat(self) -> None:
        again = [run_scenario(sc).digest for sc in bundled()]
        self.assertEqual(again, [r.digest for r in golden()])
