"""
The account's registration lifecycle machine (L{harness.phone.lifecycle}):
its transitions, the timers each state owns, and the note every state change
leaves in the trace, on a virtual clock with recording hooks.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from harness.phone.lifecycle import (
    Lifecycle,
    LifecycleCore,
    LifecycleInputs,
    new_lifecycle,
)
from harness.sip.locate import Target

PRIMARY = Target("udp", "127.0.1.10", 5060)
FALLBACK = Target("udp", "127.0.1.15", 5060)
RETRY = 30.0
PROBE = 45.0


def _renewal(granted: float) -> float:
    return float(granted) - min(60.0, float(granted) / 2.0)


class Harness:
    """A lifecycle on a virtual clock; hooks record which timer fired."""

    def __init__(self, probe: float | None = PROBE) -> None:
        self.clock = Clock()
        self.notes: list[tuple[str, str | None]] = []
        self.fired: list[str] = []
        self.core = LifecycleCore(
            clock=self.clock,
            note=lambda text, clause: self.notes.append((text, clause)),
            renewal_delay=_renewal,
            retry_interval=RETRY,
            probe_interval=probe,
            on_renew=lambda: self.fired.append("renew"),
            on_retry=lambda: self.fired.append("retry"),
            on_probe=lambda: self.fired.append("probe"),
            on_fallback_renew=lambda: self.fired.append("fallback-renew"),
            on_fallback_retry=lambda: self.fired.append("fallback-retry"),
        )
        self.machine: LifecycleInputs = new_lifecycle(self.core)

    @property
    def state(self) -> str:
        return self.core.state

    @property
    def data(self) -> Lifecycle:
        assert self.core.data is not None
        return self.core.data

    def changes(self) -> list[tuple[str, str | None]]:
        """The state-change notes (input: source -> destination)."""
        return [(t.split(" (", 1)[0], c) for t, c in self.notes if " -> " in t]

    def on_fallback(self) -> None:
        m = self.machine
        m.start()
        m.falling_back()
        m.fallback_registered(FALLBACK, 600, False)
        m.fell_back()


class RegistrationTests(SynchronousTestCase):
    def test_starts_idle_without_timers(self) -> None:
        h = Harness()
        self.assertEqual(h.state, "Idle")
        self.assertEqual(h.clock.getDelayedCalls(), [])
        self.assertEqual(h.notes, [])

    def test_registered_owns_the_renewal_timer(self) -> None:
        h = Harness()
        h.machine.start()
        self.assertEqual(h.state, "Registering")
        h.machine.registered(PRIMARY, 3600)
        self.assertEqual(h.state, "Registered")
        self.assertEqual(h.data.target, PRIMARY)
        self.assertEqual(h.data.granted, 3600)
        assert h.data.renewal is not None
        self.assertEqual(h.data.renewal.getTime(), 3540.0)
        h.clock.advance(3540)
        self.assertEqual(h.fired, ["renew"])
        self.assertTrue(h.machine.renew_due())
        self.assertEqual(h.state, "Registering")
        self.assertIsNone(h.data.renewal)

    def test_a_new_registration_replaces_the_renewal(self) -> None:
        h = Harness()
        h.machine.start()
        h.machine.registered(PRIMARY, 3600)
        h.clock.advance(100)
        h.machine.registered(PRIMARY, 120)  # a loop: Registered stays Registered
        self.assertEqual(h.state, "Registered")
        self.assertEqual(len(h.clock.getDelayedCalls()), 1)
        assert h.data.renewal is not None
        self.assertEqual(h.data.renewal.getTime(), 160.0)

    def test_retrying_owns_the_retry_timer(self) -> None:
        h = Harness()
        h.machine.start()
        h.machine.retry_later()
        self.assertEqual(h.state, "Retrying")
        h.clock.advance(RETRY)
        self.assertEqual(h.fired, ["retry"])
        h.machine.retry_due()
        self.assertEqual(h.state, "Registering")
        h.machine.registered(PRIMARY, 3600)
        self.assertEqual(h.state, "Registered")

    def test_gave_up(self) -> None:
        h = Harness()
        h.machine.start()
        h.machine.gave_up()
        self.assertEqual(h.state, "Unregistered")
        self.assertEqual(h.clock.getDelayedCalls(), [])

    def test_working_lost_cancels_the_renewal_and_retries(self) -> None:
        h = Harness()
        h.machine.start()
        h.machine.registered(PRIMARY, 3600)
        h.machine.working_lost()
        self.assertEqual(h.state, "Retrying")
        self.assertIsNone(h.data.renewal)
        self.assertIsNone(h.data.target)
        (call,) = h.clock.getDelayedCalls()
        self.assertEqual(call.getTime(), RETRY)

    def test_registered_after_working_lost_drops_the_retry(self) -> None:
        """
        Explore seeds 0 and 11 (REG-2, FBK-C3): a call found the working server
        down while a renewal was under way; the renewal then succeeded.  The
        server answered, so FBK-C3's REGISTER "while it is down" is over: the
        pending retry must not re-register in the first half of the new binding.
        """
        h = Harness()
        h.machine.start()
        h.machine.registered(PRIMARY, 30)
        h.clock.advance(15)
        self.assertTrue(h.machine.renew_due())
        h.machine.working_lost()
        h.machine.registered(PRIMARY, 30)
        self.assertEqual(h.state, "Registered")
        self.assertIsNone(h.data.retry)
        h.clock.advance(RETRY)
        self.assertEqual(h.fired, ["renew", "renew"])

    def test_registered_after_retry_later_voids_the_retry(self) -> None:
        """
        RTX-5: a registration made meanwhile (a call's, FO-5, or a renewal) ends the
        failure the retry was for: no retry is due, the renewal is next (REG-2).
        (Until round 6 the retry was kept; a stale one then re-registered 6 s into
        a 30 s registration, survey 7002.)
        """
        h = Harness()
        h.machine.start()
        h.machine.retry_later()
        h.machine.registered(PRIMARY, 3600)
        self.assertIsNone(h.data.retry)
        self.assertEqual(h.state, "Registered")
        h.clock.advance(RETRY)
        self.assertEqual(h.fired, [])

    def test_retry_failing_while_registered_then_renewed(self) -> None:
        """
        REG-2: a retry that failed while the account was still registered (FO-5's
        REGISTER meanwhile), then a renewal answered: the renewal's schedule alone
        goes on, no REGISTER at the failed retry's time.
        """
        h = Harness()
        h.machine.start()
        h.machine.retry_later()
        h.machine.registered(PRIMARY, 3600)
        h.machine.retry_later()  # another request's round failed every target
        self.assertIsNotNone(h.data.retry)
        h.machine.registered(PRIMARY, 3600)  # the renewal (or a retry) answered
        self.assertIsNone(h.data.retry)
        h.clock.advance(RETRY)
        self.assertEqual(h.fired, [])


class FallbackTests(SynchronousTestCase):
    def test_falling_back_and_on_fallback(self) -> None:
        h = Harness()
        h.machine.start()
        h.machine.falling_back()
        self.assertEqual(h.state, "FallingBack")
        # the registration to server 2 is not kept fresh until the account is on it
        h.machine.fallback_registered(FALLBACK, 600, False)
        self.assertIsNone(h.data.fallback_renewal)
        h.machine.fell_back()
        self.assertEqual(h.state, "OnFallback")
        self.assertEqual(h.data.fallback_target, FALLBACK)
        assert h.data.fallback_renewal is not None and h.data.probe is not None
        self.assertEqual(h.data.fallback_renewal.getTime(), 540.0)
        self.assertEqual(h.data.probe.getTime(), PROBE)
        self.assertIn(("on the fallback server; probing the working server", "FBK-S2"), h.notes)

    def test_no_renewal_of_the_working_server_on_fallback(self) -> None:
        h = Harness()
        h.on_fallback()
        self.assertFalse(h.machine.renew_due())
        self.assertEqual(h.state, "OnFallback")

    def test_probe_failed_probes_again(self) -> None:
        h = Harness()
        h.on_fallback()
        h.clock.advance(PROBE)
        self.assertEqual(h.fired, ["probe"])
        self.assertTrue(h.machine.probe_due())
        self.assertEqual(h.state, "Probing")
        self.assertIsNone(h.data.probe)
        h.machine.probe_failed()
        self.assertEqual(h.state, "OnFallback")
        assert h.data.probe is not None
        self.assertEqual(h.data.probe.getTime(), 2 * PROBE)

    def test_probe_ok_goes_back_to_the_working_server(self) -> None:
        h = Harness()
        h.on_fallback()
        h.clock.advance(PROBE)
        h.machine.probe_due()
        h.machine.registered(PRIMARY, 3600)  # the probe's registration: still Probing
        self.assertEqual(h.state, "Probing")
        h.machine.probe_ok()
        self.assertEqual(h.state, "Registered")
        self.assertIsNone(h.data.fallback_renewal)
        self.assertIn(("working server answered the probe; back on it", "FBK-S4"), h.notes)
        # only the renewal of the working server is left
        (call,) = h.clock.getDelayedCalls()
        self.assertEqual(call.getTime(), PROBE + 3540.0)

    def test_probe_due_off_the_fallback_does_nothing(self) -> None:
        h = Harness()
        h.machine.start()
        h.machine.registered(PRIMARY, 3600)
        self.assertFalse(h.machine.probe_due())
        self.assertEqual(h.state, "Registered")

    def test_no_probing(self) -> None:
        h = Harness(probe=None)
        h.on_fallback()
        self.assertIsNone(h.data.probe)

    def test_fallback_renewal_and_retry(self) -> None:
        h = Harness()
        h.on_fallback()
        h.clock.advance(540)
        self.assertIn("fallback-renew", h.fired)
        h.machine.fallback_renew_due()
        self.assertIsNone(h.data.fallback_renewal)
        h.machine.fallback_failed()
        assert h.data.fallback_retry is not None
        h.clock.advance(RETRY)
        self.assertIn("fallback-retry", h.fired)
        h.machine.fallback_retry_due()
        self.assertIsNone(h.data.fallback_retry)
        self.assertEqual(h.state, "OnFallback")

    def test_concurrent_fallback_registration_kept_fresh(self) -> None:
        h = Harness()
        h.machine.start()
        h.machine.fallback_registered(FALLBACK, 600, True)
        self.assertEqual(h.state, "Registering")
        assert h.data.fallback_renewal is not None
        self.assertEqual(h.data.fallback_renewal.getTime(), 540.0)

    def test_working_inputs_loop_on_the_fallback(self) -> None:
        h = Harness()
        h.on_fallback()
        for feed in (h.machine.falling_back, h.machine.retry_later, h.machine.working_lost):
            feed()
            self.assertEqual(h.state, "OnFallback")
        h.machine.fell_back()
        self.assertEqual(h.state, "OnFallback")


class FallbackLostTests(SynchronousTestCase):
    """
    RTX-5 (explore seed 1): on the fallback server, its registration failed
    too: every target has failed, so the phone leaves the fallback states and
    retries the whole list from the top after the retry interval; the probe of
    the working server is no longer due.
    """

    def test_fallback_lost_retries_from_the_top(self) -> None:
        h = Harness()
        h.on_fallback()
        h.clock.advance(10)  # the probe was due at PROBE (45 s)
        h.machine.fallback_lost()
        self.assertEqual(h.state, "Retrying")
        self.assertIsNone(h.data.probe)
        assert h.data.retry is not None
        self.assertEqual(h.data.retry.getTime(), 10 + RETRY)
        self.assertIn(("fallback_lost: OnFallback -> Retrying", "RTX-5"), h.changes())
        h.clock.advance(PROBE)
        self.assertEqual(h.fired, ["retry"])

    def test_fallback_lost_during_a_probe(self) -> None:
        h = Harness()
        h.on_fallback()
        h.clock.advance(PROBE)
        self.assertTrue(h.machine.probe_due())
        h.machine.fallback_lost()
        self.assertEqual(h.state, "Retrying")
        # the probe answered after all: back on the working server, no retry left over
        h.machine.registered(PRIMARY, 3600)
        h.machine.probe_ok()
        self.assertEqual(h.state, "Registered")
        self.assertIsNone(h.data.retry)


class StopAndTraceTests(SynchronousTestCase):
    def test_stop_cancels_every_timer(self) -> None:
        h = Harness()
        h.on_fallback()
        h.machine.registered(PRIMARY, 3600)
        h.machine.retry_later()
        self.assertEqual(len(h.clock.getDelayedCalls()), 4)
        h.machine.stop()
        self.assertEqual(h.state, "Stopped")
        self.assertEqual(h.clock.getDelayedCalls(), [])

    def test_inputs_after_stop_are_ignored(self) -> None:
        h = Harness()
        h.machine.start()
        h.machine.stop()
        notes = len(h.notes)
        h.machine.registered(PRIMARY, 3600)
        h.machine.retry_later()
        h.machine.fell_back()
        h.machine.stop()
        self.assertFalse(h.machine.renew_due())
        self.assertFalse(h.machine.probe_due())
        self.assertEqual(h.state, "Stopped")
        self.assertEqual(h.clock.getDelayedCalls(), [])
        self.assertEqual(len(h.notes), notes)

    def test_every_state_change_is_noted_with_its_clause(self) -> None:
        h = Harness()
        h.on_fallback()
        h.clock.advance(PROBE)
        h.machine.probe_due()
        h.machine.registered(PRIMARY, 3600)
        h.machine.registered(PRIMARY, 3600)  # a loop: no note
        h.machine.probe_ok()
        h.machine.stop()
        self.assertEqual(
            h.changes(),
            [
                ("start: Idle -> Registering", "REG-1"),
                ("falling_back: Registering -> FallingBack", "FO-6"),
                ("fell_back: FallingBack -> OnFallback", "FBK-S2"),
                ("probe_due: OnFallback -> Probing", "FBK-S3"),
                ("probe_ok: Probing -> Registered", "FBK-S4"),
                ("stop: Registered -> Stopped", None),
            ],
        )

    def test_notes_carry_the_state_data(self) -> None:
        h = Harness()
        h.machine.start()
        h.machine.retry_later()
        h.machine.retry_due()
        h.machine.registered(PRIMARY, 3600)
        text = h.notes[-1][0]
        self.assertEqual(
            text,
            "registered: Registering -> Registered "
            "(server 1 at 127.0.1.10:5060/udp for 3600s, renewal at 3540)",
        )
