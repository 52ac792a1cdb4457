"""
L{harness._automat.indexed}: the dictionary in front of Automat's linear
transition scan gives the same answers as the scan, for every machine the
harness builds.
"""

from __future__ import annotations

from typing import Any, Protocol

from automat import NoTransition, TypeMachineBuilder
from automat._core import Automaton
from twisted.trial.unittest import SynchronousTestCase

from harness._automat import indexed
from harness.phone.lifecycle import new_lifecycle
from harness.sip import transaction


def _machines() -> dict[str, Any]:
    return {
        "lifecycle": new_lifecycle,
        "invite client": transaction._INVITE_CLIENT,
        "non-invite client": transaction._NON_INVITE_CLIENT,
        "invite server": transaction._INVITE_SERVER,
        "non-invite server": transaction._NON_INVITE_SERVER,
    }


def _automaton(machine: Any) -> Any:
    # new_lifecycle wraps the built machine in a closure ("create")
    if hasattr(machine, "__automat_automaton__"):
        return machine.__automat_automaton__
    cells = [c.cell_contents for c in machine.__closure__ or ()]
    return next(c.__automat_automaton__ for c in cells if hasattr(c, "__automat_automaton__"))


class IndexedTests(SynchronousTestCase):
    def test_every_machine_indexed(self) -> None:
        """Each machine's lookup is the index, not Automat's scan."""
        for name, machine in _machines().items():
            automaton = _automaton(machine)
            self.assertIn("outputForInput", vars(automaton), name)

    def test_agrees_with_scan(self) -> None:
        """For every transition, the index answers what Automat's scan answers."""
        for name, machine in _machines().items():
            automaton = _automaton(machine)
            for in_state, symbol, _out, _outputs in automaton.allTransitions():
                self.assertEqual(
                    automaton.outputForInput(in_state, symbol),
                    Automaton.outputForInput(automaton, in_state, symbol),
                    name,
                )

    def test_unknown_falls_through(self) -> None:
        """An unknown (state, input) still reaches Automat's own rule."""
        automaton: Any = Automaton()
        automaton.addTransition("a", "go", "b", ("out",))

        class Machine:
            __automat_automaton__ = automaton

        indexed(Machine)
        self.assertEqual(automaton.outputForInput("a", "go"), ("b", ["out"]))
        self.assertRaises(NoTransition, automaton.outputForInput, "b", "go")


class _Inputs(Protocol):
    def go(self, n: int) -> None: ...
    def back(self) -> None: ...
    def poke(self) -> None: ...


class _Core:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.machine: Any = None


def _build(index: bool) -> Any:
    b = TypeMachineBuilder(_Inputs, _Core)
    idle = b.state("idle")
    busy = b.state("busy")

    @idle.upon(_Inputs.go).to(busy)
    def go(inputs: _Inputs, core: _Core, n: int) -> None:
        core.log.append(f"go {n}")
        inputs.poke()  # re-entrant: runs after this input's outputs
        core.log.append("go done")

    @busy.upon(_Inputs.poke).to(busy)
    def poke(inputs: _Inputs, core: _Core) -> None:
        core.log.append("poke")

    @busy.upon(_Inputs.back).to(idle)
    def back(inputs: _Inputs, core: _Core) -> None:
        core.log.append("back")

    machine = b.build()
    return indexed(machine) if index else machine


class DirectDispatchTests(SynchronousTestCase):
    """The inputs L{indexed} dispatches itself behave as Automat's own."""

    def _feed(self, index: bool) -> list[str]:
        core = _Core()
        machine = _build(index)(core)
        machine.go(1)
        machine.back()
        machine.go(2)
        try:
            machine.go(3)  # no transition from busy: Automat's NoTransition either way
        except NoTransition:
            core.log.append("no transition")
        return core.log

    def test_same_as_automat(self) -> None:
        """Outputs, their order, re-entrant inputs and unknown inputs: as Automat's."""
        self.assertEqual(self._feed(True), self._feed(False))
        self.assertEqual(
            self._feed(True),
            ["go 1", "go done", "poke", "back", "go 2", "go done", "poke", "no transition"],
        )

    def test_machines_dispatch_directly(self) -> None:
        """Every input of the harness's machines is the direct one."""
        for name, machine in _machines().items():
            if not hasattr(machine, "__automat_type__"):
                continue  # (new_lifecycle: a closure around its machine)
            for attr, value in vars(machine.__automat_type__).items():
                if callable(value) and not attr.startswith("_"):
                    self.assertIn("fast implementation", value.__name__, (name, attr))


class _DataInputs(Protocol):
    def start(self, n: int) -> None: ...
    def tick(self, by: int) -> int: ...
    def stop(self) -> None: ...


class _Count:
    def __init__(self, n: int) -> None:
        self.n = n


def _build_with_data(index: bool) -> Any:
    b = TypeMachineBuilder(_DataInputs, _Core)

    def counting(inputs: _DataInputs, core: _Core, n: int) -> _Count:
        core.log.append(f"data {n}")
        return _Count(n)

    idle = b.state("idle")
    running = b.state("running", counting)

    @idle.upon(_DataInputs.start).to(running)
    def start(inputs: _DataInputs, core: _Core, n: int) -> None:
        core.log.append(f"start {n}")

    @running.upon(_DataInputs.tick).loop()
    def tick(inputs: _DataInputs, core: _Core, data: _Count, by: int) -> int:
        data.n += by
        core.log.append(f"tick {data.n}")
        return data.n

    @running.upon(_DataInputs.stop).to(idle)
    def stop(inputs: _DataInputs, core: _Core, data: _Count) -> None:
        core.log.append(f"stop at {data.n}")

    machine = b.build()
    return indexed(machine) if index else machine


class DataOutputDispatchTests(SynchronousTestCase):
    """
    Outputs that build or read a state's data (L{harness._automat._step}'s
    data factory and data-taking methods, as in the transaction machines)
    dispatched directly behave as Automat's own C{__call__}s.
    """

    def _feed(self, index: bool) -> list[Any]:
        core = _Core()
        machine = _build_with_data(index)(core)
        out: list[Any] = []
        out.append(machine.start(2))
        out.append(machine.tick(3))
        out.append(machine.tick(4))
        out.append(machine.stop())
        out.append(machine.start(10))
        out.append(machine.tick(1))
        return [*core.log, *out]

    def test_same_as_automat(self) -> None:
        """The data factory's and the data-taking outputs' calls, results and data."""
        self.assertEqual(self._feed(True), self._feed(False))
        self.assertEqual(
            self._feed(True),
            ["data 2", "start 2", "tick 5", "tick 9", "stop at 9", "data 10", "start 10",
             "tick 11", None, 5, 9, None, None, 11],
        )

    def test_data_assertion_kept(self) -> None:
        """Automat's check of the data's annotated type still runs before the output."""
        core = _Core()
        machine = _build_with_data(True)(core)
        machine.start(1)
        machine.__automat_data__ = "not a count"
        self.assertRaises(AssertionError, machine.tick, 1)

    def test_harness_outputs_written_out(self) -> None:
        """Every output of the harness's machines is one of the kinds called directly."""
        from harness._automat import _OTHER, _step

        for name, machine in _machines().items():
            for _s, _i, _o, outputs in _automaton(machine).allTransitions():
                for output in outputs:
                    self.assertNotEqual(_step(output)[0], _OTHER, (name, output))
