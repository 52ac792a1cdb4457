"""
Make Hypothesis usable under trial.

Two traps measured on this stack (TWISTED-NOTES.md):

 - trial does not print PEP 678 C{__notes__}, and that is exactly where
   Hypothesis writes the falsifying example and the steps of a failing state
   machine; a failure under trial would show only the bare assertion.
   L{show_notes} folds the notes into the exception's message.

 - C{RuleBasedStateMachine.TestCase} is a C{unittest.TestCase} with only
   C{runTest}; trial collects zero tests from it and still prints PASSED.
   L{run_machine} runs a machine from an ordinary C{test_} method instead.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

F = TypeVar("F", bound=Callable[..., Any])


def fold_notes(exc: BaseException) -> BaseException:
    """
    Return C{exc} with its C{__notes__} appended to its message (in place where
    the type allows it), so any reporter that prints C{str(exc)} shows them.
    """
    notes = getattr(exc, "__notes__", None)
    if not notes:
        return exc
    text = "\n".join(str(n) for n in notes)
    if exc.args and isinstance(exc.args[0], str):
        if text in exc.args[0]:
            return exc
        exc.args = (f"{exc.args[0]}\n{text}", *exc.args[1:])
    else:
        exc.args = (*exc.args, text)
    return exc


def show_notes(f: F) -> F:
    """
    Decorate a test (outside C{@given}) so a Hypothesis failure shows the
    falsifying example in trial's output.
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except BaseException as e:
            fold_notes(e)
            raise

    return wrapper  # type: ignore[return-value]


def run_machine(machine: type[RuleBasedStateMachine], *, settings_: settings | None = None) -> None:
    """
    Run a rule-based state machine from inside a trial C{test_} method, with
    the falsifying steps folded into the failure message.
    """
    try:
        run_state_machine_as_test(machine, settings=settings_)
    except BaseException as e:
        fold_notes(e)
        raise


def register_profiles() -> str:
    """
    Register the project's Hypothesis profiles and load the one named by
    C{HYPOTHESIS_PROFILE} (default C{ci}).  Returns the loaded name.

     - C{ci}: derandomized (same examples every run: Klein removed Hypothesis
       because random CI failures eroded trust), bounded, no deadline (the
       simulated network makes wall time irrelevant to correctness).
     - C{dev}: random, a few more examples, the example database on.
     - C{thorough}: >= 100x the CI examples, for nightly runs.
    """
    from hypothesis import HealthCheck

    common: dict[str, Any] = dict(
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.register_profile(
        "ci", max_examples=25, derandomize=True, database=None, print_blob=True, **common
    )
    settings.register_profile("dev", max_examples=60, **common)
    settings.register_profile("thorough", max_examples=2500, **common)
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    settings.load_profile(name)
    return name
