"""
DNS-family regressions found by C{certify --explore} (seeds 2, 3, 12 of
dns-ip-literal and after): each the synthetic trace of a legitimate world the
checkers must pass and, beside it, the variant they must still fail.
"""

from __future__ import annotations

from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase

from harness.testing.tracebuilder import DNS, DOMAIN, PHONE, TraceBuilder, default_facts, verdict_of
from harness.trace.events import PacketEvent

NAPTR_UDP = f'0 0 "s" "SIP+D2U" "" _sip._udp.{DOMAIN}'
SRV_UDP = (f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}")


def status(tb: TraceBuilder, clause: str) -> str:
    return verdict_of(tb.build(), tb.facts, clause).status


def lost_query(tb: TraceBuilder, at: float, name: str, qtype: int) -> None:
    """The phone's query for C{name} that the network lost on its way to the DNS server."""
    m = dns.Message(id=7, recDes=True)
    m.queries = [dns.Query(name, qtype, dns.IN)]
    tb._add(PacketEvent(at, "udp", (PHONE, 40000), (DNS, 53), m.toStr(), fate="lost"))


class LostAddressAskedAgainTests(SynchronousTestCase):
    """
    RTX-3, DNS-8, DNS-11 (explore seed 2): the secondary's A query was lost
    (twice); the phone used the primary, which answered 503.  The lost lookup
    was a DNS failure, no answer to keep until the TTL (DNS-10): the phone
    asks for the secondary's address again and goes there at once.  Left with
    no next target, it fails RTX-3.
    """

    def _world(self, asks_again: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=3, port1=0, server2="", duration=60.0))
        tb.dns(0.0, DOMAIN, "NAPTR", [NAPTR_UDP])
        tb.dns(0.01, f"_sip._udp.{DOMAIN}", "SRV", SRV_UDP)
        tb.dns(0.02, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        lost_query(tb, 0.03, f"secondary.{DOMAIN}", dns.A)
        lost_query(tb, 1.03, f"secondary.{DOMAIN}", dns.A)
        reg = tb.register("primary", 4.03)
        tb.respond(reg, 503, 4.035)
        if asks_again:
            tb.dns(4.04, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
            ok = tb.register("secondary", 4.05, cseq=2)
            tb.respond(ok, 200, 4.055)
        return tb

    def test_asked_again_and_used_passes(self) -> None:
        tb = self._world(True)
        for clause in ("RTX-3", "DNS-8", "DNS-10", "FO-2"):
            self.assertIn(status(tb, clause), ("pass", "n/a"), clause)
        self.assertEqual(status(tb, "RTX-3"), "pass")

    def test_no_next_target_after_the_503_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-3"), "fail")


class LostSrvQueryTests(SynchronousTestCase):
    """
    DNS-5 (explore seed 3): the phone followed flag C{s} with the SRV query,
    but the network lost it and its retry (the lookup failed, DNS-11); the
    next query the DNS server heard is the retry's NAPTR 30 s later.  The lost
    query is on the wire: the flag was followed.  Without it (the phone asking
    nothing after the NAPTR answer), or with a wrong query lost, DNS-5 fails.
    """

    def _world(self, lost: tuple[str, int] | None) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=3, port1=0, server2="", duration=60.0))
        tb.dns(0.0, DOMAIN, "NAPTR", [NAPTR_UDP])
        if lost is not None:
            for at in (0.01, 1.01):
                lost_query(tb, at, *lost)
        tb.dns(35.0, DOMAIN, "NAPTR", [NAPTR_UDP])
        tb.dns(35.01, f"_sip._udp.{DOMAIN}", "SRV", SRV_UDP)
        tb.dns(35.02, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        tb.dns(35.03, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        ok = tb.register("primary", 35.04)
        tb.respond(ok, 200)
        return tb

    def test_lost_srv_query_passes(self) -> None:
        self.assertEqual(status(self._world((f"_sip._udp.{DOMAIN}", dns.SRV)), "DNS-5"), "pass")

    def test_nothing_asked_fails(self) -> None:
        self.assertEqual(status(self._world(None), "DNS-5"), "fail")

    def test_wrong_query_lost_fails(self) -> None:
        self.assertEqual(status(self._world((DOMAIN, dns.A)), "DNS-5"), "fail")
