"""
Tests for L{harness.testing.hypothesis_trial}: the falsifying example reaches
the failure message, and a state machine run from a test_ method really runs.
"""

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from twisted.trial.unittest import SynchronousTestCase

from harness.testing.hypothesis_trial import fold_notes, run_machine, show_notes


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
