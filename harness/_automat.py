"""
Constant-time transition lookup for machines built with Automat.

Why: Automat 25's C{Automaton.outputForInput} scans every transition of the
machine linearly, comparing (state, input) pairs whose states are
dataclasses; the SIP transaction machines have ~60 transitions and the
account life cycle ~200, so the scan was the largest cost of feeding either
an input (tens of microseconds).  L{indexed} puts a dictionary in front of
that scan, built from the automaton's own transitions, so behaviour is
unchanged; an unknown (state, input) still goes to Automat (C{NoTransition}
or the unhandled-transition rule).
"""

from __future__ import annotations

from typing import Any

__all__ = ["indexed"]


def indexed(machine: Any) -> Any:
    """
    Give the built machine factory C{machine} an indexed transition lookup
    and return it.

    The transition set must be complete when this is called (it is: C{build()}
    freezes it); the output lists are shared between calls, which is safe as
    Automat only iterates them.
    """
    automaton = machine.__automat_automaton__
    table = {
        (in_state, symbol): (out_state, list(outputs))
        for in_state, symbol, out_state, outputs in automaton.allTransitions()
    }
    original = automaton.outputForInput

    def output_for_input(in_state: Any, symbol: Any) -> Any:
        found = table.get((in_state, symbol))
        return found if found is not None else original(in_state, symbol)

    automaton.outputForInput = output_for_input
    return machine
