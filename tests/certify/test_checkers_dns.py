"""
Tests for the DNS-* checkers, on synthetic queries and answers.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.certify.facts import Facts
from harness.testing.tracebuilder import (
    PRIMARY,
    SECONDARY,
    TraceBuilder,
    default_facts,
    verdict_of,
)
from harness.trace.events import Trace

D = "example.test"
SRV2 = ["0 1 5060 server1.example.test", "0 2 5060 server2.example.test"]


class _Base(SynchronousTestCase):
    def check(self, trace: Trace, facts: Facts, clause: str, status: str) -> None:
        v = verdict_of(trace, facts, clause)
        self.assertEqual(v.status, status, f"{clause}: {v}")
        self.assertNotIn("checker error", v.summary)


def _srv_and_a(tb: TraceBuilder, at: float = 0.0, ttl: int = 300,
               name: str = f"_sip._udp.{D}") -> None:
    """SRV: server2 (weight 2) is the primary, server1 the secondary."""
    tb.dns(at, name, "SRV", SRV2, ttl=ttl)
    tb.dns(at + 0.002, "server2.example.test", "A", [PRIMARY], ttl=ttl)
    tb.dns(at + 0.004, "server1.example.test", "A", [SECONDARY], ttl=ttl)


class DNS1Tests(_Base):
    def test_ip_no_dns(self) -> None:
        facts = default_facts(server1=PRIMARY)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        self.check(tb.build(), facts, "DNS-1", "pass")

    def test_query_fails(self) -> None:
        facts = default_facts(server1=PRIMARY)
        tb = TraceBuilder(facts)
        tb.dns(0.0, PRIMARY, "A", [PRIMARY])
        tb.respond(tb.register("primary", 0.01), 200)
        self.check(tb.build(), facts, "DNS-1", "fail")

    def test_port_zero_means_5060(self) -> None:
        facts = default_facts(server1=PRIMARY, port1=0)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0, port=5070), 200)
        self.check(tb.build(), facts, "DNS-1", "fail")
        tb2 = TraceBuilder(facts)
        tb2.respond(tb2.register("primary", 0.0, port=5060), 200)
        self.check(tb2.build(), facts, "DNS-1", "pass")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(server2=D), "DNS-1", "n/a")


class DNS2Tests(_Base):
    def test_naptr_first(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", ['100 50 "s" "SIP+D2U" "" _sip._udp.example.test'])
        _srv_and_a(tb, 0.01)
        tb.respond(tb.register("primary", 0.1), 200)
        self.check(tb.build(), facts, "DNS-2", "pass")

    def test_srv_first_fails(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        _srv_and_a(tb, 0.0)
        tb.respond(tb.register("primary", 0.1), 200)
        self.check(tb.build(), facts, "DNS-2", "fail")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(), "DNS-2", "n/a")


class DNS3Tests(_Base):
    def test_a_only(self) -> None:
        facts = default_facts(transport=3, port1=5080)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "A", [PRIMARY])
        tb.respond(tb.register("primary", 0.1, port=5080), 200)
        self.check(tb.build(), facts, "DNS-3", "pass")

    def test_naptr_fails(self) -> None:
        facts = default_facts(transport=3, port1=5080)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", [])
        tb.dns(0.01, D, "A", [PRIMARY])
        tb.respond(tb.register("primary", 0.1, port=5080), 200)
        self.check(tb.build(), facts, "DNS-3", "fail")

    def test_wrong_port_fails(self) -> None:
        facts = default_facts(transport=3, port1=5080)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "A", [PRIMARY])
        tb.respond(tb.register("primary", 0.1, port=5060), 200)
        self.check(tb.build(), facts, "DNS-3", "fail")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(transport=3, port1=0), "DNS-3", "n/a")


class DNSTTests(_Base):
    def test_srv_then_a(self) -> None:
        facts = default_facts(port1=0)
        tb = TraceBuilder(facts)
        _srv_and_a(tb)
        tb.respond(tb.register("primary", 0.1), 200)
        self.check(tb.build(), facts, "DNS-T", "pass")

    def test_naptr_fails(self) -> None:
        facts = default_facts(port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", [])
        _srv_and_a(tb, 0.01)
        self.check(tb.build(), facts, "DNS-T", "fail")

    def test_wrong_srv_for_transport_fails(self) -> None:
        facts = default_facts(port1=0, transport=1)
        tb = TraceBuilder(facts)
        _srv_and_a(tb)
        self.check(tb.build(), facts, "DNS-T", "fail")

    def test_explicit_port_a_only(self) -> None:
        facts = default_facts(port1=5060)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "A", [PRIMARY])
        tb.respond(tb.register("primary", 0.1), 200)
        self.check(tb.build(), facts, "DNS-T", "pass")
        tb2 = TraceBuilder(facts)
        _srv_and_a(tb2)
        self.check(tb2.build(), facts, "DNS-T", "fail")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(server1=PRIMARY), "DNS-T", "n/a")


NAPTR2 = ['100 50 "s" "SIP+D2U" "" _sip._udp.example.test',
          '90 50 "s" "SIP+D2T" "" _sip._tcp.example.test',
          '80 50 "s" "SIP+D2S" "" _sip._sctp.example.test']


class DNS4Tests(_Base):
    def test_order_followed(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", NAPTR2)
        _srv_and_a(tb, 0.01, name=f"_sip._tcp.{D}")
        tb.respond(tb.register("primary", 0.1, transport="tcp"), 200)
        self.check(tb.build(), facts, "DNS-4", "pass")

    def test_empty_srv_then_next_record(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", NAPTR2)
        tb.dns(0.01, f"_sip._tcp.{D}", "SRV", [])
        _srv_and_a(tb, 0.02, name=f"_sip._udp.{D}")
        tb.respond(tb.register("primary", 0.1), 200)
        self.check(tb.build(), facts, "DNS-4", "pass")

    def test_answer_order_fails(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", NAPTR2)
        _srv_and_a(tb, 0.01, name=f"_sip._udp.{D}")
        self.check(tb.build(), facts, "DNS-4", "fail")

    def test_unsupported_service_fails(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", NAPTR2)
        tb.dns(0.01, f"_sip._sctp.{D}", "SRV", [])
        self.check(tb.build(), facts, "DNS-4", "fail")

    def test_wrong_transport_fails(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", NAPTR2)
        _srv_and_a(tb, 0.01, name=f"_sip._tcp.{D}")
        tb.respond(tb.register("primary", 0.1, transport="udp"), 200)
        self.check(tb.build(), facts, "DNS-4", "fail")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(transport=3, port1=0), "DNS-4", "n/a")


class DNS5Tests(_Base):
    def test_empty_flag_naptr_again(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", ['10 10 "" "SIP+D2U" "" sub.example.test'])
        tb.dns(0.01, "sub.example.test", "NAPTR",
               ['10 10 "s" "SIP+D2U" "" _sip._udp.example.test'])
        _srv_and_a(tb, 0.02)
        self.check(tb.build(), facts, "DNS-5", "pass")

    def test_empty_flag_srv_fails(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", ['10 10 "" "SIP+D2U" "" sub.example.test'])
        tb.dns(0.01, "sub.example.test", "SRV", [])
        self.check(tb.build(), facts, "DNS-5", "fail")

    def test_depth_bounded(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", ['10 10 "" "SIP+D2U" "" n1.example.test'])
        for k in range(1, 6):
            tb.dns(0.01 * k, f"n{k}.example.test", "NAPTR",
                   [f'10 10 "" "SIP+D2U" "" n{k + 1}.example.test'])
        self.check(tb.build(), facts, "DNS-5", "fail")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(transport=3, port1=0), "DNS-5", "n/a")


class DNS6Tests(_Base):
    def test_udp_srv(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", rcode="NXDOMAIN")
        _srv_and_a(tb, 0.01)
        self.check(tb.build(), facts, "DNS-6", "pass")

    def test_tcp_srv_with_build_0_fails(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", [])
        _srv_and_a(tb, 0.01, name=f"_sip._tcp.{D}")
        self.check(tb.build(), facts, "DNS-6", "fail")

    def test_build_1_tcp_then_tls(self) -> None:
        facts = default_facts(transport=3, port1=0, naptr_build=1)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", [])
        tb.dns(0.01, f"_sip._tcp.{D}", "SRV", [])
        _srv_and_a(tb, 0.02, name=f"_sips._tcp.{D}")
        self.check(tb.build(), facts, "DNS-6", "pass")
        tb2 = TraceBuilder(facts)
        tb2.dns(0.0, D, "NAPTR", [])
        tb2.dns(0.01, f"_sip._tcp.{D}", "SRV", [])
        _srv_and_a(tb2, 0.02, name=f"_sip._udp.{D}")
        self.check(tb2.build(), facts, "DNS-6", "fail")

    def test_na(self) -> None:
        facts = default_facts(transport=3, port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", NAPTR2)
        self.check(tb.build(), facts, "DNS-6", "n/a")


class DNS7Tests(_Base):
    def _make(self, first: str, profile: str = "yealink") -> tuple[Trace, Facts]:
        facts = default_facts(port1=0, profile=profile)
        tb = TraceBuilder(facts)
        _srv_and_a(tb)
        tb.respond(tb.register(first, 0.1), 200)
        return tb.build(), facts

    def test_higher_weight_first(self) -> None:
        self.check(*self._make("primary"), "DNS-7", "pass")

    def test_lower_weight_first_fails(self) -> None:
        self.check(*self._make("secondary"), "DNS-7", "fail")

    def test_rfc_profile_weighted_random(self) -> None:
        self.check(*self._make("secondary", profile="rfc"), "DNS-7", "n/a")

    def test_priority_always_counts(self) -> None:
        facts = default_facts(port1=0, profile="rfc")
        tb = TraceBuilder(facts)
        tb.dns(0.0, f"_sip._udp.{D}", "SRV",
               ["10 1 5060 server1.example.test", "0 1 5060 server2.example.test"])
        tb.dns(0.01, "server2.example.test", "A", [PRIMARY])
        tb.dns(0.02, "server1.example.test", "A", [SECONDARY])
        tb.respond(tb.register("secondary", 0.1), 200)
        self.check(tb.build(), facts, "DNS-7", "fail")


class DNS8Tests(_Base):
    def test_a_queries(self) -> None:
        facts = default_facts(port1=0)
        tb = TraceBuilder(facts)
        _srv_and_a(tb)
        tb.respond(tb.register("primary", 0.1), 200)
        self.check(tb.build(), facts, "DNS-8", "pass")

    def test_no_a_query_fails(self) -> None:
        facts = default_facts(port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, f"_sip._udp.{D}", "SRV", SRV2)
        tb.respond(tb.register("primary", 0.1), 200)
        self.check(tb.build(), facts, "DNS-8", "fail")

    def test_numeric_target_queried_fails(self) -> None:
        facts = default_facts(port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, f"_sip._udp.{D}", "SRV", [f"0 1 5060 {PRIMARY}"])
        tb.dns(0.01, PRIMARY, "A", [PRIMARY])
        self.check(tb.build(), facts, "DNS-8", "fail")

    def test_addresses_in_answer_order(self) -> None:
        facts = default_facts(port1=0)
        tb = TraceBuilder(facts)
        tb.dns(0.0, f"_sip._udp.{D}", "SRV", ["0 1 5060 pool.example.test"])
        tb.dns(0.01, "pool.example.test", "A", [PRIMARY, SECONDARY])
        tb.silent("REGISTER", "secondary", 0.1)
        tb.respond(tb.register("primary", 7.6, cseq=2), 200)
        self.check(tb.build(), facts, "DNS-8", "fail")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(), "DNS-8", "n/a")


class DNS9Tests(_Base):
    def _make(self, port: int, profile: str = "yealink", transport: str = "udp"
              ) -> tuple[Trace, Facts]:
        facts = default_facts(transport=3, port1=0, profile=profile)
        tb = TraceBuilder(facts)
        tb.dns(0.0, D, "NAPTR", [])
        tb.dns(0.01, f"_sip._udp.{D}", "SRV", [])
        tb.dns(0.02, D, "A", [PRIMARY])
        tb.respond(tb.register("primary", 0.1, port=port, transport=transport), 200)
        return tb.build(), facts

    def test_5060(self) -> None:
        self.check(*self._make(5060), "DNS-9", "pass")

    def test_other_port_fails(self) -> None:
        self.check(*self._make(5061), "DNS-9", "fail")

    def test_rfc_tls_5061(self) -> None:
        self.check(*self._make(5061, "rfc", "tls"), "DNS-9", "pass")
        self.check(*self._make(5060, "rfc", "tls"), "DNS-9", "fail")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(), "DNS-9", "n/a")


class DNS10Tests(_Base):
    def _make(self, requery_at: float | None) -> tuple[Trace, Facts]:
        facts = default_facts(port1=0)
        tb = TraceBuilder(facts)
        _srv_and_a(tb, ttl=60)
        tb.respond(tb.register("primary", 0.1), 200)
        tb.respond(tb.invite("primary", 30.0), 200)
        if requery_at is not None:
            _srv_and_a(tb, requery_at, ttl=60)
        tb.respond(tb.invite("primary", 100.0), 200)
        return tb.build(), facts

    def test_reused_then_renewed(self) -> None:
        self.check(*self._make(99.9), "DNS-10", "pass")

    def test_not_renewed_fails(self) -> None:
        self.check(*self._make(None), "DNS-10", "fail")

    def test_renewed_too_early_fails(self) -> None:
        self.check(*self._make(29.9), "DNS-10", "fail")

    def _within_ttl(self, requery_at: float | None) -> tuple[Trace, Facts]:
        """Every request before the TTL (60 s) ran out: the benchmark's 10 s run."""
        facts = default_facts(port1=0)
        tb = TraceBuilder(facts)
        _srv_and_a(tb, ttl=60)
        tb.respond(tb.register("primary", 0.1), 200)
        if requery_at is not None:
            _srv_and_a(tb, requery_at, ttl=60)
        tb.respond(tb.invite("primary", 30.0), 200)
        return tb.build(), facts

    def test_within_ttl_na_early(self) -> None:
        """
        No request after the TTL ran out: n/a, told before the packets are read
        for lost queries (L{checks_dns._ttl_outlasts_run}); a lookup again
        before the TTL ran out still fails, the early test letting it through.
        """
        from harness.certify import checks_dns
        from harness.certify.checks_base import Ctx

        trace, facts = self._within_ttl(None)
        self.check(trace, facts, "DNS-10", "n/a")
        ctx = Ctx(trace, facts)
        lookups = checks_dns._lookups(ctx.queries, checks_dns._root(ctx, ctx.queries, D))
        self.assertTrue(checks_dns._ttl_outlasts_run(ctx, lookups))
        trace, facts = self._within_ttl(29.9)
        self.check(trace, facts, "DNS-10", "fail")
        ctx = Ctx(trace, facts)
        lookups = checks_dns._lookups(ctx.queries, checks_dns._root(ctx, ctx.queries, D))
        self.assertEqual(len(lookups), 2)
        self.assertFalse(checks_dns._ttl_outlasts_run(ctx, lookups))

    def test_na(self) -> None:
        self.check(Trace(), default_facts(server1=PRIMARY), "DNS-10", "n/a")


class DNS11Tests(_Base):
    def _make(self, retry: bool, fallback: bool = True) -> tuple[Trace, Facts]:
        facts = default_facts(port1=0, redundancy_type=1)
        tb = TraceBuilder(facts)
        tb.dns(0.0, f"_sip._udp.{D}", "SRV", rcode="SERVFAIL")
        if fallback:
            tb.respond(tb.register("fallback", 0.1, call_id="reg-2"), 200)
        if retry:
            _srv_and_a(tb, 30.1)
        return tb.build(), facts

    def test_fallback_and_retry(self) -> None:
        self.check(*self._make(True), "DNS-11", "pass")

    def test_never_retried_fails(self) -> None:
        self.check(*self._make(False), "DNS-11", "fail")

    def test_no_fallback_fails(self) -> None:
        self.check(*self._make(True, fallback=False), "DNS-11", "fail")

    def test_na(self) -> None:
        facts = default_facts(port1=0)
        tb = TraceBuilder(facts)
        _srv_and_a(tb)
        self.check(tb.build(), facts, "DNS-11", "n/a")
