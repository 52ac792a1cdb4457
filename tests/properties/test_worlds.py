"""
Generated worlds against the built-in phone: the clause checkers pass
(property 1), liveness and safety hold (2), the failback modes hold as
invariants over time (3), and a world is deterministic (5).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from harness.explore import check_world, run_world
from harness.testing.hypothesis_trial import show_notes
from harness.testing.strategies import (
    ADDRESSES,
    DOMAIN,
    World,
    accounts,
    dns_faults,
    fault_schedules,
    networks,
    server_faults,
    worlds,
    zones,
)
from tests.properties._support import assert_holds, scaled


def _failover_faults(roles, zone, duration):  # type: ignore[no-untyped-def]
    """The primary fails (for a while), maybe more faults after."""
    return st.tuples(
        server_faults(["primary"], duration),
        fault_schedules(roles, zone, duration, min_size=0, max_size=2),
    ).map(lambda t: sorted([t[0], *t[1]], key=lambda f: f["at"]))


def failover_worlds(mode: int | None = None) -> st.SearchStrategy[World]:
    """Worlds where server 1 has a primary and a secondary and the primary fails."""
    return worlds(
        account=accounts(
            server1=st.just(DOMAIN),
            failback_mode=st.just(mode) if mode is not None else None,
        ),
        zone=zones(hosts=st.just(2)),
        faults=_failover_faults,
        network=networks(lossy=False),
    )


class CheckersAsOracleTests(SynchronousTestCase):
    """Property 1: no clause checker fails the built-in phone; no internal error."""

    @show_notes
    @scaled(1.0)
    @given(worlds())
    def test_builtin_phone_passes_every_checker(self, world: World) -> None:
        run = run_world(world)
        assert_holds(self, run, check_world(run))


class LivenessSafetyTests(SynchronousTestCase):
    """Property 2: liveness and safety, on worlds without loss (where bounds are exact)."""

    @show_notes
    @scaled(1.0)
    @given(worlds(network=networks(lossy=False)))
    def test_registered_within_bound_and_safe(self, world: World) -> None:
        run = run_world(world)
        problems = [
            p for p in check_world(run, clauses=())
            if p.split(":", 1)[0] in ("LIVENESS", "SAFETY-DEST", "SAFETY-DIALOG", "STORM",
                                      "LIVELOCK", "PHONE-ERROR")
        ]
        assert_holds(self, run, problems)


class FailbackInvariantTests(SynchronousTestCase):
    """Property 3: each failback mode as an invariant over time after a failover."""

    def _mode(self, mode: int) -> None:
        @show_notes
        @scaled(0.5)
        @given(failover_worlds(mode))
        def prop(world: World) -> None:
            run = run_world(world)
            problems = [p for p in check_world(run, clauses=()) if p.startswith("FAILBACK")]
            assert_holds(self, run, problems)

        prop()

    def test_new_requests(self) -> None:
        self._mode(0)

    def test_dnsttl(self) -> None:
        self._mode(1)

    def test_registration(self) -> None:
        self._mode(2)

    def test_duration(self) -> None:
        self._mode(3)


class DeterminismTests(SynchronousTestCase):
    """Property 5: the same world and seed give the same trace digest."""

    @show_notes
    @scaled(0.4)
    @given(worlds(), st.integers(0, 2**32))
    def test_same_world_same_digest(self, world: World, seed: int) -> None:
        a = run_world(world, seed=seed)
        b = run_world(world, seed=seed)
        self.assertEqual(a.result.digest, b.result.digest)


class NaptrOrderInvariantTests(SynchronousTestCase):
    """
    DNS-ORDER (explore seed 22, after the DNS-5 fix): concurrent mode, server 2
    an IP literal over UDP; the phone's first REGISTER went to the fallback
    server, before server 1's NAPTR lookup.  The invariant is about server 1's
    first REGISTER (TCP, the D2T record's): it holds; a first REGISTER to server
    1 over UDP still breaks it.
    """

    def _problems(self, transport: str) -> list[str]:
        from harness.certify import wire
        from harness.explore import _naptr_order
        from harness.testing.strategies import AccountSpec, SrvSet, ZoneSpec
        from harness.testing.tracebuilder import TraceBuilder, default_facts

        zone = ZoneSpec(hosts=("primary",),
                        srv=(SrvSet("_sip._udp", ((0, 0, 5060, "primary"),)),
                             SrvSet("_sip._tcp", ((0, 0, 5060, "primary"),))),
                        naptr=((0, 0, "s", "tcp"),))
        world = World(document={"scenario": {"name": "w", "duration": 120}},
                      phone_text="", zone=zone,
                      subject=AccountSpec(transport=3, port1=0, server2="127.0.1.15"))
        tb = TraceBuilder(default_facts(transport=3, port1=0))
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2"), 200, 0.005)
        tb.register("primary", 0.04, transport=transport)
        facts = tb.facts
        mine = wire.phone_transactions(tb.build(), facts)
        return _naptr_order(world, mine, {s.address for s in facts.targets})

    def test_server_1_over_the_record_transport_holds(self) -> None:
        self.assertEqual(self._problems("tcp"), [])

    def test_server_1_over_another_transport_breaks(self) -> None:
        self.assertEqual(len(self._problems("udp")), 1)


class FailbackRefusedTryInvariantTests(SynchronousTestCase):
    """
    FAILBACK (explore seeds 5 and 50, after the DNS fixes): newRequests over TCP,
    the primary stopped (connections refused).  After the failover each new
    request tried the primary first, but the refused connection carried no
    SIP: the invariant counts that attempt as the request's try there (RTX-2);
    a request sent straight to the secondary still breaks it.
    """

    def _problems(self, tries_primary: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import TraceBuilder, default_facts, failback_problems

        tb = TraceBuilder(default_facts(transport=1, server2="", duration=120.0))
        tb.refused(0.05, "primary")
        reg = tb.register("secondary", 0.07, transport="tcp")
        tb.respond(reg, 200, 0.075)
        if tries_primary:
            tb.refused(1.0, "primary", after=0.005)
        inv = tb.invite("secondary", 1.015, transport="tcp", call_id="call-a")
        tb.respond(inv, 200, 1.02)
        return failback_problems(tb, AccountSpec(transport=1))

    def test_refused_try_at_the_primary_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_straight_to_the_secondary_breaks(self) -> None:
        self.assertEqual(len(self._problems(False)), 1)


class FailbackRetryAfterAtTimeZeroTests(SynchronousTestCase):
    """
    FAILBACK (explore seed 2 of dns-ip-literal, after the RTX-5 fixes; no
    latency): the primary answered the first REGISTER 503 with Retry-After: 30
    at 0.000 s, and the renewal at 15 s went to the secondary, the primary being
    skipped (RTX-3).  The invariant's skip window was dropped for a 503 at time
    0.0 (a falsy time).  Without the Retry-After the renewal still breaks FB-0.
    """

    def _problems(self, retry_after: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import TraceBuilder, default_facts, failback_problems

        tb = TraceBuilder(default_facts(expires=30, duration=25.0))
        ra = [("Retry-After", "30")] if retry_after else []
        tb.respond(tb.register("primary", 0.0), 503, 0.0, headers=ra)
        tb.respond(tb.register("secondary", 0.0, cseq=2), 200, 0.0)
        tb.respond(tb.register("secondary", 15.0, cseq=3), 200, 15.0)
        return failback_problems(tb, AccountSpec(transport=0))

    def test_renewal_inside_retry_after_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_renewal_at_the_secondary_without_retry_after_breaks(self) -> None:
        self.assertEqual(len(self._problems(False)), 1)


class DnsFaultStrategyTests(SynchronousTestCase):
    """
    Explore seed 13 (issue 10): a set-record fault moving a host of server 1's
    domain to the fallback server's address made server 1 and server 2 one
    server, which the wire cannot tell apart.  Set-record only moves a host to
    an address of server 1 (primary or secondary).
    """

    def test_set_record_stays_within_server_one(self) -> None:
        from hypothesis import find, settings
        from hypothesis.errors import NoSuchExample

        faults = zones().flatmap(lambda z: dns_faults(z, 120.0))
        with self.assertRaises(NoSuchExample):
            find(faults, lambda f: f["action"] == "set-record"
                 and ADDRESSES["fallback"] in f["value"],
                 settings=settings(max_examples=500, database=None))
