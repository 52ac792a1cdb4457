"""
FO-5 for the built-in phone: a registration that still stands at the
secondary needs no REGISTER there before a request, even after a later
registration attempt failed without reaching it (survey 7018 [03], round 17);
and one that still stands at the primary needs none there either, though the
registration has moved to the secondary since (w7038 [7545], round 26).
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.scenario import bundled_scenarios_dir, load_scenario
from harness.sip.message import Request
from harness.testbed import RunResult, run_scenario
from harness.trace.events import SipEvent

WORLD = bundled_scenarios_dir() / "explore" / "r17-s7018-fb2-roe-register-with-live-binding.toml"
MOVED = (bundled_scenarios_dir() / "explore"
         / "r26-w7038-fo5-binding-at-primary-outlives-failover.toml")
PRIMARY, SECONDARY = "127.0.1.10", "127.0.1.20"


def arrivals(result: RunResult) -> list[tuple[float, str, str]]:
    """(time, server, method) of each request a harness server got."""
    return [
        (e.t, e.observer, e.message.method) for e in result.trace.events
        if isinstance(e, SipEvent) and e.direction == "in"
        and e.observer in (PRIMARY, SECONDARY) and isinstance(e.message, Request)
    ]


class RegisterOnEnableWithALiveBindingTests(SynchronousTestCase):
    """
    UDP, failback_mode 2, register_on_enable 1, expires 120.  The renewal
    failed over to the secondary at 181.5 s (registered there until 301.5 s);
    the next renewal's lookup failed at 245.5 s (DNS-11), its RTX-5 retry due
    at 275.5 s.  A call at 268 s stays on the secondary (FB-2).  The phone
    registered there first (FO-5) because the failed attempt had cleared its
    registration, and that REGISTER stood in for the renewal: the retry to
    the primary never came (FB-2: the renewal goes to the primary).  The
    binding at the secondary stood: the INVITE goes there without a REGISTER
    and the retry goes to the primary.
    """

    def setUp(self) -> None:
        self.result = run_scenario(load_scenario(WORLD))
        self.arrivals = arrivals(self.result)

    def test_call_sent_without_a_register(self) -> None:
        near = [(t, who, m) for t, who, m in self.arrivals if 260.0 <= t <= 270.0]
        self.assertEqual([m for _, _, m in near][:1], ["INVITE"])
        self.assertNotIn("REGISTER", [m for _, _, m in near])

    def test_retry_tries_the_primary(self) -> None:
        regs = [(t, who) for t, who, m in self.arrivals if m == "REGISTER" and t > 245.0]
        self.assertTrue(regs)
        self.assertEqual(regs[0][1], PRIMARY)

    def test_every_clause_passes(self) -> None:
        failed = [f"{v.clause}: {v.summary}" for v in self.result.verdicts if v.status == "fail"]
        self.assertEqual(failed, [])


class BindingAtThePrimaryOutlivesAFailoverTests(SynchronousTestCase):
    """
    UDP, failback_mode 0, register_on_enable 1, expires 120; SRV: a nameless
    target first, then the primary, then the secondary.  Registered at the
    primary at 2.1 s (until 122.1 s); the primary crashed at 7 s; the renewal
    at 62.1 s left the nameless target's A query unanswered (its answer
    lost), so the lookup did not show the primary as such, and failed over
    to the secondary at 73.7 s.  The call at 91 s starts at the top of the
    list, the primary (FB-0).  The phone registered there first (FO-5: not
    known as the primary), forgetting the binding it held there, and the
    INVITE went to the secondary once that REGISTER timed out: FB-0 saw the
    new request start at the secondary.  The binding at the primary stood:
    the INVITE goes there, with no REGISTER before it.
    """

    def setUp(self) -> None:
        self.result = run_scenario(load_scenario(MOVED))
        self.arrivals = arrivals(self.result)

    def test_call_invites_the_primary_without_a_register(self) -> None:
        near = [(who, m) for t, who, m in self.arrivals if 90.0 <= t <= 100.0]
        self.assertEqual(near[:1], [(PRIMARY, "INVITE")])
        self.assertNotIn("REGISTER", [m for _, m in near])

    def test_every_clause_passes(self) -> None:
        failed = [f"{v.clause}: {v.summary}" for v in self.result.verdicts if v.status == "fail"]
        self.assertEqual(failed, [])
