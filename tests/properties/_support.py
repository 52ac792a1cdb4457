"""
Shared helpers for the property tests: budgets derived from the loaded
Hypothesis profile, and the failure note (shrunk world as fixture files plus
its ladder) every property attaches.
"""

from __future__ import annotations

from hypothesis import note, settings

from harness.explore import WorldRun, check_world, describe_failure


def scaled(fraction: float = 1.0, *, minimum: int = 1) -> settings:
    """
    The loaded profile with C{max_examples} scaled by C{fraction}: expensive
    tests run fewer examples, but always the same share of the profile (so
    C{thorough} stays >= 100x C{ci} for every test).
    """
    base = settings.default
    return settings(base, max_examples=max(minimum, int(base.max_examples * fraction)))


def assert_holds(test: object, run: WorldRun, problems: list[str]) -> None:
    """Fail C{test} with the problems, the world as fixture files and the ladder."""
    if problems:
        note(describe_failure(run, problems))
        test.fail("\n".join(problems))  # type: ignore[attr-defined]


def check(test: object, run: WorldRun, **kw: object) -> None:
    assert_holds(test, run, check_world(run, **kw))  # type: ignore[arg-type]
