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


class ShortListTests(SynchronousTestCase):
    """
    The target in use is kept by identity, not by its index in the list it
    was picked from: a lookup whose primary address query failed gives the
    secondary first (explore seed 65 of dns-ip-literal: a renewal there
    during FB-3's stay was taken for a failback to the primary, and the next
    renewal went to the primary 30 s later).
    """

    def _short(self, primary: tuple[str, ...] | None) -> Resolution:
        from harness.sip.locate import Planned

        plan = (
            Planned("primary.example.test", 5060, "udp", primary),
            Planned("secondary.example.test", 5060, "udp", ("127.0.1.20",)),
        )
        targets = (SECONDARY,) if primary is None else TARGETS
        return Resolution(targets, 60.0, plan=plan)

    def test_secondary_first_in_a_short_list_is_no_failback(self) -> None:
        s, clock = slot(3, timeout=3600)
        clock.advance(30)
        self.assertFalse(s.answered(0, self._short(None), after_failure=False))
        self.assertEqual(s.failover_at, 0)
        # the primary back in the next lookup: still on the secondary (FB-3's stay)
        self.assertEqual(s.order(TARGETS, is_register=True), [1, 0])

    def test_primary_answering_is_a_failback(self) -> None:
        s, _ = slot(3, timeout=3600)
        s.answered(0, self._short(("127.0.1.10",)), after_failure=False)
        self.assertIsNone(s.failover_at)
        self.assertEqual(s.order(TARGETS, is_register=True), [0, 1])


class AnotherTransportTests(SynchronousTestCase):
    """
    The server in use is its host, not the way to it (FB-2, survey 7009 [05],
    round 11): registered at the secondary over UDP (the NAPTR record for TLS
    had no SRV set then), a call's lookup picked TLS and named both servers
    at port 5061; the INVITE went to the primary, as if the secondary were
    gone.  A list without the secondary's host still starts at its top.
    """

    TLS = (Target("tls", "127.0.1.10", 5061), Target("tls", "127.0.1.20", 5061))

    def test_same_host_over_another_transport_is_the_server_in_use(self) -> None:
        s, _ = slot(2)
        self.assertEqual(s.order(self.TLS, is_register=False), [1, 0])

    def test_exact_target_comes_before_the_same_host(self) -> None:
        s, _ = slot(2)
        mixed = (Target("tls", "127.0.1.20", 5061), PRIMARY, SECONDARY)
        self.assertEqual(s.order(mixed, is_register=False), [2, 0, 1])

    def test_list_without_the_host_starts_at_its_top(self) -> None:
        s, _ = slot(2)
        other = (Target("tls", "127.0.1.10", 5061), Target("tls", "127.0.1.30", 5061))
        self.assertEqual(s.order(other, is_register=False), [0, 1])


class PrimaryOfResolutionTests(SynchronousTestCase):
    """
    L{Resolution.is_primary}: SRV targets before the first with an address
    that have no address at all (NXDOMAIN) are no servers; one whose lookup
    failed makes the primary unknown (explore seed 60 of dns-ip-literal).
    """

    def _res(self, ghost: tuple[str, ...] | None, primary: tuple[str, ...] | None) -> Resolution:
        from harness.sip.locate import Planned

        plan = (
            Planned("ghost.example.test", 5060, "udp", ghost),
            Planned("primary.example.test", 5060, "udp", primary),
            Planned("secondary.example.test", 5060, "udp", ("127.0.1.20",)),
        )
        targets = ((PRIMARY,) if primary else ()) + (SECONDARY,)
        return Resolution(targets, 60.0, plan=plan)

    def test_nameless_first_target_is_skipped(self) -> None:
        res = self._res((), ("127.0.1.10",))
        self.assertTrue(res.is_primary(PRIMARY))
        self.assertFalse(res.is_primary(SECONDARY))

    def test_failed_lookup_makes_the_primary_unknown(self) -> None:
        self.assertFalse(self._res((), None).is_primary(SECONDARY))
        self.assertFalse(self._res(None, ("127.0.1.10",)).is_primary(PRIMARY))


class ExhaustedTests(SynchronousTestCase):
    """
    RTX-5: once the registration's own round failed at every target, its
    retry starts "again from the top of the list", whatever stay of FB-1/FB-3
    was running; calls keep the stay (FB-2's fixture
    C{r22-s7031-fb2-roe-register-after-renewal}), and a new failover starts a
    stay for the registration again (survey w7061 [7273], round 31).
    """

    def test_registers_start_from_the_top(self) -> None:
        for mode in (1, 3):
            s, _ = slot(mode)
            self.assertEqual(s.order(TARGETS, is_register=True), [1, 0], mode)
            s.exhausted()
            self.assertEqual(s.order(TARGETS, is_register=True), [0, 1], mode)

    def test_fb3z_register_from_the_top(self) -> None:
        s, clock = slot(3, timeout=0)
        s.exhausted()
        clock.advance(1000)
        self.assertEqual(s.order(TARGETS, is_register=True), [0, 1])

    def test_calls_keep_the_stay(self) -> None:
        for mode in (1, 2, 3):
            s, _ = slot(mode)
            s.exhausted()
            self.assertEqual(s.order(TARGETS, is_register=False), [1, 0], mode)

    def test_answered_at_the_current_server_keeps_from_the_top(self) -> None:
        s, _ = slot(3)
        s.exhausted()
        s.answered(1, Resolution(TARGETS, 60.0), after_failure=False)
        self.assertEqual(s.order(TARGETS, is_register=True), [0, 1])

    def test_a_new_failover_starts_a_stay_again(self) -> None:
        s, clock = slot(3)
        s.exhausted()
        clock.advance(30)
        self.assertTrue(s.answered(1, Resolution(TARGETS, 60.0), after_failure=True))
        self.assertEqual(s.order(TARGETS, is_register=True), [1, 0])

    def test_primary_answering_ends_it(self) -> None:
        s, _ = slot(3)
        s.exhausted()
        s.answered(0, Resolution(TARGETS, 60.0), after_failure=False)
        self.assertFalse(s.register_from_top)
        self.assertEqual(s.order(TARGETS, is_register=True), [0, 1])

    def test_retry_after_still_skips_the_top(self) -> None:
        s, _ = slot(3)
        s.back_off(PRIMARY, 30)
        s.exhausted()
        self.assertEqual(s.order(TARGETS, is_register=True), [1, 0])

    def test_never_fails_back_keeps_its_stay(self) -> None:
        s, _ = slot(3, defects=Defects(frozenset({"never-fails-back"})))
        s.exhausted()
        self.assertEqual(s.order(TARGETS, is_register=True), [1, 0])
