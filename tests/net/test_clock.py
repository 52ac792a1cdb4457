"""
The virtual clock: heap order, IDelayedCall semantics, exact times, bounded runs.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.internet.error import AlreadyCalled, AlreadyCancelled
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from harness.net import SimWorld, VirtualClock
from harness.testing.hypothesis_trial import show_notes


class ClockTests(SynchronousTestCase):
    def test_provides_interfaces(self) -> None:
        clock = VirtualClock()
        self.assertTrue(verifyObject(IReactorTime, clock))
        self.assertTrue(verifyObject(IDelayedCall, clock.callLater(1, lambda: None)))

    def test_calls_in_time_order_fifo_for_ties(self) -> None:
        world = SimWorld()
        seen: list[str] = []
        world.clock.callLater(2, seen.append, "c")
        world.clock.callLater(1, seen.append, "a")
        world.clock.callLater(1, seen.append, "b")
        world.run()
        self.assertEqual(seen, ["a", "b", "c"])
        self.assertEqual(world.clock.seconds(), 2.0)

    def test_time_is_set_to_due_time_not_accumulated(self) -> None:
        world = SimWorld()
        seen: list[float] = []
        call = world.clock.callLater(0.3, lambda: seen.append(world.clock.seconds()))
        for _ in range(10):
            world.advance(0.1)
        self.assertEqual(seen, [call.getTime()])
        # advance lands on now + seconds exactly, each time
        self.assertEqual(world.clock.seconds(), sum([0.1] * 10))
        world.run(until=5.0)
        self.assertEqual(world.clock.seconds(), 5.0)

    def test_cancel(self) -> None:
        world = SimWorld()
        seen: list[int] = []
        call = world.clock.callLater(1, seen.append, 1)
        call.cancel()
        self.assertFalse(call.active())
        self.assertRaises(AlreadyCancelled, call.cancel)
        self.assertRaises(AlreadyCancelled, call.reset, 1)
        self.assertEqual(world.clock.getDelayedCalls(), [])
        world.run()
        self.assertEqual(seen, [])

    def test_called_call_refuses_changes(self) -> None:
        world = SimWorld()
        call = world.clock.callLater(1, lambda: None)
        world.run()
        self.assertFalse(call.active())
        self.assertRaises(AlreadyCalled, call.cancel)
        self.assertRaises(AlreadyCalled, call.delay, 1)

    def test_reset_moves_earlier_and_later(self) -> None:
        world = SimWorld()
        seen: list[tuple[str, float]] = []
        a = world.clock.callLater(10, lambda: seen.append(("a", world.seconds())))
        world.clock.callLater(5, lambda: seen.append(("b", world.seconds())))
        world.advance(1)
        a.reset(2)  # now due at 3
        self.assertEqual(a.getTime(), 3.0)
        world.run()
        self.assertEqual(seen, [("a", 3.0), ("b", 5.0)])

    def test_delay_pushes_back(self) -> None:
        world = SimWorld()
        seen: list[float] = []
        a = world.clock.callLater(1, lambda: seen.append(world.seconds()))
        a.delay(2.5)
        self.assertEqual(a.getTime(), 3.5)
        self.assertEqual(world.clock.getDelayedCalls(), [a])
        world.run()
        self.assertEqual(seen, [3.5])

    def test_many_timers_with_churn(self) -> None:
        """Thousands of timers, half cancelled, a quarter reset: order and count hold."""
        world = SimWorld()
        fired: list[float] = []
        calls = [
            world.clock.callLater(i * 0.001, lambda: fired.append(world.seconds()))
            for i in range(20_000)
        ]
        for i, c in enumerate(calls):
            if i % 2:
                c.cancel()
            elif i % 4 == 0:
                c.reset(100 + i * 0.001)
        self.assertEqual(len(world.clock.getDelayedCalls()), 10_000)
        world.run()
        self.assertEqual(len(fired), 10_000)
        self.assertEqual(fired, sorted(fired))

    def test_run_stops_at_max_steps(self) -> None:
        world = SimWorld()

        def again() -> None:
            world.clock.callLater(1, again)

        again()
        self.assertEqual(world.run(max_steps=50), "max_steps")
        self.assertEqual(world.seconds(), 50.0)

    def test_run_stops_on_predicate(self) -> None:
        world = SimWorld()
        box: list[int] = []
        for i in range(10):
            world.clock.callLater(i, box.append, i)
        self.assertEqual(world.run(predicate=lambda: len(box) == 4), "predicate")
        self.assertEqual(world.seconds(), 3.0)
        self.assertEqual(world.run(until=5.5), "until")
        self.assertEqual(world.seconds(), 5.5)
        self.assertEqual(box, [0, 1, 2, 3, 4, 5])
        self.assertEqual(world.run(), "idle")

    def test_negative_delay_refused(self) -> None:
        self.assertRaises(ValueError, VirtualClock().callLater, -1, lambda: None)

    def test_exception_in_timer_is_logged_and_run_continues(self) -> None:
        world = SimWorld()
        seen: list[int] = []
        world.clock.callLater(1, lambda: 1 / 0)
        world.clock.callLater(2, seen.append, 2)
        world.run()
        self.assertEqual(seen, [2])
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)

    @show_notes
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["add", "cancel", "reset", "delay", "advance"]),
                st.integers(0, 40),
                st.integers(0, 1000).map(lambda n: n / 100),
            ),
            max_size=60,
        )
    )
    def test_matches_a_naive_model(self, ops: list[tuple[str, int, float]]) -> None:
        """Random add/cancel/reset/delay/advance: fires exactly what a sorted list would."""
        world = SimWorld()
        calls = []
        model: dict[int, tuple[float, int]] = {}  # id -> (time, tiebreak)
        fired: list[int] = []
        tie = 0
        for op, index, amount in ops:
            now = world.seconds()
            if op == "add":
                ident = len(calls)
                calls.append(world.clock.callLater(amount, fired.append, ident))
                tie += 1
                model[ident] = (now + amount, tie)
            elif op == "advance":
                world.advance(amount)
                for ident, (t, _) in list(model.items()):
                    if t <= world.seconds():
                        del model[ident]
            elif calls:
                ident = index % len(calls)
                if ident not in model:
                    continue
                tie += 1
                if op == "cancel":
                    calls[ident].cancel()
                    del model[ident]
                elif op == "reset":
                    calls[ident].reset(amount)
                    model[ident] = (now + amount, tie)
                else:
                    calls[ident].delay(amount)
                    model[ident] = (model[ident][0] + amount, tie)
        before = len(fired)
        world.run()
        expected = [i for i, _ in sorted(model.items(), key=lambda kv: kv[1])]
        self.assertEqual(fired[before:], expected)
