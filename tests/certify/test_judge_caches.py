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


class SrvParseTests(SynchronousTestCase):
    def test_remembered_and_right(self) -> None:
        records = ("10 60 5060 primary.example.test.", "20 0 5060 .", "bad record")
        want = (
            checks_dns.Srv(10, 60, 5060, "primary.example.test"),
            checks_dns.Srv(20, 0, 5060, "."),
        )
        self.assertEqual(checks_dns._parse_srvs(records), want)
        before = checks_dns._parse_srvs.cache_info().hits
        self.assertEqual(checks_dns._parse_srvs(records), want)
        self.assertEqual(checks_dns._parse_srvs.cache_info().hits, before + 1)


class NewChainsTests(SynchronousTestCase):
    """Ctx.new_chains is worked out once per group and equals the filter of the rounds."""

    def test_once_and_equal(self) -> None:
        from dataclasses import replace

        from harness.certify.checks_base import Ctx
        from harness.scenario import bundled_scenarios_dir, load_scenario
        from harness.testbed import run_scenario

        sc = load_scenario(bundled_scenarios_dir() / "register-failover-udp.toml")
        result = run_scenario(replace(sc, duration=20.0), seed=0)
        ctx = Ctx(result.trace, result.facts)
        for group in (1, 2):
            want = [c for c in ctx.rounds
                    if not c.in_dialog and ctx.group(c.head.dst) == group]
            self.assertEqual(ctx.new_chains(group), want)
            self.assertIs(ctx.new_chains(group), ctx.new_chains(group))
        self.assertTrue(ctx.new_chains(1))
