"""
RFC 3261 10.2 for the built-in phone: one REGISTER of the account's Call-ID
outstanding at a time, also when register_on_enable (FO-5) wants to register
at the secondary while a renewal is still being tried at the primary
(explore seed 115 of dns-ip-literal, round 5).
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.scenario import bundled_scenarios_dir, load_scenario
from harness.sip.message import Request
from harness.testbed import run_scenario
from harness.trace.events import SipEvent

WORLD = bundled_scenarios_dir() / "explore" / "r5-seed115-fo5-waits-for-renewal.toml"
PRIMARY, SECONDARY = "127.0.1.10", "127.0.1.20"


class RegisterOnEnableWaitsForTheRenewalTests(SynchronousTestCase):
    """
    UDP, expires 30, the primary silent from 1 s, register_on_enable 1, a call
    at 8 s.  The renewal went to the primary at 15.04 s; the call's INVITE
    gave the primary up at 15.5 s, and FO-5's REGISTER to the secondary went
    out at once with the next CSeq while the renewal was still retransmitted
    to the primary, which then failed over to the secondary with yet another
    CSeq: two REGISTERs of one Call-ID outstanding at once (RFC 3261 10.2: "A
    UA MUST NOT send a new registration ... until it has received a final
    response from the registrar for the previous one or the previous REGISTER
    request has timed out"), and a second registration at the secondary.
    FO-5's REGISTER now waits for the renewal; the renewal's own failover
    registers at the secondary, and the INVITE goes there then.
    """

    def setUp(self) -> None:
        self.result = run_scenario(load_scenario(WORLD))
        self.registers: list[tuple[float, str, str, int]] = []
        for e in self.result.trace.events:
            if (isinstance(e, SipEvent) and e.direction == "in"
                    and e.observer in (PRIMARY, SECONDARY)
                    and isinstance(e.message, Request) and e.message.method == "REGISTER"):
                self.registers.append((e.t, e.observer, e.message.headers.get("Call-ID") or "",
                                       e.message.cseq.seq))

    def test_one_register_outstanding_at_a_time(self) -> None:
        # the renewal's first send at 15.04 s; nothing to the secondary until it timed out
        renewal = next(t for t, dst, _, cseq in self.registers if cseq == 2)
        to_secondary = [t for t, dst, _, _ in self.registers if dst == SECONDARY]
        self.assertTrue(to_secondary)
        self.assertGreaterEqual(min(to_secondary), renewal + 7.5 - 0.01)

    def test_cseq_one_more_per_register_in_the_order_sent(self) -> None:
        seqs: dict[str, list[int]] = {}
        for _, _, call_id, cseq in sorted(self.registers):
            if not seqs.get(call_id) or seqs[call_id][-1] != cseq:  # (retransmissions)
                seqs.setdefault(call_id, []).append(cseq)
        for call_id, s in seqs.items():
            self.assertEqual(s, list(range(s[0], s[0] + len(s))), call_id)

    def test_every_clause_passes(self) -> None:
        failed = [f"{v.clause}: {v.summary}" for v in self.result.verdicts if v.status == "fail"]
        self.assertEqual(failed, [])
