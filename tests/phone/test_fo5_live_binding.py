"""
FO-5 for the built-in phone: a registration that still stands at the
secondary needs no REGISTER there before a request, even after a later
registration attempt failed without reaching it (survey 7018 [03], round 17).
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.scenario import bundled_scenarios_dir, load_scenario
from harness.sip.message import Request
from harness.testbed import run_scenario
from harness.trace.events import SipEvent

WORLD = bundled_scenarios_dir() / "explore" / "r17-s7018-fb2-roe-register-with-live-binding.toml"
PRIMARY, SECONDARY = "127.0.1.10", "127.0.1.20"


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
        self.arrivals = [
            (e.t, e.observer, e.message.method) for e in self.result.trace.events
            if isinstance(e, SipEvent) and e.direction == "in"
            and e.observer in (PRIMARY, SECONDARY) and isinstance(e.message, Request)
        ]

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
