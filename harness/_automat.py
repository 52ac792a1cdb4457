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
per-output argument list or C{__call__} frame (L{_step}).  About fifteen
inputs per REGISTER-failover scenario; measured in the commit message.
Anything unusual (a tracer set, a re-entrant input, a transition not in the
table) takes Automat's own path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from automat._typed import DataOutput, MethodOutput

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
        steps = tuple(_step(o) for o in outputs)
        # by the state's identity (the table keeps every state alive): a
        # dataclass's hash is a Python call; a state not found this way (an
        # equal copy) takes Automat's path, which compares by equality
        by_input.setdefault(symbol, {})[id(state)] = (out_state, steps)
    for name, moves in by_input.items():
        slow = runtime.__dict__.get(name)
        if slow is not None:
            setattr(runtime, name, _fast_input(name, slow, moves))


#: how L{_fast_input} calls an output (see L{_step})
_PLAIN, _WITH_DATA, _DATA_FACTORY, _OTHER = range(4)

#: (state after, outputs): each output as C{(kind, callable, assertion)} (L{_step})
_Move = tuple[Any, tuple[tuple[int, Callable[..., Any], Callable[[object], None] | None], ...]]


def _step(output: Any) -> tuple[int, Callable[..., Any], Callable[[object], None] | None]:
    """
    How L{_fast_input} calls C{output}: what the output's own C{__call__}
    does, written out there, for Automat's two output classes (a method
    without state data: C{_PLAIN}; a method taking the data, after Automat's
    assertion on it: C{_WITH_DATA}; a data factory, whose result becomes the
    machine's data: C{_DATA_FACTORY}); any other output is called as Automat
    calls it (C{_OTHER}).

    Why: the transaction machines' inputs mostly run outputs of the last two
    kinds (Timer A/E retransmissions, Timer B/F, the first send, the final
    response), and each went through a C{__call__} frame building its
    argument list: a call per output, about a dozen per REGISTER-failover
    scenario.
    """
    if type(output) is MethodOutput:
        if not output.requiresData:
            return (_PLAIN, output.method, None)
        return (_WITH_DATA, output.method, output._assertion)
    if type(output) is DataOutput:
        return (_DATA_FACTORY, output.dataFactory, None)
    return (_OTHER, output, None)


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
            for kind, output, assertion in found[1]:
                if kind == _PLAIN:  # MethodOutput.__call__ without data
                    result = output(self, self.__automat_core__, *args, **kwargs)
                elif kind == _WITH_DATA:  # MethodOutput.__call__ with data
                    assertion(data)  # type: ignore[misc]
                    result = output(self, self.__automat_core__, data, *args, **kwargs)
                elif kind == _DATA_FACTORY:  # DataOutput.__call__
                    result = output(self, self.__automat_core__, *args, **kwargs)
                    self.__automat_data__ = result
                else:
                    result = output(self, data, *args, **kwargs)
        finally:
            self.__automat_postponed__ = None
        while postponed:
            postponed.pop(0)()
        return result

    implementation.__qualname__ = implementation.__name__ = f"<fast implementation for {name}>"
    return implementation
