"""
L{harness.testing.survey}: every generated world judged to the end, the
violations grouped by what they say, the first world of each saved as
fixtures that reproduce it.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from harness.certify.clauses import CLAUSES
from harness.explore import check_world, run_world
from harness.phone.defects import Defects
from harness.scenario import load_scenario
from harness.testbed import run_scenario
from harness.testing.survey import (
    format_survey,
    main,
    save_worlds,
    shrink_world,
    signature,
    survey,
)


class SignatureTests(SynchronousTestCase):
    """The same misreading in two worlds is one signature; clauses stay apart."""

    def test_numbers_and_ids_blanked(self) -> None:
        a = signature("RTX-4: REGISTER 735aa0f70f435f23ee80e1f9@127.0.0.100: CSeq not "
                      "incremented by one per attempt (expected CSeq 3 after 2; saw CSeq 4)")
        b = signature("RTX-4: REGISTER 622102a1fb8a6f9410640428@127.0.0.100: CSeq not "
                      "incremented by one per attempt (expected CSeq 34 after 33; saw CSeq 37)")
        self.assertEqual(a, b)
        self.assertTrue(a.startswith("RTX-4: REGISTER <id>@"))
        self.assertNotIn("expected", a)

    def test_kind_after_the_evidence_kept(self) -> None:
        late = signature("RTX-3: REGISTER cseq 18 -> primary at 212.465 (2 sends, 503 at "
                         "212.965): next target not tried at once after the 503")
        none = signature("RTX-3: REGISTER cseq 19 -> primary at 207.593 (4 sends, 503 at "
                         "211.093): the 503 did not make the phone try the next target")
        self.assertNotEqual(late, none)
        self.assertEqual(none, "RTX-3: REGISTER cseq # -> primary at #: the # did not make "
                               "the phone try the next target")
        self.assertEqual(signature("FO-2: a (b (c) d) e"), "FO-2: a e")

    def test_clause_kept(self) -> None:
        self.assertNotEqual(signature("FBK-S3: no probe (x)"), signature("FBK-S4: no probe (x)"))
        self.assertEqual(signature("FAILBACK: REGISTER at 152.055 s started at secondary"),
                         "FAILBACK: REGISTER at # s started at secondary")


class SurveyTests(SynchronousTestCase):
    """A defective phone shows up in the rate, and its saved world reproduces it."""

    def test_defect_counted_and_saved(self) -> None:
        s = survey(40, seed=3, defects=("retries-too-many",))
        self.assertEqual(s.worlds, 40)
        self.assertEqual(sum(s.by_loss.values()), 40)
        self.assertGreater(s.failing, 0)
        self.assertEqual(sum(s.failing_by_loss.values()), s.failing)
        self.assertTrue(any(sig.startswith("RTX-1:") or sig.startswith("CFG-1:")
                            for sig in s.by_signature))
        text = format_survey(s)
        self.assertIn(f"{s.failing} with a violation", text)
        # the first world of the most common violation, saved as fixtures, fails the
        # defective phone again when certified from the files
        out = Path(self.mktemp())
        paths = save_worlds(s, out)
        self.assertEqual(len(paths), len(s.by_signature))
        ranked = [sig for sig, _ in s.by_signature.most_common()]
        n, sig = next((n, sig) for n, sig in enumerate(ranked)
                      if sig.split(":")[0] in {c.id for c in CLAUSES})
        self.assertEqual((paths[n].parents[2] / "VIOLATION").read_text().strip(), sig)
        result = run_scenario(load_scenario(paths[n]), defects=Defects.of("retries-too-many"))
        failed = {v.clause for v in result.verdicts if v.status == "fail"}
        self.assertIn(sig.split(":")[0], failed)

    def test_shrunk_world_still_shows_the_violation(self) -> None:
        defects = ("retries-too-many",)
        s = survey(40, seed=3, defects=defects)
        sig = s.by_signature.most_common(1)[0][0]
        world = shrink_world(sig, s.worlds, seed=3, defects=defects)
        assert world is not None
        problems = check_world(run_world(world, defects=Defects.of(*defects)))
        self.assertIn(sig, {signature(p) for p in problems})
        first = s.first[sig].document
        self.assertLessEqual(len(world.document.get("faults", [])),
                             len(first.get("faults", [])))
        self.assertLessEqual(world.duration, s.first[sig].duration)
        # a violation none of the worlds shows: nothing to shrink
        self.assertIsNone(shrink_world("RTX-1: no such message", 5, seed=3, defects=defects))

    def test_time_bound(self) -> None:
        s = survey(1000, seed=0, max_seconds=0.0)
        self.assertEqual(s.worlds, 0)
        self.assertEqual(s.per_thousand(), 0.0)

    def test_jobs_give_the_same_survey(self) -> None:
        # worker processes run the worlds; the survey is the one a single process gives:
        # the same worlds counted, the same violations, the same first world of each
        defects = ("retries-too-many",)
        one = survey(24, seed=3, defects=defects)
        two = survey(24, seed=3, defects=defects, jobs=2)
        self.assertGreater(one.failing, 0)
        self.assertEqual((two.worlds, two.failing), (one.worlds, one.failing))
        self.assertEqual(two.by_signature, one.by_signature)
        self.assertEqual(two.by_loss, one.by_loss)
        self.assertEqual({k: w.document for k, w in two.first.items()},
                         {k: w.document for k, w in one.first.items()})

    def test_jobs_time_bound(self) -> None:
        s = survey(1000, seed=0, max_seconds=0.0, jobs=2)
        self.assertLess(s.worlds, 1000)


class MainTests(SynchronousTestCase):
    """Bad input is refused before any world runs."""

    def _main(self, *argv: str) -> tuple[int, str]:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                return main(list(argv)), err.getvalue()
            except SystemExit as e:
                return int(e.code or 0), err.getvalue()

    def test_unknown_defect(self) -> None:
        code, err = self._main("10", "--defect", "no-such-defect")
        self.assertEqual(code, 2)
        self.assertIn("unknown defect", err)

    def test_shrink_needs_save(self) -> None:
        code, err = self._main("10", "--shrink")
        self.assertEqual(code, 2)
        self.assertIn("--shrink needs --save", err)

    def test_zero_jobs(self) -> None:
        code, err = self._main("10", "--jobs", "0")
        self.assertEqual(code, 2)
        self.assertIn("--jobs must be at least 1", err)

    def test_zero_worlds(self) -> None:
        code, err = self._main("0")
        self.assertEqual(code, 2)
        self.assertIn("at least 1", err)
