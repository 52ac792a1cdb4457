"""
Checker regressions from the third triage round of C{--explore} (lead's share).

Server 1 fails only once the phone's second ask for a target it had no
address for (DNS-11) gave nothing.

Found by C{sip-harness certify --explore 300 --seed 0} against defective
phones (C{ignores-dnsttl}, C{ignores-naptr-order}, C{bye-to-new-server}) on
C{dns-ip-literal}: the shrunk world failed the golden phone too.  SRV gave
"ghost" (no address: its A lookup timed out) before "primary"; the primary
refused the connection, the phone asked again for ghost's address (a failed
lookup is retried, not cached: L{harness.sip.locate.Locator.fill}), got
NXDOMAIN a second later (the first answer lost), and only then handed the
requests to the fallback server.  FO-6, FBK-S2 and RTX-5 had counted server 1
failed at the refusal.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.certify.facts import ServerInfo
from harness.testing.tracebuilder import (
    DOMAIN,
    FALLBACK,
    PRIMARY,
    TraceBuilder,
    default_facts,
    verdict_of,
)

_PORTS = (("udp", 5060), ("tcp", 5060), ("tls", 5061))


class ReaskedTargetBeforeFallbackTests(SynchronousTestCase):
    """
    Successive mode: the primary silent (RTX-1 give-up), then a second ask
    for ghost's address answered NXDOMAIN after C{reask_answer} s, then the
    REGISTER to the fallback server C{fallback_after} s after the give-up.
    """

    def _world(self, *, reask: bool, reask_answer: float = 1.0,
               fallback_after: float = 1.1) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS),
                   ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(redundancy_type=1, servers=servers, duration=120.0))
        ghost = f"ghost.{DOMAIN}"
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 {ghost}", f"0 0 5060 primary.{DOMAIN}"])
        tb.dns(0.01, ghost, "A", rcode="NXDOMAIN")
        tb.dns(0.02, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.silent("REGISTER", "primary", 0.03)
        gave_up = tb.give_up("REGISTER", "primary")
        if reask:
            tb.dns(gave_up + 0.006, ghost, "A", rcode="NXDOMAIN", answer_after=reask_answer)
        ok = tb.register("fallback", gave_up + fallback_after, call_id="reg-1", cseq=2)
        tb.respond(ok, 200)
        return tb

    def _status(self, tb: TraceBuilder, clause: str) -> str:
        return verdict_of(tb.build(), tb.facts, clause).status

    def test_fallback_after_the_reask_passes(self) -> None:
        tb = self._world(reask=True)
        for clause in ("FO-6", "FBK-S2"):
            self.assertEqual(self._status(tb, clause), "pass", clause)
        # (no retry was due: the fallback server took over, RTX-5 judges nothing)
        self.assertEqual(self._status(tb, "RTX-5"), "n/a")

    def test_late_fallback_without_reask_fails(self) -> None:
        """No second ask: the same 1.1 s wait is the fallback coming late."""
        tb = self._world(reask=False)
        self.assertEqual(self._status(tb, "FO-6"), "fail")
        self.assertEqual(self._status(tb, "FBK-S2"), "fail")

    def test_fallback_late_after_the_reask_fails(self) -> None:
        """The second ask ended at once; 3 s more was no "at once"."""
        tb = self._world(reask=True, reask_answer=0.001, fallback_after=3.0)
        self.assertEqual(self._status(tb, "FO-6"), "fail")
        self.assertEqual(self._status(tb, "FBK-S2"), "fail")


class IdleConnectionResetTests(SynchronousTestCase):
    """
    RTX-2 (explore seed 44 of dns-ip-literal): a flap closed the primary's
    ports, resetting the phone's connection there 26 s after its last
    request there had been given up.  No request failed with it: the next
    target was due only when the renewal 4 s later was refused (and was tried
    at once then).  A reset while a REGISTER waits on that connection still
    calls for the next target at once.
    """

    def _world(self, in_flight: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, duration=120.0))
        first = tb.request("REGISTER", "primary", 10.0, transport="tcp", call_id="reg-1",
                           expires=3600)
        tb.respond(first, 200)
        if in_flight:
            tb.request("REGISTER", "primary", 68.0, transport="tcp", call_id="reg-1", cseq=2,
                       expires=3600)
        # (the connection the REGISTER went over: the builder's requests come from 5060)
        tb.conn(69.0, "primary", "reset", transport="tcp", port=5060, phone_port=5060)
        at = tb.refused(73.0, "primary")
        ok = tb.request("REGISTER", "secondary", at + 0.001, transport="tcp",
                        call_id="reg-1", cseq=3, expires=3600)
        tb.respond(ok, 200)
        return tb

    def test_idle_reset_needs_no_next_target(self) -> None:
        tb = self._world(False)
        self.assertEqual(verdict_of(tb.build(), tb.facts, "RTX-2").status, "pass")

    def test_reset_under_a_request_moves_on_at_once(self) -> None:
        tb = self._world(True)
        self.assertEqual(verdict_of(tb.build(), tb.facts, "RTX-2").status, "fail")


class RegisterConnectionLostAtStartTests(SynchronousTestCase):
    """
    REG-1 (explore seed 55 of dns-ip-literal): TCP, the primary flapping; the
    REGISTER at start never reached the wire (its SYN lost, the attempt given
    up), and later ones met a closed port, while a call's INVITE at 1 s got
    through.  The phone did try to register at start (RTX-2: a connection
    that failed before any SIP is an attempt).  Without that SYN, no
    REGISTER was tried and REG-1 still fails.
    """

    def _world(self, tried: bool) -> TraceBuilder:
        from harness.trace.events import ConnEvent

        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=30.0,
                                        calls=(1.0,)))
        if tried:
            tb.syn_lost(0.0, "primary", fate="lost", phone_port=40100)
            tb._add(ConnEvent(0.5, tb.phone, "timeout", "tcp", (tb.phone, 40100),
                              (PRIMARY, 5060), "timeout"))
        inv = tb.invite("primary", 1.01, transport="tcp")
        tb.respond(inv, 200)
        return tb

    def test_failed_connection_at_start_passes(self) -> None:
        tb = self._world(True)
        self.assertEqual(verdict_of(tb.build(), tb.facts, "REG-1").status, "pass")

    def test_no_register_attempt_fails(self) -> None:
        tb = self._world(False)
        self.assertEqual(verdict_of(tb.build(), tb.facts, "REG-1").status, "fail")


class NamelessFirstSrvTargetTests(SynchronousTestCase):
    """
    FO-5 (explore seed 59 of dns-ip-literal): register_on_enable 1, SRV gave
    "ghost" (NXDOMAIN: no server) before "primary".  The primary is the first
    target with an address, so a call's INVITE there needs no REGISTER first.
    An INVITE to the secondary without one still fails.
    """

    def _world(self, to: str) -> TraceBuilder:
        # (a DNS fault moved the primary's name to an address no harness server has)
        servers = (ServerInfo("primary", PRIMARY, _PORTS),
                   ServerInfo("secondary", "127.0.1.20", _PORTS),
                   ServerInfo("moved-127.0.1.30", "127.0.1.30", _PORTS))
        tb = TraceBuilder(default_facts(register_on_enable=1, calls=(0.0,), duration=30.0,
                                        servers=servers))
        ghost = f"ghost.{DOMAIN}"
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 {ghost}", f"0 0 5060 primary.{DOMAIN}",
                f"1 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.015, ghost, "A", rcode="NXDOMAIN")
        tb.dns(0.025, f"primary.{DOMAIN}", "A", ["127.0.1.30"])
        tb.dns(0.026, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        inv = tb.invite(to, 0.03)
        tb.respond(inv, 200)
        return tb

    def test_invite_to_the_primary_passes(self) -> None:
        tb = self._world("moved-127.0.1.30")
        self.assertNotEqual(verdict_of(tb.build(), tb.facts, "FO-5").status, "fail")

    def test_invite_to_the_secondary_unregistered_fails(self) -> None:
        tb = self._world("secondary")
        self.assertEqual(verdict_of(tb.build(), tb.facts, "FO-5").status, "fail")


class RegisteredAsTheCallFailedTests(SynchronousTestCase):
    """
    FBK-C3 (explore seed 70 of dns-ip-literal): concurrent mode; a call's
    INVITE gave up both targets of server 1 at 75 s (the secondary silent to
    INVITEs only) while the renewal, under way since 67.5 s, moved on from
    the silent primary to the secondary and got its 200 30 ms later: the
    working server answered, no retry was owed.  Had that REGISTER gone
    unanswered too, with nothing after it, the phone stopped trying: fail.
    """

    def _world(self, answered: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(calls=(60.0,), duration=120.0, expires=120))
        tb.silent("INVITE", "primary", 60.0, call_id="call-a")
        tb.silent("INVITE", "secondary", 67.5, call_id="call-a", cseq=2)
        inv = tb.invite("fallback", 75.0, call_id="call-a", cseq=3)
        tb.respond(inv, 200)
        tb.silent("REGISTER", "primary", 67.53, cseq=2)
        if answered:
            ok = tb.register("secondary", 75.03, cseq=3)
            tb.respond(ok, 200, at=75.035)
        else:
            tb.silent("REGISTER", "secondary", 75.03, cseq=3)
        return tb

    def test_registered_at_once_passes(self) -> None:
        tb = self._world(True)
        self.assertEqual(verdict_of(tb.build(), tb.facts, "FBK-C3").status, "pass")

    def test_stopped_trying_fails(self) -> None:
        tb = self._world(False)
        self.assertEqual(verdict_of(tb.build(), tb.facts, "FBK-C3").status, "fail")


class LateTwoHundredRegistersNothingTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 56 of dns-ip-literal): concurrent mode, retry_counts
    0; the primary's 200 came as the phone gave its REGISTER up (RTX-1), and
    the phone moved on to the secondary (silent too), then retried 30 s
    later.  That late 200 registered nothing: no refresh was owed at 30 s.
    The same 200 in time is a registration that lapsed unrefreshed: fail.
    """

    def _world(self, late: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(retry_counts=0, expires=30, duration=60.0))
        fb = tb.register("fallback", 0.0, call_id="reg-2", expires=3600)
        tb.respond(fb, 200)
        first = tb.register("primary", 0.4, cseq=1)
        give_up = tb.give_up("REGISTER")
        tb.respond(first, 200, at=0.4 + give_up - 0.0005 if late else 0.45)
        if late:
            tb.silent("REGISTER", "secondary", 0.4 + give_up, cseq=2)
        again = tb.register("primary", 31.3, cseq=3)
        tb.respond(again, 200)
        return tb

    def test_late_200_needs_no_refresh(self) -> None:
        tb = self._world(True)
        self.assertEqual(verdict_of(tb.build(), tb.facts, "FBK-C1").status, "pass")

    def test_timely_200_lapsing_fails(self) -> None:
        tb = self._world(False)
        self.assertEqual(verdict_of(tb.build(), tb.facts, "FBK-C1").status, "fail")


class CallLookupLostBesideRegistrationTests(SynchronousTestCase):
    """
    DNS-11 view (explore seed 52 of dns-ip-literal, round 4): the
    registration's lookup was heard (the domain's NAPTR at 96 s, answered;
    the next step's answer lost 11 ms later); a call's own NAPTR query of the
    domain was lost at 99 s and again at 100 s: that lookup failed (the
    phone re-registered 30 s later).  The other question's lost answer and
    the other lookup's heard queries said nothing of it.  Had the registration's
    own NAPTR answer been the one lost, the queries at 99 and 100 s would be
    its resolver asking again: no failed lookup.
    """

    def _downs(self, own_answer_lost: bool) -> list[float]:
        from twisted.names import dns as tdns

        from harness.certify.checks_base import Ctx
        from harness.trace.events import PacketEvent

        def _dns_query(name: str, qtype: int = tdns.NAPTR) -> bytes:
            m = tdns.Message(id=7, recDes=True)
            m.queries = [tdns.Query(name.encode(), qtype)]
            return m.toStr()

        tb = TraceBuilder(default_facts(transport=3, duration=120.0))
        naptr = f"naptr.{DOMAIN}"
        tb.dns(96.005, DOMAIN, "NAPTR", [f'10 10 "" "SIP+D2U" "" {naptr}.'])
        tb.dns(96.016, naptr, "NAPTR", [f'0 0 "s" "SIP+D2U" "" _sip._udp.{DOMAIN}.'])
        dns, phone = tb.facts.dns, (tb.phone, 40000)
        assert dns is not None
        lost_at = 96.006 if own_answer_lost else 96.017
        tb._add(PacketEvent(lost_at, "udp", dns, phone,
                            _dns_query(DOMAIN if own_answer_lost else naptr), fate="lost"))
        for at in (99.0, 100.0):
            tb._add(PacketEvent(at, "udp", phone, dns, _dns_query(DOMAIN), fate="lost"))
        ctx = Ctx(tb.build(), tb.facts)
        return [round(d.start, 3) for d in ctx.dns_downs]

    def test_the_call_lookup_failed(self) -> None:
        self.assertIn(99.0, self._downs(False))

    def test_the_resolver_asking_again_is_no_failure(self) -> None:
        self.assertNotIn(99.0, self._downs(True))
