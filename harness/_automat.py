"""
Constant-time transition lookup and a shorter input dispatch for machines
built with Automat.

Why: Automat 25's C{Automaton.outputForInput} scans every transition of the
machine linearly, comparing (state, input) pairs whose states are
dataclasses; the SIP transaction machines have ~60 transitions and the
account life cycle ~200, so the scan was the largest cost of feeding either
an input (tens of microseconds).  L{indexed} puts a dictionary in front of
that scan, built from the automaton's own transitions, so behaviour is
unchanged; an unknown (state, input) still goes to Automat (C{NoTransition}
or the unhandled-transition rule).

It also gives each input method of the machine's own synthetic class (built
per machine by C{TypeMachineBuilder.build}, so nothing outside the machine
changes) a dispatch that looks the transition up in that dictionary itself
and calls the outputs, instead of going through C{Transitioner.transition}
and the lookup wrapper: two calls fewer per input, and none of Automat's
per-output argument list for outputs that take no state data.  About fifteen
inputs per REGISTER-failover scenario; measured in the commit message.
Anything unusual (a tracer set, a re-entrant input, a transition not in the
table) takes Automat's own path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from automat._typed import MethodOutput

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
    runtime = getattr(machine, "__automat_type__", None)
    if runtime is not None:  # (a TypeMachine: its inputs dispatch directly too)
        _dispatch_directly(runtime, table)
    return machine


def _dispatch_directly(runtime: type, table: dict[tuple[Any, str], tuple[Any, list[Any]]]) -> None:
    """Install L{_fast_input} for each input of C{runtime} that the table knows."""
    by_input: dict[str, dict[int, _Move]] = {}
    for (state, symbol), (out_state, outputs) in table.items():
        steps = tuple(
            (o.method, True) if type(o) is MethodOutput and not o.requiresData else (o, False)
            for o in outputs
        )
        # by the state's identity (the table keeps every state alive): a
        # dataclass's hash is a Python call; a state not found this way (an
        # equal copy) takes Automat's path, which compares by equality
        by_input.setdefault(symbol, {})[id(state)] = (out_state, steps)
    for name, moves in by_input.items():
        slow = runtime.__dict__.get(name)
        if slow is not None:
            setattr(runtime, name, _fast_input(name, slow, moves))


#: (state after, outputs): C{(method, True)} for a L{MethodOutput} that takes no
#: state data, called as its C{__call__} would, without it; C{(output, False)}
#: for any other output, called as Automat calls it
_Move = tuple[Any, tuple[tuple[Callable[..., Any], bool], ...]]


def _fast_input(name: str, slow: Callable[..., Any], moves: dict[int, _Move]) -> Callable[..., Any]:
    """
    Automat's input implementation for C{name} (C{slow}), for the transitions
    in C{moves}: the same steps (the state set before the outputs run, the
    outputs in order, inputs they feed postponed until the last has run).
    """

    def implementation(self: Any, *args: Any, **kwargs: Any) -> Any:
        transitioner = self.__automat_transitioner__
        found = moves.get(id(transitioner._state))
        if found is None or transitioner._tracer is not None or (
            self.__automat_postponed__ is not None
        ):
            return slow(self, *args, **kwargs)
        data = self.__automat_data__
        postponed: list[Callable[[], None]] = []
        self.__automat_postponed__ = postponed
        try:
            transitioner._state = found[0]
            result: Any = None
            for output, plain in found[1]:
                if plain:
                    result = output(self, self.__automat_core__, *args, **kwargs)
                else:
                    result = output(self, data, *args, **kwargs)
        finally:
            self.__automat_postponed__ = None
        while postponed:
            postponed.pop(0)()
        return result

    implementation.__qualname__ = implementation.__name__ = f"<fast implementation for {name}>"
    return implementation
