"""
Tests for L{harness.testing.hypothesis_trial}: the falsifying example reaches
the failure message, a state machine run from a test_ method really runs, and
a seed draws the same worlds whatever modules are loaded.
"""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from twisted.trial.unittest import SynchronousTestCase

from harness.testing.hypothesis_trial import fold_notes, pin_constants, run_machine, show_notes


class FoldNotesTests(SynchronousTestCase):
    def test_notes_appended_to_message(self) -> None:
        e = AssertionError("boom")
        e.add_note("Falsifying example: f(x=3)")
        fold_notes(e)
        self.assertIn("Falsifying example: f(x=3)", str(e))
        self.assertTrue(str(e).startswith("boom"))

    def test_no_notes_unchanged(self) -> None:
        e = ValueError("plain")
        fold_notes(e)
        self.assertEqual(str(e), "plain")

    def test_idempotent(self) -> None:
        e = AssertionError("boom")
        e.add_note("note")
        fold_notes(e)
        fold_notes(e)
        self.assertEqual(str(e).count("note"), 1)

    def test_given_failure_shows_falsifying_example(self) -> None:
        @show_notes
        @settings(max_examples=50, derandomize=True, database=None)
        @given(st.integers(min_value=0, max_value=1000))
        def prop(x: int) -> None:
            assert x < 7, "x too big"

        with self.assertRaises(AssertionError) as cm:
            prop()
        # Hypothesis words it "Falsifying example" or "Failing test case"
        # depending on its version; the example itself is what matters.
        self.assertIn("prop(", str(cm.exception))
        self.assertIn("x=7", str(cm.exception))


class _Counter(RuleBasedStateMachine):
    runs: list[int] = []

    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    @rule()
    def inc(self) -> None:
        self.n += 1
        _Counter.runs.append(self.n)

    @invariant()
    def small(self) -> None:
        assert self.n < 3, f"n reached {self.n}"


class RunMachineTests(SynchronousTestCase):
    def test_machine_runs_and_steps_shown(self) -> None:
        _Counter.runs = []
        with self.assertRaises(AssertionError) as cm:
            run_machine(
                _Counter,
                settings_=settings(max_examples=20, derandomize=True, database=None),
            )
        self.assertTrue(_Counter.runs, "the machine never ran a rule")
        message = str(cm.exception)
        self.assertIn("n reached 3", message)
        self.assertIn("state.inc()", message)

    def test_passing_machine(self) -> None:
        class Ok(RuleBasedStateMachine):
            @rule()
            def nothing(self) -> None:
                pass

        run_machine(Ok, settings_=settings(max_examples=5, derandomize=True, database=None))


def _world_digests(n: int, seed: int) -> list[str]:
    import hashlib
    import json

    from hypothesis import Phase

    from harness.explore import search_worlds

    out: list[str] = []

    def body(world: Any) -> None:
        text = json.dumps(world.document, sort_keys=True) + world.phone_text
        out.append(hashlib.sha256(text.encode()).hexdigest()[:16])

    search_worlds(body, n, seed=seed, phases=[Phase.generate])
    return out


class PinConstantsTests(SynchronousTestCase):
    """
    Hypothesis draws constants from the literals of the local modules loaded
    in the process; pinned, a seed names the same worlds whatever is loaded.
    """

    def test_this_hypothesis_has_local_constants_to_pin(self) -> None:
        # (None: Hypothesis moved them; the pin would silently do nothing)
        undo = pin_constants()
        self.assertIsNotNone(undo)
        assert undo is not None
        undo()

    def test_seed_draws_same_worlds_after_a_module_with_literals_loads(self) -> None:
        import importlib
        import shutil
        import sys
        import tempfile
        from pathlib import Path

        before = _world_digests(60, seed=7018)
        # A "local" module (outside site-packages, not a test file) full of
        # literals of the sizes the world strategies draw
        where = Path(tempfile.mkdtemp(prefix="pin-"))
        self.addCleanup(shutil.rmtree, where, True)
        name = "pin_constants_literals"
        ints = ", ".join(str(n) for n in range(2, 700, 3))
        floats = ", ".join(f"{n / 1000 + 0.0003}" for n in range(1, 300, 7))
        (where / f"{name}.py").write_text(f"INTS = ({ints})\nFLOATS = ({floats})\n")
        sys.path.insert(0, str(where))
        self.addCleanup(sys.path.remove, str(where))
        importlib.import_module(name)
        self.addCleanup(sys.modules.pop, name, None)
        self.assertEqual(_world_digests(60, seed=7018), before)
