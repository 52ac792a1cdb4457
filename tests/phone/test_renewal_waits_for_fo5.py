"""
RFC 3261 10.2 for the built-in phone, the other way round from
L{tests.phone.test_register_serialized}: a renewal falling due while FO-5's
REGISTER to the secondary is still outstanding waits for it (survey 7016
[07]/[08] of round 16).
"""

from __future__ import annotations

from itertools import pairwise

from twisted.trial.unittest import SynchronousTestCase

from harness.scenario import bundled_scenarios_dir, load_scenario
from harness.sip.message import Request, Response
from harness.testbed import run_scenario
from harness.trace.events import SipEvent

WORLD = bundled_scenarios_dir() / "explore" / "r16-s7016-reg2-renewal-waits-for-fo5-register.toml"
PRIMARY, SECONDARY = "127.0.1.10", "127.0.1.20"


class RenewalWaitsForTheRegisterOnEnableTests(SynchronousTestCase):
    """
    TLS, register_on_enable 1, retry_counts 13, expires 135; the secondary
    answers 40 s late from 16 s to 46 s, the primary resets two calls'
    INVITEs at 43 s and stops.  FO-5's REGISTER for them went to the
    secondary at 43.5 s (its answer due at 83.6 s).  The renewal fell due at
    76.6 s and went out at once (primary refused, then the secondary) with
    newer CSeqs while that REGISTER was outstanding: two REGISTERs of one
    Call-ID at once (RFC 3261 10.2), the server answering the older one 500
    (CSeq out of order), the calls lost, the registration "lost" and retried
    (REG-2: a renewal 37 s after a 135 s registration).  The renewal now waits
    for it.
    """

    def setUp(self) -> None:
        self.result = run_scenario(load_scenario(WORLD))
        # (server, Call-ID, CSeq) -> (first arrival, final answer time)
        self.spans: dict[tuple[str, str, int], list[float]] = {}
        for e in self.result.trace.events:
            if not isinstance(e, SipEvent) or e.observer not in (PRIMARY, SECONDARY):
                continue
            msg = e.message
            if e.direction == "in" and isinstance(msg, Request) and msg.method == "REGISTER":
                key = (e.observer, msg.headers.get("Call-ID") or "", msg.cseq.seq)
                self.spans.setdefault(key, [e.t, float("inf")])
            elif (e.direction == "out" and isinstance(msg, Response)
                    and msg.cseq.method == "REGISTER" and msg.status >= 200):
                key = (e.observer, msg.headers.get("Call-ID") or "", msg.cseq.seq)
                if key in self.spans:
                    self.spans[key][1] = min(self.spans[key][1], e.t)

    def test_one_register_outstanding_at_a_time(self) -> None:
        spans = sorted((t0, t1, key) for key, (t0, t1) in self.spans.items())
        self.assertGreaterEqual(len(spans), 3)
        for (_, a1, ka), (b0, _, kb) in pairwise(spans):
            if ka[1] == kb[1]:
                self.assertGreaterEqual(b0, a1 - 0.001, f"{kb} sent while {ka} outstanding")

    def test_no_register_refused(self) -> None:
        refused = [v for v in self.result.trace.events
                   if isinstance(v, SipEvent) and isinstance(v.message, Response)
                   and v.message.cseq.method == "REGISTER" and v.message.status >= 300]
        self.assertEqual(refused, [])

    def test_every_clause_passes(self) -> None:
        failed = [f"{v.clause}: {v.summary}" for v in self.result.verdicts if v.status == "fail"]
        self.assertEqual(failed, [])
