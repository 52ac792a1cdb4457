"""
Tests for L{harness.sip.locate}: the guide's DNS rules DNS-1..DNS-11, with a
L{harness.dns.zone.Zone} as the resolver (synchronous Deferreds), plus
Hypothesis properties (the locator's order equals an independent reading of
the rules) and RFC 2782 frequency checks for the C{rfc} profile.
"""

from __future__ import annotations

import itertools
import os
import random
from collections import Counter
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.names import dns, error
from twisted.trial.unittest import SynchronousTestCase

from harness.dns.zone import Zone
from harness.profile import PROFILES, Profile
from harness.sip.locate import (
    LocateError,
    Locator,
    Resolution,
    Target,
    make_resolver,
    order_srv,
    rfc2782_order,
)
from harness.testing.hypothesis_trial import show_notes

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "zones")
YEALINK = PROFILES["yealink"]
RFC = PROFILES["rfc"]

UDP, TCP, TLS, NAPTR = 0, 1, 2, 3


class Recording:
    """An IResolver wrapper that records each query and can fail chosen ones."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.asked: list[tuple[str, str]] = []
        self.fail: dict[tuple[str, str], Exception] = {}

    def query(self, query: dns.Query, timeout: Any = None) -> defer.Deferred[Any]:
        name = query.name.name.decode().lower()
        qtype = dns.QUERY_TYPES[query.type]
        self.asked.append((name, qtype))
        for key in ((name, qtype), (name, "*"), ("*", "*")):
            if key in self.fail:
                return defer.fail(self.fail[key])
        result: defer.Deferred[Any] = self.inner.query(query, timeout)
        return result


def fixture_zone(name: str) -> Zone:
    return Zone.from_master_file(os.path.join(FIXTURES, f"{name}.zone"))


def setup(
    zone: Zone, profile: Profile = YEALINK, seed: int = 0
) -> tuple[Locator, Recording, Clock]:
    clock = Clock()
    resolver = Recording(zone)
    return Locator(resolver, clock, profile, random.Random(seed)), resolver, clock


def hosts(res: Resolution) -> list[tuple[str, str, int]]:
    return [(t.transport, t.host, t.port) for t in res.targets]


class IPAddressTests(SynchronousTestCase):
    """DNS-1."""

    def test_ip_no_query_default_port(self) -> None:
        loc, r, _ = setup(Zone("example.test"))
        res = self.successResultOf(loc.locate("127.0.1.10", 0, UDP, 0))
        self.assertEqual(res, Resolution((Target("udp", "127.0.1.10", 5060, None),), ttl=None))
        self.assertEqual(r.asked, [])

    def test_ip_explicit_port(self) -> None:
        loc, r, _ = setup(Zone("example.test"))
        res = self.successResultOf(loc.locate("127.0.1.10", 5070, TCP, 0))
        self.assertEqual(hosts(res), [("tcp", "127.0.1.10", 5070)])
        self.assertEqual(r.asked, [])

    def test_ip_naptr_transport_no_query(self) -> None:
        loc, r, _ = setup(Zone("example.test"))
        res = self.successResultOf(loc.locate("127.0.1.10", 0, NAPTR, 0))
        self.assertEqual(hosts(res), [("udp", "127.0.1.10", 5060)])
        self.assertEqual(r.asked, [])

    def test_ipv6_literal(self) -> None:
        loc, _r, _ = setup(Zone("example.test"))
        res = self.successResultOf(loc.locate("[::1]", 0, UDP, 0))
        self.assertEqual(hosts(res), [("udp", "::1", 5060)])

    def test_tls_ip_default_port_per_profile(self) -> None:
        for profile, port in ((YEALINK, 5060), (RFC, 5061)):
            loc, _, _ = setup(Zone("example.test"), profile)
            res = self.successResultOf(loc.locate("127.0.1.10", 0, TLS, 0))
            self.assertEqual(hosts(res), [("tls", "127.0.1.10", port)])


class NaptrTests(SynchronousTestCase):
    """DNS-2 .. DNS-6 with the guide's appendix zone."""

    def test_guide_example(self) -> None:
        """DNS-2, DNS-4, DNS-7, DNS-8: NAPTR 90 (TCP) -> SRV -> weight 2 first."""
        loc, r, _ = setup(fixture_zone("example.test"))
        res = self.successResultOf(loc.locate("example.test", 0, NAPTR, 0))
        self.assertEqual(hosts(res), [("tcp", "127.0.1.10", 5060), ("tcp", "127.0.1.20", 5060)])
        self.assertEqual(
            r.asked,
            [
                ("example.test", "NAPTR"),
                ("_sip._tcp.example.test", "SRV"),
                ("primary.example.test", "A"),
                ("secondary.example.test", "A"),
            ],
        )
        self.assertEqual({t.name for t in res.targets}, {"example.test"})

    def test_explicit_port_a_only(self) -> None:
        """DNS-3."""
        zone = fixture_zone("a-only.test")
        loc, r, _ = setup(zone)
        res = self.successResultOf(loc.locate("a-only.test", 5080, NAPTR, 0))
        self.assertEqual(hosts(res), [("udp", "127.0.1.10", 5080), ("udp", "127.0.1.20", 5080)])
        self.assertEqual(r.asked, [("a-only.test", "A")])

    def test_unsupported_services_skipped_order_then_pref(self) -> None:
        """DNS-4."""
        z = Zone("n.test")
        z.add("@", dns.Record_NAPTR(10, 10, b"s", b"SIP+D2S", b"", b"_sip._sctp.n.test"))
        z.add("@", dns.Record_NAPTR(20, 90, b"s", b"SIP+D2U", b"", b"_sip._udp.n.test"))
        z.add("@", dns.Record_NAPTR(20, 10, b"s", b"SIPS+D2T", b"", b"_sips._tcp.n.test"))
        z.add("@", dns.Record_NAPTR(30, 10, b"s", b"SIP+D2T", b"", b"_sip._tcp.n.test"))
        for prefix in ("_sip._sctp", "_sip._udp", "_sips._tcp", "_sip._tcp"):
            z.add(prefix, dns.Record_SRV(0, 0, 5000, b"h.n.test"))
        z.add("h", dns.Record_A("127.0.1.10"))
        loc, r, _ = setup(z)
        res = self.successResultOf(loc.locate("n.test", 0, NAPTR, 0))
        self.assertEqual(hosts(res), [("tls", "127.0.1.10", 5000)])
        self.assertNotIn(("_sip._sctp.n.test", "SRV"), r.asked)

    def test_empty_srv_set_tries_next_record(self) -> None:
        """DNS-4 interpretation."""
        z = fixture_zone("example.test")
        z.remove("_sip._tcp")
        loc, r, _ = setup(z)
        res = self.successResultOf(loc.locate("example.test", 0, NAPTR, 0))
        self.assertEqual(hosts(res), [("udp", "127.0.1.10", 5060), ("udp", "127.0.1.20", 5060)])
        self.assertEqual(
            r.asked[:3],
            [
                ("example.test", "NAPTR"),
                ("_sip._tcp.example.test", "SRV"),
                ("_sip._udp.example.test", "SRV"),
            ],
        )

    def test_srv_set_of_dot_only_tries_next_record(self) -> None:
        z = fixture_zone("example.test")
        z.replace("_sip._tcp", [dns.Record_SRV(0, 0, 0, b"")])
        loc, _, _ = setup(z)
        res = self.successResultOf(loc.locate("example.test", 0, NAPTR, 0))
        self.assertEqual(res.targets[0].transport, "udp")

    def test_empty_flag_queries_naptr_again(self) -> None:
        """DNS-5."""
        z = Zone("n.test")
        z.add("@", dns.Record_NAPTR(10, 10, b"", b"", b"", b"next.n.test"))
        z.add("next", dns.Record_NAPTR(10, 10, b"s", b"SIP+D2T", b"", b"_sip._tcp.n.test"))
        z.add("_sip._tcp", dns.Record_SRV(0, 0, 5062, b"h.n.test"))
        z.add("h", dns.Record_A("127.0.1.10"))
        loc, r, _ = setup(z)
        res = self.successResultOf(loc.locate("n.test", 0, NAPTR, 0))
        self.assertEqual(hosts(res), [("tcp", "127.0.1.10", 5062)])
        self.assertEqual(
            r.asked[:3],
            [
                ("n.test", "NAPTR"),
                ("next.n.test", "NAPTR"),
                ("_sip._tcp.n.test", "SRV"),
            ],
        )

    def test_pointer_service_applies_to_its_delegation_path(self) -> None:
        """
        DNS-5 (explore seed 6, invariant DNS-ORDER): an empty-flag C{SIP+D2U}
        record points at a name holding a D2U and a lower-pref D2T record; the
        pointer's service applies to that path (RFC 3403 §4.1), so the D2U
        record is taken.  Choosing the D2T one and then discarding its targets
        left the NAPTR path empty and sent the phone to DNS-6 (TCP).
        """
        z = Zone("n.test")
        z.add("@", dns.Record_NAPTR(10, 10, b"", b"SIP+D2U", b"", b"next.n.test"))
        z.add("next", dns.Record_NAPTR(0, 1, b"s", b"SIP+D2U", b"", b"_sip._udp.n.test"))
        z.add("next", dns.Record_NAPTR(0, 0, b"s", b"SIP+D2T", b"", b"_sip._tcp.n.test"))
        z.add("_sip._udp", dns.Record_SRV(0, 0, 5060, b"h.n.test"))
        z.add("_sip._tcp", dns.Record_SRV(0, 0, 5060, b"h.n.test"))
        z.add("h", dns.Record_A("127.0.1.10"))
        loc, r, _ = setup(z)
        res = self.successResultOf(loc.locate("n.test", 0, NAPTR, 1))
        self.assertEqual(hosts(res), [("udp", "127.0.1.10", 5060)])
        self.assertEqual([n for n, t in r.asked if t == "SRV"], ["_sip._udp.n.test"])

    def test_naptr_depth_bounded(self) -> None:
        """DNS-5: at most four NAPTR queries deep, then the chain is given up."""
        z = Zone("n.test")
        names = ["@", "l1", "l2", "l3", "l4", "l5"]
        for here, nxt in itertools.pairwise(names):
            z.add(here, dns.Record_NAPTR(10, 10, b"", b"", b"", f"{nxt}.n.test".encode()))
        z.add("l5", dns.Record_NAPTR(10, 10, b"s", b"SIP+D2U", b"", b"_sip._udp.n.test"))
        z.add("l4", dns.Record_NAPTR(20, 10, b"s", b"SIP+D2U", b"", b"_sip._udp.n.test"))
        z.add("_sip._udp", dns.Record_SRV(0, 0, 5060, b"h.n.test"))
        z.add("h", dns.Record_A("127.0.1.10"))
        loc, r, _ = setup(z)
        self.successResultOf(loc.locate("n.test", 0, NAPTR, 0))
        naptr_queries = [n for n, t in r.asked if t == "NAPTR"]
        self.assertEqual(naptr_queries, ["n.test", "l1.n.test", "l2.n.test", "l3.n.test"])

    def test_depth_one_profile_never_recurses(self) -> None:
        z = Zone("n.test")
        z.add("@", dns.Record_NAPTR(10, 10, b"", b"", b"", b"next.n.test"))
        z.add("_sip._udp", dns.Record_SRV(0, 0, 5060, b"h.n.test"))
        z.add("h", dns.Record_A("127.0.1.10"))
        loc, r, _ = setup(z, Profile(naptr_max_depth=1))
        self.successResultOf(loc.locate("n.test", 0, NAPTR, 0))
        self.assertNotIn(("next.n.test", "NAPTR"), r.asked)

    def test_no_naptr_build_0_udp(self) -> None:
        """DNS-6."""
        loc, r, _ = setup(fixture_zone("srv-only.test"))
        res = self.successResultOf(loc.locate("srv-only.test", 0, NAPTR, 0))
        self.assertEqual(res.targets[0], Target("udp", "127.0.1.10", 5060, "srv-only.test"))
        self.assertEqual(r.asked[1], ("_sip._udp.srv-only.test", "SRV"))

    def test_no_naptr_build_1_tcp(self) -> None:
        loc, r, _ = setup(fixture_zone("srv-only.test"))
        res = self.successResultOf(loc.locate("srv-only.test", 0, NAPTR, 1))
        self.assertEqual(hosts(res)[0], ("tcp", "127.0.1.10", 5060))
        self.assertEqual(r.asked[1], ("_sip._tcp.srv-only.test", "SRV"))

    def test_no_naptr_build_1_then_tls(self) -> None:
        z = fixture_zone("srv-only.test")
        z.remove("_sip._tcp")
        loc, r, _ = setup(z)
        res = self.successResultOf(loc.locate("srv-only.test", 0, NAPTR, 1))
        self.assertEqual(hosts(res)[0], ("tls", "127.0.1.10", 5061))
        self.assertEqual(
            [q for q in r.asked if q[1] == "SRV"],
            [("_sip._tcp.srv-only.test", "SRV"), ("_sips._tcp.srv-only.test", "SRV")],
        )

    def test_no_naptr_no_srv_a_with_5060(self) -> None:
        """DNS-6 -> A; DNS-9."""
        loc, r, _ = setup(fixture_zone("a-only.test"))
        res = self.successResultOf(loc.locate("a-only.test", 0, NAPTR, 0))
        self.assertEqual(hosts(res), [("udp", "127.0.1.10", 5060), ("udp", "127.0.1.20", 5060)])
        self.assertEqual(
            r.asked,
            [("a-only.test", "NAPTR"), ("_sip._udp.a-only.test", "SRV"), ("a-only.test", "A")],
        )

    def test_unusable_naptr_falls_to_build(self) -> None:
        z = fixture_zone("srv-only.test")
        z.add("@", dns.Record_NAPTR(1, 1, b"s", b"SIP+D2S", b"", b"_sip._sctp.srv-only.test"))
        loc, _, _ = setup(z)
        res = self.successResultOf(loc.locate("srv-only.test", 0, NAPTR, 0))
        self.assertEqual(res.targets[0].transport, "udp")


class TransportTests(SynchronousTestCase):
    """Transport 0/1/2 with port 0 -> SRV for it, then A; explicit port -> A only."""

    def test_srv_per_transport(self) -> None:
        for code, prefix, tr, port in (
            (UDP, "_sip._udp", "udp", 5060),
            (TCP, "_sip._tcp", "tcp", 5060),
            (TLS, "_sips._tcp", "tls", 5061),
        ):
            loc, r, _ = setup(fixture_zone("example.test"))
            res = self.successResultOf(loc.locate("example.test", 0, code, 0))
            self.assertEqual(hosts(res), [(tr, "127.0.1.10", port), (tr, "127.0.1.20", port)])
            self.assertEqual(r.asked[0], (f"{prefix}.example.test", "SRV"))
            self.assertNotIn(("example.test", "NAPTR"), r.asked)

    def test_explicit_port_a_only(self) -> None:
        loc, r, _ = setup(fixture_zone("a-only.test"))
        res = self.successResultOf(loc.locate("a-only.test", 5090, TCP, 0))
        self.assertEqual(hosts(res), [("tcp", "127.0.1.10", 5090), ("tcp", "127.0.1.20", 5090)])
        self.assertEqual(r.asked, [("a-only.test", "A")])

    def test_no_srv_tls_default_port(self) -> None:
        """DNS-9: 5060 in the guide's reading, 5061 in the rfc profile."""
        for profile, port in ((YEALINK, 5060), (RFC, 5061)):
            loc, r, _ = setup(fixture_zone("a-only.test"), profile)
            res = self.successResultOf(loc.locate("a-only.test", 0, TLS, 0))
            self.assertEqual(hosts(res)[0], ("tls", "127.0.1.10", port))
            self.assertEqual(r.asked, [("_sips._tcp.a-only.test", "SRV"), ("a-only.test", "A")])

    def test_bad_arguments(self) -> None:
        loc, _, _ = setup(Zone("x.test"))
        self.failureResultOf(loc.locate("x.test", 0, 4, 0), ValueError)
        self.failureResultOf(loc.locate("x.test", 0, 0, 2), ValueError)


def srv_zone(records: list[tuple[int, int, int, str]], addrs: dict[str, list[str]]) -> Zone:
    z = Zone("s.test")
    for prio, weight, port, target in records:
        z.add("_sip._udp", dns.Record_SRV(prio, weight, port, target.encode()))
    for name, values in addrs.items():
        for a in values:
            z.add(name + ".s.test.", dns.Record_A(a))
    return z


class SrvOrderTests(SynchronousTestCase):
    """DNS-7, DNS-8."""

    def test_priority_then_weight_desc(self) -> None:
        z = srv_zone(
            [(1, 50, 5001, "a.s.test"), (0, 1, 5002, "b.s.test"), (0, 9, 5003, "c.s.test")],
            {"a": ["127.0.2.1"], "b": ["127.0.2.2"], "c": ["127.0.2.3"]},
        )
        loc, _, _ = setup(z)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual([t.port for t in res.targets], [5003, 5002, 5001])

    def test_several_addresses_in_answer_order(self) -> None:
        z = srv_zone([(0, 0, 5060, "a.s.test")], {"a": ["127.0.2.9", "127.0.2.1", "127.0.2.5"]})
        loc, _, _ = setup(z)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual([t.host for t in res.targets], ["127.0.2.9", "127.0.2.1", "127.0.2.5"])

    def test_numeric_target_no_query(self) -> None:
        z = srv_zone([(0, 0, 5060, "127.0.2.7")], {})
        loc, r, _ = setup(z)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual(hosts(res), [("udp", "127.0.2.7", 5060)])
        self.assertEqual(r.asked, [("_sip._udp.s.test", "SRV")])

    def test_dot_target_gives_nothing(self) -> None:
        z = srv_zone([(0, 0, 5060, ""), (1, 0, 5070, "a.s.test")], {"a": ["127.0.2.1"]})
        loc, _, _ = setup(z)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual(hosts(res), [("udp", "127.0.2.1", 5070)])

    def test_duplicates_removed(self) -> None:
        z = srv_zone(
            [(0, 5, 5060, "a.s.test"), (1, 0, 5060, "b.s.test")],
            {"a": ["127.0.2.1"], "b": ["127.0.2.1", "127.0.2.2"]},
        )
        loc, _, _ = setup(z)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual([t.host for t in res.targets], ["127.0.2.1", "127.0.2.2"])

    def test_target_without_address_skipped(self) -> None:
        z = srv_zone([(0, 9, 5060, "gone.s.test"), (0, 1, 5060, "a.s.test")], {"a": ["127.0.2.1"]})
        loc, _, _ = setup(z)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual([t.host for t in res.targets], ["127.0.2.1"])

    def test_cname_target_followed(self) -> None:
        z = srv_zone([(0, 0, 5060, "alias.s.test")], {"a": ["127.0.2.1"]})
        z.add("alias", dns.Record_CNAME(b"a.s.test"), ttl=7)
        loc, _, _ = setup(z)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual([t.host for t in res.targets], ["127.0.2.1"])
        self.assertEqual(res.ttl, 7)

    def test_equal_weight_round_robin(self) -> None:
        """DNS-7: equal priority and weight share the load across resolutions."""
        z = srv_zone(
            [(0, 5, 5060, "a.s.test"), (0, 5, 5060, "b.s.test")],
            {"a": ["127.0.2.1"], "b": ["127.0.2.2"]},
        )
        z.set_ttl("_sip._udp", "SRV", 0)
        loc, _, _clock = setup(z)
        firsts = []
        for _ in range(4):
            res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
            firsts.append(res.targets[0].host)
        self.assertEqual(firsts, ["127.0.2.1", "127.0.2.2", "127.0.2.1", "127.0.2.2"])

    def test_round_robin_off(self) -> None:
        z = srv_zone(
            [(0, 5, 5060, "a.s.test"), (0, 5, 5060, "b.s.test")],
            {"a": ["127.0.2.1"], "b": ["127.0.2.2"]},
        )
        z.set_ttl("_sip._udp", "SRV", 0)
        loc, _, _ = setup(z, Profile(srv_round_robin=False))
        firsts = {
            self.successResultOf(loc.locate("s.test", 0, UDP, 0)).targets[0].host for _ in range(3)
        }
        self.assertEqual(firsts, {"127.0.2.1"})

    def test_rfc_profile_uses_injected_rng(self) -> None:
        z = srv_zone(
            [(0, 1, 5060, "a.s.test"), (0, 1, 5060, "b.s.test")],
            {"a": ["127.0.2.1"], "b": ["127.0.2.2"]},
        )
        orders = []
        for seed in range(20):
            loc, _, _ = setup(z, RFC, seed)
            orders.append(tuple(hosts(self.successResultOf(loc.locate("s.test", 0, UDP, 0)))))
        self.assertEqual(len(set(orders)), 2)
        again = [
            tuple(hosts(self.successResultOf(setup(z, RFC, s)[0].locate("s.test", 0, UDP, 0))))
            for s in range(20)
        ]
        self.assertEqual(orders, again)


class CacheTests(SynchronousTestCase):
    """DNS-10."""

    def test_ttl_is_min_of_chain(self) -> None:
        z = fixture_zone("example.test")
        z.set_ttl("@", "NAPTR", 500)
        z.set_ttl("_sip._tcp", "SRV", 40)
        loc, _, clock = setup(z)
        clock.advance(10)
        res = self.successResultOf(loc.locate("example.test", 0, NAPTR, 0))
        self.assertEqual((res.ttl, res.expires_at), (40.0, 50.0))

    def test_reused_until_expiry_then_resolved_again(self) -> None:
        z = fixture_zone("example.test")  # A records: 60 s
        loc, r, clock = setup(z)
        first = self.successResultOf(loc.locate("example.test", 0, NAPTR, 0))
        n = len(r.asked)
        clock.advance(59.9)
        self.assertIs(self.successResultOf(loc.locate("example.test", 0, NAPTR, 0)), first)
        self.assertEqual(len(r.asked), n)
        z.replace("primary", [dns.Record_A("127.0.1.30", ttl=60)])
        clock.advance(0.1)
        again = self.successResultOf(loc.locate("example.test", 0, NAPTR, 0))
        self.assertEqual(len(r.asked), 2 * n)
        self.assertEqual(again.targets[0].host, "127.0.1.30")
        self.assertEqual(again.expires_at, 120.0)

    def test_cache_key_includes_settings(self) -> None:
        loc, r, _ = setup(fixture_zone("example.test"))
        self.successResultOf(loc.locate("example.test", 0, NAPTR, 0))
        n = len(r.asked)
        self.successResultOf(loc.locate("example.test", 0, UDP, 0))
        self.assertGreater(len(r.asked), n)

    def test_ttl_zero_never_reused(self) -> None:
        z = fixture_zone("a-only.test")
        z.set_ttl("@", "A", 0)
        loc, r, _ = setup(z)
        self.successResultOf(loc.locate("a-only.test", 5060, UDP, 0))
        self.successResultOf(loc.locate("a-only.test", 5060, UDP, 0))
        self.assertEqual(r.asked, [("a-only.test", "A")] * 2)

    def test_failure_not_cached(self) -> None:
        z = fixture_zone("a-only.test")
        loc, r, _ = setup(z)
        r.fail[("*", "*")] = error.DNSServerError("x")
        self.failureResultOf(loc.locate("a-only.test", 5060, UDP, 0), LocateError)
        del r.fail[("*", "*")]
        self.successResultOf(loc.locate("a-only.test", 5060, UDP, 0))

    def test_flush(self) -> None:
        loc, r, _ = setup(fixture_zone("a-only.test"))
        self.successResultOf(loc.locate("a-only.test", 5060, UDP, 0))
        loc.flush()
        self.successResultOf(loc.locate("a-only.test", 5060, UDP, 0))
        self.assertEqual(len(r.asked), 2)


class FailureTests(SynchronousTestCase):
    """DNS-11."""

    def reason(self, d: defer.Deferred[Resolution]) -> str:
        f = self.failureResultOf(d, LocateError)
        return str(f.value.reason)

    def test_timeout(self) -> None:
        loc, r, _ = setup(fixture_zone("example.test"))
        r.fail[("example.test", "NAPTR")] = defer.TimeoutError("q")
        self.assertEqual(self.reason(loc.locate("example.test", 0, NAPTR, 0)), "timeout")
        self.assertEqual(len(r.asked), 1)

    def test_query_timeout_error(self) -> None:
        loc, r, _ = setup(fixture_zone("example.test"))
        r.fail[("primary.example.test", "A")] = error.DNSQueryTimeoutError(1)
        r.fail[("secondary.example.test", "A")] = error.DNSQueryTimeoutError(1)
        self.assertEqual(self.reason(loc.locate("example.test", 0, NAPTR, 0)), "timeout")

    def test_target_whose_address_lookup_failed_is_skipped(self) -> None:
        """
        Explore seed 6: one SRV target's A query timed out (or SERVFAIL); the
        other targets still make the resolution (DNS-8), as a target with no
        A record would; the lookup is no DNS failure (DNS-11) while one is left.
        """
        z = srv_zone([(0, 9, 5060, "a.s.test"), (0, 1, 5060, "b.s.test")],
                     {"a": ["127.0.2.1"], "b": ["127.0.2.2"]})
        for exc in (error.DNSQueryTimeoutError(1), error.DNSServerError("m")):
            for failing, left in (("a", "127.0.2.2"), ("b", "127.0.2.1")):
                loc, r, _ = setup(z)
                r.fail[(f"{failing}.s.test", "A")] = exc
                res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
                self.assertEqual([t.host for t in res.targets], [left])

    def test_failed_address_lookup_asked_again_by_fill(self) -> None:
        """
        Explore seed 2 of dns-ip-literal: a target whose address lookup failed
        is not part of what the cache keeps until the TTL (DNS-10): a failure
        is no answer, the lookup is retried later (DNS-11).  L{Locator.fill}
        asks for it again, puts it in its SRV place, and the filled resolution
        replaces the cached one, with the chain's expiry unchanged.
        """
        z = srv_zone([(0, 9, 5060, "a.s.test"), (0, 1, 5070, "b.s.test"),
                      (1, 0, 5080, "c.s.test")],
                     {"a": ["127.0.2.1"], "b": ["127.0.2.2"], "c": ["127.0.2.3"]})
        loc, r, clock = setup(z)
        r.fail[("b.s.test", "A")] = error.DNSQueryTimeoutError(1)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual([t.host for t in res.targets], ["127.0.2.1", "127.0.2.3"])
        self.assertTrue(res.missing)
        # cached as it is until the phone needs the missing target: no query
        n = len(r.asked)
        self.assertIs(self.successResultOf(loc.locate("s.test", 0, UDP, 0)), res)
        self.assertEqual(len(r.asked), n)
        # still failing: nothing new, the same resolution
        clock.advance(5)
        self.assertIs(self.successResultOf(loc.fill(res)), res)
        self.assertEqual(r.asked[n:], [("b.s.test", "A")])
        del r.fail[("b.s.test", "A")]
        filled = self.successResultOf(loc.fill(res))
        self.assertEqual(hosts(filled), [("udp", "127.0.2.1", 5060), ("udp", "127.0.2.2", 5070),
                                         ("udp", "127.0.2.3", 5080)])
        self.assertFalse(filled.missing)
        self.assertEqual(filled.expires_at, res.expires_at)
        self.assertIs(self.successResultOf(loc.locate("s.test", 0, UDP, 0)), filled)
        self.assertIs(self.successResultOf(loc.fill(filled)), filled)

    def test_first_target_left_is_not_the_primary(self) -> None:
        """FO-5: with the first SRV target's address lost, no target is the primary."""
        z = srv_zone([(0, 9, 5060, "a.s.test"), (0, 1, 5060, "b.s.test")],
                     {"a": ["127.0.2.1"], "b": ["127.0.2.2"]})
        loc, r, _ = setup(z)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual([res.is_primary(t) for t in res.targets], [True, False])
        loc.flush()
        r.fail[("a.s.test", "A")] = error.DNSQueryTimeoutError(1)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertEqual([res.is_primary(t) for t in res.targets], [False])
        del r.fail[("a.s.test", "A")]
        filled = self.successResultOf(loc.fill(res))
        self.assertEqual([filled.is_primary(t) for t in filled.targets], [True, False])

    def test_fill_without_a_failed_lookup_asks_nothing(self) -> None:
        """A target with no A record is an answer (DNS-8): nothing to ask again."""
        z = srv_zone([(0, 9, 5060, "a.s.test"), (0, 1, 5060, "b.s.test")],
                     {"a": ["127.0.2.1"]})
        loc, r, _ = setup(z)
        res = self.successResultOf(loc.locate("s.test", 0, UDP, 0))
        self.assertFalse(res.missing)
        n = len(r.asked)
        self.assertIs(self.successResultOf(loc.fill(res)), res)
        self.assertEqual(len(r.asked), n)

    def test_servfail(self) -> None:
        loc, r, _ = setup(fixture_zone("example.test"))
        r.fail[("_sip._tcp.example.test", "SRV")] = error.DNSServerError("m")
        self.assertEqual(self.reason(loc.locate("example.test", 0, NAPTR, 0)), "servfail")

    def test_nxdomain(self) -> None:
        loc, _, _ = setup(fixture_zone("example.test"))
        f = self.failureResultOf(loc.locate("nope.example.test", 0, NAPTR, 0), LocateError)
        self.assertEqual((f.value.reason, f.value.name), ("nxdomain", "nope.example.test"))

    def test_empty(self) -> None:
        z = Zone("e.test")
        z.add("@", dns.Record_TXT(b"nothing here"))
        loc, _, _ = setup(z)
        self.assertEqual(self.reason(loc.locate("e.test", 0, UDP, 0)), "empty")

    def test_refused_outside_zone(self) -> None:
        loc, _, _ = setup(fixture_zone("example.test"))
        self.assertEqual(self.reason(loc.locate("example.org", 0, UDP, 0)), "refused")

    def test_other_error(self) -> None:
        loc, r, _ = setup(fixture_zone("example.test"))
        r.fail[("*", "*")] = OSError("boom")
        self.assertEqual(self.reason(loc.locate("example.test", 0, UDP, 0)), "error")


class OverTheNetworkTests(SynchronousTestCase):
    """make_resolver + the DNS server on the DNS tests' fake network."""

    def test_locate_over_udp(self) -> None:
        from harness.dns.server import DnsServer
        from harness.trace.events import DnsEvent, Trace
        from tests.dns.fakenet import FakeNet

        net = FakeNet()
        trace = Trace()
        DnsServer(net.host("127.0.1.53"), [fixture_zone("example.test")], trace).start()
        phone = net.host("127.0.0.2")
        resolver = make_resolver(phone, ("127.0.1.53", 53))
        self.assertEqual(resolver.servers, [("127.0.1.53", 53)])
        self.assertIsNone(resolver.resolv)
        loc = Locator(resolver, net.clock, YEALINK, random.Random(0))
        d = loc.locate("example.test", 0, NAPTR, 0)
        net.run(d)
        res = self.successResultOf(d)
        self.assertEqual(hosts(res)[0], ("tcp", "127.0.1.10", 5060))
        self.assertEqual(res.ttl, 60.0)
        asked = [(e.qname, e.qtype) for e in trace.of(DnsEvent) if e.direction == "in"]
        self.assertEqual(asked[:2], [("example.test", "NAPTR"), ("_sip._tcp.example.test", "SRV")])
        self.assertEqual(net.clock.getDelayedCalls(), [])

    def test_timeout_over_network(self) -> None:
        from harness.dns.server import DnsServer
        from harness.trace.events import Trace
        from tests.dns.fakenet import FakeNet

        net = FakeNet()
        server = DnsServer(net.host("127.0.1.53"), [fixture_zone("example.test")], Trace())
        server.start()
        server.faults.drop = True
        loc = Locator(
            make_resolver(net.host("127.0.0.2"), ("127.0.1.53", 53)),
            net.clock,
            YEALINK,
            random.Random(0),
        )
        d = loc.locate("example.test", 0, NAPTR, 0)
        net.run(d)
        f = self.failureResultOf(d, LocateError)
        self.assertEqual(f.value.reason, "timeout")
        self.assertEqual(net.clock.seconds(), 4.0)

    def test_resolver_state_matches_the_stock_resolver(self) -> None:
        """
        make_resolver's resolver sets up client.Resolver's state itself,
        without ResolverBase.__init__ (its per-instance method table is
        what it saves): a Twisted release that gives the stock resolver
        another attribute must show here, not as an AttributeError deep in a
        lookup.  Only C{typeToMethod} may differ.
        """
        from twisted.internet.testing import MemoryReactorClock
        from twisted.names import client

        reactor = MemoryReactorClock()
        stock = client.Resolver(servers=[("127.0.1.53", 53)], reactor=reactor)
        ours = make_resolver(reactor, ("127.0.1.53", 53))
        self.assertEqual(set(vars(stock)) - {"typeToMethod"}, set(vars(ours)))
        self.assertEqual((ours.servers, ours.resolv), (stock.servers, stock.resolv))


# -- properties -----------------------------------------------------------------

TARGET_NAMES = ["t0", "t1", "t2", "t3"]

srv_record = st.tuples(
    st.integers(0, 3),  # priority
    st.integers(0, 4),  # weight
    st.integers(1024, 1030),  # port
    st.sampled_from([*TARGET_NAMES, "127.0.3.1", "."]),
)
address_map = st.fixed_dictionaries(
    {
        name: st.lists(
            st.sampled_from(["127.0.4.1", "127.0.4.2", "127.0.4.3"]), max_size=2, unique=True
        )
        for name in TARGET_NAMES
    }
)


def expected_srv_targets(
    records: list[tuple[int, int, int, str]], addrs: dict[str, list[str]]
) -> list[tuple[str, int]]:
    """An independent reading of DNS-7/DNS-8 (yealink, first resolution)."""
    ordered = sorted(records, key=lambda r: (r[0], -r[1]))  # stable: answer order on ties
    out: list[tuple[str, int]] = []
    for _prio, _weight, port, target in ordered:
        if target == ".":
            continue
        for a in [target] if target[0].isdigit() else addrs[target]:
            if (a, port) not in out:
                out.append((a, port))
    return out


def zone_for(
    records: list[tuple[int, int, int, str]], addrs: dict[str, list[str]], at: str
) -> Zone:
    z = Zone("p.test")
    for prio, weight, port, target in records:
        name = (
            b""
            if target == "."
            else (target.encode() if target[0].isdigit() else f"{target}.p.test".encode())
        )
        z.add(at, dns.Record_SRV(prio, weight, port, name))
    for name, values in addrs.items():
        for a in values:
            z.add(name, dns.Record_A(a))
    return z


class PropertyTests(SynchronousTestCase):
    @show_notes
    @given(records=st.lists(srv_record, max_size=8), addrs=address_map)
    def test_srv_order_matches_rules(
        self, records: list[tuple[int, int, int, str]], addrs: dict[str, list[str]]
    ) -> None:
        z = zone_for(records, addrs, "_sip._udp")
        z.add("@", dns.Record_A("127.0.9.9"))
        loc, _, _ = setup(z)
        res = self.successResultOf(loc.locate("p.test", 0, UDP, 0))
        want = expected_srv_targets(records, addrs) or [("127.0.9.9", 5060)]
        self.assertEqual([(t.host, t.port) for t in res.targets], want)

    @show_notes
    @given(
        naptrs=st.lists(
            st.tuples(
                st.integers(0, 3),
                st.integers(0, 3),
                st.sampled_from(["SIP+D2U", "SIP+D2T", "SIPS+D2T", "SIP+D2S", "E2U+sip"]),
                st.sampled_from(["a", "b", "c"]),
            ),
            max_size=6,
        ),
        srvs=st.fixed_dictionaries({k: st.lists(srv_record, max_size=3) for k in ("a", "b", "c")}),
        addrs=address_map,
        naptr_build=st.sampled_from([0, 1]),
    )
    def test_naptr_choice_matches_rules(
        self,
        naptrs: list[tuple[int, int, str, str]],
        srvs: dict[str, list[tuple[int, int, int, str]]],
        addrs: dict[str, list[str]],
        naptr_build: int,
    ) -> None:
        z = Zone("p.test")
        for order, pref, service, repl in naptrs:
            z.add(
                "@",
                dns.Record_NAPTR(
                    order, pref, b"s", service.encode(), b"", f"{repl}.p.test".encode()
                ),
            )
        for repl, records in srvs.items():
            for prio, weight, port, target in records:
                name = (
                    b""
                    if target == "."
                    else (target.encode() if target[0].isdigit() else f"{target}.p.test".encode())
                )
                z.add(repl, dns.Record_SRV(prio, weight, port, name))
        for name, values in addrs.items():
            for a in values:
                z.add(name, dns.Record_A(a))
        services = {"SIP+D2U": "udp", "SIP+D2T": "tcp", "SIPS+D2T": "tls"}
        want: list[tuple[str, str, int]] = []
        for _order, _pref, service, repl in sorted(
            (n for n in naptrs if n[2] in services), key=lambda n: (n[0], n[1])
        ):
            found = expected_srv_targets(srvs[repl], addrs)
            if found:
                want = [(services[service], a, p) for a, p in found]
                break
        loc, _, _ = setup(z)
        d = loc.locate("p.test", 0, NAPTR, naptr_build)
        if want:
            self.assertEqual(hosts(self.successResultOf(d)), want)
        else:
            # DNS-6 SRV names (_sip._udp...) are absent here, and so is the A record.
            self.assertEqual(self.failureResultOf(d, LocateError).value.reason, "empty")


class Rfc2782Tests(SynchronousTestCase):
    """The rfc profile's weighted choice, checked against RFC 2782's frequencies."""

    @staticmethod
    def first_counts(weights: list[int], draws: int, seed: int = 1) -> Counter[int]:
        rng = random.Random(seed)
        items = list(range(len(weights)))
        counts: Counter[int] = Counter()
        for _ in range(draws):
            order = rfc2782_order(items, rng, weight=lambda i: weights[i])
            counts[order[0]] += 1
        return counts

    def assert_frequencies(self, counts: Counter[int], probs: list[float], draws: int) -> None:
        chi2 = 0.0
        for i, p in enumerate(probs):
            expected = p * draws
            chi2 += (counts[i] - expected) ** 2 / expected
        # df <= 4; the 99.9 % quantile of chi-square(4) is 18.47.
        self.assertLess(chi2, 18.47, f"counts {dict(counts)} vs probabilities {probs}")

    def test_first_choice_frequencies(self) -> None:
        weights = [0, 1, 2, 7]
        draws = 20000
        total = sum(weights)
        probs = [1 / (total + 1), 1 / (total + 1), 2 / (total + 1), 7 / (total + 1)]
        self.assert_frequencies(self.first_counts(weights, draws), probs, draws)

    def test_weight_zero_has_exactly_the_rfc_share(self) -> None:
        """No off-by-one: a weight-0 record is first with probability 1/(S+1), not 0 or 2/(S+1)."""
        draws = 30000
        counts = self.first_counts([0, 10], draws, seed=7)
        expected = draws / 11
        sd = (draws * (1 / 11) * (10 / 11)) ** 0.5
        self.assertLess(abs(counts[0] - expected), 5 * sd, dict(counts))

    def test_all_zero_uniform(self) -> None:
        draws = 12000
        counts = self.first_counts([0, 0, 0], draws, seed=3)
        self.assert_frequencies(counts, [1 / 3] * 3, draws)

    def test_second_position_frequencies(self) -> None:
        """After the first pick, the rest is chosen again by weight."""
        weights = [1, 3, 6]
        rng = random.Random(11)
        draws = 20000
        seconds: Counter[int] = Counter()
        for _ in range(draws):
            order = rfc2782_order([0, 1, 2], rng, weight=lambda i: weights[i])
            if order[0] == 2:
                seconds[order[1]] += 1
        n = sum(seconds.values())
        # Given 2 first, the remaining weights are 1 and 3: P = 1/5 and 3/5 + 1/5 slack
        # (RFC: draw in 0..4; 0 and 1 -> index 0 ... ) -> P(0) = 2/5, P(1) = 3/5.
        self.assert_frequencies(Counter({0: seconds[0], 1: seconds[1]}), [2 / 5, 3 / 5], n)

    def test_priority_still_first(self) -> None:
        recs = [(1, 100), (0, 1), (0, 0)]
        rng = random.Random(0)
        for _ in range(200):
            order = order_srv(recs, RFC, rng, priority=lambda r: r[0], weight=lambda r: r[1])
            self.assertEqual(order[-1], (1, 100))


class DefectTests(SynchronousTestCase):
    """The deliberate deviations a defective phone uses (so checkers can fail)."""

    def test_srv_weight_reversed(self) -> None:
        zone = fixture_zone("example.test")
        loc = Locator(Recording(zone), Clock(), YEALINK, random.Random(0), srv_weight_reversed=True)
        res = self.successResultOf(loc.locate("example.test", 0, UDP, 0))
        self.assertEqual(res.targets[0].host, "127.0.1.20")

    def test_naptr_answer_order(self) -> None:
        z = fixture_zone("example.test")
        z.replace(
            "@",
            [
                dns.Record_NAPTR(100, 50, b"s", b"SIP+D2U", b"", b"_sip._udp.example.test"),
                dns.Record_NAPTR(90, 50, b"s", b"SIP+D2T", b"", b"_sip._tcp.example.test"),
            ],
        )
        good = Locator(Recording(z), Clock(), YEALINK, random.Random(0))
        bad = Locator(Recording(z), Clock(), YEALINK, random.Random(0), naptr_answer_order=True)
        self.assertEqual(
            self.successResultOf(good.locate("example.test", 0, NAPTR, 0)).targets[0].transport,
            "tcp",
        )
        self.assertEqual(
            self.successResultOf(bad.locate("example.test", 0, NAPTR, 0)).targets[0].transport,
            "udp",
        )
