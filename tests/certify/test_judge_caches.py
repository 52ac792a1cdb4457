"""
Helpers of the checkers that remember answers across calls: each must answer
what computing afresh answers.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.certify import checks_dns


class IsIpTests(SynchronousTestCase):
    def test_remembered_and_right(self) -> None:
        fresh = checks_dns._is_ip.__wrapped__
        names = ["127.0.1.10", "::1", "primary.example.test", "", "1.2.3", "fe80::1", "x"]
        for name in names * 2:
            self.assertEqual(checks_dns._is_ip(name), fresh(name), name)
        self.assertGreaterEqual(checks_dns._is_ip.cache_info().hits, len(names))
