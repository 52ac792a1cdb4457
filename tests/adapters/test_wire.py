"""
The wire runner: the time-scaled network (pure, on a fake clock), scenario
trimming, and bounded runs of the built-in phone on trial's real reactor.
"""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase, TestCase

from harness.adapters.wire import (
    ScaledWireNetwork,
    WireError,
    WireOutcome,
    WireRunner,
    trim_scenario,
    wire_tolerance,
)
from harness.trace.events import Trace
from tests.adapters._support import bound_addresses, need_free, reactor, scenario


class ScaledClockTests(SynchronousTestCase):
    def test_seconds_count_scenario_time_from_zero(self) -> None:
        clock = Clock()
        clock.advance(1000)
        net = ScaledWireNetwork(clock, Trace(), 0.1)
        host = net.host("127.0.0.1")
        clock.advance(2)
        self.assertAlmostEqual(host.seconds(), 20.0)

    def test_call_later_waits_scaled_wall_time(self) -> None:
        clock = Clock()
        host = ScaledWireNetwork(clock, Trace(), 0.1).host("127.0.0.1")
        fired: list[float] = []
        host.callLater(32, lambda: fired.append(host.seconds()))
        clock.advance(3.1)
        self.assertEqual(fired, [])
        clock.advance(0.1)
        self.assertEqual(len(fired), 1)
        self.assertAlmostEqual(fired[0], 32.0)

    def test_scale_must_be_positive(self) -> None:
        self.assertRaises(ValueError, ScaledWireNetwork, Clock(), Trace(), 0)

    def test_foreign_address_is_named(self) -> None:
        e = self.assertRaises(ValueError, ScaledWireNetwork(Clock(), Trace()).host, "192.0.2.77")
        self.assertIn("192.0.2.77", str(e))

    def test_tolerance_grows_as_time_is_compressed(self) -> None:
        self.assertEqual(wire_tolerance(1.0), 0.1)
        self.assertAlmostEqual(wire_tolerance(0.05), 0.2)


class TrimTests(SynchronousTestCase):
    def test_short_scenario_unchanged(self) -> None:
        sc = scenario("register-failover-udp")
        self.assertEqual(trim_scenario(sc, None), (sc, []))
        self.assertEqual(trim_scenario(sc, 300), (sc, []))

    def test_long_scenario_cut_and_dropped_faults_named(self) -> None:
        sc = scenario("register-failover-udp")
        cut, notes = trim_scenario(sc, 45)
        self.assertEqual(cut.duration, 45)
        self.assertEqual([(f.at, f.action) for f in cut.faults], [(0.0, "silence")])
        self.assertIn("trimmed from 300 s to 45 s", notes[0])
        self.assertIn("restore primary", notes[1])


class RunnerArgumentTests(SynchronousTestCase):
    def test_real_time_phone_refuses_a_time_scale(self) -> None:
        from harness.adapters.baresip import BaresipPhone

        e = self.assertRaises(ValueError, WireRunner, Clock(), phone=BaresipPhone(), scale=0.5)
        self.assertIn("time scale must be 1", str(e))


class BuiltinOnTheWireTests(TestCase):
    """The built-in phone on real loopback sockets, time-scaled (bounded)."""

    timeout = 60

    def run_scenario(self, name: str, scale: float, **kw: Any) -> defer.Deferred[WireOutcome]:
        sc = scenario(name)
        need_free(sc)
        runner = WireRunner(reactor, scale=scale, **kw)
        self.addCleanup(runner.interrupt)
        return runner.run(sc)

    @defer.inlineCallbacks
    def test_register_failover_udp_passes_on_the_wire(self) -> Any:
        out = yield self.run_scenario("register-failover-udp", 0.05)
        sc = out.result.scenario
        verdicts = {v.clause: v for v in out.result.verdicts}
        for clause in sc.clauses:
            self.assertEqual(verdicts[clause].status, "pass", f"{clause}: {verdicts[clause]}")
        self.assertEqual(out.result.phone_errors, [])
        self.assertFalse(out.interrupted)
        self.assertLess(out.wall_seconds, 30)
        self.assertEqual(bound_addresses(sc), [])

    @defer.inlineCallbacks
    def test_port_in_use_is_named_and_nothing_is_left_open(self) -> Any:
        sc = scenario("invite-failover-udp")
        need_free(sc)
        blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(blocker.close)
        blocker.bind(("127.0.1.20", 5060))
        runner = WireRunner(reactor, scale=0.05)
        try:
            yield runner.run(sc)
        except WireError as e:
            self.assertIn("127.0.1.20:5060", str(e))
            self.assertIn("in use", str(e))
        else:
            self.fail("no WireError")
        blocker.close()
        yield _later(0.1)
        self.assertEqual(bound_addresses(sc), [])
        self.assertFalse(runner.running)

    @defer.inlineCallbacks
    def test_interrupt_closes_everything_and_judges_the_partial_run(self) -> Any:
        sc = scenario("register-failover-udp")
        need_free(sc)
        runner = WireRunner(reactor, scale=0.05)
        d = runner.run(sc)
        yield _later(1.0)
        yield runner.interrupt()
        out = yield d
        self.assertTrue(out.interrupted)
        self.assertLess(out.scenario_seconds, 40)
        self.assertIn("interrupted after", out.notes[-1])
        verdicts = {v.clause: v.status for v in out.result.verdicts}
        self.assertEqual(verdicts["FO-1"], "pass")
        self.assertEqual(bound_addresses(sc), [])


def _later(seconds: float) -> defer.Deferred[None]:
    d: defer.Deferred[None] = defer.Deferred()
    reactor.callLater(seconds, d.callback, None)
    return d
