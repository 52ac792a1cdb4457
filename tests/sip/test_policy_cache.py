"""
RetryPolicy's retransmission offsets and give-up time are kept per (policy,
INVITE or not); they must be what RFC 3261's timers and the retry rule give.
"""

from __future__ import annotations

import math

from twisted.trial.unittest import SynchronousTestCase

from harness.sip import transaction
from harness.sip.transaction import RetryPolicy


def _offsets(p: RetryPolicy, invite: bool) -> tuple[float, ...]:
    out: list[float] = []
    at, k = 0.0, 0
    bound = p.timer_b if (p.retry_counts is None or p.give_up == "timer-b") else math.inf
    while p.retry_counts is None or len(out) < p.retry_counts:
        at += p.interval(k, invite)
        k += 1
        if at >= bound:
            break
        out.append(at)
    return tuple(out)


class PolicyCacheTests(SynchronousTestCase):
    def test_like_the_rule(self) -> None:
        policies = [
            RetryPolicy(),
            RetryPolicy(retry_counts=3, give_up="last-interval"),
            RetryPolicy(retry_counts=0, give_up="last-interval"),
            RetryPolicy(retry_counts=9, give_up="timer-b"),
            RetryPolicy(t1=0.25, t2=1.0, retry_counts=5, give_up="last-interval"),
        ]
        for p in policies:
            for invite in (True, False):
                self.assertEqual(p.retransmit_offsets(invite), _offsets(p, invite))
        last = RetryPolicy(retry_counts=3, give_up="last-interval")
        self.assertEqual(last.give_up_after(False), 7.5)  # 0.5 + 1 + 2 + 4
        self.assertEqual(last.retransmit_offsets(False), (0.5, 1.5, 3.5))
        self.assertEqual(RetryPolicy().give_up_after(True), 32.0)

    def test_kept(self) -> None:
        p = RetryPolicy(retry_counts=3, give_up="last-interval")
        p.retransmit_offsets(False)
        hits = transaction._retransmit_offsets.cache_info().hits
        RetryPolicy(retry_counts=3, give_up="last-interval").retransmit_offsets(False)
        self.assertEqual(transaction._retransmit_offsets.cache_info().hits, hits + 1)
