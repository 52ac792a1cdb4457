"""
Tests for L{harness.testing.worlds}: the same world file judged twice says
the same; a diff names the world that newly fails and counts it.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from harness.scenario import load_scenario
from harness.testing.worlds import diff, draw, main


class DiffTests(SynchronousTestCase):
    def test_a_newly_failing_world_is_named_and_counted(self) -> None:
        a = [{"problems": [], "sigs": [], "digest": "d0"},
             {"problems": ["RTX-5: x (1)"], "sigs": ["RTX-5: x"], "digest": "d1"}]
        b = [{"problems": ["FO-2: y (2)"], "sigs": ["FO-2: y"], "digest": "e0"},
             {"problems": [], "sigs": [], "digest": "d1"}]
        lines, newly = diff(a, b)
        self.assertEqual(newly, 1)
        self.assertEqual(lines[0], "[0] [] -> ['FO-2: y']")
        self.assertEqual(lines[1], "[1] ['RTX-5: x'] -> []")
        self.assertEqual(lines[-1], "failing 1 -> 1; newly failing 1; traces differing 1")

    def test_the_same_judgments_differ_nowhere(self) -> None:
        a = [{"problems": ["RTX-5: x (1)"], "sigs": ["RTX-5: x"], "digest": "d"}]
        self.assertEqual(diff(a, a), (["failing 1 -> 1; newly failing 0; traces differing 0"], 0))

    def test_judgments_of_different_files_are_refused(self) -> None:
        self.assertRaises(ValueError, diff, [], [{"problems": [], "sigs": []}])


class RoundTripTests(SynchronousTestCase):
    def test_dump_judge_diff_save(self) -> None:
        """
        Three worlds drawn, pickled, judged twice with digests: the two
        judgments agree world for world (the diff exits 0), and a saved world
        is a scenario the loader reads.
        """
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            out = io.StringIO()
            with redirect_stdout(out):
                self.assertEqual(main(["dump", "5", "3", str(d / "w.pkl")]), 0)
                for name in ("a.json", "b.json"):
                    argv = ["judge", str(d / "w.pkl"), str(d / name), "--digest"]
                    self.assertEqual(main(argv), 0)
                self.assertEqual(main(["diff", str(d / "a.json"), str(d / "b.json")]), 0)
                self.assertEqual(main(["save", str(d / "w.pkl"), "2", str(d / "s")]), 0)
            a = json.loads((d / "a.json").read_text())
            self.assertEqual(len(a), 3)
            self.assertTrue(all(r["digest"] for r in a))
            self.assertEqual(a, json.loads((d / "b.json").read_text()))
            self.assertIn("newly failing 0", out.getvalue())
            with (d / "w.pkl").open("rb") as f:
                worlds = pickle.load(f)
            self.assertEqual([w.fixture_files() for w in worlds],
                             [w.fixture_files() for w in draw(5, 3)])
            scenario = load_scenario(d / "s" / "fixtures" / "scenarios" / f"{worlds[2].name}.toml")
            self.assertEqual(scenario.duration, worlds[2].scenario().duration)

    def test_a_file_not_written_by_dump_is_refused(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.pkl"
            path.write_bytes(pickle.dumps({"not": "worlds"}))
            with self.assertRaises(SystemExit):
                main(["judge", str(path), str(Path(tmp) / "o.json")])


_LEAVES_NOTHING = """
import pickle, sys
from harness.testing.worlds import draw, judge
worlds = draw(5, 4)
worlds[0].scenario()
pickle.loads(pickle.dumps(worlds[0]))
judge(worlds, jobs=2)
print("judged")
"""


class TemporaryFilesTests(SynchronousTestCase):
    def test_judging_leaves_no_temporary_directory(self) -> None:
        """
        Worlds drawn and judged in a process and in two forked workers leave
        nothing in the temporary folder once the process exits (each made a
        zone directory of its own; before, every one stayed behind).
        """
        tmp = Path(self.mktemp())
        tmp.mkdir()
        env = {**os.environ, "TMPDIR": str(tmp),
               "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        out = subprocess.run([sys.executable, "-c", _LEAVES_NOTHING], env=env, timeout=120,
                             capture_output=True, text=True, check=False)
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "judged"), out.stderr)
        self.assertEqual(sorted(p.name for p in tmp.iterdir()), [])

    def test_a_pickled_world_carries_no_zone_path(self) -> None:
        world = draw(5, 1)[0]
        world.scenario()
        self.assertEqual(pickle.loads(pickle.dumps(world))._cache, {})
