"""
Wire views worked out once per judged trace.

Why: a few views of L{harness.certify.wire} (failed connections, connection
attempts, stream arrivals) are read by the judge's context, by other views
and by checkers directly, and each reader worked them out again from the
whole trace.  L{per_run} keeps a view's value on the trace
(L{harness.trace.events.Trace.derived}) for the facts it was computed with,
until the trace changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from harness.certify.facts import Facts
    from harness.trace.events import Trace

__all__ = ["per_run"]

T = TypeVar("T")


def per_run(view: Callable[[Trace, Facts], T]) -> Callable[[Trace, Facts], T]:
    """
    C{view(trace, facts)}, kept on the trace: C{view} must depend on nothing
    else, and its readers must not change the value it returns.
    """

    @functools.wraps(view)
    def kept(trace: Trace, facts: Facts) -> T:
        # A value kept for this trace, unchanged since, and these facts: read here,
        # as L{Trace.derived} reads it (about 35 look-ups per judged run, most of
        # them hits: a call fewer each); anything else is left to it.
        events = trace.events
        if trace._index_src is events and trace._index_len == len(events):
            known = trace._derived.get(view)
            if known is not None and known[0] is facts:
                return known[1]
        return trace.derived(view, facts)

    return kept
