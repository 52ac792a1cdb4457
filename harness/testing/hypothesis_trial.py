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

And one trap of Hypothesis itself (6.131 and later): about one integer or
float draw in twenty takes a constant, half the time from the literals of
the "local" modules loaded in the process (every module outside
site-packages and the standard library, test files excepted), re-read each
time a module is imported.  The same seed then draws other worlds from an
editable install than from tox's wheel, from C{survey} than from
C{certify --explore} or trial (each loads other modules), and after any
change that adds a literal anywhere in C{harness}.  Measured: survey seed
7018 drew other worlds once C{harness.testing.survey} was imported: 1,415
of the first 2,000 differed, from the third on.
L{pin_constants} gives Hypothesis one fixed pool instead, so a seed names the
same worlds wherever it runs.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
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


def pin_constants() -> Callable[[], None] | None:
    """
    Give Hypothesis one fixed pool of local constants: the literals of every
    module of the C{harness} package, read from its source files whether
    loaded or not (see the module's docstring), in place of the literals of
    whatever local modules the process happens to have loaded.  A seed then
    draws the same worlds from the survey, C{certify --explore}, trial and
    tox, as long as C{harness}'s source is the same; and the constants that
    help Hypothesis hit the edges the code tests (expiry times, timeouts,
    ports) stay.  Returns the function that undoes it, or C{None} where this
    Hypothesis has no local constants (an older one, or a newer one that moved
    them: C{tests.testing.test_hypothesis_trial} notices the latter).

    This is the one place the project patches Hypothesis, and only its pool
    of local constants.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import _constants_from_source
    except ImportError:  # pragma: no cover (a Hypothesis before 6.131)
        return None
    found = getattr(providers, "_get_local_constants", None)
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    if found is None or cache is None:
        return None

    def harness_constants() -> Any:
        if not _POOL:
            _POOL.append(_harness_constants(_constants_from_source))
        return _POOL[0]

    # (the cache keeps, per kind of draw, the constants it may take: drop what
    # it took from the other pool, now and when undone)
    providers._get_local_constants = harness_constants
    cache.clear()

    def undo() -> None:
        if providers._get_local_constants is harness_constants:
            providers._get_local_constants = found
            cache.clear()

    return undo


#: the pool L{pin_constants} gives Hypothesis, worked out once per process
_POOL: list[Any] = []


def _harness_constants(from_source: Callable[..., Any]) -> Any:
    """
    The literals of C{harness}'s modules, in Hypothesis's own sorted sets (a
    plain set of strings would iterate in an order that changes with
    C{PYTHONHASHSEED}, and Hypothesis picks a constant by position).
    """
    from hypothesis.internal.constants_ast import Constants
    from hypothesis.internal.floats import float_to_int
    from sortedcontainers import SortedSet

    import harness

    pool = Constants()
    for path in sorted(Path(harness.__file__).parent.rglob("*.py")):
        try:
            pool = pool | from_source(path.read_bytes(), limit=True)
        except (OSError, SyntaxError, ValueError):  # pragma: no cover
            continue
    return Constants(
        integers=SortedSet(pool.integers),
        floats=SortedSet(pool.floats, key=float_to_int),
        bytes=SortedSet(pool.bytes),
        strings=SortedSet(pool.strings),
    )


@contextmanager
def constants_pinned() -> Iterator[None]:
    """L{pin_constants} for the duration of a C{with} block."""
    undo = pin_constants()
    try:
        yield
    finally:
        if undo is not None:
            undo()


def register_profiles() -> str:
    """
    Register the project's Hypothesis profiles and load the one named by
    C{HYPOTHESIS_PROFILE} (default C{ci}).  Returns the loaded name.

     - C{ci}: derandomized (same examples every run: Klein removed Hypothesis
       because random CI failures eroded trust), bounded, no deadline (the
       simulated network makes wall time irrelevant to correctness).
     - C{dev}: random, a few more examples, the example database on.
     - C{thorough}: >= 100x the CI examples, for nightly runs.

    It also pins Hypothesis's constants for the whole test run
    (L{pin_constants}): a test's examples are then the same whether it runs
    alone, in the whole suite or under tox.
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
    pin_constants()
    return name
