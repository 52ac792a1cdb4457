"""
L{harness._automat.indexed}: the dictionary in front of Automat's linear
transition scan gives the same answers as the scan, for every machine the
harness builds.
"""

from __future__ import annotations

from typing import Any

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
        from automat import NoTransition

        self.assertRaises(NoTransition, automaton.outputForInput, "b", "go")
