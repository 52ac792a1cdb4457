"""
The failback policy of one server (L{harness.phone.slot.Slot}): where a new
request starts, per failback mode, on a virtual clock.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from harness.phone.config import ServerConfig
from harness.phone.defects import Defects
from harness.phone.slot import Slot
from harness.sip.locate import Resolution, Target

PRIMARY = Target("udp", "127.0.1.10", 5060)
SECONDARY = Target("udp", "127.0.1.20", 5060)
TARGETS = (PRIMARY, SECONDARY)


def slot(
    mode: int, timeout: int = 120, ttl: float = 60.0, defects: Defects | None = None
) -> tuple[Slot, Clock]:
    clock = Clock()
    s = Slot(
        1,
        ServerConfig(address="example.test", port=0, failback_mode=mode, failback_timeout=timeout),
        clock,
        defects or Defects(),
    )
    res = Resolution(TARGETS, ttl)
    s.answered(1, res, after_failure=True)  # failed over to the secondary at t=0
    return s, clock


class FailbackModeTests(SynchronousTestCase):
    def test_fresh_slot_starts_at_primary(self) -> None:
        s = Slot(1, ServerConfig(address="x"), Clock())
        self.assertEqual(s.order(TARGETS, is_register=True), [0, 1])

    def test_new_requests_always_primary_first(self) -> None:  # FB-0
        s, _ = slot(0)
        self.assertEqual(s.order(TARGETS, is_register=False), [0, 1])

    def test_dnsttl_stays_until_ttl(self) -> None:  # FB-1
        s, clock = slot(1, ttl=60)
        clock.advance(59.9)
        self.assertEqual(s.order(TARGETS, is_register=False), [1, 0])
        clock.advance(0.1)
        self.assertEqual(s.order(TARGETS, is_register=False), [0, 1])

    def test_registration_mode_only_register_fails_back(self) -> None:  # FB-2
        s, _ = slot(2)
        self.assertEqual(s.order(TARGETS, is_register=False), [1, 0])
        self.assertEqual(s.order(TARGETS, is_register=True), [0, 1])

    def test_duration(self) -> None:  # FB-3
        s, clock = slot(3, timeout=120)
        clock.advance(119)
        self.assertEqual(s.order(TARGETS, is_register=True), [1, 0])
        clock.advance(1)
        self.assertEqual(s.order(TARGETS, is_register=True), [0, 1])

    def test_duration_zero_never_by_time(self) -> None:  # FB-3Z
        s, clock = slot(3, timeout=0)
        clock.advance(10**6)
        self.assertEqual(s.order(TARGETS, is_register=True), [1, 0])

    def test_primary_answer_resets(self) -> None:  # FB-OK
        s, _ = slot(3, timeout=0)
        s.answered(0, Resolution(TARGETS, 60.0), after_failure=False)
        self.assertIsNone(s.failover_at)
        self.assertEqual(s.order(TARGETS, is_register=False), [0, 1])

    def test_failover_again_restarts_the_clock(self) -> None:
        s, clock = slot(1, ttl=60)
        clock.advance(70)  # TTL over: the next request tries the primary ...
        self.assertEqual(s.order(TARGETS, is_register=False), [0, 1])
        s.answered(1, Resolution(TARGETS, 60.0), after_failure=True)  # ... which failed again
        self.assertEqual(s.failover_at, 70)
        self.assertEqual(s.order(TARGETS, is_register=False), [1, 0])

    def test_retry_after_skips_a_target(self) -> None:  # RTX-3
        s = Slot(1, ServerConfig(address="x"), Clock())
        s.back_off(PRIMARY, 120)
        self.assertEqual(s.order(TARGETS, is_register=True), [1, 0])
        s.clock.advance(120)  # type: ignore[attr-defined]
        self.assertEqual(s.order(TARGETS, is_register=True), [0, 1])

    def test_defects_change_the_decision(self) -> None:
        never, _ = slot(0, defects=Defects.of("never-fails-back"))
        self.assertEqual(never.order(TARGETS, is_register=False), [1, 0])
        always, _ = slot(3, timeout=0, defects=Defects.of("always-fails-back"))
        self.assertEqual(always.order(TARGETS, is_register=False), [0, 1])
