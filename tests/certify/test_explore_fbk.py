"""
Checker regressions for FO-*/FBK-* found by C{certify --explore} (seeds of
C{dns-ip-literal}, triage round tfbk): each a legitimate world of the built-in
phone that a checker judged wrongly, beside the misbehaving variant the
checker must still fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase

from harness.certify import wire
from harness.certify.facts import CallPlan, ServerInfo
from harness.testing.tracebuilder import (
    DOMAIN,
    FALLBACK,
    PRIMARY,
    SECONDARY,
    TraceBuilder,
    default_facts,
    failback_problems,
    verdict_of,
)
from harness.trace.events import ConnEvent, DnsEvent, PacketEvent, SipEvent
from tests.certify.test_explore_dns import SRV_UDP, lost_query
from tests.certify.test_explore_fb import tls_invite_read_after_the_close_world

_PORTS = (("udp", 5060), ("tcp", 5060), ("tls", 5061))


def status(tb: TraceBuilder, clause: str) -> str:
    return verdict_of(tb.build(), tb.facts, clause).status


def _tcp_silent(tb: TraceBuilder, method: str, at: float, **kw: object) -> None:
    """C{method} over TCP to the connected but silent primary (one send, RTX-2)."""
    tb.silent(method, "primary", at, transport="tcp", **kw)


class SharedRefusedFailoverTests(SynchronousTestCase):
    """
    FO-3 (explore seed 4): TCP, the primary connected but silent, the secondary
    stopped.  The REGISTER and the call's INVITE, sent together, gave the
    primary up together; the phone's one connection to the secondary was
    refused before any SIP went over it.  That connection was the INVITE's
    failover as much as the REGISTER's (RTX-2): the INVITE did fail over.  An
    INVITE sent later that gave the primary up with no connection to the
    secondary then still fails.
    """

    def _world(self, together: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, calls=(0.0,), duration=30.0))
        _tcp_silent(tb, "REGISTER", 0.05)
        _tcp_silent(tb, "INVITE", 0.05 if together else 1.0, call_id="call-a")
        tb.refused(0.05 + tb.give_up("REGISTER"), "secondary")
        return tb

    def test_refused_together_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-3"), "fail")

    def test_invite_never_failed_over_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-3"), "fail")


class RefusedFailoverBesideRegistrationTests(SynchronousTestCase):
    """
    FO-3, RTX-2, RTX-5 (explore seed 4, second find): as above, but the call
    was placed at 1 s, so its INVITE gave the primary up 1 s after the
    REGISTER; each opened its own connection to the secondary and each was
    refused.  The second connection, begun as the INVITE gave the primary up,
    is the INVITE's failover, not the registration retrying (nor the call's
    INVITE "never on the wire" because it began soon after the call was
    placed): FO-3 and RTX-2 pass, and RTX-5 sees no early retry.  Without the
    second connection, FO-3 still fails.
    """

    def _world(self, invite_failover: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, calls=(7.0,), duration=45.0))
        _tcp_silent(tb, "REGISTER", 0.05)
        _tcp_silent(tb, "INVITE", 7.0, call_id="call-a")
        failed = tb.refused(0.05 + tb.give_up("REGISTER"), "secondary")
        if invite_failover:
            tb.refused(7.0 + tb.give_up("INVITE"), "secondary")
        # the registration's RTX-5 retry, from the top
        _tcp_silent(tb, "REGISTER", failed + 30.0, cseq=3)
        return tb

    def test_invite_failover_passes(self) -> None:
        tb = self._world(True)
        self.assertEqual(status(tb, "FO-3"), "n/a")  # the secondary refused: nothing more
        self.assertEqual(status(tb, "RTX-2"), "pass")
        self.assertEqual(status(tb, "RTX-5"), "pass")

    def test_no_invite_failover_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-3"), "fail")


class MovedPrimaryIsNoSecondaryTests(SynchronousTestCase):
    """
    FO-5 (explore seed 7): C{register_on_enable} 1; a DNS fault moved the
    primary's name to 127.0.1.20, where no harness server runs.  The call's
    INVITE went to the first target the lookup gave, the primary as the DNS
    named it: no secondary "in the failover mode", so no registration there was
    due first.  Had the fault moved the secondary's name instead, an INVITE
    there after the primary failed is still a request to the secondary, and
    without a registration there first FO-5 still fails.
    """

    def _world(self, moved: str) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS),
                   ServerInfo("secondary", SECONDARY, _PORTS),
                   ServerInfo("moved-127.0.1.30", "127.0.1.30", _PORTS))
        tb = TraceBuilder(default_facts(register_on_enable=1, calls=(0.0,), duration=30.0,
                                        server2="", servers=servers))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        if moved == "primary":
            tb.dns(0.01, f"primary.{DOMAIN}", "A", ["127.0.1.30"])
            tb.dns(0.02, f"secondary.{DOMAIN}", "A", [SECONDARY])
            tb.silent("REGISTER", "127.0.1.30", 0.03)
            tb.silent("INVITE", "127.0.1.30", 0.03, call_id="call-a")
        else:
            tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY])
            tb.dns(0.02, f"secondary.{DOMAIN}", "A", ["127.0.1.30"])
            tb.silent("INVITE", "primary", 0.03, call_id="call-a")
            tb.silent("INVITE", "127.0.1.30", 0.03 + tb.give_up("INVITE"),
                      call_id="call-a", cseq=2)
        return tb

    def test_moved_primary_is_not_judged(self) -> None:
        self.assertEqual(status(self._world("primary"), "FO-5"), "n/a")

    def test_moved_secondary_unregistered_fails(self) -> None:
        self.assertEqual(status(self._world("secondary"), "FO-5"), "fail")


class FirstTargetAddressUnseenTests(SynchronousTestCase):
    """
    FO-5 after merging the FO-5 fixes of explore seeds 7 and 3: the first
    address query of a lookup on the wire is for the second SRV target (by
    priority) when the first target's address lookup failed before reaching
    the wire.  That target is still the secondary: a request there owes a
    registration first (register_on_enable 1); it is not "the first target the
    lookup gave".
    """

    def _world(self, registers_first: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(register_on_enable=1, calls=(0.0,), duration=30.0))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 0 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.01, f"secondary.{DOMAIN}", "A", [SECONDARY])
        at = 0.02
        if registers_first:
            reg = tb.register("secondary", at, call_id="reg-s")
            tb.respond(reg, 200, at + 0.005)
            at += 0.01
        inv = tb.invite("secondary", at, call_id="call-a")
        tb.respond(inv, 200)
        return tb

    def test_registered_first_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-5"), "pass")

    def test_unregistered_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-5"), "fail")


class FallbackAgainAfterLookupFailsTests(SynchronousTestCase):
    """
    FBK-S4 (explore seed 8; 20 % loss): successive mode.  The phone fell back
    when the lookup of the working server timed out, came back on a probe
    answer, and then its renewal's lookup timed out again (both answers lost):
    the working server failed again (DNS-11: "counts as failure of that
    server; fallback takes over"), so the REGISTER to the fallback server that
    followed is a new fallback, not a lapse of FBK-S4.  A REGISTER to the
    fallback server after a lookup that gave the working server still fails.
    """

    def _world(self, lookup_fails: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, expires=120, duration=300.0))
        srv = f"_sip._udp.{DOMAIN}"

        def lookup_ok(at: float) -> None:
            tb.dns(at, srv, "SRV", [f"0 0 5060 primary.{DOMAIN}"])
            tb.dns(at + 0.01, f"primary.{DOMAIN}", "A", [PRIMARY])

        lookup_ok(0.0)
        first = tb.register("primary", 0.02)
        tb.respond(first, 200, 0.025, headers=[("Expires", "120")])
        # the renewal's lookup times out: fall back (FBK-S2, DNS-11)
        tb.dns(60.0, srv, "SRV", rcode="TIMEOUT")
        tb.dns(61.0, srv, "SRV", rcode="TIMEOUT")
        fb = tb.register("fallback", 64.0, call_id="reg-2")
        tb.respond(fb, 200, 64.005)
        # the probe a fallback.timeout later finds the working server back (FBK-S4)
        lookup_ok(184.0)
        probe = tb.register("primary", 184.02, cseq=2)
        tb.respond(probe, 200, 184.025, headers=[("Expires", "120")])
        # its renewal, 60 s later
        if lookup_fails:
            tb.dns(244.03, srv, "SRV", rcode="TIMEOUT")
            tb.dns(245.03, srv, "SRV", rcode="TIMEOUT")
            again = tb.register("fallback", 248.03, call_id="reg-2", cseq=2)
        else:
            lookup_ok(244.03)
            again = tb.register("fallback", 244.05, call_id="reg-2", cseq=2)
        tb.respond(again, 200, again.last + 0.005)
        return tb

    def test_new_fallback_after_failed_lookup_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S4"), "pass")

    def test_fallback_while_working_server_resolves_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S4"), "fail")


class RegisterStillConnectingAtEndTests(SynchronousTestCase):
    """
    FBK-C3 (explore seed 14): concurrent mode, the working server's host down
    (every SYN lost).  The phone tried a connection there every retry
    interval; the last one began 7.4 s before the run ended, so it had not
    failed yet (RTX-1's time not up) and no failed connection names it.  Its
    SYN on the wire is the REGISTER going out: the phone kept sending REGISTER
    to the working server.  Without that last SYN, FBK-C3 still fails.
    """

    def _world(self, last_try: bool) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS),
                   ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(transport=1, server1=PRIMARY, duration=120.0,
                                        servers=servers))
        ok = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(ok, 200)
        for k, at in enumerate((0.03, 37.53, 75.06)):
            port = 32768 + k
            for off in (0.0, 1.0, 3.0, 7.0, 15.0, 31.0):
                tb.syn_lost(at + off, "primary", fate="down", phone_port=port)
            tb._add(ConnEvent(at + 32.0, tb.phone, "timeout", "tcp", (tb.phone, port),
                              (PRIMARY, 5060), "timeout"))
        if last_try:
            for off in (0.0, 1.0, 3.0, 7.0):
                tb.syn_lost(112.56 + off, "primary", fate="down", phone_port=32771)
        return tb

    def test_connection_still_opening_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_stopped_trying_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class RefusedFallbackAfterFailedLookupTests(SynchronousTestCase):
    """
    FO-6, FBK-S2 (explore seed 15): successive mode, TCP; the lookup of server
    1 gave no address (DNS-11) and the fallback server was stopped: the phone
    opened a connection to it at once, refused before any SIP went over it.
    No request of the phone ever reached the wire, but that connection was the
    fallback taking over (RTX-2).  With no connection to the fallback server
    after the failed lookup, both clauses still fail.
    """

    def _world(self, tries_fallback: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, transport=1, duration=60.0))
        for at in (0.0, 30.03):
            tb.dns(at + 0.005, f"_sip._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
            tb.dns(at + 0.015, DOMAIN, "A", [])
            if tries_fallback:
                tb.refused(at + 0.02, "fallback")
        return tb

    def test_refused_take_over_passes(self) -> None:
        tb = self._world(True)
        self.assertEqual(status(tb, "FO-6"), "pass")
        self.assertEqual(status(tb, "FBK-S2"), "pass")

    def test_no_take_over_fails(self) -> None:
        tb = self._world(False)
        self.assertEqual(status(tb, "FO-6"), "fail")
        self.assertEqual(status(tb, "FBK-S2"), "fail")


class LateFallbackAnswerTests(SynchronousTestCase):
    """
    FBK-S3 (explore seeds 7 and 11, second finds): successive mode, the
    working server silent, the fallback server answering only after the phone
    had given its REGISTER up (a 1 s delay with C{retry_counts} 0 there).  That
    late 200 put the phone on nothing: it went on retrying from the top every
    retry interval (RTX-5), and those REGISTERs to the working server are no
    probes off the C{fallback.timeout} schedule.  Had the 200 come in time, the
    phone was on the fallback server, and a REGISTER to the working server 30 s
    later is still off the schedule.
    """

    def _world(self, late: bool) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS),
                   ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(redundancy_type=1, server1=PRIMARY, duration=60.0,
                                        servers=servers))
        for k, at in enumerate((0.0, 38.0)):
            tb.silent("REGISTER", "primary", at, cseq=2 * k + 1)
            gave_up = at + tb.give_up("REGISTER")
            fb = tb.register("fallback", gave_up, call_id="reg-2", cseq=k + 1)
            # (the fallback server's give-up time with retry_counts 3 is 7.5 s)
            tb.respond(fb, 200, gave_up + (8.0 if late else 0.005))
            if not late:
                break
        if not late:
            tb.silent("REGISTER", "primary", 38.0, cseq=3)
        return tb

    def test_late_answer_is_no_fallback(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "n/a")

    def test_register_off_schedule_on_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class CurrentServerFailsBeforeTtlTests(SynchronousTestCase):
    """
    FB-1 (explore seed 8, second find): failback_mode 1.  The REGISTER failed
    over to the secondary; before the DNS TTL ran out the secondary fell
    silent, so the renewal moved on down the list to the primary, which
    answered (FO-2, FB-OK).  The current server itself failed: the phone is on
    the primary now, and its next renewal there is no request "leaving the
    current server" before the TTL.  Had the renewal to the secondary been
    answered, a later request to the primary before the TTL still fails.
    """

    def _world(self, secondary_fails: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=1, expires=60, duration=120.0,
                                        zone_ttl=300.0))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.005, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.01, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 0.02, cseq=1)
        first = tb.register("secondary", 7.52, cseq=2)
        tb.respond(first, 200, 7.525, headers=[("Expires", "60")])
        if secondary_fails:
            tb.silent("REGISTER", "secondary", 37.53, cseq=3)
            back = tb.register("primary", 45.03, cseq=4)
        else:
            renewal = tb.register("secondary", 37.53, cseq=3)
            tb.respond(renewal, 200, 37.535, headers=[("Expires", "60")])
            back = tb.register("primary", 45.03, cseq=4)
        tb.respond(back, 200, 45.035, headers=[("Expires", "60")])
        again = tb.register("primary", 75.04, cseq=5)
        tb.respond(again, 200, 75.045, headers=[("Expires", "60")])
        return tb

    def test_on_the_primary_after_the_secondary_failed_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FB-1"), "pass")

    def test_leaving_a_working_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-1"), "fail")


def _ip_literal(**kw: object) -> TraceBuilder:
    """Server 1 an IP literal (the primary its only target) and the fallback server."""
    servers = (ServerInfo("primary", PRIMARY, _PORTS), ServerInfo("fallback", FALLBACK, _PORTS))
    return TraceBuilder(default_facts(server1=PRIMARY, servers=servers, **kw))  # type: ignore[arg-type]


class RefusedAfterGiveUpTests(SynchronousTestCase):
    """
    FBK-S1 (explore seed 21): successive mode, TCP, C{retry_counts} 0.  The
    first SYN to the working server was lost; the phone gave the connection
    up after RTX-1's 0.5 s (not established in time, RTX-2) and registered at
    the fallback server; the SYN the stack retransmitted at 1 s was refused.
    The connection had failed for the phone at 0.5 s, so the fallback REGISTER
    right then was its next attempt, not a REGISTER to the fallback while the
    working server worked.  A fallback REGISTER before the working server
    could have been given up still fails.
    """

    def _world(self, at: float) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, retry_counts=0, duration=30.0)
        tb.syn_lost(0.0, "primary", fate="lost", phone_port=32768)
        tb.syn_lost(1.0, "primary", fate="closed", phone_port=32768)
        tb.conn(1.01, "primary", "refused", transport="tcp", port=5060, phone_port=32768)
        reg = tb.register("fallback", at, call_id="reg-2", transport="tcp")
        tb.respond(reg, 200, at + 0.005)
        return tb

    def test_fallback_after_give_up_passes(self) -> None:
        self.assertEqual(status(self._world(0.51), "FBK-S1"), "pass")

    def test_fallback_before_give_up_fails(self) -> None:
        self.assertEqual(status(self._world(0.2), "FBK-S1"), "fail")


class ClosedDuringTlsHandshakeTests(SynchronousTestCase):
    """
    FO-2 (explore seeds 22, 26): TLS, and no SRV for it, so the A records with
    the default port 5060 (DNS-9): each server's plain SIP port took the
    ClientHello for garbage and closed the connection at once.  The phone
    learned it when the server's FIN reached it (reset, RTX-2) and went on to
    the secondary then: a failover, not a connection left unestablished until
    RTX-1's time.  With 5 % loss (seed 26) the first FINs were lost and the
    one that got through came 1.4 s later; the failover followed that one.
    Had the phone not tried the secondary, FO-2 still fails.
    """

    def _world(self, tries_secondary: bool, fin_after: float = 0.0) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, duration=20.0))
        tb.dns(0.005, f"_sips._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.015, DOMAIN, "A", [PRIMARY, SECONDARY])
        ok = tb.register("fallback", 0.02, call_id="reg-2", transport="tls", port=5061)
        tb.respond(ok, 200, 0.025)
        learned = 0.035 + fin_after
        targets = [("primary", 0.02, 32769)] + ([("secondary", learned + 0.005, 32770)]
                                                if tries_secondary else [])
        for to, at, port in targets:
            dst = tb.addr(to)
            tb.syn_lost(at, to, fate="delivered", phone_port=port)
            tb.conn(at + 0.005, to, "accept", transport="tcp", port=5060, phone_port=port)
            if fin_after:
                tb._add(PacketEvent(at + 0.015, "tcp", (dst, 5060), (tb.phone, port), b"",
                                    fate="lost", flags="F"))
            tb._add(PacketEvent(at + 0.015 + fin_after, "tcp", (dst, 5060), (tb.phone, port),
                                b"", fate="delivered", flags="F"))
            tb.conn(at + 0.015, to, "close", transport="tcp", port=5060, phone_port=port)
        return tb

    def test_failover_after_close_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-2"), "fail")

    def test_failover_after_late_fin_passes(self) -> None:
        self.assertNotEqual(status(self._world(True, fin_after=1.4), "FO-2"), "fail")

    def test_no_failover_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")
        self.assertEqual(status(self._world(False, fin_after=1.4), "FO-2"), "fail")


class SeveralRequestsBehindOneConnectionTests(SynchronousTestCase):
    """
    FBK-S1 (explore seed 23): successive mode, TCP, C{retry_counts} 0, two
    calls placed at start.  The REGISTER and both INVITEs waited for one
    connection to the working server, whose SYN was lost; at RTX-1's 0.5 s all
    three went to the fallback server.  The failed connection was the
    REGISTER's attempt at the working server as much as the INVITEs', so the
    phone did send REGISTER to the working server.  With the REGISTER going to
    the fallback server at start, before the connection could have failed,
    FBK-S1 still fails.
    """

    def _world(self, together: bool) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, retry_counts=0, calls=(0.0, 0.0),
                         duration=30.0)
        tb.syn_lost(0.0, "primary", fate="lost", phone_port=32768)
        for call in ("call-a", "call-b"):
            inv = tb.invite("fallback", 0.511, call_id=call, transport="tcp")
            tb.respond(inv, 200, 0.517)
        reg = tb.register("fallback", 0.517 if together else 0.1, call_id="reg-2",
                          transport="tcp")
        tb.respond(reg, 200, reg.last + 0.001)
        return tb

    def test_all_behind_one_connection_pass(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S1"), "pass")

    def test_register_straight_to_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class LateAnswerFromSecondaryTests(SynchronousTestCase):
    """
    FO-3 (explore seed 24): C{retry_counts} 0, the primary silent, the
    secondary delaying every answer by 1 s.  The INVITE failed over to the
    secondary and the phone gave it up 0.5 s later (RTX-1, then FO-6); the 200
    came after that, to a transaction the phone no longer had: no call through
    the secondary to ACK.  A 200 in time and no ACK still fails.
    """

    def _world(self, late: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(retry_counts=0, calls=(0.0,), duration=30.0))
        tb.silent("INVITE", "primary", 0.03, call_id="call-a")
        inv = tb.invite("secondary", 0.53, call_id="call-a", cseq=2)
        tb.respond(inv, 200, 1.535 if late else 0.535)
        return tb

    def test_late_200_is_no_call(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-3"), "fail")

    def test_200_in_time_without_ack_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-3"), "fail")


class MaybeLateFallbackRenewalTests(SynchronousTestCase):
    """
    FBK-S3 (explore seed 25; 100 ms latency, 20 % loss): successive mode, on
    the fallback server; its renewal's segments were lost and the 200 reached
    the wire so close to the phone's give-up time (C{retry_counts} 0) that it
    may have come too late.  The phone then retried server 1 from the top
    exactly a retry interval later (RTX-5): it had not taken that 200, the
    fallback server had failed, and that REGISTER to the working server is no
    probe off the C{fallback.timeout} schedule.  The same REGISTER with the
    renewal answered well in time still fails.
    """

    def _world(self, maybe_late: bool) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, retry_counts=0, duration=120.0,
                         latency_tolerance=0.261)
        tb.silent("REGISTER", "primary", 1.2, transport="tcp")
        first = tb.register("fallback", 7.8, call_id="reg-2", transport="tcp")
        tb.respond(first, 200, 7.8)
        renewal = tb.register("fallback", 67.9, call_id="reg-2", cseq=2, transport="tcp")
        tb.respond(renewal, 200, 68.6 if maybe_late else 67.95)
        tb.silent("REGISTER", "primary", 98.5, cseq=2, transport="tcp")
        return tb

    def test_retry_after_maybe_late_answer_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S3"), "fail")

    def test_off_schedule_register_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class ProbeJustAfterCallTests(SynchronousTestCase):
    """
    FBK-S3 (explore seed 23, second find): successive mode, TCP, the working
    server stopped (every probe refused), C{fallback.timeout} 30.  A call
    placed at 398 s went to the fallback server at once; the probe due 140 ms
    later was refused.  That refused connection was the probe, not the call's
    INVITE "that never got on the wire" (the INVITE was on the wire, at the
    fallback server).  Without that probe, the schedule still fails.
    """

    def _world(self, probe: bool) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, fallback_timeout=30, calls=(398.0,),
                         duration=440.0)
        tb.refused(8.13, "primary")
        reg = tb.register("fallback", 8.14, call_id="reg-2", transport="tcp")
        tb.respond(reg, 200, 8.15)
        for k in range(14):  # every 30 s from 38.15 s: 398.15 s is the 13th
            at = 38.15 + 30 * k
            if probe or k != 12:
                tb.refused(at, "primary")
        inv = tb.invite("fallback", 398.01, call_id="call-a", transport="tcp")
        tb.respond(inv, 200, 398.015)
        tb.in_dialog(inv, "ACK", 398.02, transport="tcp")
        return tb

    def test_probe_after_call_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "pass")

    def test_missing_probe_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class FallbackJustBeforeTheEndTests(SynchronousTestCase):
    """
    FBK-S1 (explore seed 24, second find): successive mode, C{retry_counts} 1.
    The renewal found the primary and then the secondary silent; the phone
    gave the secondary up at 119.951 s and registered at the fallback server
    at once, 49 ms before the run ended.  The secondary's last attempt ends
    within the tolerance of the end, so it is not "completed", but the
    fallback REGISTER at its give-up time shows server 1 had failed.  A
    fallback REGISTER before that give-up time still fails.
    """

    def _world(self, at_give_up: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, retry_counts=1, expires=30,
                                        duration=120.0))
        ok = tb.register("secondary", 101.91)
        tb.respond(ok, 200, 101.93, headers=[("Expires", "30")])
        tb.silent("REGISTER", "primary", 116.951, cseq=2)
        tb.silent("REGISTER", "secondary", 118.451, cseq=3)
        tb.request("REGISTER", "fallback", 119.951 if at_give_up else 119.5, call_id="reg-2",
                   expires=3600)
        return tb

    def test_fallback_at_give_up_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S1"), "fail")

    def test_fallback_before_give_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class BackThenMaybeLateRenewalTests(SynchronousTestCase):
    """
    FBK-S4 (explore seed 25, second find; 100 ms latency): successive mode,
    C{retry_counts} 0.  Back on the working server, its renewal's 200 came so
    close to the phone's give-up time that it may have been too late (its
    first copies lost), and the phone registered at the fallback server at
    that very give-up time: for the phone the working server failed again, a
    new fallback (FBK-S2).  A REGISTER to the fallback well after a renewal
    answered in time still fails.
    """

    def _world(self, maybe_late: bool) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, retry_counts=0, expires=120, duration=120.0,
                         latency_tolerance=0.261)
        tb.silent("REGISTER", "primary", 0.0)
        fb = tb.register("fallback", 0.5, call_id="reg-2")
        tb.respond(fb, 200, 0.6)
        back = tb.register("primary", 53.5, cseq=2)
        tb.respond(back, 200, 53.5, headers=[("Expires", "120")])
        renewal = tb.register("primary", 113.6, cseq=3)
        tb.respond(renewal, 200, 113.9 if maybe_late else 113.62, headers=[("Expires", "120")])
        tb.request("REGISTER", "fallback", 114.15 if maybe_late else 115.0, call_id="reg-2",
                   cseq=2, expires=3600)
        return tb

    def test_new_fallback_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S4"), "pass")

    def test_fallback_after_answered_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S4"), "fail")


class RegisterForInviteFailoverTests(SynchronousTestCase):
    """
    FB-0 (explore seed 24, third find): C{register_on_enable} 1,
    failback_mode 0, C{retry_counts} 0.  After the first failover, a call's
    INVITE found the primary silent; before sending it to the secondary the
    phone registered there (FO-5: "register to the secondary server before
    sending requests to the secondary server in the failover mode").  That
    REGISTER is part of the INVITE's failover, not a new request that had to
    try the primary first.  A REGISTER renewal straight to the secondary
    (nothing failing over) still breaks FB-0.
    """

    def _world(self, for_invite: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(register_on_enable=1, retry_counts=0, expires=60,
                                        calls=(32.0,), duration=60.0))
        tb.silent("REGISTER", "primary", 0.03)
        first = tb.register("secondary", 0.53, cseq=2)
        tb.respond(first, 200, 0.535, headers=[("Expires", "60")])
        if for_invite:
            tb.silent("INVITE", "primary", 32.0, call_id="call-a")
            at = 32.5
        else:
            at = 30.54
        reg = tb.register("secondary", at, cseq=5)
        tb.respond(reg, 200, at + 0.005, headers=[("Expires", "60")])
        if for_invite:
            inv = tb.invite("secondary", 32.51, call_id="call-a", cseq=2)
            tb.respond(inv, 200, 32.515)
            tb.in_dialog(inv, "ACK", 32.52)
        return tb

    def test_register_for_the_failover_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FB-0"), "pass")

    def test_renewal_straight_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-0"), "fail")


class WorkingServerRefusesAgainTests(SynchronousTestCase):
    """
    FBK-S4 (explore seed 23, third find): successive mode, TCP; back on the
    working server, it went down again during a call: one refused connection
    carried the call's BYE and the next call's INVITE, which then went to the
    fallback server.  The refused connection is the working server failing
    again (RTX-2), whatever request it carried; the INVITE to the fallback
    server after it is no lapse of FBK-S4.  An INVITE to the fallback server
    with no failure of the working server before it still fails.
    """

    def _world(self, refused: bool) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, duration=430.0)
        uri = f"sip:echo@{DOMAIN}"
        tb.facts = replace(tb.facts, calls=(CallPlan(389.0, uri, 30.0), CallPlan(421.0, uri, 5.0)))
        tb.refused(0.0, "primary")
        fb = tb.register("fallback", 0.02, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.025)
        back = tb.register("primary", 120.03, cseq=2, transport="tcp")
        tb.respond(back, 200, 120.035)
        # the first call, up through the working server; its BYE is due at 420.02 s
        first = tb.invite("primary", 390.01, call_id="call-a", transport="tcp")
        tb.respond(first, 200, 390.015)
        tb.in_dialog(first, "ACK", 390.02, transport="tcp")
        if refused:
            tb.syn_lost(420.02, "primary", fate="lost", phone_port=33000)
            tb.syn_lost(421.02, "primary", fate="closed", phone_port=33000)
            tb.conn(421.03, "primary", "refused", transport="tcp", port=5060, phone_port=33000)
        inv = tb.invite("fallback", 421.24, call_id="call-b", transport="tcp")
        tb.respond(inv, 200, 421.245)
        return tb

    def test_fallback_after_refusal_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S4"), "pass")

    def test_fallback_while_working_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S4"), "fail")


class RegisterForFailoverIsNoProbeTests(SynchronousTestCase):
    """
    FBK-S3 (explore seed 24, fourth find): successive mode,
    C{register_on_enable} 1.  A call's INVITE, sent while the registration
    was still failing over, found the primary silent just after the phone
    had fallen back; before sending it to the secondary the phone registered
    there (FO-5), then, the secondary silent too, sent it to the fallback
    server.  That REGISTER belongs to the INVITE's failover: no probe off the
    C{fallback.timeout} schedule.  The same REGISTER with no request failing
    over still is one.
    """

    def _world(self, for_invite: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, register_on_enable=1, retry_counts=0,
                                        calls=(0.9,), duration=60.0))
        tb.silent("REGISTER", "primary", 0.0)
        tb.silent("REGISTER", "secondary", 0.5, cseq=2)
        fb = tb.register("fallback", 1.0, call_id="reg-2")
        tb.respond(fb, 200, 1.005)
        if for_invite:
            tb.silent("INVITE", "primary", 0.9, call_id="call-a")
        tb.silent("REGISTER", "secondary", 1.4, cseq=3)
        if for_invite:
            inv = tb.invite("fallback", 1.9, call_id="call-a", cseq=2)
            tb.respond(inv, 200, 1.905)
            tb.in_dialog(inv, "ACK", 1.91)
        return tb

    def test_register_for_the_failover_is_no_probe(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S3"), "fail")

    def test_register_off_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


def _lost_segment(tb: TraceBuilder, at: float, to: str, *, flags: str = "",
                  phone_port: int = 32769) -> None:
    """A TCP segment of the phone to C{to} (port 5061, TLS: no payload) that the network lost."""
    tb._add(PacketEvent(at, "tcp", (tb.phone, phone_port), (tb.addr(to), 5061), b"",
                        fate="lost", flags=flags))


class FallbackWriteInFlightAtEndTests(SynchronousTestCase):
    """
    FO-6, FBK-C2 (round 2, explore seed 5 of dns-ip-literal): concurrent mode,
    TLS, registered at both servers.  The call's INVITE at 118 s of a 120 s
    run found the primary silent; at its give-up time (119.5 s) the phone
    wrote the INVITE at once over its TLS connection to the fallback server,
    but the network lost that segment and TCP's retransmission at 119.7 s too,
    so nothing reached the server before the end.  TLS segments carry no
    payload in the trace: the data written to the fallback server at once,
    still being sent again when the run ended, is the request on its way, as
    one sent too close to the end to be answered.  With nothing sent to the
    fallback server the clauses still fail; so they do with the segment
    written but delivered (the server then read no INVITE from it).
    """

    def _world(self, segment: str | None) -> TraceBuilder:
        tb = _ip_literal(transport=2, retry_counts=1, calls=(118.0,), duration=120.0)
        for to in ("primary", "fallback"):
            reg = tb.register(to, 0.02, transport="tls", port=5061, call_id=f"reg-{to}")
            tb.respond(reg, 200, 0.025)
        tb.silent("INVITE", "primary", 118.0, transport="tls", port=5061, call_id="call-a")
        t_fail = 118.0 + tb.give_up("INVITE")
        if segment is not None:
            _lost_segment(tb, t_fail, "fallback")
            _lost_segment(tb, t_fail + 0.2, "fallback")
            if segment == "delivered":
                tb._add(PacketEvent(t_fail + 0.4, "tcp", (tb.phone, 32769), (FALLBACK, 5061),
                                    b"", fate="delivered"))
        return tb

    def test_invite_in_flight_at_end_passes(self) -> None:
        tb = self._world("lost")
        self.assertEqual(status(tb, "FO-6"), "pass")
        self.assertNotEqual(status(tb, "FBK-C2"), "fail")

    def test_nothing_to_fallback_fails(self) -> None:
        tb = self._world(None)
        self.assertEqual(status(tb, "FO-6"), "fail")
        self.assertEqual(status(tb, "FBK-C2"), "fail")

    def test_segment_delivered_without_invite_fails(self) -> None:
        self.assertEqual(status(self._world("delivered"), "FO-6"), "fail")


class FallbackSynInFlightAtEndTests(SynchronousTestCase):
    """
    FO-6 (round 2, explore seed 5 of dns-ip-literal, second find): as above in
    successive mode, registered at the primary only: at the INVITE's give-up
    time the phone opened a connection to the fallback server at once, and
    its SYN was lost with 0.5 s of the run left.  The connection for the
    INVITE was still being opened at the end: the fallback server did take
    over at once.  Without that SYN FO-6 still fails.
    """

    def _world(self, syn: bool) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=2, retry_counts=1, calls=(118.0,),
                         duration=120.0)
        reg = tb.register("primary", 0.02, transport="tls", port=5061)
        tb.respond(reg, 200, 0.025)
        tb.silent("INVITE", "primary", 118.0, transport="tls", port=5061, call_id="call-a")
        if syn:
            _lost_segment(tb, 118.0 + tb.give_up("INVITE"), "fallback", flags="S")
        return tb

    def test_syn_in_flight_at_end_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-6"), "pass")

    def test_no_syn_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-6"), "fail")


class CurrentServerUnresolvedBeforeTtlTests(SynchronousTestCase):
    """
    FB-1 (round 2, explore seed 9 of dns-ip-literal): failback_mode 1, SRV
    TTL 60.  The renewal at 30 s failed over from the silent primary to the
    secondary (FB-1's stay runs to 30.5 + 60 s).  The resolution in use dated
    from 0 s, so the renewal at 60.5 s resolved again (DNS-10); the
    secondary's A query got no answer (DNS-8, DNS-11: a failure of that
    server), which left the primary its only target, and the renewal went
    there.  The current server had failed: that request is no new request
    "leaving the current server" before the TTL (a call at 45 s stayed on
    the secondary, as it should).  Had the secondary's address
    come back, the same REGISTER to the primary still fails.
    """

    def _world(self, secondary_unresolved: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=1, expires=60, retry_counts=0,
                                        duration=120.0, zone_ttl=300.0, calls=(45.0,)))

        def lookup(at: float, secondary: bool) -> None:
            tb.dns(at, f"_sip._udp.{DOMAIN}", "SRV",
                   [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"], ttl=60)
            tb.dns(at + 0.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=300)
            if secondary:
                tb.dns(at + 0.02, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=300)
            else:
                tb.dns(at + 0.02, f"secondary.{DOMAIN}", "A", rcode="TIMEOUT")
                tb.dns(at + 1.02, f"secondary.{DOMAIN}", "A", rcode="TIMEOUT")

        lookup(0.0, True)
        first = tb.register("primary", 0.03, cseq=1)
        tb.respond(first, 200, 0.035, headers=[("Expires", "60")])
        tb.silent("REGISTER", "primary", 30.04, cseq=2)
        over = tb.register("secondary", 30.54, cseq=3)
        tb.respond(over, 200, 30.545, headers=[("Expires", "60")])
        tb.call("secondary", 45.0, call_id="call-a")  # stays on the current server
        lookup(60.55, not secondary_unresolved)
        tb.silent("REGISTER", "primary", 64.55, cseq=4)
        tb.dns(65.06, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=300)
        again = tb.register("secondary", 65.07, cseq=5)
        tb.respond(again, 200, 65.075, headers=[("Expires", "60")])
        return tb

    def test_current_server_unresolved_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FB-1"), "pass")

    def test_leaving_a_resolved_current_server_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-1"), "fail")


class WorkingServerLookupFailsAgainTests(SynchronousTestCase):
    """
    FBK-C3 (round 2, explore seed 42 of dns-ip-literal): concurrent mode,
    server 1 a domain looked up by A only (explicit port), its only target
    the primary, silent for the first REGISTER.  The RTX-5 retry at 30.5 s
    was answered: the working server was back.  The call at 61 s needed a new
    lookup (the A record's TTL, 60 s, had run out) and the DNS server
    answered SERVFAIL: a failure of server 1 as a whole (DNS-11), so the
    INVITE went to the fallback server (FO-6), which is no "new INVITE to the
    fallback server once the working server answered".  Had the lookup given
    the primary's address, the same INVITE to the fallback server still fails.
    """

    def _world(self, lookup_fails: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(retry_counts=0, calls=(61.0,), duration=120.0))
        fb = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(fb, 200, 0.005)
        tb.dns(0.006, DOMAIN, "A", [PRIMARY], ttl=60)
        tb.silent("REGISTER", "primary", 0.011)
        back = tb.register("primary", 30.511, cseq=2)
        tb.respond(back, 200, 30.516)
        if lookup_fails:
            tb.dns(61.005, DOMAIN, "A", rcode="SERVFAIL")
        else:
            tb.dns(61.005, DOMAIN, "A", [PRIMARY], ttl=60)
        tb.call("fallback", 61.011, call_id="call-a")
        return tb

    def test_lookup_failed_again_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_invite_to_fallback_while_working_server_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


def _closed_on_hello(tb: TraceBuilder, at: float, to: str, phone_port: int,
                     fins: tuple[tuple[float, str], ...]) -> None:
    """
    The phone's TLS connection to C{to}'s plain TCP port 5060 (DNS-9): SYN at
    C{at}, the server closes it on the TLS hello 15 ms later before reading
    any SIP, and sends its FIN at each (time, fate) of C{fins}.
    """
    dst = tb.addr(to)
    tb._add(PacketEvent(at, "tcp", (tb.phone, phone_port), (dst, 5060), b"",
                        fate="delivered", flags="S"))
    tb.conn(at + 0.005, to, "accept", transport="tcp", port=5060, phone_port=phone_port)
    tb.conn(at + 0.015, to, "close", transport="tcp", detail="local", port=5060,
            phone_port=phone_port)
    for t, fate in fins:
        tb._add(PacketEvent(t, "tcp", (dst, 5060), (tb.phone, phone_port), b"", fate=fate,
                            flags="F"))


class ClosedConnectionLearntByFinTests(SynchronousTestCase):
    """
    FO-2, RTX-2 (round 2, explore seed 44 of dns-ip-literal): concurrent mode
    (registered at the fallback server at once), TLS with no port
    from DNS, so 5060 (DNS-9), the servers' 5060 plain TCP: each closed the
    phone's connection on its TLS hello before any SIP.  The primary's FIN was
    lost twice and reached the phone 1.4 s after the close; the phone then
    opened its connection to the secondary at once (closed the same way).
    The wire timed the primary's failure at the server's close, 1.4 s before
    the phone could know, and so saw no failover try at the secondary.  It
    fails when the server's FIN reaches the phone (as L{wire._unestablished}
    already read a close), and the secondary's connection, from its SYN, is
    the failover's try.  Opening the secondary's connection seconds after the
    FIN arrived still fails FO-2; a close whose every FIN was lost is no reset
    (the phone never learnt of it).
    """

    def _tb(self, secondary_at: float | None,
            fins: tuple[tuple[float, str], ...] = ((0.035, "lost"), (0.235, "lost"),
                                                   (1.435, "delivered"))) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, port1=0, duration=30.0))
        fb = tb.register("fallback", 0.22, call_id="reg-2", transport="tls", port=5061)
        tb.respond(fb, 200, 0.225)
        tb.dns(0.0, f"_sips._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.01, DOMAIN, "A", [PRIMARY, SECONDARY])
        _closed_on_hello(tb, 0.02, "primary", 32769, fins)
        if secondary_at is not None:
            _closed_on_hello(tb, secondary_at, "secondary", 32770,
                             ((secondary_at + 0.215, "delivered"),))
        return tb

    def _attempts(self, tb: TraceBuilder) -> list[tuple[str, str, float, float]]:
        from harness.certify.checks_base import Ctx

        return [(a.server, a.what, round(a.start, 3), round(a.t, 3))
                for a in Ctx(tb.build(), tb.facts).conn_attempts]

    def test_reset_when_the_fin_arrives(self) -> None:
        self.assertEqual(self._attempts(self._tb(1.44)),
                         [(PRIMARY, "reset", 0.02, 1.435), (SECONDARY, "reset", 1.44, 1.655)])

    def test_secondary_at_once_after_the_fin_passes(self) -> None:
        tb = self._tb(1.44)
        self.assertNotEqual(status(tb, "FO-2"), "fail")
        self.assertNotEqual(status(tb, "RTX-2"), "fail")

    def test_secondary_long_after_the_fin_fails(self) -> None:
        self.assertEqual(status(self._tb(5.0), "FO-2"), "fail")

    def test_every_fin_lost_is_no_reset(self) -> None:
        tb = self._tb(None, ((0.035, "lost"), (0.235, "lost"), (0.635, "lost")))
        self.assertEqual([a[1] for a in self._attempts(tb)], ["unestablished"])


def pending_invite_answered_world(primary_answers: bool, **facts: Any) -> TraceBuilder:
    """
    Explore seed 46's world (L{PrimaryAnswersPendingInviteTests}): the REGISTER
    failed over to the secondary while a call's INVITE, begun with it, was
    still retransmitted to the primary; its last send is answered 200 (or,
    with C{primary_answers} false, the call goes on to the secondary); a
    second call at 32 s goes to the primary.  C{facts}: the failback mode
    and timeout under test.
    """
    tb = TraceBuilder(default_facts(retry_counts=6, calls=(0.0, 32.0), duration=120.0,
                                    zone_ttl=300.0, **facts))
    tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
           [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
    tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY])
    tb.dns(0.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
    tb.silent("REGISTER", "primary", 0.03)
    first = tb.silent("INVITE", "primary", 0.03, call_id="call-a")
    over = tb.register("secondary", 0.03 + tb.give_up("REGISTER"), cseq=2)
    tb.respond(over, 200)
    if primary_answers:
        tb.respond(first, 200, first.last + 0.005)
        tb.in_dialog(first, "ACK", first.last + 0.01)
    else:
        # (the call then went on to the secondary, where it came up)
        tb.call("secondary", 0.03 + tb.give_up("INVITE"), call_id="call-a", cseq=2)
    tb.call("primary", 32.0, call_id="call-b")
    return tb


class PrimaryAnswersPendingInviteTests(SynchronousTestCase):
    """
    FB-1 (round 2, explore seed 46 of dns-ip-literal): failback_mode 1, SRV
    TTL 300 s, C{retry_counts} 6, the primary stopped until 30 s.  The
    REGISTER failed over to the secondary at 19.5 s; the call's INVITE, begun
    at once with it, was still being retransmitted to the primary, and its
    last retransmission at 31.5 s, the primary back, was answered 200: the
    call came up through the primary.  The primary answered again, so the
    phone is back on it and stays there (FB-OK); the next call's INVITE to
    the primary is no new request "leaving the current server" before the
    TTL.  Had that last retransmission gone unanswered, the same INVITE to
    the primary still fails FB-1.
    """

    def _world(self, primary_answers: bool, mode: int = 1) -> TraceBuilder:
        return pending_invite_answered_world(primary_answers, failback_mode=mode)

    def test_back_on_the_answering_primary_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FB-1"), "fail")

    def test_primary_before_the_ttl_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-1"), "fail")

    def test_registration_mode_back_on_the_answering_primary_passes(self) -> None:
        # (FB-2, the same world under failback_mode 2: explore seed 46, second find)
        self.assertNotEqual(status(self._world(True, 2), "FB-2"), "fail")

    def test_registration_mode_invite_to_primary_fails(self) -> None:
        self.assertEqual(status(self._world(False, 2), "FB-2"), "fail")


class AnswerAtGiveUpTimeTests(SynchronousTestCase):
    """
    FB-0, DNS-10 (round 2, explore seed 48 of dns-ip-literal): failback_mode
    0, the primary's 200 to a renewal reached the phone at the very moment
    its timer gave the primary up (RTX-1; in the seed a TCP retransmission of
    the 200 arrived as Timer F ran out), and the phone sent the REGISTER on to
    the secondary at that moment.  The answer came too late for the phone:
    the attempt at the secondary is that renewal failing over, not a new
    request that skipped the primary.  Had the 200 come well in time, the
    REGISTER to the secondary then is a new request and still fails FB-0.
    """

    def _world(self, answer_at_give_up: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(retry_counts=0, expires=300, duration=200.0))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.005, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.01, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 0.02)
        over = tb.register("secondary", 0.02 + tb.give_up("REGISTER"), cseq=2)
        tb.respond(over, 200, headers=[("Expires", "300")])
        at = 150.0
        renewal = tb.register("primary", at, cseq=3)
        give_up = at + tb.give_up("REGISTER")
        tb.respond(renewal, 200, give_up if answer_at_give_up else at + 0.005,
                   headers=[("Expires", "300")])
        on = tb.register("secondary", give_up, cseq=4)
        tb.respond(on, 200, give_up + 0.005, headers=[("Expires", "300")])
        return tb

    def test_answer_at_give_up_is_late_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FB-0"), "fail")

    def test_answer_in_time_then_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-0"), "fail")


class RenewalRefusedAsInviteFailsOverTests(SynchronousTestCase):
    """
    FO-3, FB-0 (round 3, explore seed 8 of dns-ip-literal): TCP, failback_mode
    0, the primary silent to INVITE.  The call's INVITE waited at the primary
    until the primary went down and closed its connection; the phone sent the
    INVITE on to the secondary at once (the call came up there) and, its
    registration renewal due that moment, tried the primary first for it
    (FB-0): a new connection, refused, then the REGISTER to the secondary.
    The wire credited that refused connection to the INVITE (the next request
    after it in time), so the INVITE seemed to go primary, primary, secondary
    and the renewal to skip the primary.  The INVITE had given the primary up
    and left it (RTX-2): a new connection there is another request's, the
    renewal's.  Without the INVITE to the secondary FO-3 still fails; without
    the refused connection the renewal to the secondary still fails FB-0.
    """

    def _world(self, invite_over: bool = True, renewal_tried: bool = True) -> TraceBuilder:
        # (100 ms latency, as in the seed: the refusal reached the phone 0.2 s after its
        # SYN, the INVITE to the secondary between the two)
        tb = TraceBuilder(default_facts(transport=1, expires=30, calls=(5.0,),
                                        duration=60.0, latency_tolerance=0.25))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY])
        reg = tb.register("primary", 0.01, transport="tcp")
        tb.respond(reg, 200, headers=[("Expires", "30")])
        tb.invite("primary", 5.0, call_id="call-a", transport="tcp")
        # the primary goes down at 12 s and closes the connection the INVITE waits on
        tb.conn(12.0, "primary", "close", transport="tcp", detail="local", port=5060,
                phone_port=5060)
        tb._add(PacketEvent(12.0, "tcp", (PRIMARY, 5060), (tb.phone, 5060), b"",
                            fate="delivered", flags="F"))
        if invite_over:
            tb.call("secondary", 12.2, call_id="call-a", cseq=2, transport="tcp", bye_at=17.3)
        if renewal_tried:
            tb.refused(12.1, "primary", after=0.2)
        again = tb.register("secondary", 12.5, cseq=2, transport="tcp")
        tb.respond(again, 200, headers=[("Expires", "30")])
        return tb

    def test_invite_and_renewal_both_fail_over_pass(self) -> None:
        tb = self._world()
        self.assertNotEqual(status(tb, "FO-3"), "fail")
        self.assertNotEqual(status(tb, "FB-0"), "fail")

    def test_invite_not_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(invite_over=False), "FO-3"), "fail")

    def test_renewal_skipping_the_primary_fails(self) -> None:
        self.assertEqual(status(self._world(renewal_tried=False), "FB-0"), "fail")


class MovedNameRetryNeverConnectedTests(SynchronousTestCase):
    """
    FBK-C3 (round 3, explore seed 14 of dns-ip-literal): concurrent mode, TCP,
    the primary connected but silent; at 1 s a DNS fault moved the primary's
    name to an address where nothing runs.  The registration failed at the
    primary twice (RTX-5: a retry every 30 s); the next retry resolved the
    name to its new address and the phone's connection there never got a SYN
    through (the phone gave it up on RTX-1's time, the connector timed out
    later), and so did the retry after it.  That first connection carried
    nothing the wire could name, and the moved address had never had a
    REGISTER, so L{wire.attempts} left it out and FBK-C3 saw no REGISTER to
    the working server until the second retry.  A moved address is the
    name's new address (DNS-8): what the phone retries there is what it last
    tried at server 1, its REGISTER.  With no connection at that retry FBK-C3
    still fails.
    """

    MOVED = "127.0.1.30"

    def _world(self, retried: bool) -> TraceBuilder:
        moved = ServerInfo("moved-" + self.MOVED, self.MOVED, _PORTS)
        facts = default_facts(transport=1, duration=120.0)
        tb = TraceBuilder(replace(facts, servers=(*facts.servers, moved)))
        fb = tb.register("fallback", 0.005, call_id="reg-2")
        tb.respond(fb, 200, 0.006)
        tb.dns(0.01, f"_sip._tcp.{DOMAIN}", "SRV", [f"0 0 5060 primary.{DOMAIN}"])
        tb.dns(0.02, f"primary.{DOMAIN}", "A", [PRIMARY])
        _tcp_silent(tb, "REGISTER", 0.04)
        _tcp_silent(tb, "REGISTER", 37.54, cseq=2)
        tb.dns(75.04, f"_sip._tcp.{DOMAIN}", "SRV", [f"0 0 5060 primary.{DOMAIN}"])
        tb.dns(75.05, f"primary.{DOMAIN}", "A", [self.MOVED])
        if retried:
            for s in (0.0, 1.0, 3.0, 7.0, 15.0, 31.0):
                tb.syn_lost(75.06 + s, self.MOVED, fate="down", phone_port=32769)
            tb._add(ConnEvent(107.06, tb.phone, "timeout", "tcp", (tb.phone, 32769),
                              (self.MOVED, 5060), "connector timeout"))
        for s in (0.0, 1.0, 3.0, 7.0):
            tb.syn_lost(112.56 + s, self.MOVED, fate="down", phone_port=32770)
        return tb

    def test_retry_at_the_moved_address_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-C3"), "fail")

    def test_no_retry_until_later_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class SecondaryAnswerAtGiveUpTests(SynchronousTestCase):
    """
    FO-3 (round 3, explore seed 19 of dns-ip-literal): 100 ms latency,
    C{retry_counts} 0 (half a second per target, RTX-1), the primary silent.
    The INVITE went on to the secondary, whose 200 OK left it at the very
    moment the phone's timer gave the secondary up (in the seed TLS set-up
    took most of that half second): it reached the phone too late, and the
    phone, the call failed, sent no ACK.  The checker read the 200 as the call
    set up through the secondary and wanted its ACK.  A 2xx that may have come
    after the give-up time leaves the phone no call to ACK (as FBK-C2 reads
    it); a 200 well in time with no ACK still fails FO-3.
    """

    def _world(self, answered_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(retry_counts=0, calls=(1.0,), duration=60.0,
                                        latency_tolerance=0.25))
        tb.silent("INVITE", "primary", 1.0, call_id="call-a")
        inv = tb.invite("secondary", 1.0 + tb.give_up("INVITE"), call_id="call-a", cseq=2)
        tb.respond(inv, 200, answered_at)
        return tb

    def test_answer_at_give_up_passes(self) -> None:
        self.assertNotEqual(status(self._world(2.0), "FO-3"), "fail")

    def test_answer_in_time_not_acked_fails(self) -> None:
        self.assertEqual(status(self._world(1.6), "FO-3"), "fail")


class FallbackAnswersOnlyLateTests(SynchronousTestCase):
    """
    FBK-C1 (round 3, explore seed 20 of dns-ip-literal): concurrent mode, the
    fallback server delaying every answer 40 s and granting 30 s.  Each
    REGISTER to it was given up on RTX-1's time (7.5 s) and retried 30 s later
    (RTX-5); each 200 OK came long after its REGISTER had been given up.  The
    checker took the first late 200 for a registration the phone then failed
    to renew within 30 s.  A 2xx after the give-up time registered nothing
    (the phone had failed that target); the phone kept trying.  The same
    registration answered in time and not renewed still fails FBK-C1.
    """

    def _world(self, in_time: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, duration=120.0))
        w = tb.register("primary", 0.0)
        tb.respond(w, 200, 0.005)
        granted = [("Expires", "30")]
        first = tb.silent("REGISTER", "fallback", 0.0, call_id="reg-2")
        tb.respond(first, 200, 0.01 if in_time else 40.005, headers=granted)
        for k, at in enumerate((37.5, 75.0, 112.5) if not in_time else (75.0,)):
            again = tb.silent("REGISTER", "fallback", at, call_id="reg-2", cseq=2 + k)
            if at + 40.005 < 120.0:
                tb.respond(again, 200, at + 40.005, headers=granted)
        return tb

    def test_late_answers_keep_the_phone_retrying_passes(self) -> None:
        self.assertNotEqual(status(self._world(False), "FBK-C1"), "fail")

    def test_registration_in_time_not_renewed_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "fail")


class AnswerAtGiveUpOverNewConnectionTests(SynchronousTestCase):
    """
    FO-5 (round 3, explore seed 19 of dns-ip-literal, second find):
    C{register_on_enable} 0, C{retry_counts} 0 (half a second per target),
    the primary silent to INVITE only, TLS.  The primary's connection came up
    late (segments lost), its 200 to the REGISTER left it at the very moment
    the phone gave the primary up (RTX-1) and began its connection to the
    secondary for the REGISTER and the INVITE (FO-2, FO-3).  The wire took the
    200 for in time (the REGISTER's request reached the secondary only after
    TLS was set up there, more than the tolerance after the give-up time), so
    the REGISTER at the secondary looked like a registration the phone waited
    for before using the secondary.  The attempt there began with its
    connection's first SYN, at the give-up time: the 200 came too late and
    the REGISTER failed over.  The primary's 200 well in time still makes the
    secondary's REGISTER a registration before use and fails FO-5.
    """

    def _world(self, primary_ok_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, retry_counts=0, calls=(0.0,),
                                        duration=60.0, latency_tolerance=0.09))
        tb.syn_lost(1.2, "primary", fate="delivered", phone_port=5060)
        reg = tb.register("primary", 1.48, transport="tcp")
        tb.invite("primary", 1.48, call_id="call-a", transport="tcp")
        tb.respond(reg, 200, primary_ok_at)
        tb.syn_lost(1.7, "secondary", fate="delivered", phone_port=5060)
        again = tb.register("secondary", 1.8, cseq=2, transport="tcp")
        tb.respond(again, 200, 1.8)
        tb.call("secondary", 1.8, call_id="call-a", cseq=2, transport="tcp", bye_at=6.8)
        return tb

    def test_answer_at_give_up_is_late_passes(self) -> None:
        self.assertNotEqual(status(self._world(1.7), "FO-5"), "fail")

    def test_registered_at_the_secondary_first_fails(self) -> None:
        self.assertEqual(status(self._world(1.5), "FO-5"), "fail")


class ProbesAnsweredLateOnRefusingFallbackTests(SynchronousTestCase):
    """
    FO-6 (round 3, explore seed 38 of dns-ip-literal, second find): successive
    mode, C{retry_counts} 0, the working server answering every REGISTER a
    second late (after the phone's half-second give-up, RTX-1), the fallback
    server registering the phone at once, then answering 500 to everything.
    On the fallback server, its registration lapsed and retried every 30 s
    (a 500 is no failure, RTX-3), the phone probed the working server every
    C{fallback.timeout} (FBK-S3); each probe failed and the phone stayed on
    its fallback cycle.  The checker took the working server's late 200s for
    registrations there, so the phone seemed no longer on the fallback server
    and a failed probe owed it a REGISTER at once.  A late 2xx registered
    nothing.  Had the fallback server never registered the phone, the failed
    probe still owes the fallback server a REGISTER at once.
    """

    def _world(self, fallback_took: bool) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, redundancy_type=1, retry_counts=0,
                              duration=300.0)
        tb = TraceBuilder(replace(facts, servers=tuple(s for s in facts.servers
                                                       if s.role != "secondary")))
        cseq = {"primary": 0, "fallback": 0}

        def reg(to: str, at: float, code: int, answer: float,
                granted: int | None = None) -> None:
            cseq[to] += 1
            r = tb.register(to, at, cseq=cseq[to],
                            call_id="reg-1" if to == "primary" else "reg-2")
            hdrs = [("Expires", str(granted))] if granted else []
            tb.respond(r, code, answer, headers=hdrs)

        reg("primary", 0.02, 200, 1.025, 3600)
        reg("fallback", 0.52, 200 if fallback_took else 500, 0.525, 120)
        for at in (60.53, 90.54):
            reg("fallback", at, 500, at + 0.005)
        reg("primary", 120.53, 200, 121.535, 3600)
        for at in (120.55, 150.56, 180.57, 210.58, 240.59):
            reg("fallback", at, 500, at + 0.005)
        reg("primary", 241.03, 200, 242.035, 3600)
        reg("fallback", 270.6, 500, 270.605)
        return tb

    def test_late_probe_answers_leave_the_phone_on_the_fallback_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-6"), "fail")

    def test_never_on_the_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-6"), "fail")


class FallbackSynLostAfterClosedPrimaryTests(SynchronousTestCase):
    """
    FBK-S1 (round 3, explore seed 39 of dns-ip-literal): successive mode, TLS
    with no port from DNS, so 5060 (DNS-9), the primary's 5060 plain TCP: it
    closed the phone's connection on its TLS hello before any SIP, and the
    phone fell back at once (FBK-S2); its first SYN to the fallback server
    was lost and sent again a second later, so the REGISTER reached the wire
    only then, past the time the wire allowed between the primary's failed
    connection and the request it carried.  Nothing named that connection's
    request, the working server never seemed to fail, and the REGISTER at the
    fallback server broke FBK-S1.  The fallback's attempt began with its
    first SYN, at once.  With no attempt at the working server at all, the
    fallback REGISTER still fails FBK-S1.
    """

    def _world(self, primary_tried: bool) -> TraceBuilder:
        # (retry_counts 0 at the working server, half a second there; 3 at the fallback)
        facts = default_facts(transport=2, port1=0, redundancy_type=1, retry_counts=0,
                              duration=120.0)
        s1, s2 = facts.account.servers[:2]
        account = replace(facts.account, servers=(s1, replace(s2, retry_counts=3)))
        tb = TraceBuilder(replace(facts, account=account))
        tb.dns(0.0, f"_sips._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.01, DOMAIN, "A", [PRIMARY])
        if primary_tried:
            _closed_on_hello(tb, 0.022, "primary", 32768, ((0.038, "delivered"),))
        tb.syn_lost(0.044, "fallback", port=5061, fate="lost", phone_port=5060)
        tb.syn_lost(1.044, "fallback", port=5061, fate="delivered", phone_port=5060)
        reg = tb.register("fallback", 1.071, transport="tls", port=5061)
        tb.respond(reg, 200, 1.271)
        return tb

    def test_fallback_after_the_primary_closed_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S1"), "fail")

    def test_fallback_without_trying_the_working_server_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class ProbeLookupFailsOnRefusingFallbackTests(SynchronousTestCase):
    """
    FO-6 (round 3, explore seed 38 of dns-ip-literal, third find): successive
    mode, on the fallback server, which registered the phone and then
    answered 500 to everything (no failure, RTX-3: the phone retried every
    30 s, its registration lapsed).  A probe of the working server (FBK-S3)
    began with a lookup of its domain that gave no address (DNS-11).  The
    phone stayed on its fallback cycle, as after any failed probe; FO-6 read
    the failed lookup as server 1 failing with the phone not on the fallback
    server, and wanted a REGISTER there at once.  Had the fallback server
    never registered the phone, the failed lookup still owes it one.
    """

    def _world(self, fallback_took: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, retry_counts=0, duration=200.0))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.01, DOMAIN, "A", [PRIMARY])
        tb.silent("REGISTER", "primary", 0.02)
        first = tb.register("fallback", 0.52, call_id="reg-2")
        tb.respond(first, 200 if fallback_took else 500, 0.525,
                   headers=[("Expires", "120")])
        for k, at in enumerate((60.53, 90.54, 120.55, 150.56, 180.57)):
            r = tb.register("fallback", at, call_id="reg-2", cseq=2 + k)
            tb.respond(r, 500, at + 0.005)
        # the probe's lookup, between two of the fallback's REGISTERs
        tb.dns(135.0, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(135.01, DOMAIN, "A")
        return tb

    def test_probe_lookup_failed_stays_on_the_fallback_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-6"), "fail")

    def test_never_on_the_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-6"), "fail")


class SharedRefusedThenFallbackTests(SynchronousTestCase):
    """
    FO-3 (round 3, explore seed 39 of dns-ip-literal, second find): as
    L{SharedRefusedFailoverTests} (TCP, the primary connected but silent, the
    secondary's port closed: one refused connection there was the try of the
    REGISTER and of the call's INVITE that gave the primary up together), but
    with a fallback server, which then took the INVITE (FO-6, FBK-C2).  FO-3
    looked for that connection from the chain's last attempt, the one at the
    fallback server, and found none.  It is the last attempt at server 1 that
    gave the primary up.  An INVITE sent later, that gave the primary up with
    no connection to the secondary then, still fails FO-3.
    """

    def _world(self, together: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, calls=(0.0,), duration=30.0))
        fb = tb.register("fallback", 0.01, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.015)
        at = 0.03 if together else 1.0
        # (the INVITE went out just before the REGISTER, as in the seed: the wire names
        # the refused connection for the REGISTER, the later of the two)
        _tcp_silent(tb, "INVITE", at, call_id="call-a")
        _tcp_silent(tb, "REGISTER", 0.03)
        tb.refused(0.03 + tb.give_up("REGISTER"), "secondary")
        tb.call("fallback", at + tb.give_up("INVITE") + 0.015, call_id="call-a", cseq=2,
                transport="tcp", bye_at=at + 12.5)
        return tb

    def test_refused_together_then_fallback_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-3"), "fail")

    def test_invite_never_failed_over_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-3"), "fail")


class CallLookupFailsAfterFallbackRefusedTests(SynchronousTestCase):
    """
    FBK-S2 (round 3, explore seed 30 of dns-ip-literal): successive mode,
    server 1's domain with no address at all (DNS-11 on every lookup), the
    fallback server answering 500 to everything.  The phone fell back at
    once; the fallback refused its REGISTER (no failure, RTX-3; no
    registration either), and the phone registers there again a retry
    interval later.  A second on, a call's lookup failed and the INVITE went
    to the fallback server at once (FO-6); FBK-S2 wanted a REGISTER there at
    once too, as if no retry were being waited out.  A retry well past the
    retry interval still fails.
    """

    def _world(self, retry_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, calls=(1.0,), duration=120.0))

        def lookup(at: float) -> None:
            tb.dns(at, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
            tb.dns(at + 0.01, DOMAIN, "A")

        lookup(0.005)
        reg = tb.register("fallback", 0.02, call_id="reg-2")
        tb.respond(reg, 500, 0.025)
        lookup(1.005)
        inv = tb.invite("fallback", 1.02, call_id="call-a")
        tb.respond(inv, 500, 1.025)
        tb.in_dialog(inv, "ACK", 1.03)
        lookup(retry_at)
        again = tb.register("fallback", retry_at + 0.015, call_id="reg-2", cseq=2)
        tb.respond(again, 500, retry_at + 0.02)
        return tb

    def test_retry_interval_waited_out_passes(self) -> None:
        self.assertNotEqual(status(self._world(30.035), "FBK-S2"), "fail")

    def test_retry_long_after_fails(self) -> None:
        self.assertEqual(status(self._world(50.035), "FBK-S2"), "fail")


class TwoRefusedConnectionsToOneServerTests(SynchronousTestCase):
    """
    FO-6, RTX-2 (round 3, explore seed 39 of dns-ip-literal, third find):
    concurrent mode, TCP, the primary connected but silent, the secondary
    stopped.  The REGISTER gave the primary up at 7.53 s and its connection
    to the secondary was refused; the call's INVITE, sent a second later, gave
    the primary up at 8.53 s, its own connection to the secondary was refused
    and it went to the fallback server at once.  The wire named the first
    refused connection for the INVITE too (the request the next failed
    connection there was for), so the INVITE seemed to leave the primary a
    second early and the fallback to take over late.  A request never tries
    one target twice in a row: the first connection was the REGISTER's, which
    gave the primary up as it began.  The INVITE reaching the fallback server
    seconds later still fails FO-6.
    """

    def _world(self, fallback_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, calls=(1.0,), duration=40.0))
        fb = tb.register("fallback", 0.01, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.015)
        _tcp_silent(tb, "REGISTER", 0.03)
        _tcp_silent(tb, "INVITE", 1.03, call_id="call-a")
        tb.refused(0.03 + tb.give_up("REGISTER"), "secondary")
        tb.refused(1.03 + tb.give_up("INVITE"), "secondary")
        tb.call("fallback", fallback_at, call_id="call-a", cseq=2, transport="tcp",
                bye_at=fallback_at + 5.0)
        return tb

    def test_each_request_its_own_connection_passes(self) -> None:
        tb = self._world(1.03 + 7.5 + 0.02)
        self.assertNotEqual(status(tb, "FO-6"), "fail")
        self.assertNotEqual(status(tb, "RTX-2"), "fail")

    def test_fallback_seconds_later_fails(self) -> None:
        self.assertEqual(status(self._world(12.0), "FO-6"), "fail")


class RegisterHeldBehindLostSegmentTests(SynchronousTestCase):
    """
    FBK-S1 (round 3, explore seed 23 of dns-ip-literal): successive mode,
    TCP, 20 % loss, C{retry_counts} 0 at the working server.  A call had gone
    to the fallback server (FO-6); its BYE there was lost twice.  The
    registration's retry at the working server then failed (half a second),
    and the phone's REGISTER to the fallback server, written behind the lost
    BYE, went out with its retransmission.  The wire times a request held
    behind a lost segment from that segment's first copy (it may have been
    written that early), so the REGISTER seemed to leave before the working
    server failed.  It may have been written as late as it got through: the
    working server had failed by then.  A REGISTER that did reach the
    fallback server before the working server failed still fails FBK-S1.
    """

    def _world(self, held: bool) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, redundancy_type=1, retry_counts=0,
                              calls=(10.0,), duration=60.0)
        s1, s2 = facts.account.servers[:2]
        account = replace(facts.account, servers=(s1, replace(s2, retry_counts=3)))
        tb = TraceBuilder(replace(facts, account=account, servers=tuple(
            s for s in facts.servers if s.role != "secondary")))
        reg = tb.register("primary", 0.0, transport="tcp")
        tb.respond(reg, 200, 0.005)
        _tcp_silent(tb, "INVITE", 10.0, call_id="call-a")
        inv = tb.invite("fallback", 10.5, call_id="call-a", cseq=2, transport="tcp")
        tb.respond(inv, 200, 10.505)
        tb.in_dialog(inv, "ACK", 10.51, transport="tcp")
        _tcp_silent(tb, "REGISTER", 40.0, cseq=2)
        fb = (FALLBACK, 5060)
        if not held:
            again = tb.register("fallback", 40.1, call_id="reg-2", transport="tcp")
            tb.respond(again, 200, 40.105)
            return tb
        # the BYE lost twice; the REGISTER went out with its retransmission (the
        # segments, then the server reading them, in the order the network recorded)
        bye = tb.in_dialog(inv, "BYE", 40.6, transport="tcp")
        bye_in = tb._events.pop()
        again = tb.register("fallback", 40.6, call_id="reg-2", transport="tcp")
        reg_in = tb._events.pop()
        for at, fate in ((40.0, "lost"), (40.2, "lost"), (40.6, "delivered")):
            tb._add(PacketEvent(at, "tcp", (tb.phone, 5060), fb,
                                bye_in.raw, fate=fate))  # type: ignore[attr-defined]
        tb._add(PacketEvent(40.6, "tcp", (tb.phone, 5060), fb,
                            reg_in.raw, fate="delivered"))  # type: ignore[attr-defined]
        tb._add(bye_in)
        tb._add(reg_in)
        tb.respond(bye, 200, 40.605)
        tb.respond(again, 200, 40.605)
        return tb

    def test_register_held_behind_the_bye_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S1"), "fail")

    def test_register_before_the_working_server_failed_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class ByeBeforeFallbackInviteTests(SynchronousTestCase):
    """
    FBK-S2 (round 3, explore seed 29 of dns-ip-literal, fifth find):
    successive mode, registered at the working server.  A call's lookup of
    server 1 failed (DNS-11) and its INVITE went to the fallback server at
    once (FO-6), the registration at the working server holding: no REGISTER
    fallback is owed for a call's lookup then.  The checker read the first
    request to the fallback server after the lookup, and that was an earlier
    call's BYE (in-dialog, where its dialog is: FO-4), so it wanted a
    REGISTER there.  With no request at all to the fallback server after the
    failed lookup, it still fails.
    """

    def _world(self, invite: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, calls=(10.0, 42.0), duration=120.0))

        def lookup(at: float, ok: bool) -> None:
            tb.dns(at, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
            tb.dns(at + 0.01, DOMAIN, "A", [PRIMARY] if ok else [])

        lookup(0.0, True)
        reg = tb.register("primary", 0.02)
        tb.respond(reg, 200, 0.025)
        lookup(10.0, False)
        tb.call("fallback", 10.02, call_id="call-a", bye_at=42.022)
        lookup(42.005, False)
        if invite:
            tb.call("fallback", 42.04, call_id="call-b", bye_at=47.04)
        return tb

    def test_invite_to_the_fallback_after_a_bye_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S2"), "fail")

    def test_nothing_to_the_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class FirstRegisterAfterCallFailedOverTests(SynchronousTestCase):
    """
    FO-1 (round 3, explore seed 48 of dns-ip-literal): failback_mode 1
    (DNSTTL), the primary stopped, 5 % loss.  The registration's lookup lost
    its address query until it failed (DNS-11: retry 30 s later), while a
    call's lookup got the addresses and its INVITE failed over to the
    secondary.  The registration's retry, the first REGISTER on the wire,
    went to the secondary: the phone stays on the current server until the
    TTL runs out (FB-1), which judges it.  FO-1 wanted it at the primary.
    Under failback_mode 0 (newRequests) the same REGISTER still fails FO-1.
    """

    def _world(self, mode: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=mode, calls=(4.0,), duration=60.0))
        tb.dns(4.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(4.01, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(4.02, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("INVITE", "primary", 4.05, call_id="call-a")
        tb.call("secondary", 4.05 + tb.give_up("INVITE"), call_id="call-a", cseq=2,
                bye_at=16.6)
        reg = tb.register("secondary", 34.03)
        tb.respond(reg, 200, 34.035)
        return tb

    def test_register_stays_on_the_current_server_passes(self) -> None:
        self.assertNotEqual(status(self._world(1), "FO-1"), "fail")

    def test_new_requests_mode_register_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(0), "FO-1"), "fail")


class DroppedLookupsMergedTests(SynchronousTestCase):
    """
    FBK-S1 (round 3, explore seed 29 of dns-ip-literal, sixth find):
    successive mode, the DNS server dropping every query.  The registration's
    lookup asked twice (0 and 1 s) and the resolver gave up at 4 s (DNS-11);
    the phone fell back (FBK-S2), and a new lookup asked the same question at
    4 s and 5 s.  The resolver's retries of one question within a few seconds
    count as one query, so the two lookups read as one ending at 5 s, after
    the fallback REGISTER: the working server seemed not yet failed.  The
    first lookup had failed for the phone when its resolver gave up.  A
    fallback REGISTER while the first lookup was still waiting still fails.
    """

    def _world(self, register_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, duration=60.0))
        for at in (0.005, 1.005, 4.005, 5.005):
            tb.dns(at, f"_sip._udp.{DOMAIN}", "SRV", rcode="TIMEOUT")
        reg = tb.register("fallback", register_at, call_id="reg-2")
        tb.respond(reg, 200, register_at + 0.005)
        return tb

    def test_fallback_after_the_resolver_gave_up_passes(self) -> None:
        self.assertNotEqual(status(self._world(4.0), "FBK-S1"), "fail")

    def test_fallback_while_still_waiting_fails(self) -> None:
        self.assertEqual(status(self._world(1.5), "FBK-S1"), "fail")


class PrimaryAnswerAtGiveUpThenSecondaryRefusedTests(SynchronousTestCase):
    """
    FBK-S1 (round 3, explore seed 5 of dns-ip-literal): successive mode, TLS,
    100 ms latency, C{retry_counts} 0 at the working server, the secondary
    stopped.  The primary's 200 left it at the phone's give-up time and came
    too late; the phone moved on to the secondary (refused, RTX-2) and fell
    back (FBK-S2).  The 200 splits the chain on the wire; FBK-S1 looked only
    at the targets given up before the primary and took the primary's 200
    for the working server working.  The targets the REGISTER moved on to
    after it count too.  Without the attempt at the secondary, the fallback
    REGISTER still fails FBK-S1.
    """

    def _world(self, secondary_tried: bool) -> TraceBuilder:
        facts = default_facts(transport=1, redundancy_type=1, retry_counts=0, duration=60.0,
                              latency_tolerance=0.25)
        s1, s2 = facts.account.servers[:2]
        account = replace(facts.account, servers=(s1, replace(s2, retry_counts=3)))
        tb = TraceBuilder(replace(facts, account=account))
        tb.dns(0.1, f"_sip._tcp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.3, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.5, f"secondary.{DOMAIN}", "A", [SECONDARY])
        reg = tb.register("primary", 0.6, transport="tcp")
        tb.respond(reg, 200, 1.1)
        if secondary_tried:
            tb.refused(1.1, "secondary", after=0.2)
        fb = tb.register("fallback", 1.7, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 1.8)
        return tb

    def test_moved_on_to_the_secondary_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S1"), "fail")

    def test_secondary_skipped_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class SecondaryAnswerAtGiveUpNotTakenTests(SynchronousTestCase):
    """
    FB-1 (round 3, explore seed 5 of dns-ip-literal, second find): failback
    mode 1 (DNSTTL, TTL 300 s), C{retry_counts} 0, the primary silent, 100 ms
    latency.  The secondary's 200 left it at the phone's give-up time and came
    too late: every target had failed for the phone, which retried from the
    primary 30 s later (RTX-5).  The checker took the 200 for a failover to
    the secondary and the retry for a new request leaving it before the TTL.
    Had the 200 come well in time, the same REGISTER to the primary still
    fails FB-1.
    """

    def _world(self, answered_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=1, retry_counts=0, duration=120.0,
                                        zone_ttl=300.0, latency_tolerance=0.25))
        tb.dns(0.1, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.3, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.5, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 1.0)
        first = tb.register("secondary", 1.5, cseq=2)
        tb.respond(first, 200, answered_at)
        tb.silent("REGISTER", "primary", 32.0, cseq=3)
        again = tb.register("secondary", 32.5, cseq=4)
        tb.respond(again, 200, 32.6)
        return tb

    def test_answer_at_give_up_not_taken_passes(self) -> None:
        self.assertNotEqual(status(self._world(2.0), "FB-1"), "fail")

    def test_answer_in_time_then_primary_before_the_ttl_fails(self) -> None:
        self.assertEqual(status(self._world(1.6), "FB-1"), "fail")


class SecondaryAnswerAtGiveUpThenFallbackTests(SynchronousTestCase):
    """
    FB-1 (round 3, explore seed 5 of dns-ip-literal, fourth find): as
    L{SecondaryAnswerAtGiveUpNotTakenTests}, in successive mode: the phone,
    every target failed, fell back to the fallback server at once (FO-6,
    FBK-S2) instead of retrying, and probed the working server 120 s later
    (FBK-S3).  The secondary's late 200 was no failover, so the probe to the
    primary breaks no "stay until the TTL".  Had the 200 come in time, the
    probe to the primary still fails FB-1.
    """

    def _world(self, answered_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=1, retry_counts=0, redundancy_type=1,
                                        duration=200.0, zone_ttl=300.0,
                                        latency_tolerance=0.25))
        tb.dns(0.1, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.3, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.5, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 1.0)
        first = tb.register("secondary", 1.5, cseq=2)
        tb.respond(first, 200, answered_at)
        fb = tb.register("fallback", 2.0, call_id="reg-2")
        tb.respond(fb, 200, 2.1)
        tb.silent("REGISTER", "primary", 122.2, cseq=3)
        again = tb.register("secondary", 122.7, cseq=4)
        tb.respond(again, 200, 122.8)
        return tb

    def test_answer_at_give_up_not_taken_passes(self) -> None:
        self.assertNotEqual(status(self._world(2.0), "FB-1"), "fail")

    def test_answer_in_time_then_primary_before_the_ttl_fails(self) -> None:
        self.assertEqual(status(self._world(1.6), "FB-1"), "fail")


class CallHandedOverThenRegistrationRetryTests(SynchronousTestCase):
    """
    FO-6, FBK-C3 (round 4, explore seed 11 of dns-ip-literal; also seeds 54
    and 79): concurrent mode, TCP, both targets of server 1 refusing every
    connection.  A call placed at 30 s refused at the primary and the
    secondary went to the fallback server at once (FO-6, FBK-C2); the
    registration's retry to server 1 fell due just after (RTX-5, FBK-C3) and
    was refused at both targets too.  Those two connections, begun after the
    INVITE had already moved on to the fallback server, were the
    registration's retry, not the INVITE's (RTX-2: a request never goes back
    to a target it has left); the checker read them as the INVITE's, so the
    INVITE "failed at 30.1 s with no fallback after" and the retry "never
    came".  Had the registration not retried then (only 60 s after its
    failure), FBK-C3 still fails.
    """

    def _world(self, retried: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, calls=(30.0,), duration=90.0))
        tb.refused(0.0, "primary", after=0.015)
        fb = tb.register("fallback", 0.005, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.01)
        tb.refused(0.02, "secondary", after=0.015)
        tb.refused(30.0, "primary", after=0.015)
        tb.refused(30.02, "secondary", after=0.015)
        if retried:
            tb.refused(30.06, "primary", after=0.015)
            tb.refused(30.08, "secondary", after=0.015)
        tb.call("fallback", 30.04, transport="tcp", bye_at=35.05)
        tb.refused(60.1, "primary", after=0.015)
        tb.refused(60.12, "secondary", after=0.015)
        return tb

    def test_call_handed_over_at_once_passes(self) -> None:
        tb = self._world(True)
        self.assertEqual(status(tb, "FO-6"), "pass")
        self.assertEqual(status(tb, "FBK-C3"), "pass")

    def test_registration_not_retried_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class RegisterArrivingAsCallConnectionBeganTests(SynchronousTestCase):
    """
    FO-2, FO-3 (round 4, explore seed 63 of dns-ip-literal): TCP, latency
    0.1 s, the primary stopped.  The registration's retry was refused at the
    primary and went to the secondary at once, its REGISTER reaching the
    secondary 0.1 s later, just as a call placed then opened its own
    connection to the primary (refused too, the INVITE then to the
    secondary).  A request's first send is timed at its arrival, so it
    followed the phone's knowing of a failure: the REGISTER, there before
    the call's connection failed, was not that connection's next attempt
    (the checker took it so, the REGISTER "trying the primary twice" and
    "never failing over").  Had the REGISTER gone to the secondary only 1.3 s
    after the refusal, FO-2 still fails (RTX-2: at once).
    """

    def _world(self, at_once: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, calls=(0.3,), duration=60.0,
                                        latency_tolerance=0.25))
        tb.refused(0.0, "primary", after=0.2)
        reg = tb.register("secondary", 0.3 if at_once else 1.5, transport="tcp")
        tb.respond(reg, 200, reg.last + 0.1)
        tb.refused(0.3, "primary", after=0.2)
        inv = tb.invite("secondary", 0.6, call_id="call-b", transport="tcp")
        tb.respond(inv, 200, 0.7)
        return tb

    def test_register_failed_over_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-2"), "fail")

    def test_register_failed_over_late_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class FallbackRefusedThenCallLookupTests(SynchronousTestCase):
    """
    FBK-S2, DNS-11 (round 4, explore seed 66 of dns-ip-literal): successive
    mode, TCP, every lookup of server 1 failing (NXDOMAIN SRV, empty A), the
    fallback server stopped, a call placed at start.  The registration's
    lookup failed and its connection to the fallback server was refused at
    once (FBK-S2); the call's lookup failed next and its INVITE's connection
    there was refused too (FO-6).  Two connections in the call's moment: the
    call opens one to each server it tries, so the other one was the
    REGISTER's (the checker set every connection near a call aside).  The
    registration then waits its RTX-5 retry, the fallback server having just
    failed too.  Had only the call's connection gone there, FBK-S2 still
    fails.
    """

    def _world(self, registered_there: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, calls=(0.0,),
                                        duration=20.0))
        tb.dns(0.005, f"_sip._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.015, DOMAIN, "A")
        if registered_there:
            tb.refused(0.02, "fallback")
        tb.dns(0.025, f"_sip._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.035, DOMAIN, "A")
        tb.refused(0.04, "fallback")
        return tb

    def test_registration_refused_there_first_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S2"), "pass")

    def test_only_the_call_went_there_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class SharedFallbackConnectionLookupTests(SynchronousTestCase):
    """
    FBK-S2, DNS-11 (round 4, explore seed 77 of dns-ip-literal): successive
    mode, TLS, a call placed at start.  The registration's lookup failed at
    5 ms and the phone opened a connection to the fallback server at once;
    the call's lookup failed at 15 ms and its INVITE waited for the same
    connection, whose handshake never got through (RTX-1's time).  That
    connection, begun before the call's lookup even started, was the
    REGISTER's fallback, though at the call's time.  Had it begun only after
    the call's lookup, FBK-S2 still fails for the registration's lookup.
    """

    def _world(self, at_once: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, calls=(0.0,),
                                        duration=20.0, port1=5061))
        tb.dns(0.004, DOMAIN, "A")
        tb.dns(0.014, DOMAIN, "A")
        tb.syn_lost(0.01 if at_once else 0.02, "fallback", port=5061, fate="lost")
        return tb

    def test_connection_at_once_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S2"), "pass")

    def test_connection_after_the_call_lookup_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class FallbackConnectionInTheCallLookupsInstantTests(SynchronousTestCase):
    """
    FBK-S2, DNS-11 (round 33, survey w7072 [9916]): successive mode, TLS,
    100 ms latency, 20 % loss, a call placed at start.  The registration's
    lookup got no address (heard at 0.108 s); as its answer reached the
    phone at 0.213 s, the phone opened a connection to the fallback server
    and, in the same instant, began the call's lookup, whose first query was
    lost (so that lookup counted as timed out near the first one) and whose
    retry got no address at 1.313 s.  The connection's SYN-ACK was lost; the
    phone gave the REGISTER up at RTX-1's time and the call's INVITE went
    over that connection later.  The connection was the REGISTER's fallback
    at once (the first lookup gave up at its answer, not DNS-11's waits
    later) and, begun ahead of the call's query, the fallback the call's
    failed lookup found under way.  With no connection until the call's
    INVITE, FBK-S2 still fails.
    """

    def _world(self, at_once: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, calls=(0.0,),
                                        duration=40.0, port1=5061, latency_tolerance=0.27))
        tb.dns(0.1076, DOMAIN, "A")
        ph, fb = (tb.phone, 41999), (FALLBACK, 5061)
        if at_once:  # (added first: the SYN ahead of the query in the same instant)
            tb._add(PacketEvent(0.2126, "tcp", ph, fb, b"", fate="delivered", flags="S"))
            tb._add(PacketEvent(0.3191, "tcp", fb, ph, b"", fate="lost", flags="S"))
        lost_query(tb, 0.2126, DOMAIN, dns.A)
        tb.dns(1.3127, DOMAIN, "A")
        tb.call("fallback", 1.5268, bye_at=2.7412, transport="tls", port=5061)
        tb.dns(30.8218, DOMAIN, "A")
        tb.respond(tb.register("fallback", 31.03, cseq=2, transport="tls", port=5061), 200)
        return tb

    def test_connection_in_the_lookups_instant_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S2"), "pass")

    def test_no_connection_until_the_invite_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class RenewalOnSecondaryBeforeInviteFailoverTests(SynchronousTestCase):
    """
    FO-5 (round 4, explore seed 47 of dns-ip-literal): register_on_enable 0,
    UDP, retry_counts 6, the primary silent, failback mode 1 (stay on the secondary for the
    TTL), a call placed at start.  The REGISTER failed over to the secondary
    and registered there (FO-2); its renewal went there too (REG-2) while
    the call's INVITE was still being retried at the primary, which then
    failed over to the secondary.  That renewal kept a registration the
    phone held there already: no "registering before using it".  Had the
    registration lapsed, a REGISTER there just before the INVITE still fails
    FO-5.
    """

    def _world(self, renewal: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(expires=30, retry_counts=6, failback_mode=1, calls=(0.0,),
                                        duration=90.0, zone_ttl=300.0))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 0.03)
        g = 0.03 + tb.give_up("REGISTER")
        first = tb.register("secondary", g, cseq=2)
        tb.respond(first, 200, g + 0.005)
        again = tb.register("secondary", g + 15.0 if renewal else g + 31.0, cseq=3)
        tb.respond(again, 200, again.last + 0.005)
        tb.silent("INVITE", "primary", 0.03, call_id="call-a")
        inv = tb.invite("secondary", 0.03 + tb.give_up("INVITE"), call_id="call-a", cseq=2)
        tb.respond(inv, 200)
        return tb

    def test_renewal_there_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-5"), "pass")

    def test_registering_anew_there_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-5"), "fail")



class StayRestartedByLaterFailoverTests(SynchronousTestCase):
    """
    FB-3 (round 4, explore seed 47 of dns-ip-literal, second find):
    failback_timeout 60 s, UDP, retry_counts 6, the primary silent, a call
    placed at start.  The REGISTER failed over to the secondary at 19.5 s;
    the call's INVITE, still retried at the primary, failed over only at
    63.5 s.  Counting the stay from that later failover, the renewal at
    79.6 s stays on the secondary; both readings pass.  A renewal after the
    later failover's 60 s still on the secondary fails.
    """

    def _world(self, renewal_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(expires=60, retry_counts=6, failback_mode=3,
                                        failback_timeout=60, calls=(0.0,), duration=200.0,
                                        zone_ttl=300.0))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 0.03)
        g = 0.03 + tb.give_up("REGISTER")
        first = tb.register("secondary", g, cseq=2)
        tb.respond(first, 200, g + 0.005)
        tb.silent("INVITE", "primary", 0.03, call_id="call-a")
        inv = tb.invite("secondary", 0.03 + tb.give_up("INVITE"), call_id="call-a", cseq=2)
        tb.respond(inv, 200)
        again = tb.register("secondary", renewal_at, cseq=3)
        tb.respond(again, 200, renewal_at + 0.005)
        return tb

    def test_stay_from_the_later_failover_passes(self) -> None:
        self.assertEqual(status(self._world(79.6), "FB-3"), "pass")

    def test_secondary_after_both_stays_fails(self) -> None:
        self.assertEqual(status(self._world(130.0), "FB-3"), "fail")


class StayRestartedWithinOneRoundInvariantTests(SynchronousTestCase):
    """
    Explore invariant FAILBACK (round 5, explore seed 102 of dns-ip-literal):
    failback_mode 3, failback_timeout 90 s, UDP, retry_counts 0, the primary
    silent.  The REGISTER failed over to the secondary at 0.5 s (FO-2); the
    renewal at 60.5 s found the secondary silent too (its 200 lost) and moved
    on to the primary, which failed; RTX-5's retry at 91.5 s, the stay over,
    began at the primary and failed over to the secondary again at 92 s.  All
    one round of one Call-ID, headed at the secondary: the invariant saw no
    new failover and wanted the renewal at 152 s at the primary.  Coming back
    to the secondary after another target failed is a failover: the stay
    starts again (FB-3).  A renewal at the secondary after that stay too still
    breaks FB-3.
    """

    def _problems(self, renewal_at: float) -> list[str]:
        from harness.testing.strategies import AccountSpec

        tb = TraceBuilder(default_facts(expires=120, retry_counts=0, failback_mode=3,
                                        failback_timeout=90, duration=300.0))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.02, f"secondary.{DOMAIN}", "A", [SECONDARY])
        g = tb.give_up("REGISTER")
        tb.silent("REGISTER", "primary", 0.03)
        ok = tb.register("secondary", 0.03 + g, cseq=2)
        tb.respond(ok, 200, 0.035 + g)
        tb.silent("REGISTER", "secondary", 60.54, cseq=3)
        tb.silent("REGISTER", "primary", 60.54 + g, cseq=4)
        tb.silent("REGISTER", "primary", 91.54, cseq=5)
        ok = tb.register("secondary", 91.54 + g, cseq=6)
        tb.respond(ok, 200, 91.545 + g)
        ok = tb.register("secondary", renewal_at, cseq=7)
        tb.respond(ok, 200, renewal_at + 0.005)
        return failback_problems(
            tb, AccountSpec(failback_mode=(3, 0), failback_timeout=(90, 0)), tol=0.06)

    def test_stay_from_the_failover_back_passes(self) -> None:
        self.assertEqual(self._problems(152.05), [])

    def test_secondary_after_that_stay_breaks(self) -> None:
        self.assertEqual(len(self._problems(190.0)), 1)


class FailoverRegisterIsNoFirstRegistrationTests(SynchronousTestCase):
    """
    FO-1 (round 5, explore seed 118 of dns-ip-literal): register_on_enable 1,
    failback_mode 0, every lookup failing until a call at 60 s, the primary
    answering 503.  The call's INVITE got the 503 and moved on (RTX-3); the
    REGISTER it owed the secondary first (FO-5) reached the wire 10 ms before
    the registration's retry reached the primary.  That REGISTER is part of
    the INVITE's failover, not the account's first registration: FO-1 judges
    the retry, which went to the primary.  With no INVITE failing over, a
    first REGISTER to the secondary still fails FO-1.
    """

    def _world(self, call: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(register_on_enable=1, calls=(60.0,) if call else (),
                                        duration=120.0, server2=""))
        tb.dns(60.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(60.01, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(60.015, f"secondary.{DOMAIN}", "A", [SECONDARY])
        if call:
            inv = tb.invite("primary", 60.02, call_id="call-a")
            tb.respond(inv, 503, 60.025)
        fo5 = tb.register("secondary", 60.03)
        tb.respond(fo5, 200, 60.035)
        again = tb.register("primary", 60.04, cseq=2)
        tb.respond(again, 503, 60.045)
        last = tb.register("secondary", 60.05, cseq=3)
        tb.respond(last, 200, 60.055)
        if call:
            inv = tb.invite("secondary", 60.04, call_id="call-a", cseq=2)
            tb.respond(inv, 200, 60.045)
        return tb

    def test_failover_register_first_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-1"), "pass")

    def test_register_to_the_secondary_first_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-1"), "fail")


class SameTimeCallsHangUpTests(SynchronousTestCase):
    """
    FO-2 (round 5, explore seed 108 of dns-ip-literal): TCP, two calls placed
    at 0 s lasting 5 s and 1 s, both up through the primary, which then went
    down (a flap).  Each call's BYE found the connection gone and its new
    connection refused (FO-4: never failed over).  Only the longer call's
    hang-up time was reckoned for both dialogs, so the shorter one's refused
    connection at 1 s was read as a REGISTER's try at the primary that never
    failed over.  Calls placed at the same time: the wire does not say which
    dialog is which plan's, so each owes what any of them plans.  A refused
    connection away from any hang-up is still the registration's, and with
    no failover FO-2 still fails.
    """

    def _world(self, refused_at: float) -> TraceBuilder:
        facts = default_facts(transport=1, duration=120.0, server2="")
        uri = f"sip:echo@{DOMAIN}"
        tb = TraceBuilder(replace(facts, calls=(CallPlan(0.0, uri, 5.0),
                                                CallPlan(0.0, uri, 1.0))))
        tb.dns(0.005, f"_sip._tcp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
        reg = tb.register("primary", 0.04, transport="tcp")
        tb.respond(reg, 200, 0.045)
        for name in ("call-a", "call-b"):
            inv = tb.invite("primary", 0.04, call_id=name, transport="tcp")
            tb.respond(inv, 200, 0.045)
            tb.in_dialog(inv, "ACK", 0.05, transport="tcp")
        tb.fault(1.0, "primary", "flap", "down")
        tb.refused(refused_at, "primary")
        tb.refused(5.05, "primary")
        return tb

    def test_shorter_call_hang_up_passes(self) -> None:
        self.assertNotEqual(status(self._world(1.05), "FO-2"), "fail")

    def test_refused_register_not_failed_over_fails(self) -> None:
        self.assertEqual(status(self._world(3.0), "FO-2"), "fail")


class RenewalStillConnectingAtEndTests(SynchronousTestCase):
    """
    FBK-C1 (round 5, explore seed 112 of dns-ip-literal): concurrent mode,
    TCP, expires 30, retry_counts 9; a DNS fault moved the primary's name to a
    dead address (DNS-8).  The renewal at 30 s resolved the name again and
    sent SYNs to the new address until the run ended at 60 s, RTX-1's
    give-up time not reached: nothing failed for L{wire.conn_attempts} to
    name, no SIP got out, and the checker saw no refresh before the
    registration ran out at 45 s.  A connection still being opened is the
    renewal under way; with no attempt at all FBK-C1 still fails.
    """

    MOVED = "127.0.1.30"

    def _world(self, renewed: bool) -> TraceBuilder:
        moved = ServerInfo("moved-" + self.MOVED, self.MOVED, _PORTS)
        facts = default_facts(transport=1, expires=30, retry_counts=9, duration=60.0)
        tb = TraceBuilder(replace(facts, servers=(*facts.servers, moved)))
        fb = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(fb, 200, 0.005, headers=[("Expires", "3600")])
        tb.dns(0.015, f"_sip._tcp.{DOMAIN}", "SRV", [f"0 0 5060 primary.{DOMAIN}"])
        tb.dns(0.025, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=30)
        reg = tb.register("primary", 0.04, transport="tcp")
        tb.respond(reg, 200, 0.045)
        reg = tb.register("primary", 15.05, transport="tcp", cseq=2)
        tb.respond(reg, 200, 15.055)
        tb.dns(30.075, f"_sip._tcp.{DOMAIN}", "SRV", [f"0 0 5060 primary.{DOMAIN}"])
        tb.dns(30.085, f"primary.{DOMAIN}", "A", [self.MOVED], ttl=60)
        if renewed:
            for s in (0.0, 1.0, 3.0, 7.0, 15.0):
                tb.syn_lost(30.09 + s, self.MOVED, fate="down", phone_port=32769)
        return tb

    def test_renewal_still_connecting_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_no_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class ProbeDueAfterLookupGiveUpTests(SynchronousTestCase):
    """
    FBK-S3 (round 5, explore seed 109 of dns-ip-literal): successive mode,
    fallback.timeout 10 s, every DNS query dropped from 121 s on.  On the
    fallback server the phone probed every 14 s: each probe's lookup asked
    twice and gave up 3 s after its last query (DNS-11), the next probe
    10 s after that.  The run ended 9.8 s after the last lookup failed; the
    checker reckoned the missing probe from that lookup's last query, though
    it judges a probe's time from anywhere between the last query and the
    resolver's give-up.  Due by the latest of those, the probe was not yet
    due; a run going on 10 s longer without it still fails FBK-S3.
    """

    def _world(self, end: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=10, expires=30,
                                        duration=end))
        srv = f"_sip._udp.{DOMAIN}"
        tb.dns(0.005, srv, "SRV", [f"0 0 5060 primary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=10)
        reg = tb.register("primary", 0.02)
        tb.respond(reg, 200, 0.025)
        lookup = 15.025
        tb.dns(lookup, srv, "SRV", rcode="TIMEOUT")
        tb.dns(lookup + 1.0, srv, "SRV", rcode="TIMEOUT")
        fb = tb.register("fallback", lookup + 4.0, call_id="reg-2")
        tb.respond(fb, 200, lookup + 4.005)
        for _ in range(3):
            lookup += 14.0
            tb.dns(lookup, srv, "SRV", rcode="TIMEOUT")
            tb.dns(lookup + 1.0, srv, "SRV", rcode="TIMEOUT")
        return tb

    def test_run_ended_before_the_probe_was_due_passes(self) -> None:
        self.assertEqual(status(self._world(57.025 + 13.8), "FBK-S3"), "pass")

    def test_probe_missing_fails(self) -> None:
        self.assertEqual(status(self._world(57.025 + 24.0), "FBK-S3"), "fail")


class RenewalPendingAcrossFailoverRegisterTests(SynchronousTestCase):
    """
    FB-0, RTX-4 (round 4 still open, explore seed 37 of dns-ip-literal):
    register_on_enable 1, failback_mode 0, TCP, the primary silent from 1 s,
    a call at 233 s.  The call's INVITE gave the primary up at 240.5 s and
    registered at the secondary first (FO-5, CSeq 3) while the renewal begun
    at 240 s (CSeq 2) was still being tried at the primary; that gave it up
    at 247.5 s and moved on to the secondary (CSeq 4).  wire.chains attached
    the FO-5 REGISTER to the renewal's chain (its one TCP send was over), so
    CSeq 4 began a round of its own at the secondary and FB-0 wanted it at the
    primary first.  The renewal had not moved on: CSeq 4 continues it, and
    the FO-5 REGISTER's CSeq in between is RTX-4's one more.  A renewal sent
    straight to the secondary still fails FB-0.
    """

    def _world(self, renewal_tried_primary: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, register_on_enable=1, expires=300,
                                        calls=(233.0,), duration=300.0, server2=""))
        tb.dns(0.005, f"_sip._tcp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
        reg = tb.register("primary", 0.06, transport="tcp")
        tb.respond(reg, 200, 0.065)
        _tcp_silent(tb, "INVITE", 233.015, call_id="call-a")
        if renewal_tried_primary:
            _tcp_silent(tb, "REGISTER", 240.075, cseq=2)
        fo5 = tb.register("secondary", 240.515, transport="tcp", cseq=3)
        tb.respond(fo5, 200, 240.52)
        inv = tb.invite("secondary", 240.525, call_id="call-a", cseq=2, transport="tcp")
        tb.respond(inv, 200, 240.53)
        tb.in_dialog(inv, "ACK", 240.535, transport="tcp")
        bye = tb.in_dialog(inv, "BYE", 245.535, transport="tcp")
        tb.respond(bye, 200, 245.54)
        again = tb.register("secondary", 247.575, transport="tcp", cseq=4)
        tb.respond(again, 200, 247.58)
        return tb

    def test_renewal_moved_on_after_its_give_up_passes(self) -> None:
        tb = self._world(True)
        self.assertNotEqual(status(tb, "FB-0"), "fail")
        self.assertEqual(status(tb, "RTX-4"), "pass")

    def test_renewal_straight_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-0"), "fail")


class CurrentServerFailedEndsStayInvariantTests(SynchronousTestCase):
    """
    Explore invariant FAILBACK (round 5, explore seed 143 of dns-ip-literal):
    failback_mode 1 (stay for the TTL, 300 s), register_on_enable 1, UDP,
    both servers silent to INVITEs, a call at start.  The call's INVITE gave
    the primary up and registered at the secondary first (FO-5, answered):
    a failover to the secondary at 7.5 s.  The INVITE then failed there too;
    every target failed, and RTX-5's retry 30 s later began at the primary.
    The invariant wanted it at the secondary until the TTL ran out.  The
    current server itself failing a new request ends the stay (as the FB-*
    checkers read it); had the secondary answered the INVITE, a REGISTER to
    the primary then still breaks FB-1.
    """

    def _problems(self, secondary_failed: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec

        tb = TraceBuilder(default_facts(failback_mode=1, register_on_enable=1, calls=(0.0,),
                                        duration=120.0, server2=""))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
        g = tb.give_up("INVITE")
        reg = tb.register("primary", 0.03)
        tb.respond(reg, 200, 0.035)
        tb.silent("INVITE", "primary", 0.03, call_id="call-a")
        fo5 = tb.register("secondary", 0.03 + g, cseq=2)
        tb.respond(fo5, 200, 0.035 + g)
        if secondary_failed:
            tb.silent("INVITE", "secondary", 0.04 + g, call_id="call-a", cseq=2)
        else:
            inv = tb.invite("secondary", 0.04 + g, call_id="call-a", cseq=2)
            tb.respond(inv, 200, 0.045 + g)
        tb.silent("REGISTER", "primary", 45.04, cseq=3)
        ok = tb.register("secondary", 45.04 + tb.give_up("REGISTER"), cseq=4)
        tb.respond(ok, 200, 45.045 + tb.give_up("REGISTER"))
        return failback_problems(
            tb, AccountSpec(failback_mode=(1, 0), register_on_enable=(1, 0)), tol=0.06)

    def test_retry_from_the_top_after_the_secondary_failed_passes(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_primary_while_the_secondary_works_breaks(self) -> None:
        self.assertEqual(len(self._problems(False)), 1)


class FallbackAnswerAtGiveUpThenRetryTests(SynchronousTestCase):
    """
    FBK-S3 (round 5, explore seed 142 of dns-ip-literal): successive mode,
    TLS, 100 ms latency, server 1 an IP literal whose first REGISTER was
    lost.  The fallback server's 200 OK came at the very moment the phone
    gave that REGISTER up (RTX-1): it was not taken, every target had failed,
    and RTX-5 retried at the primary 30 s later.  The checker put the phone
    on the fallback server at that 200 and judged the retry a probe off the
    fallback.timeout schedule.  A 2xx that may have come too late, followed
    by a retry from server 1's top a retry interval after the give-up time,
    put the phone on nothing (as wire.answer_not_taken reads a secondary's);
    answered in time, the REGISTER to the primary 30 s later is still a probe
    off the schedule.
    """

    def _world(self, answered_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, server1=PRIMARY,
                                        port1=5061, retry_counts=0, duration=120.0,
                                        latency_tolerance=0.25,
                                        servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                                 ServerInfo("fallback", FALLBACK, _PORTS))))
        tb.silent("REGISTER", "primary", 0.0, transport="tls", port=5061)
        fb = tb.register("fallback", 0.6, call_id="reg-1", cseq=2, transport="tls", port=5061)
        tb.respond(fb, 200, answered_at)
        again = tb.register("primary", 31.1, cseq=3, transport="tls", port=5061)
        tb.respond(again, 200, 31.2)
        return tb

    def test_answer_at_give_up_then_retry_passes(self) -> None:
        self.assertNotEqual(status(self._world(1.1), "FBK-S3"), "fail")

    def test_answer_in_time_then_early_probe_fails(self) -> None:
        self.assertEqual(status(self._world(0.7), "FBK-S3"), "fail")


class UnresolvedPrimaryIsNoFailoverInvariantTests(SynchronousTestCase):
    """
    Explore invariant FAILBACK (round 5, explore seed 154 of dns-ip-literal):
    failback_mode 1 (the TTL, 30 s), TCP, 20 % loss, the primary silent to
    INVITEs.  A call's lookup lost both A answers for the primary (DNS-8,
    DNS-11): its INVITE went to the secondary, the first target it had.  The
    invariant took that for a failover and wanted the next call, 29 s later,
    at the secondary until the TTL ran out; it went to the primary.  A
    request that started at the only target its lookup gave failed over from
    nothing.  After a real failover (the primary resolved, the INVITE given
    up there), the next call at the primary within the TTL still breaks FB-1.
    """

    def _problems(self, lost: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec

        tb = TraceBuilder(default_facts(transport=1, failback_mode=1, calls=(10.0, 40.0),
                                        duration=120.0, server2=""))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"]
        tb.dns(10.005, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=30)
        if lost:
            tb.dns(10.015, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
            tb.dns(11.015, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
            tb.dns(14.015, f"secondary.{DOMAIN}", "A", [SECONDARY])
            inv = tb.invite("secondary", 14.03, call_id="call-a", transport="tcp")
        else:
            tb.dns(10.015, f"primary.{DOMAIN}", "A", [PRIMARY])
            tb.dns(10.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
            _tcp_silent(tb, "INVITE", 10.03, call_id="call-a")
            inv = tb.invite("secondary", 17.53, call_id="call-a", cseq=2, transport="tcp")
        tb.respond(inv, 200, inv.last + 0.005)
        tb.in_dialog(inv, "ACK", inv.last + 0.01, transport="tcp")
        bye = tb.in_dialog(inv, "BYE", inv.last + 5.0, transport="tcp")
        tb.respond(bye, 200, bye.last + 0.005)
        tb.dns(40.005, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=30)
        tb.dns(40.015, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(40.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
        _tcp_silent(tb, "INVITE", 40.03, call_id="call-b")
        inv = tb.invite("secondary", 47.53, call_id="call-b", cseq=2, transport="tcp")
        tb.respond(inv, 200, 47.535)
        return failback_problems(tb, AccountSpec(failback_mode=(1, 0)), tol=0.06)

    def test_first_target_of_the_lookup_passes(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_primary_within_the_ttl_after_a_failover_breaks(self) -> None:
        self.assertEqual(len(self._problems(False)), 1)


class RenewalOwnRefusalAfterCallRefusalTests(SynchronousTestCase):
    """
    FO-2 (round 5, explore seed 149 of dns-ip-literal): TCP, the primary
    stopped (refusing), the registration on the secondary since start, a call
    at 61 s.  The call's connection to the primary was refused and its INVITE
    went to the secondary; the renewal fell due 20 ms later, its own
    connection to the primary was refused and it went to the secondary too.
    wire.attempts counted the REGISTER among the requests that stood behind
    the call's connection (sent within tolerance of the INVITE), so the
    renewal's round began with that connection alone and FO-2 saw no failover
    after it.  A request with a failed connection of its own there after
    that one did not wait for it.  A renewal whose refused connection is
    followed by nothing still fails FO-2.
    """

    def _world(self, moved_on: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, expires=120, calls=(61.0,),
                                        duration=120.0, server2=""))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"]
        tb.dns(0.006, f"_sip._tcp.{DOMAIN}", "SRV", srv)
        tb.dns(0.017, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.028, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.refused(0.033, "primary")
        reg = tb.register("secondary", 0.05, transport="tcp", cseq=2)
        tb.respond(reg, 200, 0.055)
        tb.dns(61.006, f"_sip._tcp.{DOMAIN}", "SRV", srv)
        tb.dns(61.018, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(61.029, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.refused(61.035, "primary", after=0.012)
        inv = tb.invite("secondary", 61.052, call_id="call-a", transport="tcp")
        tb.respond(inv, 200, 61.052)
        tb.in_dialog(inv, "ACK", 61.058, transport="tcp")
        tb.refused(61.066, "primary", after=0.011)
        if moved_on:
            again = tb.register("secondary", 61.082, transport="tcp", cseq=4)
            tb.respond(again, 200, 61.082)
        return tb

    def test_renewal_with_its_own_refusal_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-2"), "fail")

    def test_renewal_never_moving_on_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class FailoverRegisterRefusedTests(SynchronousTestCase):
    """
    FO-3, FO-5 (round 5, explore seed 145 of dns-ip-literal):
    register_on_enable 1, UDP, the primary silent, the secondary answering
    every REGISTER 500, a call at start.  The REGISTER and the call's INVITE
    gave the primary up together; the REGISTER to the secondary got the 500,
    so the INVITE, which may go there only once a REGISTER has succeeded
    (FO-5), failed through server 1 (FO-6).  FO-3 excused only a REGISTER
    there that failed (silent, 503), not one refused.  Had the secondary
    answered 200, an INVITE never sent there still fails FO-3.
    """

    def _world(self, answer: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(register_on_enable=1, calls=(0.0,), duration=120.0,
                                        server2=""))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.015, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 0.02)
        tb.silent("INVITE", "primary", 0.02, call_id="call-a")
        g = tb.give_up("REGISTER")
        reg = tb.register("secondary", 0.02 + g, cseq=2)
        tb.respond(reg, answer, 0.025 + g)
        return tb

    def test_refused_register_keeps_the_invite_off_passes(self) -> None:
        self.assertNotEqual(status(self._world(500), "FO-3"), "fail")

    def test_registered_yet_no_invite_fails(self) -> None:
        self.assertEqual(status(self._world(200), "FO-3"), "fail")


class InviteFailsAtCurrentServerEndsStayTests(SynchronousTestCase):
    """
    FB-1 (round 5, explore seed 143 of dns-ip-literal, second find):
    failback_mode 1 (TTL 300 s), register_on_enable 1, TCP, the primary down
    from 1 s (refusing), the secondary silent to INVITEs, a call at 2 s.  The
    call's connection to the primary was refused; FO-5's REGISTER to the
    secondary was answered (the failover at 2 s), and the INVITE then failed
    there (RTX-1, 9.5 s): every target had failed, and RTX-5's retry 30 s
    later began at the primary.  The checker ended the stay only on a new
    request begun after the failover failing at the current server; the
    INVITE began with it.  Had the secondary answered the INVITE, the
    REGISTER to the primary within the TTL still fails FB-1.
    """

    def _world(self, invite_failed: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, failback_mode=1, register_on_enable=1,
                                        calls=(2.0,), duration=120.0, server2="",
                                        zone_ttl=300.0))
        tb.dns(0.005, f"_sip._tcp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.015, f"secondary.{DOMAIN}", "A", [SECONDARY])
        reg = tb.register("primary", 0.03, transport="tcp")
        tb.respond(reg, 200, 0.035)
        tb.refused(2.0, "primary")
        fo5 = tb.register("secondary", 2.02, transport="tcp", cseq=2)
        tb.respond(fo5, 200, 2.025)
        if invite_failed:
            tb.silent("INVITE", "secondary", 2.03, call_id="call-a", transport="tcp")
        else:
            inv = tb.invite("secondary", 2.03, call_id="call-a", transport="tcp")
            tb.respond(inv, 200, 2.035)
            tb.in_dialog(inv, "ACK", 2.04, transport="tcp")
        again = tb.register("primary", 39.54, transport="tcp", cseq=3)
        tb.respond(again, 200, 39.545)
        return tb

    def test_retry_after_the_invite_failed_there_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FB-1"), "fail")

    def test_primary_while_the_secondary_works_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-1"), "fail")


class RenewalRidesPendingFailoverRegisterTests(SynchronousTestCase):
    """
    FO-2, RTX-2 (round 5, explore seed 37 of dns-ip-literal, next find):
    register_on_enable 1, TCP, both servers silent, a call at 98 s while
    RTX-5's retry was due at 105 s.  The retry's REGISTER went to the
    primary at 105.07 s; the call's INVITE gave the primary up at 105.5 s and
    FO-5's REGISTER went to the secondary; when the retry gave the primary up
    at 112.6 s, that REGISTER was still under way there and the phone rode
    it (both failed).  Read as the retry's own, FO-2 saw the retry never
    move on; read as its next attempt, RTX-2 saw it move on 7 s early.  A
    FO-5 REGISTER still under way when the chain's last attempt fails is
    where it moved on to, and not early.  With no call, a REGISTER to the
    secondary 7 s before the primary's give-up still fails RTX-2.
    """

    def _world(self, call: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, register_on_enable=1, expires=120,
                                        calls=(98.0,) if call else (), duration=120.0,
                                        server2=""))
        tb.dns(0.005, f"_sip._tcp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
        reg = tb.register("primary", 0.06, transport="tcp")
        tb.respond(reg, 200, 0.065)
        if call:
            _tcp_silent(tb, "INVITE", 98.005, call_id="call-a")
        _tcp_silent(tb, "REGISTER", 105.075, cseq=4)
        tb.silent("REGISTER", "secondary", 105.505, cseq=5, transport="tcp")
        return tb

    def test_renewal_riding_the_failover_register_passes(self) -> None:
        tb = self._world(True)
        self.assertNotEqual(status(tb, "FO-2"), "fail")
        self.assertNotEqual(status(tb, "RTX-2"), "fail")

    def test_moving_on_early_without_a_call_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-2"), "fail")


class PrimaryFailsCallRightAfterAnsweringTests(SynchronousTestCase):
    """
    FB-OK (round 5, explore seed 62 of dns-ip-literal, next find):
    failback_mode 0, register_on_enable 1, UDP, retry_counts 0, the primary
    silent to INVITEs.  After a failover to the secondary, a call's FO-5
    REGISTER to the primary was answered (the primary back), then the call's
    INVITE, sent there right after, was silenced: the primary failed a new
    request again, and FO-5's REGISTER to the secondary followed.  FB-OK
    broke off only at a judged request failing at the primary; the INVITE
    began with the primary's answer.  Had the primary answered the INVITE, a
    REGISTER to the secondary then still fails FB-OK.
    """

    def _world(self, invite_failed: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(register_on_enable=1, retry_counts=0, expires=56,
                                        calls=(35.0,), duration=60.0, server2=""))
        tb.dns(30.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(30.005, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(30.01, f"secondary.{DOMAIN}", "A", [SECONDARY])
        g = tb.give_up("REGISTER")
        tb.silent("REGISTER", "primary", 30.02)
        ok = tb.register("secondary", 30.02 + g, cseq=2)
        tb.respond(ok, 200, 30.025 + g)
        back = tb.register("primary", 35.0, cseq=3)
        tb.respond(back, 200, 35.006)
        if invite_failed:
            tb.silent("INVITE", "primary", 35.012, call_id="call-a")
        else:
            inv = tb.invite("primary", 35.012, call_id="call-a")
            tb.respond(inv, 200, 35.017)
            tb.in_dialog(inv, "ACK", 35.02)
        away = tb.register("secondary", 35.012 + g, cseq=4)
        tb.respond(away, 200, 35.017 + g)
        return tb

    def test_primary_failing_the_invite_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FB-OK"), "fail")

    def test_leaving_the_working_primary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-OK"), "fail")


class FallbackAnswerAtGiveUpThenLookupRetryTests(SynchronousTestCase):
    """
    FBK-S3 (round 5, explore seeds 168 and 173 of dns-ip-literal): successive
    mode, TLS, every lookup of server 1's domain empty (DNS-11).  The phone
    fell back; the fallback server's 200 OK reached it at the very moment it
    gave that REGISTER up (a TCP segment lost and sent again), so it was not
    taken, and RTX-5's retry 30 s later was a lookup of server 1 that failed
    again.  As with a retry at the primary (seed 142), the phone was never on
    the fallback server.  Answered in time, that lookup 30 s later is still a
    probe off the fallback.timeout schedule.
    """

    def _world(self, answered_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, port1=5061,
                                        retry_counts=0, duration=120.0,
                                        latency_tolerance=0.09,
                                        servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                                 ServerInfo("fallback", FALLBACK, _PORTS))))
        tb.dns(0.02, DOMAIN, "A")
        fb = tb.register("fallback", 0.05, transport="tls", port=5061)
        tb.respond(fb, 200, answered_at)
        tb.dns(30.56, DOMAIN, "A")
        return tb

    def test_answer_at_give_up_then_lookup_retry_passes(self) -> None:
        self.assertNotEqual(status(self._world(0.552), "FBK-S3"), "fail")

    def test_answer_in_time_then_early_probe_fails(self) -> None:
        self.assertEqual(status(self._world(0.1), "FBK-S3"), "fail")


class RenewalSharingTheHangUpsRefusedConnectionTests(SynchronousTestCase):
    """
    FBK-S1, FBK-S3 (round 6, survey 7002 [10]): successive mode, TCP, the
    primary (server 1's only target with an address) stopped during a call.
    The call's hang-up and the registration's renewal fell due together
    (30.05 s); the one connection to the primary was refused and the phone's
    REGISTER went to the fallback server at once.  A pending connection
    serves every request waiting for its server: it failed the renewal too,
    so server 1 was down (FBK-S1), and FBK-S3's schedule runs from that
    fallback.  With the renewal not yet due (a longer registration), the same
    refused connection was the BYE's alone and the REGISTER to the fallback
    server still fails FBK-S1.
    """

    def _world(self, expires: int) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, redundancy_type=1,
                              expires=expires, duration=100.0,
                              servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                       ServerInfo("fallback", FALLBACK, _PORTS)))
        tb = TraceBuilder(replace(facts, calls=(CallPlan(0.0, f"sip:echo@{DOMAIN}", 30.0),)))
        reg = tb.register("primary", 0.04, transport="tcp")
        tb.respond(reg, 200, 0.045)
        inv = tb.invite("primary", 0.04, transport="tcp", call_id="call-a")
        tb.respond(inv, 200, 0.045)
        tb.in_dialog(inv, "ACK", 0.05, transport="tcp")
        tb.fault(1.0, "primary", "stop")
        tb.refused(30.05, "primary")
        fb = tb.register("fallback", 30.07, transport="tcp", call_id="reg-fb")
        tb.respond(fb, 200, 30.075)
        return tb

    def test_renewal_due_on_the_refused_connection_passes(self) -> None:
        tb = self._world(60)
        self.assertNotEqual(status(tb, "FBK-S1"), "fail")

    def test_fallback_while_the_renewal_was_not_due_fails(self) -> None:
        self.assertEqual(status(self._world(3600), "FBK-S1"), "fail")


class RenewalJoiningTheCallsRefusedConnectionTests(SynchronousTestCase):
    """
    FBK-C1 (round 6, survey 7002 [04]): concurrent mode, TCP/TLS, the primary
    stopped.  A call placed at 31 s opened a connection to the primary (its
    first SYN lost); the registration's renewal fell due at 31.8 s while it
    was still being opened and joined it (the phone opens no second
    connection to one server); it was refused at 32 s, the call went to the
    fallback server and the renewal's RTX-5 retry came 30 s later.  The
    renewal was tried: the server let the registration lapse.  A phone that
    neither renewed nor retried still fails.
    """

    def _world(self, retried: bool) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, expires=60, duration=70.0,
                              servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                       ServerInfo("fallback", FALLBACK, _PORTS)))
        tb = TraceBuilder(replace(facts, calls=(CallPlan(31.0, f"sip:echo@{DOMAIN}", 10.0),)))
        fb = tb.register("fallback", 0.004, transport="tcp", call_id="reg-fb")
        tb.respond(fb, 200, 0.005)
        reg = tb.register("primary", 1.2, transport="tcp")
        tb.respond(reg, 200, 1.8)
        again = tb.register("fallback", 30.0, transport="tcp", call_id="reg-fb", cseq=2)
        tb.respond(again, 200, 30.005)
        tb.fault(4.0, "primary", "stop")
        tb.refused(31.0, "primary", after=1.0)
        inv = tb.invite("fallback", 32.002, transport="tcp", call_id="call-a")
        tb.respond(inv, 200, 32.003)
        tb.in_dialog(inv, "ACK", 32.004, transport="tcp")
        if retried:
            tb.refused(62.002, "primary", after=1.0)
        return tb

    def test_renewal_on_the_calls_refused_connection_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-C1"), "fail")

    def test_no_renewal_nor_retry_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class CallPlacedDuringAProbesLookupTests(SynchronousTestCase):
    """
    FBK-S3 (round 6, survey 7002 [05]): successive mode, 100 ms latency, every
    lookup of server 1's domain empty (DNS-11), the phone on the fallback
    server.  Its probe's lookup began at 60.8 s (the phone's time); a call
    placed at 61 s sent its INVITE to the fallback server at once, arriving
    there as the lookup's last answer left the DNS server.  That INVITE had
    not waited for the lookup's outcome: the lookup was the probe, not the
    call's (FO-6).  An INVITE that left the phone only after that answer
    could have reached it may still be the call's lookup, and then no probe
    came.
    """

    def _world(self, invite_sent: float) -> TraceBuilder:
        facts = default_facts(redundancy_type=1, fallback_timeout=60, duration=100.0,
                              latency_tolerance=0.25,
                              servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                       ServerInfo("fallback", FALLBACK, _PORTS)))
        tb = TraceBuilder(replace(facts, calls=(CallPlan(61.0, f"sip:echo@{DOMAIN}", 1.0),)))
        tb.dns(0.1, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN", answer_after=0.0)
        tb.dns(0.3, DOMAIN, "A", answer_after=0.0)
        fb = tb.register("fallback", 0.6)
        tb.respond(fb, 200, 0.7)
        tb.dns(60.9, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN", answer_after=0.0)
        tb.dns(61.1, DOMAIN, "A", answer_after=0.0)
        inv = tb.invite("fallback", invite_sent + 0.1, call_id="call-a")
        tb._add(PacketEvent(invite_sent, "udp", (tb.phone, 5060), (FALLBACK, 5060),
                            f"INVITE ...;branch={inv.branch}".encode()))
        tb.respond(inv, 200, invite_sent + 0.2)
        tb.in_dialog(inv, "ACK", invite_sent + 0.3)
        return tb

    def test_invite_sent_during_the_lookup_passes(self) -> None:
        self.assertNotEqual(status(self._world(61.0), "FBK-S3"), "fail")

    def test_invite_after_the_lookup_failed_without_a_probe_fails(self) -> None:
        self.assertEqual(status(self._world(61.2), "FBK-S3"), "fail")


class CallAfterTheSecondaryLostItsAddressTests(SynchronousTestCase):
    """
    FB-2 (round 6, survey 7002 [07]): failback_mode 2, the phone failed over to
    the secondary and stayed there.  The secondary's A record was then removed;
    a call's lookup (the resolution's TTL run out, DNS-10) gave the primary an
    address and the secondary none (DNS-8: no target), so the INVITE went to
    the primary.  The current server was no target: the stay ended, as
    FB-1/FB-3 read it.  With the secondary's address in that lookup, an INVITE
    to the primary still leaves the current server.
    """

    def _world(self, secondary_answer: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=2, expires=120, calls=(40.0,),
                                        duration=60.0))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(0.002, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(0.004, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        first = tb.silent("REGISTER", "primary", 0.01)
        second = tb.register("secondary", first.sends[0] + tb.give_up("REGISTER"), cseq=2)
        tb.respond(second, 200)
        tb.dns(40.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(40.002, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        if secondary_answer:
            tb.dns(40.004, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        else:
            tb.dns(40.004, f"secondary.{DOMAIN}", "A", rcode="NXDOMAIN")
        tb.call("primary", 40.01, call_id="call-a")
        return tb

    def test_current_server_without_an_address_passes(self) -> None:
        self.assertNotEqual(status(self._world(False), "FB-2"), "fail")

    def test_leaving_the_current_server_with_its_address_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FB-2"), "fail")


class SecondarysAddressAskedAgainAfterTheRefusalTests(SynchronousTestCase):
    """
    FO-2 (round 6, survey 7002 [08]): TCP, 20 % loss, the primary stopped.
    The lookup in use had no address for the secondary (its A answer lost).
    The primary refused the REGISTER's connection; the phone asked again at
    once for the secondary's address (DNS-11: retried when needed), that
    answer was lost too, and the question sent again a second later was
    answered; the REGISTER went to the secondary at once after it.  RTX-2's
    "at once" runs from that answer.  A phone that heard the address at once
    and still waited a second fails.
    """

    def _world(self, first_reask_lost: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, duration=60.0))
        tb.dns(0.0, f"_sip._tcp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.002, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.004, f"secondary.{DOMAIN}", "A", rcode="TIMEOUT")
        failed = tb.refused(4.0, "primary")
        if first_reask_lost:
            tb.dns(failed + 0.005, f"secondary.{DOMAIN}", "A", rcode="TIMEOUT")
        else:
            tb.dns(failed + 0.005, f"secondary.{DOMAIN}", "A", [SECONDARY])
        if first_reask_lost:
            tb.dns(failed + 1.005, f"secondary.{DOMAIN}", "A", [SECONDARY])
        reg = tb.register("secondary", failed + 1.015, transport="tcp", cseq=2)
        tb.respond(reg, 200)
        return tb

    def test_register_at_once_after_the_reasked_address_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-2"), "fail")

    def test_register_a_second_after_the_address_was_heard_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class InvitesRegisterFirstRefusedBeforeThePrimaryTests(SynchronousTestCase):
    """
    FO-3 (round 6, survey 7002 [09]): register_on_enable 1, UDP, 20 % loss.
    A call's lookup lost the primary's A answer, so the secondary came first
    (DNS-8): FO-5's REGISTER there (the registration's retry, one REGISTER of
    a Call-ID at a time) was answered 403, the INVITE moved on to the
    primary, whose address was asked again, and was silent there.  The
    REGISTER refused as the INVITE began was the INVITE's attempt at the
    secondary (as round 5 reads it for RTX-3); it never goes back there
    (RTX-2).  A REGISTER refused before the call was placed is not the
    INVITE's: with no INVITE (nor REGISTER) to the secondary after the
    primary failed, FO-3 still fails.
    """

    def _world(self, refused_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(register_on_enable=1, calls=(30.0,), duration=60.0,
                                        server2=""))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(0.002, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(0.004, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        reg = tb.register("primary", 0.01)
        tb.respond(reg, 200)
        tb.dns(30.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(30.002, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
        tb.dns(30.004, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        first = tb.register("secondary", refused_at - 0.002, cseq=2)
        tb.respond(first, 403, refused_at)
        tb.dns(33.004, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.silent("INVITE", "primary", 33.006, call_id="call-a")
        return tb

    def test_register_first_refused_as_the_invite_began_passes(self) -> None:
        self.assertNotEqual(status(self._world(33.003), "FO-3"), "fail")

    def test_register_refused_before_the_call_fails(self) -> None:
        self.assertEqual(status(self._world(20.0), "FO-3"), "fail")


class ProbeFailingAfterTheFallbackFailedTests(SynchronousTestCase):
    """
    FO-6, FBK-S2 (round 6, explore seed 213 of dns-ip-literal): successive
    mode, UDP, the primary silent, then the fallback server silent too.  The
    fallback server's renewal was given up (53 s), every target had failed,
    and RTX-5's retry was due 30 s later; a probe still under way then failed
    at the primary (74.5 s), its fallback registration lapsed.  The fallback
    server, which had just failed, was not due again at once: the retry came
    from the top of the list (the primary, 83 s) and, when it failed, the
    fallback server at once.  A phone that never retried after the probe
    failed still fails FO-6.
    """

    def _world(self, retried: bool, probe_at: float = 63.0) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, redundancy_type=1, expires=60,
                                        retry_counts=4, fallback_timeout=20, duration=110.0,
                                        servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                                 ServerInfo("fallback", FALLBACK, _PORTS))))
        g = tb.give_up("REGISTER")
        tb.silent("REGISTER", "primary", 0.0)
        fb = tb.register("fallback", g, call_id="reg-fb")
        tb.respond(fb, 200, g + 0.005)
        tb.silent("REGISTER", "primary", 31.5, cseq=2)
        tb.silent("REGISTER", "fallback", 41.5, call_id="reg-fb", cseq=2)
        tb.silent("REGISTER", "primary", probe_at, cseq=3)
        if retried:
            tb.silent("REGISTER", "primary", 41.5 + g + 30.0, cseq=4)
            tb.silent("REGISTER", "fallback", 41.5 + 2 * g + 30.0, call_id="reg-fb", cseq=3)
        return tb

    def test_retry_from_the_top_then_the_fallback_passes(self) -> None:
        tb = self._world(True)
        self.assertNotEqual(status(tb, "FO-6"), "fail")
        self.assertNotEqual(status(tb, "FBK-S2"), "fail")

    def test_no_retry_after_the_probe_failed_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-6"), "fail")


class ProbeFailingAsTheRetryFallsDueTests(ProbeFailingAfterTheFallbackFailedTests):
    """
    FO-6 (round 28, survey w7050 [2669..2671]; TCP, successive mode): as
    L{ProbeFailingAfterTheFallbackFailedTests}, the probe failing at the very
    instant RTX-5's retry fell due (the fallback server's renewal given up
    at 53 s, the probe begun at 71.5 s and given up at 83 s, the retry to the
    primary at 83 s).  A failure of server 1 a retry interval after the
    fallback server's, to the instant, was read as past the retry, and the
    fallback server owed at once.  It is the retry's moment: the retry from
    the top is next.  Without the retry, the same probe's failure still
    fails FO-6.
    """

    def test_retry_from_the_top_then_the_fallback_passes(self) -> None:
        tb = self._world(True, probe_at=71.5)
        self.assertNotEqual(status(tb, "FO-6"), "fail")
        self.assertNotEqual(status(tb, "FBK-S2"), "fail")

    def test_no_retry_after_the_probe_failed_fails(self) -> None:
        self.assertEqual(status(self._world(False, probe_at=71.5), "FO-6"), "fail")


class RegistrationRetryAtTheSecondaryBeforeAFailoverTests(SynchronousTestCase):
    """
    FO-5 (round 6, explore seed 206 of dns-ip-literal): register_on_enable 0,
    failback_mode 1, the primary answering REGISTER 500 and silent to INVITEs.
    A first call failed over to the secondary at 23.5 s without registering;
    the registration's RTX-5 retry, due 30 s after the 500, went to the
    secondary (the current server, FB-1) at 30.04 s; a second call's INVITE
    failed over there at 30.5 s.  That REGISTER was the registration's own
    retry, not one the phone made to use the secondary.  A REGISTER there
    off the retry's time, just before the INVITE, still fails.
    """

    def _world(self, register_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=1, calls=(16.0, 23.0), duration=60.0,
                                        server2=""))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"]
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
        first = tb.register("primary", 0.03)
        tb.respond(first, 500, 0.035)
        g = tb.give_up("INVITE")
        tb.silent("INVITE", "primary", 16.0, call_id="call-a")
        tb.call("secondary", 16.0 + g, call_id="call-a", bye_at=28.51)
        tb.silent("INVITE", "primary", 23.0, call_id="call-b")
        again = tb.register("secondary", register_at, cseq=2)
        tb.respond(again, 200, register_at + 0.005)
        tb.call("secondary", 23.0 + g, call_id="call-b", bye_at=35.51)
        return tb

    def test_registration_retry_passes(self) -> None:
        self.assertNotEqual(status(self._world(30.04), "FO-5"), "fail")

    def test_register_off_the_retry_time_fails(self) -> None:
        self.assertEqual(status(self._world(27.0), "FO-5"), "fail")


class InvitesAnswerAtGiveUpThenRetryTests(SynchronousTestCase):
    """
    FB-1 (round 6, explore seed 211 of dns-ip-literal): failback_mode 1,
    retry_counts 0, the primary silent to INVITEs, the secondary answering
    500.  A call's INVITE gave the primary up, then the secondary; the
    secondary's 500 was lost and its retransmission left at the phone's
    give-up instant, so the phone had failed every target and retried from
    the top a retry interval later (the registration's REGISTER to the
    primary, RTX-5).  That answer put the phone on nothing: no failover, no
    DNSTTL stay to keep (as a late answer of the same method already reads).
    A REGISTER to the primary off the retry's time leaves the secondary
    within the TTL and still fails.
    """

    def _world(self, register_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=DOMAIN, failback_mode=1, retry_counts=0,
                                        calls=(0.0,), duration=60.0, server2="",
                                        zone_ttl=300))
        tb.dns(0.006, DOMAIN, "A", [PRIMARY, SECONDARY])
        reg = tb.register("primary", 0.011)
        tb.respond(reg, 200, 0.017)
        tb.silent("INVITE", "primary", 0.011, call_id="call-a")
        g = tb.give_up("INVITE")
        inv = tb.invite("secondary", 0.017 + g, call_id="call-a", cseq=2)
        tb.respond(inv, 500, 0.017 + 2 * g)
        again = tb.register("primary", register_at, cseq=2)
        tb.respond(again, 200, register_at + 0.006)
        return tb

    def test_retry_from_the_top_passes(self) -> None:
        self.assertNotEqual(status(self._world(31.017), "FB-1"), "fail")

    def test_register_to_the_primary_within_the_ttl_fails(self) -> None:
        self.assertEqual(status(self._world(10.0), "FB-1"), "fail")


class RenewalAtTheSecondaryBeforeAFailoverTests(SynchronousTestCase):
    """
    FO-5 (round 6, explore seed 206 of dns-ip-literal, next find): as
    L{RegistrationRetryAtTheSecondaryBeforeAFailoverTests}, the primary
    answering REGISTER 200 (expires 60): the renewal fell due at 30.04 s and
    went to the secondary, the current server (FB-1), half a second before a
    second call's INVITE failed over there.  The registration's own renewal,
    not a REGISTER made to use the secondary; one sent there before the
    renewal was due still fails.
    """

    def _world(self, register_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=1, calls=(16.0, 23.0), duration=60.0,
                                        server2="", expires=60))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"]
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", [SECONDARY])
        first = tb.register("primary", 0.03)
        tb.respond(first, 200, 0.035)
        g = tb.give_up("INVITE")
        tb.silent("INVITE", "primary", 16.0, call_id="call-a")
        tb.call("secondary", 16.0 + g, call_id="call-a", bye_at=28.51)
        tb.silent("INVITE", "primary", 23.0, call_id="call-b")
        again = tb.register("secondary", register_at, cseq=2)
        tb.respond(again, 200, register_at + 0.005)
        tb.call("secondary", 23.0 + g, call_id="call-b", bye_at=35.51)
        return tb

    def test_renewal_passes(self) -> None:
        self.assertNotEqual(status(self._world(30.04), "FO-5"), "fail")

    def test_register_before_the_renewal_was_due_fails(self) -> None:
        self.assertEqual(status(self._world(27.0), "FO-5"), "fail")


class InviteWaitingForTheRetrysFailoverTests(SynchronousTestCase):
    """
    FO-3 (round 6, explore seed 216 of dns-ip-literal): register_on_enable 1,
    UDP, both targets silent.  The registration's RTX-5 retry was being tried
    at the primary (from 45.02 s) when a call's INVITE gave the primary up
    (45.5 s); FO-5's REGISTER to the secondary waited for it (one REGISTER of
    a Call-ID at a time) and was the retry's own failover (52.52 s), silent
    there too.  That REGISTER failing kept the INVITE off the secondary.  An
    INVITE giving up with no REGISTER of its account in flight, and none to
    the secondary after, still fails.
    """

    def _world(self, retry_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(register_on_enable=1, calls=(38.0,), duration=70.0,
                                        server2=""))
        tb.dns(0.005, DOMAIN, "A", [PRIMARY, SECONDARY])
        g = tb.give_up("REGISTER")
        tb.silent("REGISTER", "primary", retry_at)
        tb.silent("REGISTER", "secondary", retry_at + g, cseq=2)
        tb.silent("INVITE", "primary", 38.0, call_id="call-a")
        return tb

    def test_register_first_behind_the_retry_passes(self) -> None:
        self.assertNotEqual(status(self._world(45.02), "FO-3"), "fail")

    def test_no_register_in_flight_fails(self) -> None:
        self.assertEqual(status(self._world(46.5), "FO-3"), "fail")


class FallbackAnswerAtGiveUpThenRenewedTests(SynchronousTestCase):
    """
    FBK-S3 (round 6, survey 7002 [01], 7 worlds): successive mode, 100 ms
    latency, every lookup of server 1's domain empty, fallback.timeout equal
    to the retry interval (30 s).  The fallback server's 200 came near the
    phone's give-up time (maybe late), and 30 s later came a lookup of server
    1: an RTX-5 retry or the first probe, the same instant.  The phone had
    renewed that registration at the fallback server in REG-2's last half
    meanwhile: it had taken the 200, and the lookup is the probe, on time.
    With fallback.timeout 120 the same lookup is a probe off the schedule.
    """

    def _world(self, fallback_timeout: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, port1=5061,
                                        retry_counts=0, duration=50.0, expires=30,
                                        fallback_timeout=fallback_timeout,
                                        latency_tolerance=0.09,
                                        servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                                 ServerInfo("fallback", FALLBACK, _PORTS))))
        tb.dns(0.02, DOMAIN, "A")
        fb = tb.register("fallback", 0.05, transport="tls", port=5061)
        tb.respond(fb, 200, 0.552)
        again = tb.register("fallback", 15.6, transport="tls", port=5061, cseq=2)
        tb.respond(again, 200, 15.61)
        tb.dns(30.56, DOMAIN, "A")
        return tb

    def test_renewed_then_probe_on_time_passes(self) -> None:
        self.assertNotEqual(status(self._world(30), "FBK-S3"), "fail")

    def test_probe_off_the_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(120), "FBK-S3"), "fail")


def _tls_segment(tb: TraceBuilder, at: float, to: str, fate: str) -> None:
    """A data segment of the phone's TLS connection (port 5060 as the builder's) to C{to}."""
    tb._add(PacketEvent(at, "tcp", (tb.phone, 5060), (tb.addr(to), 5061), b"", fate=fate))


class ProbeHeldBehindTheLostTlsFinishedTests(SynchronousTestCase):
    """
    FBK-S3 (round 7, survey 7003, 6 worlds): successive mode, TLS, 20 % loss,
    retry_counts 1 (give-up 1.5 s).  A probe's connection came up late: the
    phone's TLS Finished was lost (31.45 s), and the REGISTER it wrote at once
    after it was held behind it; TCP sent both again 0.2 s later, the Finished
    delivered and the REGISTER's first copy lost in that flight, then delivered
    after the phone's give-up time.  The REGISTER left the phone with the lost
    Finished, before the give-up: it was that probe's, and its 200 came too late
    (RTX-1); the next probe 30 s after the give-up is on time.  The wire's TLS
    records carry no payload, so a REGISTER first lost in a later, separate
    write after the give-up (31.52 s) is a new probe right after the last one
    failed, off the schedule.
    """

    def _world(self, held: bool) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=2, port1=5061, retry_counts=1,
                         fallback_timeout=30, duration=70.0)
        tb.refused(0.0, "primary", port=5061)
        fb = tb.register("fallback", 0.02, transport="tls", port=5061)
        tb.respond(fb, 200, 0.03)
        tb.syn_lost(30.02, "primary", port=5061, fate="delivered", phone_port=5060)
        tb.conn(30.03, "primary", "accept", transport="tcp", phone_port=5060)
        _tls_segment(tb, 30.035, "primary", "delivered")  # ClientHello
        _tls_segment(tb, 31.45, "primary", "lost")  # Finished
        _tls_segment(tb, 31.65, "primary", "delivered")  # Finished again
        tb.conn(31.655, "primary", "tls-ok", phone_port=5060, detail="server side")
        # the REGISTER's first copy: in that flight, or written later
        lost_at = 31.65 if held else 31.75
        _tls_segment(tb, lost_at, "primary", "lost")
        _tls_segment(tb, lost_at + 0.2, "primary", "delivered")
        probe = tb.register("primary", lost_at + 0.2, cseq=2, transport="tls", port=5061)
        tb.respond(probe, 200, lost_at + 0.205)
        again = tb.register("primary", 61.55, cseq=3, transport="tls", port=5061)
        tb.respond(again, 200, 61.56)
        return tb

    def test_register_held_behind_the_finished_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "pass")

    def test_register_written_after_the_give_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class PrimaryReadAfterTheSecondaryWasTriedTests(SynchronousTestCase):
    """
    FBK-S1 (round 7, survey 7003, 6 worlds): successive mode, TLS, 100 ms
    latency, retry_counts 0 (give-up 0.5 s).  The phone opened its connection
    to the primary at 1.633 s; the primary read the REGISTER and answered 200
    at 2.155 s, after the phone had given it up (2.133 s) and opened its
    connection to the secondary, which never came up (given up at 2.633 s);
    then it registered at the fallback server.  The wire knows a TLS request
    only as the server read it, so the secondary's attempt began before the
    primary's REGISTER "was sent": it is still the try after it, and server 1
    had failed (RTX-1: the 200 came too late).  A fallback REGISTER with no
    try of the secondary still fails.
    """

    def _world(self, secondary: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, port1=5061,
                                        retry_counts=0, duration=60.0, expires=3600,
                                        latency_tolerance=0.11))
        tb.dns(0.1, f"_sips._tcp.{DOMAIN}", "SRV",
               [f"0 1 5061 primary.{DOMAIN}", f"1 1 5061 secondary.{DOMAIN}"])
        tb.dns(0.3, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.5, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.syn_lost(1.633, "primary", port=5061, fate="delivered", phone_port=5060)
        tb.conn(1.74, "primary", "accept", transport="tcp", phone_port=5060)
        reg = tb.register("primary", 2.155, transport="tls", port=5061)
        tb.respond(reg, 200, 2.155)
        if secondary:
            # (its connection came up, TLS too late, and carried nothing)
            tb.syn_lost(2.133, "secondary", port=5061, fate="delivered")
            tb.conn(2.24, "secondary", "accept", transport="tcp", phone_port=40002)
            tb.conn(2.875, "secondary", "tls-ok", phone_port=40002, detail="server side")
            # (the server closing it, idle, later: the wire's end of that connection)
            tb.conn(50.0, "secondary", "close", transport="tcp", phone_port=40002,
                    detail="local")
            tb._add(PacketEvent(50.0, "tcp", (SECONDARY, 5061), (tb.phone, 40002), b"",
                                fate="delivered", flags="F"))
        fb = tb.register("fallback", 2.75, call_id="reg-2", transport="tls", port=5061)
        tb.respond(fb, 200, 2.76)
        return tb

    def test_secondary_tried_after_the_give_up_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S1"), "pass")

    def test_fallback_without_trying_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class PrimaryFailingARequestBegunBeforeItsAnswerTests(SynchronousTestCase):
    """
    FB-OK (round 7, survey 7003 [04], 3 worlds): FB-1, UDP.  After a failover
    to the secondary and the DNSTTL stay, the registration's REGISTER went to
    the primary (40 s), silenced there; a call's INVITE placed meanwhile was
    answered by the primary (40.5 s); then the REGISTER was given up (RTX-1)
    and failed over to the secondary, where the renewal went too.  The primary
    failed a request after answering one: a new failover, not leaving a
    primary that worked.  The same REGISTER answered by the primary, the
    renewal to the secondary still fails.
    """

    def _world(self, silent: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=1, retry_counts=1, expires=60,
                                        calls=(40.5,), duration=70.0, server2=""))
        tb.dns(0.005, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=30)
        g = tb.give_up("REGISTER")
        tb.silent("REGISTER", "primary", 0.01)
        first = tb.register("secondary", 0.01 + g, cseq=2)
        tb.respond(first, 200, 0.02 + g)
        tb.dns(39.995, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=30)
        if silent:
            tb.silent("REGISTER", "primary", 40.0, cseq=3)
            again = tb.register("secondary", 40.0 + g, cseq=4)
            tb.respond(again, 200, 40.01 + g)
        else:
            again = tb.register("primary", 40.0, cseq=3)
            tb.respond(again, 200, 40.01)
        tb.call("primary", 40.5, call_id="call-a", bye_at=50.5)
        renewal = tb.register("secondary", 65.0, cseq=5)
        tb.respond(renewal, 200, 65.01)
        return tb

    def test_primary_failing_the_register_after_the_invite_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FB-OK"), "pass")

    def test_renewal_leaving_an_answering_primary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-OK"), "fail")


class InvitesRingingHeldBehindLostSegmentsTests(SynchronousTestCase):
    """
    FB-3 (round 7, survey 7003 [05], 3 worlds): duration mode, TCP, 100 ms
    latency, retry_counts 0 (give-up 0.5 s).  Within failback_timeout after a
    failover to the secondary, a call's INVITE went there on a new connection
    (SYN at 316.4 s); the secondary read it at 316.7 s and sent 180 and 200,
    but TCP lost the 180's segment twice and the 200 waited behind it: both
    reached the phone after 317.3 s, past its give-up time (316.9 s).  The
    INVITE was never in Proceeding (RFC 3261 17.1.1.2): the phone gave the
    secondary up and moved on to the primary (RTX-1) -- the same request's
    next target, not a new request leaving the current server.  With the 180
    delivered at once the INVITE waited at the secondary, and the try of the
    primary still fails.
    """

    def _world(self, ringing_lost: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, failback_mode=3,
                                        failback_timeout=600, retry_counts=0,
                                        calls=(316.0,), duration=330.0,
                                        latency_tolerance=0.11))
        tb.dns(0.1, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=5)
        g = tb.give_up("REGISTER")
        tb.silent("REGISTER", "primary", 0.2, transport="tcp")
        reg = tb.register("secondary", 0.2 + g, cseq=2, transport="tcp")
        # (over a connection of its own, not the INVITE's)
        e = tb._events[-1]
        tb._events[-1] = replace(e, remote=(tb.phone, 40005))  # type: ignore[arg-type]
        tb.respond(reg, 200, 0.3 + g)
        tb.dns(316.1, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=5)
        tb.syn_lost(316.4, "secondary", fate="delivered", phone_port=5060)
        tb.conn(316.5, "secondary", "accept", transport="tcp", port=5060, phone_port=5060)
        inv = tb.invite("secondary", 316.7, call_id="call-a", transport="tcp")
        tb.respond(inv, 180, 316.7)
        ringing = tb._events[-1]
        assert isinstance(ringing, SipEvent)
        seg = ((SECONDARY, 5060), (tb.phone, 5060))
        for at in ((316.7, 316.9) if ringing_lost else ()):
            tb._add(PacketEvent(at, "tcp", *seg, ringing.raw, fate="lost"))
        tb._add(PacketEvent(317.3 if ringing_lost else 316.7, "tcp", *seg, ringing.raw,
                            fate="delivered"))
        tb.respond(inv, 200, 316.7)
        ok = tb._events[-1]
        assert isinstance(ok, SipEvent)
        tb._add(PacketEvent(317.3 if ringing_lost else 316.7, "tcp", *seg, ok.raw,
                            fate="delivered"))
        tb.refused(316.9, "primary", after=3.2)
        inv2 = tb.invite("fallback", 317.7, call_id="call-a", cseq=2, transport="tcp")
        tb.respond(inv2, 200, 317.7)
        tb.in_dialog(inv2, "ACK", 317.9)
        return tb

    def test_ringing_after_the_give_up_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FB-3"), "fail")

    def test_primary_tried_while_the_invite_rang_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-3"), "fail")


class FallbackAnswerDiscardedByItsIdleCloseTests(SynchronousTestCase):
    """
    FBK-C2 (round 7, survey 7003 [08], 2 worlds): concurrent mode, TLS, 100 ms
    latency.  A call's INVITE found the working server silent and went to the
    fallback server at once over the connection the registration had opened
    there; the fallback server had just closed it, idle (its TLS close_notify
    on the way), read the INVITE and answered 180 and 200 into the closing
    connection: no segment carried them, and its FIN followed.  The phone
    never got an answer: the server, not the phone, is why the call did not
    complete.  The same 200 carried to the phone with no ACK after it still
    fails.
    """

    def _world(self, carried: bool) -> TraceBuilder:
        tb = _ip_literal(transport=2, retry_counts=2, calls=(0.0,), duration=300.0)
        seg = ((FALLBACK, 5061), (tb.phone, 5060))
        for to in ("primary", "fallback"):
            reg = tb.register(to, 0.4, transport="tls", port=5061, call_id=f"reg-{to}")
            tb.respond(reg, 200, 0.41)
            if to == "fallback":
                tb._add(PacketEvent(0.41, "tcp", *seg, b"", fate="delivered"))
        tb.silent("INVITE", "primary", 0.4, transport="tls", port=5061, call_id="call-a")
        at = 0.4 + tb.give_up("INVITE")
        tb._add(PacketEvent(at - 0.1, "tcp", *seg, b"", fate="delivered"))  # close_notify
        inv = tb.invite("fallback", at + 0.1, call_id="call-a", cseq=2, transport="tls",
                        port=5061)
        tb.respond(inv, 180, at + 0.1)
        tb.respond(inv, 200, at + 0.1)
        if carried:
            tb._add(PacketEvent(at + 0.1, "tcp", *seg, b"", fate="delivered"))
        tb._add(PacketEvent(at + 0.102, "tcp", *seg, b"", fate="delivered", flags="F"))
        return tb

    def test_answer_discarded_by_the_close_passes(self) -> None:
        self.assertNotEqual(status(self._world(False), "FBK-C2"), "fail")

    def test_answer_carried_without_ack_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C2"), "fail")


class InviteReadByTheStoppingServerAfterTheFallbackTests(SynchronousTestCase):
    """
    FO-6 (round 7, survey 7003 [09]): concurrent mode, TLS, no latency.  The
    working server stopped as a call's INVITE was written to it: its
    close_notify reached the phone, which gave the INVITE up (RTX-2) and sent
    it to the fallback server at once, answered 200 there.  The stopping
    server read the INVITE from its closing connection only 0.8 ms later.  The
    wire knows a TLS request only as the server read it, so the fallback's
    INVITE (same Call-ID) comes first on the wire, within the tolerance: it
    is still the fallback taking over at once.  An INVITE to the fallback
    server sent well before the working server could have failed still fails.
    """

    def _world(self, fallback_at: float) -> TraceBuilder:
        tb = _ip_literal(transport=2, retry_counts=1, calls=(1.0,), duration=60.0,
                         latency_tolerance=0.0)
        for to in ("primary", "fallback"):
            reg = tb.register(to, 0.002, transport="tls", port=5061, call_id=f"reg-{to}")
            tb.respond(reg, 200, 0.003)
        inv = tb.invite("fallback", fallback_at, call_id="call-a", cseq=2, transport="tls",
                        port=5061)
        tb.respond(inv, 200, fallback_at)
        tb.in_dialog(inv, "ACK", fallback_at + 0.0005)
        tb.invite("primary", 1.0011, call_id="call-a", transport="tls", port=5061)
        tb._add(PacketEvent(1.00113, "tcp", (PRIMARY, 5061), (tb.phone, 5060), b"",
                            fate="delivered", flags="F"))
        tb.conn(1.00113, "primary", "close", transport="tcp", detail="peer", phone_port=5060)
        return tb

    def test_fallback_seen_first_within_the_tolerance_passes(self) -> None:
        self.assertEqual(status(self._world(1.0003), "FO-6"), "pass")

    def test_fallback_well_before_fails(self) -> None:
        self.assertEqual(status(self._world(0.8), "FO-6"), "fail")


class PrimarysRetransmitted503LostTests(SynchronousTestCase):
    """
    FB-0 (round 7, survey 7003 [12]; RTX-3 in [11], the same world): FB-0,
    register_on_enable 1, UDP, 20 % loss.  After a failover, a call's INVITE
    tried the primary first and got a 503 at once; the phone ACKed it (the
    ACK lost), registered at the secondary (FO-5) and sent the INVITE there.
    The primary retransmitted its 503 0.5 s later, that copy lost, then again
    (delivered).  The lost datagram is the retransmission's, not the first
    503's: the REGISTER to the secondary followed the 503 as the INVITE's
    FO-5 REGISTER, no new request.  With the first 503 the one lost, the
    REGISTER left before any 503 could reach the phone, and still fails.
    """

    def _world(self, first_lost: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(register_on_enable=1, retry_counts=2, calls=(11.0,),
                                        duration=30.0, server2="", expires=3600))
        tb.dns(0.005, DOMAIN, "A", [PRIMARY, SECONDARY])
        g = tb.give_up("REGISTER")
        tb.silent("REGISTER", "primary", 0.01)
        reg = tb.register("secondary", 0.01 + g, cseq=2)
        tb.respond(reg, 200, 0.02 + g)
        inv = tb.invite("primary", 11.0, call_id="call-a")
        tb.respond(inv, 503, 11.001, lost=first_lost)
        tb.respond(inv, 503, 11.501, lost=not first_lost)
        tb.respond(inv, 503, 12.501)
        again = tb.register("secondary", 11.002, cseq=3)
        tb.respond(again, 200, 11.003)
        inv2 = tb.invite("secondary", 11.004, call_id="call-a", cseq=2, sends=(0.0, 0.5),
                         lost=(0,))
        tb.respond(inv2, 200, 11.505)
        tb.in_dialog(inv2, "ACK", 11.506)
        return tb

    def test_retransmission_lost_passes(self) -> None:
        self.assertNotEqual(status(self._world(False), "FB-0"), "fail")

    def test_register_before_any_503_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FB-0"), "fail")


class RetryAnsweredWhereItBeganIsNoFailoverTests(SynchronousTestCase):
    """
    FAILBACK invariant (round 7, survey 7003 [06], 2 worlds): FB-1 (TTL
    120 s).  After a failover to the secondary, a call's INVITE went there
    (the stay), failed, and failed at the primary too; the registration's
    RTX-5 retry began at the secondary, as the stay from that failover allowed
    (the checkers accept it), and was answered there.  That retry failed over
    from nothing: no new stay starts at its answer, and the next call after
    the first failover's TTL rightly tries the primary.  A call at the primary
    within the first failover's TTL still breaks the invariant.
    """

    def _problems(self, call_at: float) -> list[str]:
        from harness.testing.strategies import AccountSpec

        tb = TraceBuilder(default_facts(retry_counts=0, failback_mode=1, server2="",
                                        calls=(10.0, call_at), duration=200.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=120)
        g = tb.give_up("REGISTER")
        gi = tb.give_up("INVITE")
        tb.silent("REGISTER", "primary", 0.01)
        ok = tb.register("secondary", 0.01 + g, cseq=2)
        tb.respond(ok, 200, 0.015 + g)
        tb.silent("INVITE", "secondary", 10.0, call_id="call-a")
        tb.silent("INVITE", "primary", 10.0 + gi, call_id="call-a", cseq=2)
        retry = tb.register("secondary", 40.0 + 2 * gi, cseq=3)
        tb.respond(retry, 200, 40.005 + 2 * gi)
        tb.call("primary", call_at, call_id="call-b", bye_at=call_at + 5.0)
        return failback_problems(tb, AccountSpec(failback_mode=(1, 0)), tol=0.06)

    def test_call_after_the_first_failovers_ttl_passes(self) -> None:
        self.assertEqual(self._problems(140.0), [])

    def test_call_within_the_first_failovers_ttl_breaks(self) -> None:
        self.assertEqual(len(self._problems(100.0)), 1)


class RetryRidingTheCallsRefusedConnectionTests(SynchronousTestCase):
    """
    FBK-C3 (round 7, explore seed 183 of dns-ip-literal, left from round 6):
    concurrent mode, TCP, no latency, the working server stopped.  The
    registration failed at 0.011 s (refused) and was due again at 30.011 s; a
    call placed at 30 s opened a connection to the working server, refused at
    30.011 s, and the call went to the fallback server.  The retry falling
    due while that connection was still undecided rode it (as RTX-5 reads a
    pending connection, round 5) and failed with it: the next REGISTER there
    is due 30 s later, and came then.  A call's connection decided a second
    before the retry fell due was the call's alone: the retry is missing.
    """

    def _world(self, call_at: float) -> TraceBuilder:
        tb = _ip_literal(transport=1, calls=(call_at,), duration=70.0)
        tb.refused(0.0, "primary", after=0.011)
        fb = tb.register("fallback", 0.011, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.012)
        refused = tb.refused(call_at, "primary", after=0.0114)
        inv = tb.invite("fallback", refused, call_id="call-a", transport="tcp")
        tb.respond(inv, 200, refused + 0.005)
        tb.in_dialog(inv, "ACK", refused + 0.01)
        tb.refused(60.0114, "primary", after=0.011)
        return tb

    def test_retry_riding_the_calls_connection_passes(self) -> None:
        self.assertEqual(status(self._world(30.0), "FBK-C3"), "pass")

    def test_connection_decided_before_the_retry_fails(self) -> None:
        self.assertEqual(status(self._world(29.0), "FBK-C3"), "fail")


class ByesConnectionRefusedByTheStoppedSecondaryTests(SynchronousTestCase):
    """
    FO-3 (round 7, explore seed 193 of dns-ip-literal, left from round 6):
    TCP, the primary stopped, a call failed over to the secondary and was set
    up there; the secondary stopped during the call, closing its connection,
    and at the hang-up (5 s after the call came up) the BYE's new connection
    to it was refused before any SIP went over it (RTX-2).  The phone tore the
    call down through the secondary; the server being down is why no BYE
    reached it.  A refused connection there long after the hang-up was due
    is no BYE: the call was not torn down.
    """

    def _world(self, refused_at: float) -> TraceBuilder:
        uri = f"sip:echo@{DOMAIN}"
        tb = TraceBuilder(default_facts(transport=1, server2="", duration=60.0))
        tb.facts = replace(tb.facts, calls=(CallPlan(0.0, uri, 5.0),))
        tb.dns(0.005, DOMAIN, "A", [PRIMARY, SECONDARY])
        tb.refused(0.04, "primary", after=0.01)
        reg = tb.register("secondary", 0.06, transport="tcp")
        tb.respond(reg, 200, 0.065)
        tb.call("secondary", 0.06, call_id="call-a", transport="tcp")
        tb.fault(1.0, "secondary", "stop")
        tb.refused(refused_at, "secondary", after=0.01)
        return tb

    def test_byes_connection_refused_at_the_hang_up_passes(self) -> None:
        self.assertEqual(status(self._world(5.09), "FO-3"), "pass")

    def test_refused_connection_long_after_the_hang_up_fails(self) -> None:
        self.assertEqual(status(self._world(20.0), "FO-3"), "fail")


def _lost_dns_query(tb: TraceBuilder, at: float, name: str, qtype: str) -> None:
    """The phone's query for C{name} that the network lost on its way to the DNS server."""
    from twisted.names import dns

    m = dns.Message(id=40200, recDes=True)
    m.queries = [dns.Query(name, getattr(dns, qtype), dns.IN)]
    assert tb.facts.dns is not None
    tb._add(PacketEvent(at, "udp", (tb.phone, 40200), tb.facts.dns, m.toStr(), fate="lost"))


class RetrysLookupBegunWithALostQueryTests(SynchronousTestCase):
    """
    FBK-S3 (round 7, survey 7003 [02] at t7fbk's first commits): successive
    mode, TLS, 100 ms latency, retry_counts 0.  Server 1's lookup failed; the
    fallback server's 200 came at the phone's give-up time (maybe too late,
    RTX-1); a retry interval after that give-up the phone retried server 1
    from the top (RTX-5): its lookup's first query was lost, the resolver
    asked again a second later, the REGISTER went out 1.6 s after the due
    time.  The retry began with that lost query, on time: the 200 had put the
    phone on nothing, and no probe schedule (fallback.timeout 85 s) runs.
    With the lookup begun only a second after the due time, the phone was on
    the fallback server and that try of server 1 is a probe off the schedule.
    """

    def _world(self, lost_query: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, port1=5061,
                                        retry_counts=0, duration=100.0, fallback_timeout=85,
                                        latency_tolerance=0.11,
                                        servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                                 ServerInfo("fallback", FALLBACK, _PORTS))))
        tb.dns(0.02, DOMAIN, "A", rcode="SERVFAIL")
        fb = tb.register("fallback", 0.05, transport="tls", port=5061)
        tb.respond(fb, 200, 0.552)
        due = 0.05 + tb.give_up("REGISTER", "fallback") + 30.0
        if lost_query:
            _lost_dns_query(tb, due, DOMAIN, "A")
        tb.dns(due + 1.1, DOMAIN, "A", [PRIMARY])
        reg = tb.register("primary", due + 1.6, cseq=2, transport="tls", port=5061)
        tb.respond(reg, 200, due + 1.7)
        return tb

    def test_retry_from_its_lost_query_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S3"), "fail")

    def test_try_a_second_late_is_a_probe_off_the_schedule(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class FallbackRenewalLeftBeforeTheProbesAnswerTests(SynchronousTestCase):
    """
    FBK-S1 (round 7, survey 7003 [02] at t7fbk's first commits): successive
    mode, TLS, 100 ms latency, retry_counts 0.  On the fallback server, a
    probe's REGISTER got the primary's 200 at the phone's give-up time (maybe
    too late, RTX-1): the phone had moved on at once to the secondary (the
    same REGISTER, 0.2 s later, its address asked again), which answered.
    Meanwhile the fallback registration's renewal left the phone (its TLS
    segment 30.75 s; the server read it at 30.85 s): before the primary's
    200 was taken or the secondary's could reach it.  The wire
    knows a TLS request only as the server read it; it left the phone with
    its segment, while the phone was still on the fallback server.  A
    renewal to the fallback server sent once the secondary's 200 was in
    still fails.
    """

    def _world(self, sent: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, port1=5061,
                                        retry_counts=0, duration=80.0, fallback_timeout=30,
                                        latency_tolerance=0.11))
        tb.dns(0.02, DOMAIN, "A", rcode="SERVFAIL")
        fb = tb.register("fallback", 0.05, call_id="reg-2", transport="tls", port=5061)
        tb.respond(fb, 200, 0.06)
        tb.dns(30.0, DOMAIN, "A", [PRIMARY, SECONDARY])
        probe = tb.register("primary", 30.1, cseq=2, transport="tls", port=5061)
        tb.respond(probe, 200, 30.61)
        tb.dns(30.62, f"secondary.{DOMAIN}", "A", [SECONDARY])
        again = tb.register("secondary", 30.8, cseq=3, transport="tls", port=5061)
        tb.respond(again, 200, 30.9)
        tb._add(PacketEvent(sent, "tcp", (tb.phone, 5060), (FALLBACK, 5061), b"",
                            fate="delivered"))
        renewal = tb.register("fallback", sent + 0.1, call_id="reg-2", cseq=2,
                              transport="tls", port=5061)
        tb.respond(renewal, 200, sent + 0.1)
        return tb

    def test_renewal_before_the_answers_reached_the_phone_passes(self) -> None:
        self.assertEqual(status(self._world(30.75), "FBK-S1"), "pass")

    def test_renewal_after_the_secondarys_answer_fails(self) -> None:
        self.assertEqual(status(self._world(31.5), "FBK-S1"), "fail")


class FallbacksHandshakeLostThenACallsLookupFailedTests(SynchronousTestCase):
    """
    FBK-S2 (round 7, explore seed 239 of dns-ip-literal): successive mode,
    TLS, retry_counts 0, 20 % loss.  Server 1's lookup came back empty; the
    phone opened a connection to the fallback server at once, but its TLS
    handshake was lost until after the give-up (0.52 s): that attempt failed
    before any SIP (RTX-2), and the RTX-5 retry fell due at 30.52 s.  A
    call's lookup then failed (SERVFAIL, 1 s) and its INVITE went over that
    connection, which had come up meanwhile.  The phone was waiting out its
    retry after the fallback server failed: no REGISTER there was due at once
    (as after a REGISTER there that failed), and the retry came on time.
    Without any try of the fallback server the lookups' failures still fail.
    """

    def _world(self, tried: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, retry_counts=0,
                                        calls=(1.0,), duration=60.0))
        tb.dns(0.015, DOMAIN, "A")
        if tried:
            tb.syn_lost(0.02, "fallback", port=5061, fate="delivered", phone_port=5060)
            tb.conn(0.025, "fallback", "accept", transport="tcp", phone_port=5060)
            tb.conn(0.645, "fallback", "tls-ok", phone_port=5060, detail="server side")
        tb.dns(1.005, DOMAIN, "A", rcode="SERVFAIL")
        inv = tb.invite("fallback", 1.015, call_id="call-a", transport="tls", port=5061)
        tb.respond(inv, 200, 1.015)
        tb.in_dialog(inv, "ACK", 1.02)
        tb.dns(30.525, DOMAIN, "A", rcode="SERVFAIL")
        reg = tb.register("fallback", 30.535, call_id="reg-2", transport="tls", port=5061)
        tb.respond(reg, 200, 30.54)
        return tb

    def test_waiting_out_the_retry_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S2"), "pass")

    def test_never_trying_the_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class OneConnectionToTheFallbackForRegisterAndInviteTests(SynchronousTestCase):
    """
    FBK-S2 (round 7, explore seed 249 of dns-ip-literal): successive mode,
    TCP, the fallback server stopped.  The working server's connection was
    reset under the REGISTER and a call's INVITE together (a flap); the phone
    opened one connection to the fallback server at once, refused: the
    REGISTER's attempt there as much as the INVITE's (as FO-3 reads one
    connection serving both, round 2).  No connection to the fallback server
    at that time still fails.
    """

    def _world(self, connection: bool) -> TraceBuilder:
        tb = _ip_literal(transport=1, redundancy_type=1, calls=(1.0,), duration=30.0)
        _tcp_silent(tb, "REGISTER", 0.01)
        tb.invite("primary", 1.0, call_id="call-a", transport="tcp")
        tb._add(ConnEvent(1.005, PRIMARY, "close", "tcp", (PRIMARY, 5060), (tb.phone, 5060),
                          "local"))
        tb._add(PacketEvent(1.005, "tcp", (PRIMARY, 5060), (tb.phone, 5060), b"",
                            fate="delivered", flags="F"))
        if connection:
            tb.refused(1.005, "fallback", after=0.01)
        return tb

    def test_one_refused_connection_for_both_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S2"), "pass")

    def test_no_connection_to_the_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class FallbackRenewedJustBeforeTheProbeTests(SynchronousTestCase):
    """
    FBK-S3 (round 7, explore seed 251 of dns-ip-literal): successive mode,
    TCP, 100 ms latency, fallback.timeout equal to the retry interval (30 s).
    The fallback server's 200 came near the phone's give-up time (maybe too
    late, RTX-1); the phone renewed that registration in REG-2's last half
    0.5 s before trying server 1 again, a retry interval after the give-up:
    it had taken the 200 (as round 6 reads a renewal before that time), and
    that try is the probe, on time -- not the RTX-5 retry, whose own fallback
    REGISTER would come only after server 1 failed again.  With
    fallback.timeout 120 the same try is a probe off the schedule.
    """

    def _world(self, fallback_timeout: int) -> TraceBuilder:
        tb = _ip_literal(transport=1, redundancy_type=1, retry_counts=0, expires=59,
                         fallback_timeout=fallback_timeout, duration=60.0,
                         latency_tolerance=0.11)
        _tcp_silent(tb, "REGISTER", 0.2)
        tb.syn_lost(0.7, "fallback", fate="delivered", phone_port=5060)
        fb = tb.register("fallback", 1.0, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 1.1)
        again = tb.register("fallback", 30.7, call_id="reg-2", cseq=2, transport="tcp")
        tb.respond(again, 200, 30.8)
        _tcp_silent(tb, "REGISTER", 31.2, cseq=2)
        return tb

    def test_renewed_then_probe_on_time_passes(self) -> None:
        self.assertNotEqual(status(self._world(30), "FBK-S3"), "fail")

    def test_probe_off_the_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(120), "FBK-S3"), "fail")


class RenewalsOwnRefusedConnectionDuringACallTests(SynchronousTestCase):
    """
    FBK-S1 (round 7, explore seed 254 of dns-ip-literal): successive mode,
    TCP, server 1's only target the primary, which went down during a call
    (a flap).  The call's re-INVITE's connection was refused (59.5 s); the
    renewal fell due at 60.04 s, its own connection was refused and the
    REGISTER went to the fallback server at once; then the BYE's connection
    was refused too.  Nothing on the wire names the renewal's connection,
    but it is no call's (not its placement, re-INVITE or hang-up): server 1
    failed the renewal there, and the fallback REGISTER was right.  Without
    that refused connection the fallback REGISTER still fails.
    """

    def _world(self, renewal_refused: bool) -> TraceBuilder:
        uri = f"sip:echo@{DOMAIN}"
        tb = _ip_literal(transport=1, redundancy_type=1, expires=120, duration=70.0)
        tb.facts = replace(tb.facts, calls=(CallPlan(57.0, uri, 5.0, True),))
        reg = tb.register("primary", 0.03, transport="tcp")
        tb.respond(reg, 200, 0.035)
        tb.call("primary", 57.0, call_id="call-a", transport="tcp")
        tb.refused(59.52, "primary")
        if renewal_refused:
            tb.refused(60.04, "primary")
        fb = tb.register("fallback", 60.06, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 60.065)
        tb.refused(62.03, "primary")
        return tb

    def test_renewals_refused_connection_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S1"), "pass")

    def test_fallback_without_a_failure_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class CallsConnectionAsTheRegistrationGaveUpTests(SynchronousTestCase):
    """
    FO-2 (round 7, explore seed 244 of dns-ip-literal): TLS, the primary
    stopped, the secondary silent, no fallback server.  The registration's
    retry was refused at the primary (37.54 s) and went on to the secondary,
    silent there until 45.05 s; a call placed at 45 s opened a connection to
    the primary, refused, and its INVITE went to the secondary.  The wire
    took that connection for the registration's next try, given up at the
    secondary as it began; but the registration had come to the secondary
    from the primary, its round had tried every target and never goes back
    (RTX-2; RTX-5 retries later): the connection was the call's.  With no
    call, a connection to the primary then and nothing after it is the
    phone trying the primary again without failing over, and fails.
    """

    def _world(self, call: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, port1=0, server2="",
                                        calls=(45.0,) if call else (), duration=60.0,
                                        latency_tolerance=0.06))
        tb.dns(37.5, f"_sips._tcp.{DOMAIN}", "SRV",
               [f"0 1 5061 primary.{DOMAIN}", f"0 0 5061 secondary.{DOMAIN}"])
        tb.dns(37.51, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(37.52, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.refused(37.54, "primary", port=5061)
        tb.silent("REGISTER", "secondary", 37.555, transport="tls", port=5061)
        tb.refused(45.0, "primary", port=5061)
        if call:
            tb.silent("INVITE", "secondary", 45.015, call_id="call-a", transport="tls",
                      port=5061)
        return tb

    def test_calls_connection_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-2"), "fail")

    def test_primary_again_without_failing_over_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class RetryRoundBegunWhereTheLookupLeftItTests(SynchronousTestCase):
    """
    FAILBACK invariant (round 7, explore seed 243 of dns-ip-literal): FB-3
    (3600 s), UDP, 20 % loss.  A renewal's round failed at both targets (their
    200s lost); the RTX-5 retry 30 s later resolved again, the primary's
    address query lost (DNS-8: no target), so it began at the secondary and
    was answered there; the next renewal, the primary's address back, went
    to the primary.  The invariant read the retry as the failed round going
    on (one chain of the Call-ID) and so as a failover to the secondary,
    whose stay the renewal then broke.  Split into rounds, as the checkers
    read them, the retry failed over from nothing.  With the primary's
    address answered for the retry, starting it at the secondary is the
    misbehaviour since round 31 (RTX-5: the retry starts again from the top),
    and the renewal at the primary after it breaks no stay.
    """

    def _problems(self, primary_answered: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec

        tb = TraceBuilder(default_facts(expires=30, retry_counts=1, failback_mode=3,
                                        server2="", duration=400.0))
        srv = [f"0 2 5060 primary.{DOMAIN}", f"0 1 5060 ghost.{DOMAIN}",
               f"0 0 5060 secondary.{DOMAIN}"]
        g = tb.give_up("REGISTER")
        tb.dns(306.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(306.1, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(306.15, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 306.2, cseq=5)
        tb.silent("REGISTER", "secondary", 306.2 + g, cseq=6)
        tb.dns(339.205, f"_sip._udp.{DOMAIN}", "SRV", srv)
        if primary_answered:
            tb.dns(339.21, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(343.215, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN")
        tb.dns(343.225, f"secondary.{DOMAIN}", "A", [SECONDARY])
        retry = tb.register("secondary", 343.23, cseq=7)
        tb.respond(retry, 200, 343.235)
        tb.dns(358.245, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(358.255, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(358.265, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN")
        tb.dns(359.275, f"secondary.{DOMAIN}", "A", [SECONDARY])
        renewal = tb.register("primary", 359.28, cseq=8)
        tb.respond(renewal, 200, 359.285)
        return failback_problems(tb, AccountSpec(failback_mode=(3, 0)), tol=0.06)

    def test_retry_begun_at_the_only_address_passes(self) -> None:
        self.assertEqual(self._problems(False), [])

    def test_retry_at_the_secondary_with_the_primary_known_is_rtx5s(self) -> None:
        # Since round 31 (the phone's RTX-5 fix, Slot.exhausted): after the round at
        # 306 s failed at both targets the registration starts again from the top, so the
        # renewal at the primary breaks no stay; the retry begun at the secondary with the
        # primary's address known is what misbehaves, RTX-5's to fail ("retry did not
        # start again from the top": fixture r31-w7061-rtx5-retry-from-top-under-fb3-stay).
        self.assertEqual(self._problems(True), [])


class FallbackRetryJustAfterACallsInviteTests(SynchronousTestCase):
    """
    FBK-C1 (round 7, explore seed 183 of dns-ip-literal, next find):
    concurrent mode, TCP, no latency, the working server silent and the
    fallback server stopped.  The fallback registration was refused at once
    and its RTX-5 retry fell due 30 s later, 10 ms after a call's INVITE went
    out to the working server: its connection to the fallback server,
    refused, was the retry (the call's INVITE, still being tried at the
    working server, had opened nothing there; it failed over there only at
    its give-up time).  The wire took it for the planned call's.  Without
    that connection the phone stopped registering to the fallback server.
    """

    def _world(self, retried: bool) -> TraceBuilder:
        tb = _ip_literal(transport=1, calls=(30.0,), duration=70.0)
        g = tb.give_up("INVITE")
        _tcp_silent(tb, "REGISTER", 0.01)
        tb.refused(0.01, "fallback")
        _tcp_silent(tb, "INVITE", 30.0, call_id="call-a")
        if retried:
            tb.refused(30.01, "fallback")
        tb.refused(30.0 + g, "fallback")
        _tcp_silent(tb, "REGISTER", 37.5, cseq=2)
        tb.refused(60.02, "fallback")
        return tb

    def test_retry_just_after_the_calls_invite_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-C1"), "fail")

    def test_no_retry_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class FallbackRetryRidingTheCallsFailoverConnectionTests(SynchronousTestCase):
    """
    FBK-C1 (round 7, explore seed 183 of dns-ip-literal, third find):
    concurrent mode, TCP, no latency, both servers stopped.  The fallback
    registration was refused at once; 30 s later, as its RTX-5 retry fell
    due, a call's INVITE (refused at the working server) failed over to the
    fallback server: one connection there, refused, served both (as RTX-5
    reads a pending connection; FBK-C3 for the working server).  The next
    retry 30 s after it came.  A call's connection there decided a second
    before the retry fell due was the call's alone: the retry is missing.
    """

    def _world(self, call_at: float) -> TraceBuilder:
        tb = _ip_literal(transport=1, calls=(call_at,), duration=80.0)
        tb.refused(0.0, "primary")
        tb.refused(0.0, "fallback")
        tb.refused(call_at, "primary")
        tb.refused(call_at + 0.01, "fallback")
        tb.refused(30.01, "primary")
        tb.refused(60.02, "primary")
        tb.refused(60.02, "fallback")
        return tb

    def test_retry_riding_the_calls_connection_passes(self) -> None:
        self.assertNotEqual(status(self._world(30.0), "FBK-C1"), "fail")

    def test_connection_decided_before_the_retry_fails(self) -> None:
        self.assertEqual(status(self._world(29.0), "FBK-C1"), "fail")


class ProbeAtTheRetryTimeThenNoFallbackTests(SynchronousTestCase):
    """
    FBK-S3 (round 7, explore seed 251 of dns-ip-literal, next find):
    successive mode, TCP, 100 ms latency, fallback.timeout equal to the retry
    interval.  The fallback server's 200 came near the give-up time (maybe
    too late); a retry interval after the give-up the phone tried server 1,
    silent, and did not fall back after it: its next REGISTER to the fallback
    server was the renewal in REG-2's last half.  Had that try been RTX-5's
    retry (the 200 not taken), its failure would have sent the phone to the
    fallback server at once (FO-6): it was the probe, and the schedule runs
    from that 200.  With fallback.timeout 120 the same try is off the
    schedule.
    """

    def _world(self, fallback_timeout: int) -> TraceBuilder:
        tb = _ip_literal(transport=1, redundancy_type=1, retry_counts=0, expires=120,
                         fallback_timeout=fallback_timeout, duration=90.0,
                         latency_tolerance=0.11)
        _tcp_silent(tb, "REGISTER", 0.2)
        tb.syn_lost(0.7, "fallback", fate="delivered", phone_port=5060)
        fb = tb.register("fallback", 1.0, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 1.1)
        _tcp_silent(tb, "REGISTER", 31.2, cseq=2)
        again = tb.register("fallback", 61.2, call_id="reg-2", cseq=2, transport="tcp")
        tb.respond(again, 200, 61.3)
        _tcp_silent(tb, "REGISTER", 61.7, cseq=3)
        return tb

    def test_probe_without_a_fallback_after_it_passes(self) -> None:
        self.assertNotEqual(status(self._world(30), "FBK-S3"), "fail")

    def test_probe_off_the_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(120), "FBK-S3"), "fail")


class LookupsOfTwoRequestsAgainstADroppingDnsTests(SynchronousTestCase):
    """
    FBK-S3 (round 8, survey 7004 [02] of round 7): successive mode, TLS, the
    DNS host dropping every query from the start, fallback.timeout 10 s.  The
    registration's lookup of server 1 (tries at 0.008 and 1.0 s) failed at
    4.0 s; the phone fell back at once, and a planned call's lookup asked the
    same question at 4.005 and 5.0 s.  The resolver asks a question twice, 1 s
    apart, then gives it up: two lookups, not one 5 s long, so the phone was on
    the fallback server from 4.0 s and its probes ran every fallback.timeout
    from the previous probe's outcome; the fallback renewal in between does
    not restart that schedule.  A probe 4 s early still fails.
    """

    def _world(self, early: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, fallback_timeout=10,
                                        expires=60, calls=(0.0,), duration=80.0))
        a = DOMAIN
        tb.fault(0.0, "dns", "drop")
        tb.dns(0.008, a, "A", rcode="TIMEOUT")
        tb.dns(1.001, a, "A", rcode="TIMEOUT")
        tb.dns(4.005, a, "A", rcode="TIMEOUT")
        tb.dns(5.004, a, "A", rcode="TIMEOUT")
        fb = tb.register("fallback", 4.012, call_id="reg-2", transport="tls", port=5061)
        tb.respond(fb, 200, 4.021, headers=[("Expires", "60")])
        tb.call("fallback", 8.0, bye_at=13.0, transport="tls", port=5061)
        for at in (14.03, 28.03, 42.03 if not early else 38.03, 56.03, 70.03):
            tb.dns(at, a, "A", rcode="TIMEOUT")
            tb.dns(at + 1.0, a, "A", rcode="TIMEOUT")
        again = tb.register("fallback", 49.0, call_id="reg-2", cseq=2, transport="tls",
                            port=5061)
        tb.respond(again, 200, 49.01, headers=[("Expires", "60")])
        return tb

    def test_probes_on_the_schedule_from_the_first_fallback_pass(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "pass")

    def test_early_probe_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "fail")


class TwoCallsPlacedTogetherOneStillUpTests(SynchronousTestCase):
    """
    FO-3 (round 8, survey 7005 [03]): a 10 s and a 30 s call placed at the same
    instant, both INVITEs silent at the stopped primary and failed over to the
    secondary together.  The wire does not say which dialog is which plan: one
    BYE was due by the run's end, and one of the two calls hung up; the other,
    still up when the run ended 16 s after, owed none.  Neither hanging up
    still fails.
    """

    def _world(self, hang_up: bool) -> TraceBuilder:
        plans = (CallPlan(100.0, f"sip:echo@{DOMAIN}", 10.0),
                 CallPlan(100.0, f"sip:echo@{DOMAIN}", 30.0))
        tb = TraceBuilder(replace(default_facts(retry_counts=2, duration=120.0),
                                  calls=plans))
        at = 100.0 + tb.give_up("INVITE")
        for cid, bye_at in (("call-a", at + 10.05 if hang_up else None), ("call-b", None)):
            tb.silent("INVITE", "primary", 100.0, call_id=cid)
            tb.call("secondary", at, bye_at=bye_at, call_id=cid)
        return tb

    def test_one_hung_up_the_other_still_up_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-3"), "pass")

    def test_neither_hung_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-3"), "fail")


class RenewalLostWithTheClosingTlsConnectionTests(SynchronousTestCase):
    """
    FBK-S1 (round 8, explore seed 284 of dns-ip-literal): successive mode,
    TLS, no latency.  The primary stopped at the renewal's due time; the phone
    wrote the renewal onto its connection as the server closed it (a record
    the server never read), the connection failed (RTX-2) and the REGISTER
    went to the fallback server in the same instant: server 1 had failed.  The
    same close in the registration's first half, when no renewal was due,
    says nothing of a REGISTER, and the fallback REGISTER still fails.
    """

    def _world(self, at: float) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS),
                   ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(transport=2, server1=PRIMARY, port1=5061,
                                        redundancy_type=1, expires=120, duration=120.0,
                                        servers=servers))
        reg = tb.register("primary", 0.0, transport="tls", port=5061)
        tb.respond(reg, 200, 0.0, headers=[("Expires", "120")])
        peer = (tb.phone, 40001)
        tb._add(PacketEvent(at, "tcp", peer, (PRIMARY, 5061), b"", fate="delivered"))
        tb._add(ConnEvent(at, PRIMARY, "close", "tcp", (PRIMARY, 5061), peer, "peer"))
        fb = tb.register("fallback", at, call_id="reg-2", transport="tls", port=5061)
        tb.respond(fb, 200, at)
        return tb

    def test_renewal_lost_at_the_close_passes(self) -> None:
        self.assertEqual(status(self._world(60.0), "FBK-S1"), "pass")

    def test_close_with_no_renewal_due_fails(self) -> None:
        self.assertEqual(status(self._world(30.0), "FBK-S1"), "fail")


class RegisterRetryBesideTheCallsConnectionsTests(SynchronousTestCase):
    """
    FBK-C3 (round 9, survey 7007 [01]): concurrent mode, TCP.  Server 1's
    targets answered 503 at 0 s, then refused connections.  The RTX-5 retry
    fell due just as a call was placed at 30 s: the call's INVITE and the
    retry each opened their own connections to the primary and the secondary,
    all refused, and the INVITE went to the fallback server in between.  The
    wire names all four connections the INVITE's (L{wire.attempts}: the
    request next to them), yet the call's first to each server are its own
    and the second ones the REGISTER going to the down working server: the
    next retry is due a retry interval after they failed (by 61.25 s), not
    after the call's connection to the primary failed.  A retry 1.5 s later
    than that still fails.
    """

    def _world(self, retry_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, calls=(30.0,), duration=120.0))
        ok = tb.register("fallback", 0.0, call_id="reg-2", transport="tcp")
        tb.respond(ok, 200)
        tb.respond(tb.register("primary", 0.0, transport="tcp"), 503, 0.01)
        tb.respond(tb.register("secondary", 0.02, cseq=2, transport="tcp"), 503, 0.03)
        tb.refused(30.0, "primary", after=0.5)
        tb.refused(30.03, "primary", after=0.5)
        tb.refused(30.5, "secondary", after=0.5)
        tb.refused(30.55, "secondary", after=0.7)
        tb.call("fallback", 31.26, bye_at=40.0, transport="tcp")
        again = tb.register("primary", retry_at, cseq=3, transport="tcp")
        tb.respond(again, 200)
        return tb

    def test_retry_after_the_registers_own_connections_passes(self) -> None:
        self.assertEqual(status(self._world(61.25), "FBK-C3"), "pass")

    def test_late_retry_fails(self) -> None:
        self.assertEqual(status(self._world(62.75), "FBK-C3"), "fail")


class CallsLookupFailingInviteBehindLostSynsTests(SynchronousTestCase):
    """
    FBK-S2 (round 9, survey 7007 [03]): successive mode, TCP, registered at
    the working server.  A call's lookup of server 1 failed at 100 s (DNS-11)
    and its INVITE went to the fallback server at once: its connection's SYN
    left at once, lost twice, the INVITE on the wire 0.6 s later.  That is the
    call going to the fallback server at once while the registration at the
    working server held (FO-6), owing no REGISTER fallback then.  An INVITE
    whose connection was begun only 0.6 s after the failed lookup is no such
    call, and the REGISTER fallback is still owed at once.
    """

    def _world(self, syn_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, calls=(100.0,),
                                        duration=120.0))
        a = f"{DOMAIN}"
        tb.dns(0.0, a, "A", [PRIMARY])
        reg = tb.register("primary", 0.01, transport="tcp")
        tb.respond(reg, 200)
        tb.dns(100.0, a, "A", rcode="SERVFAIL", answer_after=0.001)
        for at in (syn_at, syn_at + 0.2):
            tb._add(PacketEvent(at, "tcp", (tb.phone, 5060), (FALLBACK, 5060), b"",
                                fate="down", flags="S"))
        tb.call("fallback", 100.6, bye_at=110.6, transport="tcp")
        return tb

    def test_invite_begun_at_once_passes(self) -> None:
        self.assertEqual(status(self._world(100.002), "FBK-S2"), "pass")

    def test_invite_begun_late_fails(self) -> None:
        self.assertEqual(status(self._world(100.55), "FBK-S2"), "fail")


class RenewalJoinsTheHangUpsConnectionTests(SynchronousTestCase):
    """
    FBK-C1 (round 9, survey 7006 [08]): concurrent mode, TCP, 20 % loss.  A
    call through the primary hung up at 70 s; its BYE's connection's SYNs
    were lost until the primary, stopped meanwhile, refused it at 73.3 s.
    The registration's renewal fell due at 73 s (the last half of a 30 s
    registration from 58 s) while that connection was being opened: it
    waited for it and failed with it (RTX-2), as round 6 reads a renewal due
    at a hang-up for FBK-S1, and the retry came a retry interval later
    (103.3 s).  With the renewal's retry as late as 105 s it still fails.
    """

    def _world(self, retry_at: float) -> TraceBuilder:
        facts = default_facts(transport=1, server1=PRIMARY, expires=30, duration=120.0)
        tb = TraceBuilder(replace(facts, calls=(CallPlan(40.0, f"sip:echo@{DOMAIN}", 30.0),)))
        ok = tb.register("fallback", 0.0, call_id="reg-2", transport="tcp", expires=3600)
        tb.respond(ok, 200, headers=[("Expires", "3600")])
        reg = tb.register("primary", 58.0, cseq=3, transport="tcp")
        tb.respond(reg, 200, 58.0, headers=[("Expires", "30")])
        tb.call("primary", 40.0, transport="tcp")
        # the BYE's connection: SYNs lost from the hang-up, the last one refused
        for at, fate in ((70.03, "down"), (71.03, "down"), (73.3, "closed")):
            tb.syn_lost(at, "primary", fate=fate, phone_port=41999)
        tb._add(ConnEvent(73.33, tb.phone, "refused", "tcp", (tb.phone, 41999),
                          (PRIMARY, 5060), "RST"))
        again = tb.register("primary", retry_at, cseq=4, transport="tcp")
        tb.respond(again, 200, headers=[("Expires", "30")])
        return tb

    def test_renewal_failing_with_the_byes_connection_passes(self) -> None:
        self.assertEqual(status(self._world(103.34), "FBK-C1"), "pass")

    def test_late_retry_fails(self) -> None:
        self.assertEqual(status(self._world(105.0), "FBK-C1"), "fail")


class OnTheFallbackFromALookupSpanningACallsTests(SynchronousTestCase):
    """
    FBK-S3 (round 9, explore seed 347 of dns-ip-literal): successive mode,
    every DNS query dropped.  The registration's lookup (queries at 0 s and
    1 s) was given up at 4 s and the REGISTER went to the fallback server; a
    call's lookup began at once (queries at 4 s and 5 s).  The queries read as
    one failed lookup from 0 s to 5 s, so the registration at 4 s did not
    "follow" it and the probe schedule ran from the fallback's renewal at 64 s.
    The phone is on the fallback server from 4 s: the probe at 124 s is on
    time.  A probe at 130 s is still off the schedule.
    """

    def _world(self, probe_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, calls=(0.0,), duration=200.0))
        srv = f"_sip._udp.{DOMAIN}"
        for at in (0.005, 1.005, 4.005, 5.005, probe_at, probe_at + 1.0):
            tb.dns(at, srv, "SRV", rcode="TIMEOUT")
        fb = tb.register("fallback", 4.0, call_id="reg-2", expires=120)
        tb.respond(fb, 200, 4.005, headers=[("Expires", "120")])
        tb.call("fallback", 8.0, bye_at=13.0)
        again = tb.register("fallback", 64.01, call_id="reg-2", cseq=2, expires=120)
        tb.respond(again, 200, 64.015, headers=[("Expires", "120")])
        return tb

    def test_probe_from_the_first_fallback_registration_passes(self) -> None:
        self.assertEqual(status(self._world(124.015), "FBK-S3"), "pass")

    def test_probe_off_the_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(130.0), "FBK-S3"), "fail")


class ProbeLookupJustBeforeACallTests(SynchronousTestCase):
    """
    FBK-S3 (round 9, explore seed 339 of dns-ip-literal): successive mode,
    100 ms latency, server 1's name without an address; probes every 10 s.  A
    probe's query left the phone at 30.4 s and a call was placed at 30.59 s,
    its INVITE going to the fallback server as the empty answer came.  The
    DNS server heard the query only at 30.5 s, within the tolerance of the
    call, so the lookup read as the call's and the probe as missing.  The
    lookup began before the call was placed: it is the probe.  With the call
    placed before the query left, the lookup is the call's and the probe is
    still missing.
    """

    def _world(self, call_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=10, calls=(call_at,),
                                        duration=60.0, latency_tolerance=0.25))
        assert tb.facts.dns is not None
        host, port = tb.facts.dns
        for at in (0.1, 10.3, 20.4, 30.5, 40.7, 50.8):
            tb._add(PacketEvent(at - 0.1, "udp", (tb.phone, 40000), (host, port), b""))
            tb.dns(at, DOMAIN, "A")
        fb = tb.register("fallback", 0.2, call_id="reg-2")
        tb.respond(fb, 200, 0.3)
        tb.call("fallback", 30.7, bye_at=35.0)
        return tb

    def test_probe_begun_before_the_call_passes(self) -> None:
        self.assertEqual(status(self._world(30.59), "FBK-S3"), "pass")

    def test_calls_own_lookup_leaves_the_probe_missing(self) -> None:
        self.assertEqual(status(self._world(30.38), "FBK-S3"), "fail")


class FallbackRegisterOpeningAsTheRunEndedTests(SynchronousTestCase):
    """
    FBK-S2 (round 9, explore seed 349 of dns-ip-literal): successive mode,
    TLS, 20 % loss, the working server silent.  The phone gave it up at
    59.5 s and opened a connection to the fallback server at once; its SYN
    was lost and the run ended at 60 s.  That connection was the REGISTER to
    the fallback server going out (RTX-2).  With no connection begun, the
    fallback is still missing.
    """

    def _world(self, opened: bool) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS),
                   ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, server1=PRIMARY,
                                        port1=5061, retry_counts=16, duration=60.0,
                                        servers=servers))
        tb.silent("REGISTER", "primary", 0.0, transport="tls", port=5061)
        if opened:
            tb.syn_lost(0.0 + tb.give_up("REGISTER"), "fallback", port=5061, fate="down",
                        phone_port=41999)
        return tb

    def test_connection_opening_at_the_end_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S2"), "pass")

    def test_no_connection_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class FallbackRegisterLostOnOpenedTlsConnectionTests(SynchronousTestCase):
    """
    FBK-S2 (round 33, survey w7073 [8951]): successive mode, TLS, 5 % loss,
    the working server silent.  The phone gave it up at 59.52 s and opened a
    TLS connection to the fallback server at once; the handshake went
    through, and the phone's next record (the REGISTER: TLS, so the trace
    shows no payload) was lost, its retransmission too, and the run ended at
    60 s.  That REGISTER was going out (RTX-2) though the server never read
    it.  A connection over which the phone's last record got through and the
    server still read no SIP carried no REGISTER: the fallback is missing.
    """

    def _world(self, lost: bool) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS),
                   ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, server1=PRIMARY,
                                        port1=5061, retry_counts=16, duration=60.0,
                                        servers=servers))
        tb.silent("REGISTER", "primary", 0.0, transport="tls", port=5061)
        at = tb.give_up("REGISTER")
        ph, fb = (tb.phone, 41999), (FALLBACK, 5061)
        tb._add(PacketEvent(at, "tcp", ph, fb, b"", fate="delivered", flags="S"))
        tb._add(PacketEvent(at + 0.005, "tcp", fb, ph, b"", fate="delivered", flags="S"))
        tb._add(PacketEvent(at + 0.01, "tcp", ph, fb, b"", fate="delivered"))
        tb._add(PacketEvent(at + 0.015, "tcp", fb, ph, b"", fate="delivered"))
        for t in (at + 0.02, at + 0.22):
            tb._add(PacketEvent(t, "tcp", ph, fb, b"", fate="lost" if lost else "delivered"))
        return tb

    def test_register_record_lost_at_the_end_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S2"), "pass")

    def test_records_delivered_without_sip_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class ProbeConnectionRefusedJustAfterACallTests(SynchronousTestCase):
    """
    FBK-S3 (session 19, survey 7006): successive mode over TCP, on the
    fallback server, probes every 60 s.  A call was placed at 120 s and its
    INVITE left for the fallback server at once; the probe's connection to
    the stopped working server was refused 4 ms later.  Nothing followed it
    in RTX-1's time, so no request on the wire named it, and the call's
    moment claimed it as the call's connection there: the probe read as
    missing, the next one as off schedule.  A call whose INVITE is already
    in flight at another server is not trying this one (RTX-2): the
    connection is the probe.  Sent before the INVITE, it is still read as
    the call's, and the probe is missing.
    """

    def _world(self, invite_first: bool) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS),
                   ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, fallback_timeout=60,
                                        server1=PRIMARY, retry_counts=0, calls=(120.0,),
                                        duration=200.0, servers=servers))
        tb.silent("REGISTER", "primary", 0.0, transport="tcp")
        tb.respond(tb.register("fallback", tb.give_up("REGISTER"), call_id="reg-2",
                               transport="tcp"), 200)
        tb.silent("REGISTER", "primary", 60.6, transport="tcp", cseq=3)
        tb.call("fallback", 120.0 if invite_first else 120.01, transport="tcp")
        tb.refused(120.004, "primary")
        tb.silent("REGISTER", "primary", 180.6, transport="tcp", cseq=5)
        return tb

    def test_probe_after_the_calls_invite_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "pass")

    def test_connection_before_the_invite_is_the_calls(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class FallbackRingingResentAtTheGiveUpTests(SynchronousTestCase):
    """
    FBK-C2 (round 10, survey 7008 [03]): concurrent mode, TCP, 100 ms latency,
    retry_counts 0 (give-up 0.5 s from the connection's first SYN), the
    working server refused.  A call's INVITE went to the fallback server,
    which sent 180 and 200 at once; TCP lost the 180's segment and sent it
    again, the 200 behind it, 2 ms after the phone's give-up time.  The INVITE
    may never have been in Proceeding (RFC 3261 17.1.1.2): the phone gave the
    fallback server up and the call failed, which the server, not the phone,
    caused; as L{Ctx.maybe_late} reads a final answer sent so close to the
    give-up, either reading stands.  With the 180 delivered at once the INVITE
    waited at the fallback server, and a call left without its ACK still
    fails FBK-C2.
    """

    def _world(self, ringing_lost: bool) -> TraceBuilder:
        ports = (("udp", 5060), ("tcp", 5060), ("tls", 5061))
        tb = TraceBuilder(default_facts(
            transport=1, redundancy_type=0, retry_counts=0, server1=PRIMARY, calls=(100.0,),
            duration=130.0, latency_tolerance=0.11,
            servers=(ServerInfo("primary", PRIMARY, ports),
                     ServerInfo("fallback", FALLBACK, ports))))
        tb.respond(tb.register("primary", 0.2, transport="tcp"), 200)
        tb.respond(tb.register("fallback", 0.3, call_id="reg-2", transport="tcp"), 200)
        tb.refused(100.0, "primary", after=0.2)
        tb.syn_lost(100.2, "fallback", fate="delivered", phone_port=5062)
        tb.conn(100.3, "fallback", "accept", transport="tcp", port=5060, phone_port=5062)
        inv = tb.invite("fallback", 100.4, call_id="call-a", transport="tcp")
        e = tb._events[-1]
        tb._events[-1] = replace(e, remote=(tb.phone, 5062))  # type: ignore[arg-type]
        tb.respond(inv, 180, 100.5)
        ringing = tb._events[-1]
        assert isinstance(ringing, SipEvent)
        seg = ((FALLBACK, 5060), (tb.phone, 5060))
        if ringing_lost:
            tb._add(PacketEvent(100.5, "tcp", *seg, ringing.raw, fate="lost"))
        resent = 100.703 if ringing_lost else 100.5
        tb._add(PacketEvent(resent, "tcp", *seg, ringing.raw, fate="delivered"))
        tb.respond(inv, 200, 100.5)
        ok = tb._events[-1]
        assert isinstance(ok, SipEvent)
        tb._add(PacketEvent(resent, "tcp", *seg, ok.raw, fate="delivered"))
        return tb

    def test_ringing_resent_at_the_give_up_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-C2"), "fail")

    def test_ringing_in_time_without_an_ack_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C2"), "fail")


class LastRetryRidingTheCallsRefusedConnectionTests(SynchronousTestCase):
    """
    FBK-C3 (round 11, survey 7009 [02]): concurrent mode, TLS, the working
    server flapping down.  A call took the registration's news that server 1
    was down (refused) and its RTX-5 retry fell due 30 s later, 22 ms after
    a second call's connection to the working server began and 2 ms before it
    was refused; the call went to the fallback server.  The retry rode that
    pending connection (round 7's reading for a retry with a later one on the
    wire) and failed with it; the next one was due a retry interval after, past
    the end of the run, so the phone had not stopped sending REGISTER there.
    The checker read the riding only when a later REGISTER to the working server
    was on the wire.  A call's connection decided a second before the retry
    fell due was the call's alone, and a run lasting past the next retry time
    with no REGISTER there still fail.
    """

    def _world(self, call_at: float, duration: float = 60.0) -> TraceBuilder:
        tb = _ip_literal(transport=1, calls=(call_at,), duration=duration)
        tb.refused(0.0, "primary", after=0.011)
        fb = tb.register("fallback", 0.011, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.012)
        refused = tb.refused(call_at, "primary", after=0.0134)
        inv = tb.invite("fallback", refused, call_id="call-a", transport="tcp")
        tb.respond(inv, 200, refused + 0.005)
        tb.in_dialog(inv, "ACK", refused + 0.01)
        return tb

    def test_last_retry_riding_the_calls_connection_passes(self) -> None:
        self.assertEqual(status(self._world(30.0), "FBK-C3"), "pass")

    def test_connection_decided_before_the_retry_fails(self) -> None:
        self.assertEqual(status(self._world(29.0), "FBK-C3"), "fail")

    def test_no_register_after_the_ride_fails(self) -> None:
        self.assertEqual(status(self._world(30.0, duration=75.0), "FBK-C3"), "fail")


class RenewalAnsweredJustAfterTheInviteGaveUpTests(SynchronousTestCase):
    """
    FBK-C3 (round 11, explore seed 413 of dns-ip-literal): concurrent mode,
    UDP, C{retry_counts} 1, the working server silent to INVITEs only.  A
    call's INVITE gave it up at 46.5 s and went to the fallback server; the
    registration renewal sent at 46.01 s had its 200 lost, and the resend was
    answered 200 at 46.515 s, just after the give-up: the working server
    answered, the phone was registered there again (the next REGISTER is the
    renewal that 2xx set, 46 s on).  The checker took only a REGISTER still
    being tried at the give-up, or answered then with no later one there, as
    the server answering; with the later renewal on the wire it asked for a
    retry by 76.5 s.  A renewal answered before the give-up, nothing there
    until that renewal, still fails, and so does a new call sent to the
    fallback server after the working server answered.
    """

    def _world(self, answered_after: bool, second_call_to: str | None = None) -> TraceBuilder:
        calls = (45.0,) if second_call_to is None else (45.0, 70.0)
        tb = _ip_literal(retry_counts=1, expires=92, calls=calls, duration=120.0)
        tb.respond(tb.register("primary", 0.0, cseq=1), 200, 0.005)
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2"), 200, 0.005)
        tb.silent("INVITE", "primary", 45.0, call_id="call-a")
        gave_up = 45.0 + tb.give_up("INVITE")
        if answered_after:
            ren = tb.register("primary", gave_up - 0.49, cseq=2, sends=(0.0, 0.5))
            tb.respond(ren, 200, gave_up - 0.485, lost=True)
            tb.respond(ren, 200, gave_up + 0.015)
        else:
            ren = tb.register("primary", gave_up - 0.6, cseq=2)
            tb.respond(ren, 200, gave_up - 0.595)
        inv = tb.invite("fallback", gave_up, call_id="call-a", cseq=1)
        tb.respond(inv, 200, gave_up + 0.005)
        tb.in_dialog(inv, "ACK", gave_up + 0.01)
        if second_call_to is not None:
            inv2 = tb.invite(second_call_to, 70.0, call_id="call-b")
            tb.respond(inv2, 200, 70.005)
            tb.in_dialog(inv2, "ACK", 70.01)
        tb.respond(tb.register("primary", 92.52, cseq=3), 200, 92.525)
        return tb

    def test_renewal_answered_just_after_the_give_up_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_renewal_answered_before_the_give_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")

    def test_next_call_to_the_fallback_after_the_answer_fails(self) -> None:
        self.assertEqual(status(self._world(True, "fallback"), "FBK-C3"), "fail")

    def test_next_call_to_the_working_server_passes(self) -> None:
        self.assertEqual(status(self._world(True, "primary"), "FBK-C3"), "pass")


def _a_query(tb: TraceBuilder, at: float, *, lost: bool = False) -> None:
    """
    The phone's A query for the domain at C{at}: lost by the network, or
    answered (the primary) 1 ms later, with the packets a run records.
    """
    from twisted.names import dns

    assert tb.facts.dns is not None
    m = dns.Message(id=7, recDes=True)
    m.queries = [dns.Query(DOMAIN.encode(), dns.A)]
    tb._add(PacketEvent(at, "udp", (tb.phone, 40000), tb.facts.dns, m.toStr(),
                        fate="lost" if lost else "delivered"))
    if not lost:
        tb.dns(at, DOMAIN, "A", [PRIMARY], ttl=30)
        tb._add(PacketEvent(at + 0.001, "udp", tb.facts.dns, (tb.phone, 40000), b"\x00" * 60,
                            fate="delivered"))


class RetryWhoseLookupLostItsFirstQueryTests(SynchronousTestCase):
    """
    FBK-C1 (round 12, survey 7010 [02]; TLS, 20 % loss, C{retry_counts} 0,
    expires 30): concurrent mode, server 1 a domain whose A record lives 30 s.
    A renewal's 200 at the working server reached the wire so close to the
    phone's give-up time that it may have come too late (L{Ctx.maybe_late});
    the phone had given the renewal up and retried a retry interval later
    (RTX-5), its lookup of the domain first (DNS-10: the resolution had
    expired).  That lookup's first query was lost and asked again a second
    later, so the REGISTER reached the wire a second after the retry was due:
    the retry began with its lookup, and the phone had not taken the 200
    (C{wire.answer_not_taken}), so it owed no refresh of that registration
    before it expired.  The same late REGISTER after a lookup begun only a
    second after the retry was due still fails.
    """

    def _world(self, first_query_lost: bool) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS), ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(servers=servers, transport=1, retry_counts=0, expires=30,
                                        duration=70.0, latency_tolerance=0.11))
        _a_query(tb, 0.0)
        tb.respond(tb.register("primary", 0.01, transport="tcp"), 200, 0.02)
        fb = tb.register("fallback", 0.0, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.01, headers=[("Expires", "3600")])
        _a_query(tb, 15.0)
        renewal = tb.register("primary", 15.01, cseq=2, transport="tcp")
        tb.respond(renewal, 200, 15.61)  # (the give-up at 15.51)
        if first_query_lost:
            _a_query(tb, 45.51, lost=True)
        _a_query(tb, 46.51)
        tb.respond(tb.register("primary", 46.52, cseq=3, transport="tcp"), 200, 46.53)
        return tb

    def test_retry_begun_with_its_lookup_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_retry_a_second_late_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


def _srv_query(tb: TraceBuilder, at: float, name: str, *, records: tuple[str, ...] = (),
               lost: str = "") -> None:
    """
    The phone's SRV query for C{name} at C{at}: C{lost} C{"query"} (the network
    lost it on the way), C{"answer"} (the server's answer lost on the way back)
    or C{""} (answered 1 ms later with C{records}, NXDOMAIN if none).
    """
    from twisted.names import dns

    assert tb.facts.dns is not None
    m = dns.Message(id=7, recDes=True)
    m.queries = [dns.Query(name.encode(), dns.SRV)]
    if lost == "query":
        tb._add(PacketEvent(at, "udp", (tb.phone, 40000), tb.facts.dns, m.toStr(), fate="lost"))
        return
    tb.dns(at, name, "SRV", records, rcode="NOERROR" if records else "NXDOMAIN")
    if lost == "answer":
        tb._add(PacketEvent(at + 0.001, "udp", tb.facts.dns, (tb.phone, 40000), m.toStr(),
                            fate="lost"))


class RenewalLookupAmongACallsLookupTests(SynchronousTestCase):
    """
    FBK-S1 (round 12, explore seed 402 of dns-ip-literal; TLS, 20 % loss):
    successive mode, the working server answering INVITEs 503.  A call's
    lookup of server 1 had its _sips SRV question lost just before the
    renewal's lookup began; the resolver asked it again among the renewal's
    queries and the call went on with its answer (the primary's address), its
    INVITE 503 there and on to the fallback server.  The renewal's own SRV
    questions were lost, asked again, and the last answer lost: the lookup
    timed out (DNS-11), server 1 failed for the REGISTER, and the phone
    registered at the fallback server (FBK-S2).  The checker read the call's
    answers as the renewal lookup's (cut at its first query), so the lookup
    had an address and the working server still worked.  The same fallback
    REGISTER after a renewal lookup that got its own address still fails.
    """

    def _world(self, renewal_lookup_fails: bool) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS), ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(servers=servers, redundancy_type=1, transport=3,
                                        naptr_build=1, retry_counts=3, expires=30,
                                        calls=(68.0,), duration=120.0))
        sips = f"_sips._tcp.{DOMAIN}"
        target = (f"0 0 5061 primary.{DOMAIN}",)

        def lookup_ok(at: float) -> None:
            _srv_query(tb, at, f"_sip._udp.{DOMAIN}")
            _srv_query(tb, at + 0.01, sips, records=target)
            tb.dns(at + 0.02, f"primary.{DOMAIN}", "A", [PRIMARY])

        lookup_ok(55.0)
        tb.respond(tb.register("primary", 55.03, cseq=4, transport="tls", port=5061), 200, 55.04)
        # the call's lookup, its _sips question lost just before the renewal's began
        _srv_query(tb, 68.0, f"_sip._udp.{DOMAIN}")
        _srv_query(tb, 68.01, sips, lost="query")
        # the renewal's lookup, its own _sips question lost too
        _srv_query(tb, 68.5, f"_sip._udp.{DOMAIN}")
        _srv_query(tb, 68.51, sips, lost="query")
        # the call's question asked again, its answers
        _srv_query(tb, 69.01, sips, records=target)
        tb.dns(69.02, f"primary.{DOMAIN}", "A", [PRIMARY])
        inv = tb.invite("primary", 69.03, call_id="call-a", transport="tls", port=5061)
        tb.respond(inv, 503, 69.035)
        inv2 = tb.invite("fallback", 69.04, call_id="call-a", cseq=2)
        tb.respond(inv2, 200, 69.045)
        tb.in_dialog(inv2, "ACK", 69.05)
        # the renewal's question asked again: its answer lost (the lookup timed out), or
        # answered with the primary's address
        _srv_query(tb, 69.51, sips, lost="query")
        if renewal_lookup_fails:
            _srv_query(tb, 70.51, sips, lost="answer")
        else:
            _srv_query(tb, 70.51, sips, records=target)
            tb.dns(70.52, f"primary.{DOMAIN}", "A", [PRIMARY])
        fb = tb.register("fallback", 73.52, call_id="reg-2")
        tb.respond(fb, 200, 73.525)
        return tb

    def test_fallback_after_the_renewal_lookup_timed_out_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S1"), "pass")

    def test_fallback_after_the_renewal_lookup_got_an_address_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class RetryRidingACallAfterTheLookupAtStartTimedOutTests(SynchronousTestCase):
    """
    FBK-C3 (round 12, explore seed 403 of dns-ip-literal; TLS, 20 % loss):
    concurrent mode, the working server's targets refusing.  The lookup at
    start timed out (its A answers lost, DNS-11), so the registration's RTX-5
    retry fell due some 30 s after the resolver gave up; a call placed as it
    waited began its own lookup, its first query lost and asked again.  The
    checker read that root query as the registration lookup's retry (one
    lookup, which then got an address: no DNS failure), judged the working
    server down from the call's refused connections only, and asked for a
    retry by 30 s after them; the retry, due a second before, rode the next
    call's connection to the working server then (refused), so the REGISTER
    on the wire came a retry interval later.  With the next call placed well
    before the retry fell due, nothing of the retry is on the wire: still a
    failure.
    """

    def _world(self, second_call: float) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(transport=2, calls=(3.0, second_call), duration=80.0))
        assert tb.facts.dns is not None
        fb = tb.register("fallback", 0.0, call_id="reg-2", transport="tls", port=5061)
        tb.respond(fb, 200, 0.005)
        sips = f"_sips._tcp.{DOMAIN}"
        a_query = dns.Message(id=7, recDes=True)
        a_query.queries = [dns.Query(DOMAIN.encode(), dns.A)]
        tb.dns(0.005, sips, "SRV", rcode="NXDOMAIN")
        for at in (0.01, 1.01):  # (the answers lost: the lookup timed out at 4.01 s)
            tb.dns(at, DOMAIN, "A", [PRIMARY, SECONDARY])
            tb._add(PacketEvent(at + 0.001, "udp", tb.facts.dns, (tb.phone, 40000),
                                a_query.toStr(), fate="lost"))
        # the first call's lookup, its first query lost
        _srv_query(tb, 3.0, sips, lost="query")
        tb.dns(4.0, sips, "SRV", rcode="NXDOMAIN")
        tb.dns(4.01, DOMAIN, "A", [PRIMARY, SECONDARY])

        ports = iter(range(42000, 42100))

        def refused_twice(at: float, to: str) -> float:
            """The first SYN's RST lost, the second SYN a second later refused."""
            pp, dst = next(ports), tb.addr(to)
            for syn, fate in ((at, "lost"), (at + 1.0, "delivered")):
                tb.syn_lost(syn, to, fate="closed", phone_port=pp)
                tb._add(PacketEvent(syn + 0.005, "tcp", (dst, 5060), (tb.phone, pp), b"",
                                    fate=fate, flags="R"))
            tb._add(ConnEvent(at + 1.01, tb.phone, "refused", "tcp", (tb.phone, pp),
                              (dst, 5060), "RST"))
            return at + 1.01

        def call(at: float, call_id: str) -> None:
            left = refused_twice(at, "primary")
            left = tb.refused(left, "secondary", after=0.015)
            inv = tb.invite("fallback", left + 0.005, call_id=call_id, transport="tls",
                            port=5061)
            tb.respond(inv, 200, left + 0.01)
            tb.in_dialog(inv, "ACK", left + 0.015, transport="tls", port=5061)

        call(4.02, "call-a")
        call(second_call, "call-b")
        left = refused_twice(64.03, "primary")
        tb.refused(left, "secondary", after=0.015)
        return tb

    def test_retry_riding_the_calls_connection_passes(self) -> None:
        self.assertEqual(status(self._world(33.0), "FBK-C3"), "pass")

    def test_no_retry_when_due_fails(self) -> None:
        self.assertEqual(status(self._world(20.0), "FBK-C3"), "fail")


class FailoverJoinsFallbackConnectionStillOpeningTests(SynchronousTestCase):
    """
    FO-6, FBK-C2 (round 13, survey 7011 [04]/[05], 6 worlds): concurrent
    mode, TLS, 5 % loss, the fallback server stopped.  Its registration's
    retry (RTX-5) opened a connection there at 108.0 s: the SYN met the
    closed port and the RST was lost, so TCP kept sending SYNs.  A call's
    INVITE gave the primary up at 109.5 s while that connection was still
    being opened: it joined it (the phone opens no second connection to one
    server) and failed with it when the SYN at 111.0 s was refused.  The
    phone did take over at once; the fallback server, its port closed, is why
    no INVITE reached it.  A connection there that had already failed when
    the INVITE gave the primary up was no try: with nothing after it, both
    clauses still fail.
    """

    def _world(self, refused_at: float) -> TraceBuilder:
        tb = _ip_literal(transport=1, retry_counts=0, calls=(32.0,), duration=60.0)
        reg = tb.register("primary", 0.02, transport="tcp", call_id="reg-primary")
        tb.respond(reg, 200, 0.025)
        tb.refused(1.0, "fallback")
        tb.syn_lost(31.01, "fallback", fate="closed", phone_port=41500)
        tb._add(PacketEvent(31.0101, "tcp", (FALLBACK, 5060), (tb.phone, 41500), b"",
                            fate="lost", flags="R"))
        if refused_at > 32.01:
            tb.syn_lost(32.01, "fallback", fate="lost", phone_port=41500)
        tb.syn_lost(refused_at - 0.003, "fallback", fate="closed", phone_port=41500)
        tb._add(ConnEvent(refused_at, tb.phone, "refused", "tcp", (tb.phone, 41500),
                          (FALLBACK, 5060), "RST"))
        tb.silent("INVITE", "primary", 32.0, transport="tcp", call_id="call-a")
        return tb

    def test_invite_joining_the_opening_connection_passes(self) -> None:
        tb = self._world(34.013)
        self.assertEqual(status(tb, "FO-6"), "pass")
        self.assertNotEqual(status(tb, "FBK-C2"), "fail")

    def test_connection_failed_before_the_give_up_fails(self) -> None:
        tb = self._world(32.2)
        self.assertEqual(status(tb, "FO-6"), "fail")
        self.assertEqual(status(tb, "FBK-C2"), "fail")


# -- round 13 (t13b) ---------------------------------------------------------------------


class CallsFirstInviteHeardAfterItsFailoverTests(SynchronousTestCase):
    """
    FBK-C3 (survey 7011 [07], round 13, 3 worlds): concurrent mode, the
    working server failed, its RTX-5 retry answered 200: it was back.  A
    call's INVITE (CSeq 1) went to it over TLS as it flapped down: it closed
    the connection, the phone moved on to the fallback server (CSeq 2, FBK-C2)
    at once, and the primary heard CSeq 1 only 2 ms after.  FBK-C3 took the
    first INVITE to reach a server for the call's first and judged the call
    sent to the fallback server.  The call's first INVITE is its lowest CSeq.
    Without the INVITE to the primary, the call at the fallback server still
    fails.
    """

    def _world(self, tried_primary: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(retry_counts=0, calls=(61.0,), duration=120.0))
        fb = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(fb, 200, 0.005)
        tb.dns(0.006, DOMAIN, "A", [PRIMARY], ttl=300)
        tb.silent("REGISTER", "primary", 0.011)
        back = tb.register("primary", 30.511, cseq=2)
        tb.respond(back, 200, 30.516)
        if tried_primary:
            tb.invite("primary", 61.014, call_id="call-a", transport="tcp")
            tb.conn(61.02, "primary", "close", transport="tcp", port=5060, phone_port=5060)
        tb.call("fallback", 61.012, call_id="call-a", cseq=2 if tried_primary else 1)
        return tb

    def test_first_invite_to_the_working_server_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_call_at_the_fallback_server_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class RetryRoundOnACallsPendingConnectionTests(SynchronousTestCase):
    """
    FBK-C3 (explore seed 403 of dns-ip-literal, round 12's next find, t12b's
    s403b; TLS to plain TCP servers, 20 % loss): concurrent mode, the working
    server's targets resetting every connection.  A call at 33 s: its
    connection to the primary reset, its SYN to the secondary lost and sent
    again, pending.  The registration's RTX-5 retry at 34.01 s: its
    connection to the primary reset at 34.03 s, then it went on to the
    secondary over the call's pending connection (RTX-2), which reset at
    36.04 s; the next retry came a retry interval after that, at 66.04 s.
    FBK-C3 ended the retry's round with its primary connection and asked for
    the next REGISTER by 64.03 s.  A round that failed at 34.03 s (the call's
    connection long gone) and retried only at 66.04 s still fails.
    """

    def _world(self, pending_until: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, calls=(5.0, 33.0), duration=80.0))
        fb = tb.register("fallback", 0.0, call_id="reg-2", transport="tls", port=5061)
        tb.respond(fb, 200, 0.005)
        tb.dns(0.005, f"_sips._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.01, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        # the registration at start (its retry due at 34.01 s) and the first call: every
        # connection to server 1 reset
        left = tb.refused(4.0, "primary")
        left = tb.refused(left, "secondary", after=0.0)
        left = tb.refused(5.0, "primary")
        left = tb.refused(left, "secondary")
        inv = tb.invite("fallback", left + 0.005, call_id="call-a", transport="tls",
                        port=5061)
        tb.respond(inv, 200, left + 0.01)
        tb.in_dialog(inv, "ACK", left + 0.015, transport="tls", port=5061)
        # the second call's connections: the primary's reset, the secondary's pending
        tb.refused(33.0, "primary", after=0.015)
        tb.syn_lost(33.02, "secondary", fate="lost", phone_port=43000)
        tb._add(ConnEvent(pending_until, tb.phone, "refused", "tcp", (tb.phone, 43000),
                          (SECONDARY, 5060), "RST"))
        # the registration's retry at 34.01 s: the primary's connection reset
        tb.refused(34.01, "primary", after=0.015)
        # the next retry, a retry interval after 36.04 s
        left = tb.refused(66.04, "primary", after=0.615)
        tb.refused(left, "secondary", after=1.015)
        return tb

    def test_round_on_the_calls_connection_passes(self) -> None:
        self.assertEqual(status(self._world(36.035), "FBK-C3"), "pass")

    def test_round_failed_early_retried_late_fails(self) -> None:
        self.assertEqual(status(self._world(33.5), "FBK-C3"), "fail")


class CallSentJustBeforeAProbesLookupTests(SynchronousTestCase):
    """
    FBK-S3 (round 14, survey 7013 [01]): successive mode, no latency, server
    1's name without an address; on the fallback server, probes every 10 s.
    A call placed at 30 s sent its INVITE to the fallback server, and the
    probe due in the same instant then began its failed lookup.  The lookup
    read as the call's (its INVITE reached the fallback server once the
    lookup was over), the probe as missing and the next one as off schedule.
    The INVITE left the phone before the lookup's first query did (the trace
    records packets in the order they were sent): it did not wait for the
    lookup, which is the probe.  With the query sent first, the lookup is
    the call's and the probe at 30 s is still missing.
    """

    def _world(self, invite_first: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=10, calls=(30.0,),
                                        duration=60.0))
        assert tb.facts.dns is not None
        host, port = tb.facts.dns

        def lookup(at: float) -> None:
            tb._add(PacketEvent(at, "udp", (tb.phone, 40000), (host, port), b""))
            tb.dns(at, DOMAIN, "A", answer_after=0.0)

        def invite() -> None:
            branch = "z9hG4bKcall30"
            tb._add(PacketEvent(30.0, "udp", (tb.phone, 5060), (tb.addr("fallback"), 5060),
                                f"INVITE sip:{DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP "
                                f"{tb.phone}:5060;branch={branch}\r\n\r\n".encode()))
            tb.call("fallback", 30.0, bye_at=31.0, branch=branch)

        for at in (0.0, 10.0, 20.0, 40.0, 50.0):
            lookup(at)
        fb = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(fb, 200, 0.0)
        if invite_first:
            invite()
            lookup(30.0)
        else:
            lookup(30.0)
            invite()
        return tb

    def test_invite_sent_before_the_lookup_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "pass")

    def test_lookup_before_the_invite_leaves_the_probe_missing(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class FallbackConnectionBegunAsTheRenewalWasGivenUpTests(SynchronousTestCase):
    """
    FBK-S4 (round 14, survey 7013 [03]): successive mode over TCP/TLS,
    C{retry_counts} 0, 20 % loss; back on the working server after a probe.
    Its renewal opened a new connection; the 200 was sent 2 ms after the
    phone gave the renewal up (RTX-1), and the phone opened a connection to
    the fallback server at once (FO-6: it had not taken the 200).  That
    connection's SYN-ACKs were lost: its REGISTER reached the fallback server
    1.3 s later, more than "at once" after the give-up, and the REGISTER read
    as a lapse of FBK-S4.  The fallback try began with its connection's first
    SYN (RTX-2), at the give-up: the working server failed again for the
    phone, a new fallback.  A fallback connection begun 1.5 s after the
    give-up still fails.
    """

    def _world(self, syn_at: float) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, retry_counts=0, fallback_timeout=10,
                         duration=130.0, latency_tolerance=0.25)
        acct = tb.facts.account
        # (the fallback server's RTX-1 time long enough for its connection's late SYN-ACK)
        tb.facts = replace(tb.facts, account=replace(acct, servers=(
            acct.servers[0], replace(acct.servers[1], retry_counts=14))))
        tb.refused(0.0, "primary")
        fb = tb.register("fallback", 0.02, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.025)
        back = tb.register("primary", 10.03, cseq=2, transport="tcp")
        tb.respond(back, 200, 10.035)
        # the renewal's new connection, then its REGISTER; the 200 just after RTX-1's 0.5 s
        tb.syn_lost(100.0, "primary", fate="delivered", phone_port=32770)
        tb.conn(100.1, "primary", "accept", transport="tcp", port=5060, phone_port=32770)
        renewal = tb.register("primary", 100.4, cseq=3, transport="tcp")
        tb.respond(renewal, 200, 100.502)
        # the fallback server's connection: SYN-ACKs lost, the REGISTER there 1.3 s later
        tb.syn_lost(syn_at, "fallback", fate="delivered", phone_port=32771)
        tb.conn(syn_at + 0.1, "fallback", "accept", transport="tcp", port=5060, phone_port=32771)
        again = tb.register("fallback", syn_at + 1.3, call_id="reg-2", cseq=2, transport="tcp")
        tb.respond(again, 200, syn_at + 1.305)
        # (each new connection from a port of its own: the builder's SIP is from 5060)
        for n, e in enumerate(tb._events):
            if isinstance(e, SipEvent) and e.t >= 100.0:
                port = 32770 if e.local[0] == PRIMARY else 32771
                tb._events[n] = replace(e, remote=(tb.phone, port))
        return tb

    def test_fallback_connection_at_the_give_up_passes(self) -> None:
        self.assertEqual(status(self._world(100.5), "FBK-S4"), "pass")

    def test_fallback_connection_later_fails(self) -> None:
        self.assertEqual(status(self._world(102.0), "FBK-S4"), "fail")


class ProbeLookupAtTheRetryTimeAfterAMaybeLateFallbackAnswerTests(SynchronousTestCase):
    """
    FBK-S3 (round 14, survey 7014 [02], 6 worlds): successive mode,
    C{fallback.timeout} equal to the retry interval (30 s), server 1's name
    without an address.  The fallback server's 200 came within the tolerance
    of the phone's give-up (RTX-1): it may have come too late, and the
    lookup of server 1 30 s later could be RTX-5's retry from the top (its
    failure, DNS-11, then owing a REGISTER to the fallback server at once,
    FO-6) or the first probe.  Nothing went to the fallback server until the
    registration's renewal in REG-2's last half: the phone had taken the 200
    and the lookup is the probe, as round 7 reads a REGISTER try there.  The
    fallback period runs from that 200; a next probe 30 s after the renewal
    instead of after the previous probe is off schedule.
    """

    def _world(self, next_probe: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=30, expires=86,
                                        retry_counts=0, duration=100.0,
                                        latency_tolerance=0.25))
        for at in (0.0, 30.5, next_probe, next_probe + 30.0):
            tb.dns(at, DOMAIN, "A")
        fb = tb.register("fallback", 0.01, call_id="reg-2")
        tb.respond(fb, 200, 0.512, headers=[("Expires", "86")])
        renewal = tb.register("fallback", 44.5, call_id="reg-2", cseq=2)
        tb.respond(renewal, 200, 44.51, headers=[("Expires", "86")])
        return tb

    def test_probe_schedule_from_the_first_fallback_passes(self) -> None:
        self.assertEqual(status(self._world(60.5), "FBK-S3"), "pass")

    def test_probe_timed_from_the_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(74.5), "FBK-S3"), "fail")


class FallbackRenewalRefusedBeforeTheCallsHangUpTests(SynchronousTestCase):
    """
    FBK-S3 (round 15, survey 7014 [03], 4 worlds): successive mode over
    TCP/TLS, a call through the fallback server, the fallback server down
    (flapping) as the registration's renewal fell due.  The renewal's
    connection was refused 10 s before the call's planned hang-up, and the
    BYE went over a new connection once the server was back.  The phone
    sends a BYE only on its call's plan (FO-4): the refused connection was
    not the BYE's but the renewal's, and the phone, its fallback registration
    failed, retried from server 1's top a retry interval later (RTX-5); that
    REGISTER to the primary is no probe off the fallback.timeout schedule.
    Nor is that retry, 30 s later, what the refused connection was for (the
    phone hands a REGISTER over to the other group at once, FO-6).  When the
    hang-up was due as the connection began, the connection was the BYE's,
    the fallback registration stood, and the REGISTER to the primary is a
    probe off the schedule.
    """

    def _world(self, call_duration: float) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, retry_counts=18, fallback_timeout=100,
                         expires=40, duration=80.0)
        tb.facts = replace(tb.facts, calls=(
            CallPlan(10.0, f"sip:echo@{DOMAIN}", duration=call_duration),))
        tb.refused(0.0, "primary")
        fb = tb.register("fallback", 0.02, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.03)
        inv = tb.call("fallback", 10.0, transport="tcp")
        # the renewal's connection refused (the fallback server down), the BYE later
        tb.refused(20.05, "fallback")
        bye = tb.in_dialog(inv, "BYE", 30.1, transport="tcp")
        tb.respond(bye, 200, 30.11)
        # RTX-5's retry from server 1's top, a retry interval after the failure
        back = tb.register("primary", 50.1, cseq=2, transport="tcp")
        tb.respond(back, 200, 50.11)
        return tb

    def test_renewal_refused_before_the_hang_up_passes(self) -> None:
        # (nothing left for FBK-S3 to judge: the fallback period ended before a probe fell due)
        self.assertIn(status(self._world(20.0), "FBK-S3"), ("pass", "n/a"))

    def test_connection_at_the_hang_up_leaves_the_probe_off_schedule(self) -> None:
        self.assertEqual(status(self._world(10.0), "FBK-S3"), "fail")


class ProbesOnScheduleBeforeTheRetryWouldBeDueTests(SynchronousTestCase):
    """
    FBK-S3 (round 16, survey 7016 [01], 6 worlds): successive mode, TCP, 100 ms
    latency, C{retry_counts} 0, C{fallback.timeout} 10, every lookup of server
    1's name empty (DNS-11).  The fallback server's 200 came so close to the
    phone's give-up time (RTX-1) that it may have been too late, and a lookup
    of server 1 failed a retry interval after that give-up, as RTX-5's retry
    from the top would have.  Yet the phone had already probed at 10.7 s and
    20.9 s, fallback.timeout after the 200 and after that probe: one registered
    nowhere waits the retry interval and tries nothing in between, so it had
    taken the 2xx, and the lookup at the retry's time is a probe on the
    schedule.  The checker dropped that registration and timed the probes from
    the fallback's renewal instead, failing the next probe on schedule.  With
    the registration kept, a probe off the schedule after the one at the
    retry's time still fails.
    """

    def _world(self, probes: tuple[float, ...]) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=10, expires=133,
                                        retry_counts=0, duration=100.0,
                                        latency_tolerance=0.25))
        for at in (0.0, *probes):
            tb.dns(at, DOMAIN, "A")
        fb = tb.register("fallback", 0.01, call_id="reg-2")
        tb.respond(fb, 200, 0.512, headers=[("Expires", "133")])
        renewal = tb.register("fallback", 70.0, call_id="reg-2", cseq=2)
        tb.respond(renewal, 200, 70.01, headers=[("Expires", "133")])
        return tb

    def test_probes_every_fallback_timeout_pass(self) -> None:
        probes = tuple(10.7 + 10.2 * k for k in range(9))  # 10.7 ... 92.3
        self.assertEqual(status(self._world(probes), "FBK-S3"), "pass")

    def test_probe_off_the_schedule_after_the_retry_time_fails(self) -> None:
        tb = self._world((10.7, 20.9, 31.1, 33.0))
        v = verdict_of(tb.build(), tb.facts, "FBK-S3")
        self.assertEqual(v.status, "fail")
        self.assertIn("off the fallback.timeout schedule", v.summary)


class RenewalCrossingTheWorkingServersIdleCloseTests(SynchronousTestCase):
    """
    FBK-S1, FBK-S4 (round 16, survey 7016 [05]): successive mode, TCP, no
    latency, C{expires} 240.  The working server closed the connection idle
    since the registration at the very time the renewal fell due (180 s, REG-2
    and the profile's renewal rule); the renewal, written onto a connection the
    phone's stack had just seen closed, never reached the wire, and the phone
    failed the target (RTX-2, as the readings take a request crossing a close)
    and registered at the fallback server in the same instant.  The working
    server had failed: that REGISTER is FBK-S2's, not one while it worked.  A
    close away from the renewal's time leaves the REGISTER to the fallback
    server a violation.
    """

    def _world(self, close_at: float) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, expires=240, retry_counts=4,
                         fallback_timeout=189, duration=300.0)
        reg = tb.register("primary", 0.0, transport="tcp")
        tb.respond(reg, 200, 0.0, headers=[("Expires", "240")])
        return self._closed_then_fallback(tb, close_at, "reg-2")

    def test_renewal_lost_with_the_idle_close_passes(self) -> None:
        self.assertEqual(status(self._world(180.0), "FBK-S1"), "pass")

    def test_fallback_register_at_a_close_off_the_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(150.0), "FBK-S1"), "fail")

    def _back_world(self, close_at: float) -> TraceBuilder:
        # the same, then back on the working server at a probe, and its next renewal due
        # 180 s later as it closes the connection idle again
        tb = self._world(180.0)
        tb.facts = replace(tb.facts, duration=600.0)
        probe = tb.register("primary", 369.0, call_id="reg-3", transport="tcp")
        tb.respond(probe, 200, 369.0, headers=[("Expires", "240")])
        return self._closed_then_fallback(tb, close_at, "reg-4")

    @staticmethod
    def _closed_then_fallback(tb: TraceBuilder, close_at: float, call_id: str) -> TraceBuilder:
        """The working server closes the idle connection; the phone registers at the fallback."""
        tb.conn(close_at, "primary", "close", transport="tcp", detail="local", port=5060,
                phone_port=5060)
        fb = tb.register("fallback", close_at, call_id=call_id, transport="tcp")
        tb.respond(fb, 200, close_at, headers=[("Expires", "240")])
        return tb

    def test_back_then_renewal_lost_with_the_idle_close_passes(self) -> None:
        self.assertEqual(status(self._back_world(549.0), "FBK-S4"), "pass")

    def test_back_then_fallback_register_off_the_renewal_fails(self) -> None:
        self.assertEqual(status(self._back_world(520.0), "FBK-S4"), "fail")


class ConcurrentRenewalLostWithTheWorkingServersCloseTests(SynchronousTestCase):
    """
    FBK-C1 (round 16, survey 7016 [02]): concurrent mode, no latency, C{expires}
    30 at the working server.  The working server stopped (its connection
    closed) at the very time the renewal fell due (REG-2, the profile's renewal
    rule); the renewal written onto it was lost with the connection, and the
    phone's RTX-5 retry a retry interval later was refused.  The server, not
    the phone, let that registration lapse, as for a renewal whose connection
    failed before any SIP went over it.  A close away from the renewal's time,
    nothing tried when it was due, still leaves the registration unrefreshed.
    """

    def _world(self, close_at: float) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=0, transport=1, expires=30, retry_counts=0,
                         duration=60.0)
        fb = tb.register("fallback", 0.0, call_id="reg-2", transport="tcp", expires=300)
        tb.respond(fb, 200, 0.0, headers=[("Expires", "300")])
        reg = tb.register("primary", 0.0, transport="tcp")
        tb.respond(reg, 200, 0.0, headers=[("Expires", "30")])
        tb.conn(close_at, "primary", "close", transport="tcp", detail="peer", port=5060,
                phone_port=5060)
        tb.refused(45.0, "primary")
        return tb

    def test_renewal_lost_with_the_close_passes(self) -> None:
        self.assertEqual(status(self._world(15.0), "FBK-C1"), "pass")

    def test_close_off_the_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(5.0), "FBK-C1"), "fail")


class FallbackAnsweredAsTheRunEndedTests(SynchronousTestCase):
    """
    FBK-C2 (round 17, survey 7017 [02], 4 worlds): concurrent mode, TLS, 100 ms
    latency, a call at 299 s of a 300 s run.  The working server was silent;
    at the give-up time (299.5 s) the INVITE went to the fallback server,
    which rang at once and answered 200 at 299.8 s; the phone wrote its ACK at 299.9 s, and the
    ACK reached the server only after the end.  The checker, reading only what
    the servers saw, wanted that ACK.  A 2xx within a round trip (the
    tolerance) of the end leaves the ACK on its way; a 2xx in time with no ACK
    still fails FBK-C2.
    """

    def _world(self, answered_at: float) -> TraceBuilder:
        tb = _ip_literal(transport=2, retry_counts=0, calls=(299.0,), duration=300.0,
                         latency_tolerance=0.25)
        for to in ("primary", "fallback"):
            reg = tb.register(to, 0.02, transport="tls", port=5061, call_id=f"reg-{to}")
            tb.respond(reg, 200, 0.025)
        tb.silent("INVITE", "primary", 299.0, transport="tls", port=5061, call_id="call-a")
        inv = tb.invite("fallback", 299.0 + tb.give_up("INVITE"), call_id="call-a", cseq=2,
                        transport="tls", port=5061)
        tb.respond(inv, 180, 299.55)  # (Proceeding: no give-up, RFC 3261 17.1.1.2)
        tb.respond(inv, 200, answered_at)
        return tb

    def test_answer_as_the_run_ended_passes(self) -> None:
        self.assertEqual(status(self._world(299.8), "FBK-C2"), "pass")

    def test_answer_in_time_not_acked_fails(self) -> None:
        self.assertEqual(status(self._world(299.6), "FBK-C2"), "fail")


class CallLookupFailsThenFallbackRefusedTests(SynchronousTestCase):
    """
    FBK-S3 (round 17, survey 7017 [03], 4 worlds): successive mode, TCP,
    server 1's name with no address (DNS-11), on the fallback server.  A call
    placed at 50 s resolved server 1 and got no address; its INVITE failed
    over to the fallback server at once (FO-6), which had just gone down: the
    connection for it was refused before any SIP went over it (RTX-2), so
    nothing on the wire names the INVITE.  The checker read the failed lookup
    as a probe off the fallback.timeout schedule.  A lookup in a planned
    call's moment followed at once by a failed connection to the fallback
    server was the call's; the same lookup with no call placed then is still
    a probe off the schedule.
    """

    def _world(self, call: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, retry_counts=0,
                                        calls=(50.0,) if call else (), duration=200.0))

        def lookup(at: float) -> None:
            tb.dns(at, f"_sip._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
            tb.dns(at + 0.01, DOMAIN, "A")

        lookup(0.005)
        reg = tb.register("fallback", 0.02, call_id="reg-2", transport="tcp")
        tb.respond(reg, 200, 0.025)
        lookup(50.005)
        tb.refused(50.02, "fallback")
        lookup(120.03)
        return tb

    def test_call_lookup_then_refused_fallback_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "pass")

    def test_lookup_without_a_call_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class FallbackAnswerAtGiveUpRetryAfterCallLookupTests(SynchronousTestCase):
    """
    FBK-S3 (round 17, survey 7018 [05]): successive mode, TLS, 100 ms latency,
    C{retry_counts} 0.  The fallback server's 200 came at the phone's give-up
    time (RTX-1), so the phone was registered nowhere and retried from server
    1's top a retry interval later (RTX-5).  A call placed 1.7 s before that
    had resolved server 1; the retry used its answer and began with its own
    connection to the primary, due then.  The checker took the call's lookup
    for the retry's beginning, 1.7 s early, so it kept the 200 as the phone on
    the fallback server and read the retry as a probe off the schedule.  The
    same 200 answered in time leaves that try a probe off the schedule.
    """

    def _world(self, answered_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, redundancy_type=1, port1=5061,
                                        retry_counts=0, calls=(28.8,), duration=60.0,
                                        latency_tolerance=0.25,
                                        servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                                 ServerInfo("fallback", FALLBACK, _PORTS))))
        tb.dns(0.0, f"_sips._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        _a_query(tb, 0.01)
        tb.refused(0.02, "primary", port=5061)
        fb = tb.register("fallback", 0.03, transport="tls", port=5061, call_id="reg-2")
        tb.respond(fb, 200, answered_at, headers=[("Expires", "30")])
        # the call's lookup, its connection to the primary refused, the fallback takes it
        tb.dns(28.8, f"_sips._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        _a_query(tb, 28.81)  # (with the phone's query packet, as a run records it)
        tb.refused(28.82, "primary", port=5061)
        tb.call("fallback", 28.84, call_id="call-a", transport="tls", port=5061,
                bye_at=40.0)
        # the retry, due a retry interval after the give-up
        due = 0.03 + 0.5 + 30.0
        tb.refused(due + 0.01, "primary", port=5061)
        again = tb.register("fallback", due + 0.03, transport="tls", port=5061,
                            call_id="reg-2", cseq=2)
        tb.respond(again, 200, due + 0.04, headers=[("Expires", "30")])
        return tb

    def test_answer_at_give_up_retry_after_call_lookup_passes(self) -> None:
        self.assertNotEqual(status(self._world(0.53), "FBK-S3"), "fail")

    def test_answer_in_time_then_early_probe_fails(self) -> None:
        self.assertEqual(status(self._world(0.1), "FBK-S3"), "fail")


class ProbeConnectionOpeningAtTheEndTests(SynchronousTestCase):
    """
    FBK-S3 (round 17, survey 7018 [08]): successive mode, TCP, on the fallback
    server.  The probe fell due at 291.9 s of a 300 s run; its lookup of
    server 1 was answered at once, but the address it named had no server,
    and the phone's SYNs there went unanswered until the run ended (RTX-2's
    connection timeout not yet over).  No REGISTER reached the wire, and the
    checker saw no probe.  A probe begun on time with its connection still
    being opened at the end is under way; one begun 2.5 s after the due time
    (its lookup too) still leaves the probe missing.
    """

    def _world(self, at: float) -> TraceBuilder:
        # (the run ends before RTX-1's time for the connection, 7.5 s, is over)
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, duration=125.0))
        tb.dns(0.005, DOMAIN, "A")
        reg = tb.register("fallback", 0.02, call_id="reg-2", transport="tcp")
        tb.respond(reg, 200, 0.025)
        _a_query(tb, at)
        for back in (0.0, 1.0, 3.0):
            tb.syn_lost(at + 0.01 + back, "primary", fate="down", phone_port=42000)
        return tb

    def test_probe_opening_at_the_end_passes(self) -> None:
        self.assertEqual(status(self._world(120.1), "FBK-S3"), "pass")

    def test_connection_off_the_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(122.5), "FBK-S3"), "fail")


class RenewalSharingTheReinvitesRefusedConnectionTests(SynchronousTestCase):
    """
    FBK-S1 (round 17, survey 7017 [05], 2 worlds): successive mode, TCP, the
    primary going down mid-call.  The call's planned re-INVITE (half its
    duration after it came up) opened a connection to the primary at 30.05 s;
    the registration's renewal fell due while it was pending and joined it
    (the phone opens no second connection to one server); it was refused and
    the phone's REGISTER went to the fallback server at once.  As with the
    hang-up's connection (L{RenewalSharingTheHangUpsRefusedConnectionTests}),
    server 1 had failed the renewal.  With the renewal not yet due (a longer
    registration), the REGISTER to the fallback server still fails FBK-S1.
    """

    def _world(self, expires: int) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, redundancy_type=1,
                              expires=expires, duration=100.0,
                              servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                       ServerInfo("fallback", FALLBACK, _PORTS)))
        plan = CallPlan(0.0, f"sip:echo@{DOMAIN}", 60.0, reinvite=True)
        tb = TraceBuilder(replace(facts, calls=(plan,)))
        reg = tb.register("primary", 0.04, transport="tcp")
        tb.respond(reg, 200, 0.045)
        inv = tb.invite("primary", 0.04, transport="tcp", call_id="call-a")
        tb.respond(inv, 200, 0.045)
        tb.in_dialog(inv, "ACK", 0.05, transport="tcp")
        tb.fault(1.0, "primary", "stop")
        tb.refused(30.04, "primary", after=0.2)
        fb = tb.register("fallback", 30.26, transport="tcp", call_id="reg-fb")
        tb.respond(fb, 200, 30.265)
        return tb

    def test_renewal_due_on_the_reinvites_refused_connection_passes(self) -> None:
        self.assertNotEqual(status(self._world(60), "FBK-S1"), "fail")

    def test_fallback_while_the_renewal_was_not_due_fails(self) -> None:
        self.assertEqual(status(self._world(3600), "FBK-S1"), "fail")


class FallbackRenewalOnTheCallsRefusedConnectionTests(SynchronousTestCase):
    """
    FBK-S3 (round 17, survey 7016 [01] left by round 16): successive mode, TCP,
    on the fallback server (granted 60 s), which then stopped.  A call at 30 s
    opened a connection there (its first SYN lost); the registration's
    renewal, due from 30.4 s, joined it, and it was refused at 31 s: the
    renewal failed with it, though the wire names the connection for the
    INVITE.  Every target had failed (RTX-5 takes over), so
    a later try of server 1 is no probe off the fallback.timeout schedule.
    With the renewal not yet due (granted 3600 s), that try still is.
    """

    def _world(self, granted: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, fallback_timeout=83,
                                        calls=(30.0,), duration=60.0))
        tb.dns(0.005, DOMAIN, "A")
        reg = tb.register("fallback", 0.38, call_id="reg-2", transport="tcp")
        tb.respond(reg, 200, 0.4, headers=[("Expires", str(granted))])
        tb.dns(29.99, DOMAIN, "A")
        tb.refused(30.0, "fallback", after=1.0)
        tb.dns(47.02, DOMAIN, "A")
        return tb

    def test_renewal_failed_on_the_calls_connection_passes(self) -> None:
        self.assertNotEqual(status(self._world(60), "FBK-S3"), "fail")

    def test_renewal_not_due_fails(self) -> None:
        self.assertEqual(status(self._world(3600), "FBK-S3"), "fail")


_SRV_BOTH = [f"1 10 5060 primary.{DOMAIN}", f"2 10 5060 secondary.{DOMAIN}"]


def _refused_late(tb: TraceBuilder, at: float, phone_port: int, syns: tuple[float, ...]) -> None:
    """A TCP connection to the stopped secondary: SYNs at C{at + s}, the last refused."""
    for k, s in enumerate(syns):
        tb.syn_lost(at + s, "secondary", fate="closed" if k == len(syns) - 1 else "lost",
                    phone_port=phone_port)
    tb._add(ConnEvent(at + syns[-1] + 0.2, tb.phone, "refused", "tcp", (tb.phone, phone_port),
                      (SECONDARY, 5060), "RST"))


class CallsConnectionBeforeTheRenewalsTests(SynchronousTestCase):
    """
    FBK-S2, FO-6 (round 18, survey 7018 [07]): successive mode, TCP, the
    secondary stopped.  A call placed at 137 s found the primary's address
    lost twice, so its INVITE's connection went to the secondary at 142.6 s,
    refused at 143.8 s; the renewal, due at 143.845 s, opened its own there
    (refused at 147.05 s), then registered at the primary; the INVITE went to
    the primary at 144.0 s.  A request never tries one target twice in a row
    (RTX-2): the second connection being the REGISTER's, the first was the
    INVITE's, next on the wire at another target, so server 1 never failed the
    REGISTER (L{wire.attempts}).  Without the call both connections are the
    registration's: it failed server 1 and owed the fallback server a REGISTER.
    """

    def _world(self, call: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, expires=30,
                                        calls=(137.0,) if call else (), duration=160.0))
        tb.dns(110.0, f"_sip._tcp.{DOMAIN}", "SRV", _SRV_BOTH)
        tb.dns(110.1, f"primary.{DOMAIN}", "A", [PRIMARY])
        reg = tb.register("primary", 110.2, transport="tcp")
        tb.respond(reg, 200, 110.3, headers=[("Expires", "30")])
        tb.dns(137.1, f"_sip._tcp.{DOMAIN}", "SRV", _SRV_BOTH)
        tb.dns(137.5, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
        tb.dns(138.5, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
        tb.dns(142.5, f"secondary.{DOMAIN}", "A", [SECONDARY])
        _refused_late(tb, 142.603, 32769, (0.0, 1.0))
        _refused_late(tb, 143.845, 32770, (0.0, 1.0, 3.0))
        tb.dns(143.906, f"primary.{DOMAIN}", "A", [PRIMARY])
        if call:
            inv = tb.invite("primary", 144.006, transport="tcp", call_id="call-a")
            tb.respond(inv, 200, 144.106)
            tb.in_dialog(inv, "ACK", 144.207, transport="tcp")
        ren = tb.register("primary", 147.146, transport="tcp", cseq=2)
        tb.respond(ren, 200, 147.15, headers=[("Expires", "30")])
        return tb

    def test_first_connection_is_the_calls(self) -> None:
        tb = self._world(True)
        named = [(x.method, x.first) for x in wire.attempts(tb.build(), tb.facts)
                 if not x.on_wire]
        self.assertEqual([m for m, _ in named], ["INVITE", "REGISTER"])

    def test_renewal_never_failed_passes(self) -> None:
        for clause in ("FBK-S2", "FO-6"):
            self.assertNotEqual(status(self._world(True), clause), "fail", clause)

    def test_renewal_failing_at_the_secondary_alone_fails(self) -> None:
        for clause in ("FBK-S2", "FO-6"):
            self.assertEqual(status(self._world(False), clause), "fail", clause)


class FallbackRegisterStillUnderWayTests(SynchronousTestCase):
    """
    FBK-S2, FO-6 (round 18, survey 7019 [04]): successive mode, TCP; the
    primary refused, the phone fell back and its REGISTER to the silent
    fallback server was still being retried when a new REGISTER failed at
    server 1 (there, FO-5's REGISTER for a call's failover): the REGISTER
    already under way at the fallback server is the fallback both clauses ask
    for.  Once that one was given up (7.5 s), a new failure of server 1 owes
    a new REGISTER there.
    """

    def _world(self, second: float) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, redundancy_type=1, duration=120.0,
                              servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                       ServerInfo("fallback", FALLBACK, _PORTS)))
        tb = TraceBuilder(facts)
        tb.refused(0.0, "primary")
        tb.silent("REGISTER", "fallback", 0.02, transport="tcp")
        tb.refused(second, "primary")
        return tb

    def test_fallback_register_in_flight_passes(self) -> None:
        for clause in ("FBK-S2", "FO-6"):
            self.assertNotEqual(status(self._world(5.0), clause), "fail", clause)

    def test_fallback_register_given_up_before_fails(self) -> None:
        for clause in ("FBK-S2", "FO-6"):
            self.assertEqual(status(self._world(10.0), clause), "fail", clause)


class AckSegmentResentAsTheRunEndedTests(SynchronousTestCase):
    """
    FBK-C2 (round 18, survey 7017 [01], 3 worlds): as
    L{FallbackAnsweredAsTheRunEndedTests}, but 20 % loss and the fallback
    server's 200 at 299.6 s, well within a round trip of the end: the phone
    wrote its ACK at 299.7 s, the segment was lost, and TCP's copy sent again
    at 299.9 s reached the server only after the end.  Data the phone wrote
    onto the call's connection that the server never read by the end was still
    on its way (L{Ctx.ack_due}).  With nothing written after the 200, the call
    still fails FBK-C2.
    """

    def _world(self, wrote: bool) -> TraceBuilder:
        tb = FallbackAnsweredAsTheRunEndedTests()._world(299.6)
        if wrote:
            for t, fate in ((299.7, "lost"), (299.9, "delivered")):
                tb._add(PacketEvent(t, "tcp", (tb.phone, 5060), (FALLBACK, 5061), b"",
                                    fate=fate))
        return tb

    def test_ack_segment_resent_at_the_end_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C2"), "pass")

    def test_nothing_written_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C2"), "fail")


class FailoverAckSegmentResentAsTheRunEndedTests(SynchronousTestCase):
    """
    FO-3 (round 18; as L{AckSegmentResentAsTheRunEndedTests} reads FBK-C2):
    TCP, a call at 18 s, the primary silent; the INVITE failed over to the
    secondary at 18.5 s, answered 200 at 18.6 s, and the phone's segment after
    it (the ACK) was lost and sent again at 18.9 s, unread when the run ended at
    19 s: the ACK was on its way (L{Ctx.ack_due}).  With nothing written after
    the 200, FO-3 still fails: no ACK through the secondary.
    """

    def _world(self, wrote: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, port1=0, retry_counts=0, server2="",
                                        calls=(18.0,), duration=19.0))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        for at in (1.0, 18.0):
            tb.dns(at - 0.003, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=300)
            tb.dns(at - 0.002, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=300)
            tb.dns(at - 0.001, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=300)
        tb.respond(tb.register("primary", 1.0, transport="tcp"), 200, 1.01)
        tb.silent("INVITE", "primary", 18.0, call_id="call-a", transport="tcp")
        inv = tb.invite("secondary", 18.5, call_id="call-a", cseq=2, transport="tcp")
        tb.respond(inv, 200, 18.6)
        if wrote:
            for t, fate in ((18.7, "lost"), (18.9, "delivered")):
                tb._add(PacketEvent(t, "tcp", (tb.phone, 5060), (SECONDARY, 5060), b"",
                                    fate=fate))
        return tb

    def test_ack_segment_resent_at_the_end_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-3"), "fail")

    def test_nothing_written_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-3"), "fail")


class RenewalRidesCallsConnectionTests(SynchronousTestCase):
    """
    FBK-C3 (round 20, survey 7022 [02], 2 worlds): concurrent mode, TCP, the
    primary registered at 0 s for 60 s (renewal due at 30 s, REG-2).  A call
    at 20 s found it down (its connection refused, the INVITE handed over to
    the fallback server, FO-6); the phone's retry of the registration was then
    due at the renewal's time, 30 s, before the retry interval was up (FBK-C1:
    a renewal due sooner stays due).  It rode the connection the call placed at
    29.5 s was opening to the primary then (SYNs lost, refused at 30.5 s),
    nothing of the REGISTER's own on the wire: the phone kept sending REGISTER
    to the working server.  With the call's connection over before the
    renewal fell due (a call at 24.5 s), nothing went there until the end: FBK-C3 still fails.
    """

    def _world(self, spanning: bool) -> TraceBuilder:
        second = 29.5 if spanning else 24.5
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, expires=60,
                                        calls=(20.0, second), duration=55.0,
                                        servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                                 ServerInfo("fallback", FALLBACK, _PORTS))))
        tb.respond(tb.register("primary", 0.0, transport="tcp"), 200, 0.01,
                   headers=[("Expires", "60")])
        fb = tb.register("fallback", 0.02, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.03, headers=[("Expires", "3600")])
        for at, end in ((20.0, 20.01), (second, second + 1.0)):
            pp = 42000 + int(at)
            for s in (0.0, 0.4) if end - at > 0.5 else (0.0,):
                tb.syn_lost(at + s, "primary", fate="down", phone_port=pp)
            tb._add(ConnEvent(end, tb.phone, "refused", "tcp", (tb.phone, pp),
                              (PRIMARY, 5060), "RST"))
            inv = tb.invite("fallback", end + 0.01, call_id=f"call-{int(at)}", transport="tcp")
            tb.respond(inv, 200)
            tb.in_dialog(inv, "ACK", inv.last + 0.02, transport="tcp")
        return tb

    def test_renewal_on_calls_connection_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_nothing_at_renewal_time_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class RetryLookupBeganBeforeItsOpeningConnectionTests(SynchronousTestCase):
    """
    FBK-C3 (round 20, survey 7019; as L{MovedNameRetryNeverConnectedTests}):
    concurrent mode, TCP, the primary connected but silent, the registration's
    RTX-5 retry due at 75.04 s.  It began then with resolving server 1 again;
    the A answer came 1.25 s later (in the survey its first copy lost, asked
    again a second later), and the retry's connection to the primary was still
    being opened when the run ended at 77 s.  The retry began with its first
    query, as a REGISTER on the wire is timed (RTX-5), not with its SYN.  A
    retry whose lookup began only at 76 s still fails.
    """

    def _world(self, looked_up: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, duration=77.0))
        fb = tb.register("fallback", 0.005, call_id="reg-2")
        tb.respond(fb, 200, 0.006)
        assert tb.facts.dns is not None
        for at, q in ((0.01, "srv"), (0.02, "a"), (looked_up, "srv"), (looked_up + 0.01, "a")):
            tb._add(PacketEvent(at, "udp", (tb.phone, 40000), tb.facts.dns, b"",
                                fate="delivered"))
            if q == "srv":
                tb.dns(at, f"_sip._tcp.{DOMAIN}", "SRV", [f"0 0 5060 primary.{DOMAIN}"])
            else:
                tb.dns(at, f"primary.{DOMAIN}", "A", [PRIMARY],
                       answer_after=76.3 - at if at > 1 else 0.001)
        _tcp_silent(tb, "REGISTER", 0.04)
        _tcp_silent(tb, "REGISTER", 37.54, cseq=2)
        tb.syn_lost(76.4, "primary", fate="down", phone_port=32770)
        return tb

    def test_retry_lookup_on_time_passes(self) -> None:
        self.assertEqual(status(self._world(75.04), "FBK-C3"), "pass")

    def test_retry_lookup_late_fails(self) -> None:
        self.assertEqual(status(self._world(76.0), "FBK-C3"), "fail")


class ReinvitesRefusedConnectionOnTheFallbackServerTests(SynchronousTestCase):
    """
    FBK-S3 (round 21, survey 7028 [01], 1 world in 10,000): successive mode,
    the primary flapping down mid-call.  The renewal's connection to it was
    refused and the phone registered at the fallback server; the call's
    planned re-INVITE (half its duration after it came up) then opened a
    connection to the primary (FO-4: the dialog stays there), refused too.
    Nothing on the wire names it (L{wire.attempts} leaves a planned in-dialog
    request's connection unnamed) and FBK-S3 read it as a probe 15 s after
    the fallback.  The same connection with no re-INVITE planned is a probe
    off the fallback.timeout schedule and still fails.
    """

    def _world(self, reinvite: bool) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, redundancy_type=1, expires=30,
                              duration=55.0,
                              servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                       ServerInfo("fallback", FALLBACK, _PORTS)))
        plan = CallPlan(0.0, f"sip:echo@{DOMAIN}", 60.0, reinvite=reinvite)
        tb = TraceBuilder(replace(facts, calls=(plan,)))
        tb.respond(tb.register("primary", 0.04, transport="tcp"), 200, 0.045)
        inv = tb.invite("primary", 0.04, transport="tcp", call_id="call-a")
        tb.respond(inv, 200, 0.045)
        tb.in_dialog(inv, "ACK", 0.05, transport="tcp")
        tb.fault(5.0, "primary", "stop")
        tb.refused(15.04, "primary", after=0.2)
        fb = tb.register("fallback", 15.26, transport="tcp", call_id="reg-fb")
        tb.respond(fb, 200, 15.265)
        tb.refused(30.045, "primary", after=0.2)  # the re-INVITE's, due at 30.045 s
        return tb

    def test_reinvites_connection_is_no_probe(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S3"), "fail")

    def test_connection_with_no_reinvite_planned_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class FallbackAtTheGiveUpOfAMaybeLateAnswerTests(SynchronousTestCase):
    """
    FBK-S3 (round 21, survey 7028, 6 worlds; 5 of seed 7026 the session
    before): successive mode, retry_counts 0, the phone's first REGISTER
    answered by the primary just as the phone gave it up (RTX-1's half
    second, L{Ctx.maybe_late}), its REGISTER to the fallback server begun at
    that very time: it had not taken the 200, server 1 had failed (FBK-S1
    reads it so).  FBK-S3 counted the fallback only from the renewal there
    after the first probe failed, and judged the second probe, on schedule
    from the first, off the fallback.timeout schedule.  The first probe 30 s
    early still fails, counted from the fallback at the give-up.
    """

    def _world(self, first: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, redundancy_type=1,
                                        retry_counts=0, expires=240, fallback_timeout=200,
                                        duration=450.0,
                                        servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                                 ServerInfo("fallback", FALLBACK, _PORTS))))
        gave = tb.give_up("REGISTER")
        tb.respond(tb.register("primary", 0.0, transport="tcp"), 200, gave - 0.003)
        on = gave + 0.015
        for n, at in enumerate((gave + 0.005, 120.6, 240.7, 360.8)):  # renewals every 120 s
            fb = tb.register("fallback", at, transport="tcp", call_id="reg-fb", cseq=n + 1)
            tb.respond(fb, 200, at + 0.01)
        tb.silent("REGISTER", "primary", on + first, transport="tcp", cseq=2, call_id="p-1")
        tb.silent("REGISTER", "primary", on + first + gave + 200, transport="tcp", cseq=3,
                  call_id="p-2")
        return tb

    def test_probes_on_schedule_from_the_fallback_at_the_give_up_pass(self) -> None:
        self.assertEqual(status(self._world(200.0), "FBK-S3"), "pass")

    def test_first_probe_early_fails(self) -> None:
        self.assertEqual(status(self._world(170.0), "FBK-S3"), "fail")


def _asked(tb: TraceBuilder, at: float, name: str, qtype: str,
           records: tuple[str, ...] = (), *, lost: bool = False) -> None:
    """
    The phone's C{qtype} query for C{name} at C{at}, with the packets a run
    records: lost by the network, or answered 1 ms later with C{records}.
    """
    from twisted.names import dns

    assert tb.facts.dns is not None
    m = dns.Message(id=7, recDes=True)
    m.queries = [dns.Query(name.encode(), getattr(dns, qtype))]
    tb._add(PacketEvent(at, "udp", (tb.phone, 40000), tb.facts.dns, m.toStr(),
                        fate="lost" if lost else "delivered"))
    if not lost:
        tb.dns(at, name, qtype, records)
        tb._add(PacketEvent(at + 0.001, "udp", tb.facts.dns, (tb.phone, 40000), m.toStr(),
                            fate="delivered"))


class CallsRegisterFirstAtTheSecondaryWhileRegisteredTests(SynchronousTestCase):
    """
    FBK-S2 (round 21, survey 7027 [01], 3 worlds): successive mode, UDP,
    C{register_on_enable} 1, registered at the primary for an hour.  A call at
    12 s resolved server 1 again: the primary's A query was lost twice, so the
    call went to the secondary, registering there first (FO-5); that REGISTER
    went unanswered, and the call's INVITE then went to the primary, asked
    for again, and was answered.  The REGISTER was the call's, for that one
    target (FO-5, as FO-6 reads it), not the registration's, which held: no
    REGISTER fallback was due.  With no INVITE after it, nothing shows the
    REGISTER was a call's, and no fallback after it still fails (and with
    the phone registered nowhere, the fixture of survey 7019 [04], round 18,
    it owes the fallback).
    """

    def _world(self, invite_after: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, redundancy_type=1, register_on_enable=1,
                                        calls=(12.0,), duration=40.0))
        for at in (0.0, 12.0):
            _asked(tb, at, f"_sip._udp.{DOMAIN}", "SRV", tuple(_SRV_BOTH))
        _asked(tb, 0.01, f"primary.{DOMAIN}", "A", (PRIMARY,))
        _asked(tb, 0.02, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        tb.respond(tb.register("primary", 0.03), 200, 0.04)
        for at in (12.01, 13.01):
            _asked(tb, at, f"primary.{DOMAIN}", "A", lost=True)
        _asked(tb, 16.01, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        tb.silent("REGISTER", "secondary", 16.02, cseq=2)
        gave = 16.02 + tb.give_up("REGISTER")
        if invite_after:
            _asked(tb, gave, f"primary.{DOMAIN}", "A", (PRIMARY,))
            inv = tb.invite("primary", gave + 0.01, call_id="call-a")
            tb.respond(inv, 200)
            tb.in_dialog(inv, "ACK", inv.last + 0.02)
        return tb

    def test_calls_register_while_registered_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S2"), "fail")

    def test_register_with_no_call_behind_it_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class CallsInviteOnTheWireAfterTheNextCallWasPlacedTests(SynchronousTestCase):
    """
    FBK-S2, FO-6 (round 22, survey 7029, 3 worlds; successive mode, TCP):
    registered at the primary, which stopped.  A call at 10 s had its
    connection there refused and went on to the fallback server at once
    (FO-6), but that SYN was lost and the INVITE reached the wire only at
    11.08 s, after a second call (at 11 s) was placed.  L{wire.attempts} took
    the INVITE for the second call's (the last placed by its first send) and
    left the refused connection to the registration: server 1 had failed a
    REGISTER, and FBK-S2 and FO-6 wanted a REGISTER to the fallback server.
    The INVITE began with its connection's first SYN, at 10.04 s, before the
    second call; the connection was the first call's.  The first call handed
    over to the fallback server only later still fails FO-6.
    """

    def _world(self, handed_over: float) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, redundancy_type=1, duration=40.0,
                              servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                       ServerInfo("fallback", FALLBACK, _PORTS)))
        plans = (CallPlan(10.0, f"sip:echo@{DOMAIN}", 5.0),
                 CallPlan(11.0, f"sip:echo@{DOMAIN}", 1.0))
        tb = TraceBuilder(replace(facts, calls=plans))
        tb.respond(tb.register("primary", 0.04, transport="tcp"), 200, 0.045)
        tb.fault(9.0, "primary", "stop")
        tb.refused(10.0, "primary", after=0.04)
        # the first call's connection to the fallback server, its first SYN lost
        tb.syn_lost(handed_over, "fallback", fate="lost", phone_port=5060)
        a = tb.invite("fallback", handed_over + 1.04, transport="tcp", call_id="call-a", cseq=2)
        tb.respond(a, 200, handed_over + 1.06)
        tb.in_dialog(a, "ACK", handed_over + 1.08, transport="tcp")
        # the second call's connection to the primary: its SYN lost, then refused
        tb.syn_lost(11.0, "primary", fate="lost", phone_port=41500)
        tb.syn_lost(12.0, "primary", fate="closed", phone_port=41500)
        tb.conn(12.04, "primary", "refused", transport="tcp", port=5060, phone_port=41500)
        b = tb.invite("fallback", 12.06, transport="tcp", call_id="call-b", cseq=2)
        tb.respond(b, 200, 12.08)
        tb.in_dialog(b, "ACK", 12.1, transport="tcp")
        return tb

    def test_calls_refused_connection_owes_no_register_fallback(self) -> None:
        tb = self._world(10.04)
        self.assertNotEqual(status(tb, "FBK-S2"), "fail")
        self.assertEqual(status(tb, "FO-6"), "pass")

    def test_call_handed_over_later_fails(self) -> None:
        self.assertEqual(status(self._world(12.5), "FO-6"), "fail")


class ProbeAfterTheLastTargetsAddressWasAskedAgainTests(SynchronousTestCase):
    """
    FBK-S3 (survey w7033 [4283], round 23; successive mode, TLS, 20 % loss,
    fallback.timeout 30, SRV targets primary (stopped) and ghost (a name
    without an address)): on the fallback server, a probe's lookup at
    217.8 s lost ghost's NXDOMAIN twice; its connection to the primary was
    refused at 222.8 s, and the phone asked again for ghost's address, its
    answers lost, until its resolver gave up at 226.8 s: only then had every
    target failed (DNS-11), and the next probe came 30 s after that.  The
    checker timed the probe's outcome at the refused connection (a
    connection no REGISTER on the wire names) and wanted the next probe by
    253.9 s.  A probe's round ends with its last target, one without an
    address included (L{checks_fbk._probe_done}, L{Ctx.round_ended}).  A
    probe 40 s after that still fails.
    """

    def _world(self, gap: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, transport=1, fallback_timeout=30,
                                        retry_counts=1, duration=130.0))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"5 1 5060 ghost.{DOMAIN}"]

        def lookup(at: float, ghost: bool) -> None:
            # (the phone's packets too: a probe begins with its lookup, _name_lookup_began)
            lost_query(tb, at, f"_sip._tcp.{DOMAIN}", dns.SRV, fate="delivered")
            tb.dns(at, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=5)
            tb.dns(at + 0.001, f"primary.{DOMAIN}", "A", [PRIMARY])
            if ghost:
                tb.dns(at + 0.002, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN")
                return
            for again in (0.002, 1.002):  # (its answers lost: asked twice, then given up)
                lost_query(tb, at + again, f"ghost.{DOMAIN}", dns.A, fate="delivered")
                tb.dns(at + again, f"ghost.{DOMAIN}", "A", rcode="TIMEOUT")

        lookup(0.0, True)
        tb.refused(0.01, "primary")
        tb.respond(tb.register("fallback", 0.03, call_id="reg-2", transport="tcp"), 200, 0.04)
        lookup(30.04, True)
        tb.refused(30.05, "primary")
        lookup(60.06, False)
        # (the connection once ghost's question was given up: its first SYN lost, the
        # second refused, 5 s after that question's first try)
        tb.syn_lost(64.062, "primary", fate="lost", phone_port=41900)
        tb.syn_lost(65.062, "primary", phone_port=41900)
        failed = 65.072
        tb._add(ConnEvent(failed, tb.phone, "refused", "tcp", (tb.phone, 41900), (PRIMARY, 5060),
                          "RST"))
        tb.dns(failed, f"ghost.{DOMAIN}", "A", rcode="TIMEOUT")
        tb.dns(failed + 1.0, f"ghost.{DOMAIN}", "A", rcode="TIMEOUT")
        nxt = failed + 4.0 + gap
        lookup(nxt, True)
        tb.refused(nxt + 0.01, "primary")
        return tb

    def test_probe_30_s_after_the_last_targets_give_up_passes(self) -> None:
        self.assertEqual(status(self._world(30.0), "FBK-S3"), "pass")

    def test_probe_40_s_after_it_fails(self) -> None:
        self.assertEqual(status(self._world(40.0), "FBK-S3"), "fail")


class FallbackAsTheRunEndsBehindTcpLatencyTests(SynchronousTestCase):
    """
    FBK-S1 (survey w7037 [8172], round 24; successive mode, TCP,
    C{retry_counts} 3, the primary silenced at 251 s of 300): a call's INVITE
    gave the primary up, and the phone tried it again with a REGISTER written
    at 292.500 s, which the primary read 5 ms later; the phone gave it up at
    300.000 s and registered at the fallback server at once, as the run
    ended.  The wire times the attempt from the primary's read, so its
    give-up time, 300.005 s, fell after the end and the checker counted the
    working server as still working (L{checks_fbk._exhausted_as_run_ended}
    now takes a give-up within the tolerance of the end).  A fallback
    REGISTER a second before that give-up still fails.
    """

    def _world(self, at: float) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, duration=60.0)
        ok = tb.register("primary", 0.017, transport="tcp")
        tb.respond(ok, 200, 0.017)
        _tcp_silent(tb, "REGISTER", 52.505, cseq=2)
        tb.register("fallback", at, call_id="reg-2", transport="tcp")
        return tb

    def test_fallback_as_the_run_ends_passes(self) -> None:
        self.assertEqual(status(self._world(60.0), "FBK-S1"), "pass")

    def test_fallback_before_the_give_up_fails(self) -> None:
        self.assertEqual(status(self._world(59.0), "FBK-S1"), "fail")


class ReaskAfterTheLookupTheAttemptFollowedTests(SynchronousTestCase):
    """
    FBK-S2 and FO-6 (survey w7037 [902], round 24; successive mode, TLS,
    100 ms latency, SRV targets primary, ghost (its answers lost) and
    secondary, the DNS server dropping from 36 s, the primary down): the
    renewal's lookup gave ghost's address up, then the secondary's, 4 s
    each, and only then connected to the primary, which refused.  The phone
    asked again for ghost, then for the secondary, 4 s each, and fell back
    once the secondary's was given up.  The secondary's first lookup, given
    up within the tolerance of the refusal (the DNS server's times are a
    latency after the phone's), was read as still under way then, so the
    checker ended the round with ghost's re-ask and wanted the fallback 4 s
    early.  A lookup given up before the attempt that failed began is over
    (L{checks_dns._failed_attempt_after}).  A fallback 5 s after the
    re-ask ended still fails both.
    """

    def _world(self, late: float) -> TraceBuilder:
        # (retry_counts 5: the refused connection stands for the fallback REGISTER that
        # followed it within a silent server's give-up time, wire.attempts)
        tb = TraceBuilder(default_facts(redundancy_type=1, transport=1, retry_counts=5,
                                        duration=40.0, latency_tolerance=0.27))
        srv = [f"12 45 5060 primary.{DOMAIN}", f"14 23 5060 ghost.{DOMAIN}",
               f"15 16 5060 secondary.{DOMAIN}"]

        def dropped(at: float, name: str) -> None:
            for again in (0.0, 1.0):  # (asked twice, both dropped: given up 4 s after the first)
                lost_query(tb, at + again, f"{name}.{DOMAIN}", dns.A, fate="delivered")
                tb.dns(at + again, f"{name}.{DOMAIN}", "A", rcode="TIMEOUT")

        tb.dns(0.0, f"_sip._tcp.{DOMAIN}", "SRV", srv)
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY])
        dropped(0.02, "ghost")
        dropped(4.03, "secondary")
        # (the phone's SYN 0.11 s before the DNS server's time of its give-up, 8.03 s)
        failed = tb.refused(7.92, "primary", after=0.21)
        dropped(failed + 0.11, "ghost")
        dropped(failed + 4.1, "secondary")
        at = failed + 8.0 + late
        reg = tb.register("fallback", at, call_id="reg-2", transport="tcp")
        tb.respond(reg, 200, at + 0.2)
        return tb

    def test_fallback_once_the_reask_ended_passes(self) -> None:
        tb = self._world(0.0)
        self.assertEqual(status(tb, "FBK-S2"), "pass")
        self.assertEqual(status(tb, "FO-6"), "pass")

    def test_fallback_5_s_later_fails(self) -> None:
        tb = self._world(5.0)
        self.assertEqual(status(tb, "FBK-S2"), "fail")
        self.assertEqual(status(tb, "FO-6"), "fail")


class ByeGivenUpAsTheFallbackRenewalWasRefusedTests(SynchronousTestCase):
    """
    FBK-S3 (survey w7036 [9778], round 24; successive mode, TCP, server 1 an
    IP address, fallback.timeout 10): on the fallback server from 18.5 s, a
    probe silent at the primary from 28.5 s; a call's BYE to the silent
    primary at 30 s given up at 33.5 s, just as the fallback registration's
    renewal was refused there (the fallback server stopped).  The wire read
    that refused connection as the BYE handed over to the fallback server,
    so the renewal's failure went unseen and FBK-S3 owed a probe at 42 s,
    though the phone, registered nowhere, was waiting for RTX-5's retry.  An
    in-dialog request goes where its dialog is (FO-4): it has no next target
    (L{wire._all_failed_over_from}).  A renewal answered there, the phone
    still on the fallback server and no probe at 42 s, still fails FBK-S3.
    """

    def _world(self, renewal_refused: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(
            transport=1, server1=PRIMARY, redundancy_type=1, fallback_timeout=10, expires=30,
            retry_counts=2, duration=60.0))
        tb.facts = replace(tb.facts, calls=(CallPlan(0.0, f"sip:echo@{DOMAIN}", 30.0),),
                           servers=tuple(s for s in tb.facts.servers if s.role != "secondary"))
        tb.respond(tb.register("primary", 0.0, transport="tcp"), 200, 0.001)
        inv = tb.invite("primary", 0.002, transport="tcp")
        tb.respond(inv, 200, 0.003)
        tb.in_dialog(inv, "ACK", 0.004, transport="tcp")
        tb.register("primary", 15.0, transport="tcp", cseq=2)
        tb.respond(tb.register("fallback", 18.5, call_id="reg-fb", transport="tcp"), 200, 18.501)
        tb.register("primary", 28.5, transport="tcp", cseq=3)
        tb.in_dialog(inv, "BYE", 30.0, transport="tcp")
        if renewal_refused:
            tb.refused(33.5, "fallback", after=0.0)
        else:
            tb.respond(tb.register("fallback", 33.5, call_id="reg-fb", cseq=2,
                                   transport="tcp"), 200, 33.501)
        return tb

    def test_renewals_refused_connection_is_not_the_byes(self) -> None:
        tb = self._world(True)
        failed = [(x.method, x.dst) for x in wire.attempts(tb.build(), tb.facts)
                  if not x.on_wire]
        self.assertEqual(failed, [("REGISTER", FALLBACK)])

    def test_no_probe_once_the_fallback_renewal_failed_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "pass")

    def test_still_on_the_fallback_server_no_probe_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class ProbeRefusedAfterACallsTryOfTheFallbackServerTests(SynchronousTestCase):
    """
    FBK-S3 (round 26, survey w7040 [7695..7697]): successive mode, on the
    fallback server, a call placed a second before the probe fell due; its
    INVITE's connection to the fallback server (flapping down) was refused,
    and the probe's connection to the stopped working server was refused a
    second later, in the call's moment.  L{checks_fbk._failed_connections}
    gave it to the call: but the fallback server is a call's last target
    (FBK-C2, FO-6), nothing follows it, so the connection is the probe
    (L{checks_fbk._call_went_to_fallback}).  The same connection off the
    fallback.timeout schedule still fails.
    """

    def _world(self, call_at: float, probe_at: float) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, redundancy_type=1,
                              fallback_timeout=15, duration=60.0,
                              servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                       ServerInfo("fallback", FALLBACK, _PORTS)))
        plan = CallPlan(call_at, f"sip:echo@{DOMAIN}", 5.0)
        tb = TraceBuilder(replace(facts, calls=(plan,)))
        tb.fault(0.0, "primary", "stop")
        tb.refused(0.04, "primary", after=0.2)
        fb = tb.register("fallback", 0.26, transport="tcp", call_id="reg-fb")
        tb.respond(fb, 200, 0.265)
        tb.refused(15.27, "primary", after=0.01)  # the probes
        tb.refused(30.28, "primary", after=0.01)
        tb.refused(call_at, "fallback", after=0.01)  # the call's INVITE, its last target
        tb.refused(probe_at, "primary", after=0.01)
        return tb

    def test_probe_after_the_calls_last_target_passes(self) -> None:
        self.assertEqual(status(self._world(44.3, 45.29), "FBK-S3"), "pass")

    def test_probe_off_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(42.5, 43.3), "FBK-S3"), "fail")


class RetryStillUnderWayAsTheRunEndsTests(SynchronousTestCase):
    """
    FBK-S3 (round 26, survey w7039 [7143, 7144]): successive mode, TLS, 100 ms
    latency; the fallback server's 200 came 2 ms after the phone gave its
    REGISTER up (maybe too late) and a retry interval later the phone tried
    server 1 again, silent, its give-up due 54 s after the run's end.
    L{checks_fbk._stayed_on} read that try as one that failed without a
    fallback after it (a probe, the 200 taken), and FBK-S3 found it off the
    fallback.timeout schedule; but a try still under way when the run ended
    shows nothing, the phone had no chance to fall back (here the run ends
    0.3 s into it).  The same try given up within the run with no fallback
    after it is still a probe off the schedule (as in
    L{ProbeAtTheRetryTimeThenNoFallbackTests}) and fails.
    """

    def _world(self, duration: float) -> TraceBuilder:
        tb = _ip_literal(transport=1, redundancy_type=1, retry_counts=0, expires=120,
                         fallback_timeout=120, duration=duration, latency_tolerance=0.11)
        _tcp_silent(tb, "REGISTER", 0.2)
        tb.syn_lost(0.7, "fallback", fate="delivered", phone_port=5060)
        fb = tb.register("fallback", 1.0, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 1.1)
        _tcp_silent(tb, "REGISTER", 31.2, cseq=2)
        return tb

    def test_retry_under_way_at_the_end_passes(self) -> None:
        self.assertNotEqual(status(self._world(31.5), "FBK-S3"), "fail")

    def test_retry_given_up_with_no_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(40.0), "FBK-S3"), "fail")


class FallbackRenewalWithTheProbeAtTheRetryTimeTests(SynchronousTestCase):
    """
    FBK-S3 (round 26, survey w7038 [1752, 1753]): successive mode, TCP, 100 ms
    latency, fallback.timeout equal to the retry interval.  The fallback
    server's 200 came near the give-up time (maybe too late); REG-2's half
    of that registration and the first probe fell due together, a retry
    interval after the give-up, and the phone renewed there and probed the
    working server in one instant, the probe answered.  One registered
    nowhere would have tried server 1 first and gone to the fallback server
    only once it failed (FO-6): the renewal shows it took the 200, so the
    schedule runs from it and the answered probe ends it (FBK-S4); the
    working server's own renewal 15 s later is no probe.  With
    fallback.timeout 45 the same probe is off the schedule and fails.
    """

    def _world(self, fallback_timeout: int) -> TraceBuilder:
        tb = _ip_literal(transport=1, redundancy_type=1, retry_counts=0, expires=60,
                         fallback_timeout=fallback_timeout, duration=60.0,
                         latency_tolerance=0.11)
        _tcp_silent(tb, "REGISTER", 0.2)
        tb.syn_lost(0.7, "fallback", fate="delivered", phone_port=5060)
        fb = tb.register("fallback", 1.0, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 1.1)
        again = tb.register("fallback", 31.1, call_id="reg-2", cseq=2, transport="tcp")
        tb.respond(again, 200, 31.15)
        probe = tb.register("primary", 31.15, cseq=2, transport="tcp")
        tb.respond(probe, 200, 31.2, headers=[("Expires", "30")])
        renewal = tb.register("primary", 46.2, cseq=3, transport="tcp")
        tb.respond(renewal, 200, 46.25, headers=[("Expires", "30")])
        return tb

    def test_renewal_with_the_probe_passes(self) -> None:
        self.assertEqual(status(self._world(30), "FBK-S3"), "pass")

    def test_probe_off_the_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(45), "FBK-S3"), "fail")


class FallbackAgainOnlyAfterServer1TookThePhoneBackTests(SynchronousTestCase):
    """
    FBK-S3 (round 27, survey w7047 [3399..3402], 4 worlds; successive mode,
    TCP, 100 ms latency, 5 % loss): the fallback server's 200 reached the
    phone just after its give-up time (maybe too late, RTX-1); a retry
    interval later the phone tried the working server from the top (RTX-5),
    answered, and registered there.  Its next REGISTER to the fallback server
    was the failover of the working server's own renewal, long after, in
    REG-2's last half of the fallback server's long grant.
    L{checks_fbk._put_on_nothing} read it as the renewal of that first
    fallback registration, so the 200 as taken and the retry as a probe off
    the fallback.timeout schedule.  The phone is right: once server 1
    registered it, a REGISTER to the fallback server is a new fallback, not a
    renewal.  A phone that renewed at the fallback server before the working
    server took it back had taken the 200, and its try of the working server
    a retry interval later is still a probe off the schedule.
    """

    def _world(self, renews_there: bool) -> TraceBuilder:
        tb = _ip_literal(transport=1, redundancy_type=1, retry_counts=0, expires=60,
                         fallback_timeout=300, duration=120.0, latency_tolerance=0.11)
        _tcp_silent(tb, "REGISTER", 0.2)
        tb.syn_lost(0.7, "fallback", fate="delivered", phone_port=5060)
        fb = tb.register("fallback", 1.0, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 1.21, headers=[("Expires", "40" if renews_there else "120")])
        if renews_there:
            again = tb.register("fallback", 21.2, call_id="reg-2", cseq=2, transport="tcp")
            tb.respond(again, 200, 21.25, headers=[("Expires", "40")])
        retry = tb.register("primary", 31.3, cseq=2, transport="tcp")
        tb.respond(retry, 200, 31.35, headers=[("Expires", "60")])
        _tcp_silent(tb, "REGISTER", 80.0, cseq=3)
        over = tb.register("fallback", 80.6, call_id="reg-2", cseq=3, transport="tcp")
        tb.respond(over, 200, 80.65, headers=[("Expires", "120")])
        return tb

    def test_fallback_after_the_working_server_took_it_back_passes(self) -> None:
        self.assertNotEqual(status(self._world(False), "FBK-S3"), "fail")

    def test_renewed_there_then_probed_off_the_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "fail")


class RetryAtTheTopOfServer1sLookupTests(SynchronousTestCase):
    """
    FBK-S3 (round 27, survey w7044 [8052, 8053]; successive mode, UDP, 20 %
    loss): server 1 a domain with two A records, the secondary's first.  Both
    silent, the phone went to the fallback server, whose 200 came at its
    give-up time (maybe too late, RTX-1); a retry interval later it looked the
    domain up again and tried its first target, the secondary, answered
    (RTX-5's retry from the top).  L{checks_fbk._put_on_nothing} looked for
    that retry at the primary only, found none, and read the 200 as taken and
    the retry as a probe off the fallback.timeout schedule.  The retry goes to
    whichever target of server 1 its lookup put first.  A phone that renewed
    at the fallback server in REG-2's last half had taken the 200, and its try
    of server 1 a retry interval later is still a probe off the schedule.
    """

    def _world(self, renews_there: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, retry_counts=0, expires=30,
                                        fallback_timeout=300, duration=60.0))
        tb.dns(0.0, DOMAIN, "A", [SECONDARY, PRIMARY], ttl=5)
        tb.silent("REGISTER", "secondary", 0.01)
        tb.silent("REGISTER", "primary", 0.51)
        fb = tb.register("fallback", 1.01, call_id="reg-2")
        tb.respond(fb, 200, 1.51)
        if renews_there:
            again = tb.register("fallback", 16.5, call_id="reg-2", cseq=2)
            tb.respond(again, 200, 16.51)
        tb.dns(31.5, DOMAIN, "A", [SECONDARY, PRIMARY], ttl=5)
        retry = tb.register("secondary", 31.51, cseq=2)
        tb.respond(retry, 200, 31.52)
        return tb

    def test_retry_at_the_secondary_first_passes(self) -> None:
        self.assertNotEqual(status(self._world(False), "FBK-S3"), "fail")

    def test_renewed_there_then_probed_off_the_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "fail")


class FallbackRenewalsOwnRefusedConnectionTests(SynchronousTestCase):
    """
    FBK-S3 (round 28, survey 7049 [4766..4772], 7 worlds): successive mode,
    TLS, 100 ms latency, server 1's name without an address (every probe a
    failed lookup), on the fallback server (granted 60 s), which then went
    down.  The registration's renewal, due at 30.7 s, opened its own
    connection there at 30.8 s, refused at 31 s; nothing on the wire names it
    (no request went over it).  The renewal failed with it, every target had
    failed and RTX-5's retries took over, so no probe was owed at 31.1 s.
    With the renewal not yet due (granted 3600 s), the connection is none of
    the registration's and the missing probe still fails.  (The calls at 35 s
    and 47 s: a failed lookup of server 1, then the fallback server refused.)
    """

    def _world(self, granted: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, fallback_timeout=10,
                                        calls=(31.0, 35.0, 47.0), duration=60.0,
                                        latency_tolerance=0.25))
        tb.dns(0.1, DOMAIN, "A")
        reg = tb.register("fallback", 0.6, call_id="reg-2", transport="tcp")
        tb.respond(reg, 200, 0.7, headers=[("Expires", str(granted))])
        tb.dns(10.9, DOMAIN, "A")
        tb.dns(21.1, DOMAIN, "A")
        tb.refused(30.8, "fallback", after=0.2)
        # (the calls' INVITEs: a failed lookup of server 1, then the fallback refused)
        for at in (35.1, 47.1):
            tb.dns(at, DOMAIN, "A")
            tb.refused(at + 0.1, "fallback", after=0.2)
        return tb

    def test_renewals_own_connection_refused_passes(self) -> None:
        self.assertNotEqual(status(self._world(60), "FBK-S3"), "fail")

    def test_renewal_not_due_fails(self) -> None:
        self.assertEqual(status(self._world(3600), "FBK-S3"), "fail")


def _asked_from(tb: TraceBuilder, at: float, name: str, qtype: str, phone_port: int, *,
                rcode: str = "NOERROR", lost: bool = False, answer_after: float = 0.0) -> None:
    """
    The phone's C{qtype} query for C{name} from C{phone_port}, answered with no
    records (C{rcode}) C{answer_after} s later; with C{lost}, the network lost
    that answer on its way back to the phone.
    """
    assert tb.facts.dns is not None
    host, port = tb.facts.dns
    remote = (tb.phone, phone_port)
    tb._add(DnsEvent(at, host, "in", "udp", (host, port), remote, name, qtype))
    tb._add(DnsEvent(at + answer_after, host, "out", "udp", (host, port), remote, name, qtype,
                     rcode, (), ()))
    m = dns.Message(id=phone_port, answer=True)
    m.queries = [dns.Query(name.encode(), getattr(dns, qtype))]
    tb._add(PacketEvent(at + answer_after, "udp", (host, port), remote, m.toStr(),
                        fate="lost" if lost else "delivered"))


class TwoLookupsAskingOneQuestionInOneInstantTests(SynchronousTestCase):
    """
    FBK-S1 (round 28, survey w7049 [2089], 1 world): successive mode, UDP, no
    latency, 1 % loss, server 1's name without an address, a call placed at
    0 s.  The registration's lookup (NAPTR, SRV, A) failed at once and the
    REGISTER went to the fallback server at 0 s; the call's lookup asked the
    same NAPTR question in the same instant and its answer was lost (the call's
    resolver asked again at 1 s).  The checker matched lost answers by name,
    type and time only, so the registration's answered NAPTR query read as
    lost, its lookup as waited out until 3.95 s, and the fallback REGISTER as
    sent while the working server worked.  The port the answer went to tells
    them apart.  With the registration's own A answer lost as well, the
    REGISTER to the fallback server before that lookup could fail still fails.
    """

    def _world(self, lost: tuple[int, ...]) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, calls=(0.0,), duration=60.0))
        _asked_from(tb, 0.0, DOMAIN, "NAPTR", 41001, lost=41001 in lost)
        _asked_from(tb, 0.0, f"_sip._udp.{DOMAIN}", "SRV", 41002, rcode="NXDOMAIN")
        _asked_from(tb, 0.0, DOMAIN, "A", 41003, lost=41003 in lost)
        reg = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(reg, 200, 0.0)
        # the call's lookup: the same NAPTR question in the same instant, then again
        _asked_from(tb, 0.0, DOMAIN, "NAPTR", 41004, lost=41004 in lost)
        _asked_from(tb, 1.0, DOMAIN, "NAPTR", 41005)
        _asked_from(tb, 1.0, f"_sip._udp.{DOMAIN}", "SRV", 41006, rcode="NXDOMAIN")
        _asked_from(tb, 2.0, DOMAIN, "A", 41007)
        return tb

    def test_the_calls_answer_lost_passes(self) -> None:
        self.assertEqual(status(self._world((41004,)), "FBK-S1"), "pass")

    def test_the_registrations_own_answer_lost_too_fails(self) -> None:
        self.assertEqual(status(self._world((41003, 41004)), "FBK-S1"), "fail")


class CallRefusedAtTheWorkingServerAfterItAnsweredTests(SynchronousTestCase):
    """
    FBK-C3 (round 28, survey w7050 [6179], 1 world): concurrent mode, TCP,
    the working server found down by a call and registered at again.  A later
    call tried it first: its connection to the primary was refused (the
    primary flapping down), and its INVITE, which never got on the wire there,
    went to the fallback server (FBK-C2).  FBK-C3 read the INVITE to the
    fallback server as a new INVITE sent there though the working server had
    answered.  The call's refused connection was its try of the working
    server.  A later call sent straight to the fallback server still fails.
    (This IP-literal world passes the old checker too, which named the
    refused connection the INVITE's; the survey world, where the wire names it
    the REGISTER's as FO-5's REGISTER at the secondary followed it, is fixture
    C{r28-w7050-fbk-c3-call-refused-at-working-then-fallback}.)
    """

    def _world(self, refused_first: bool) -> TraceBuilder:
        tb = _ip_literal(transport=1, retry_counts=1, expires=92, calls=(45.0, 70.0),
                         duration=120.0)
        tb.respond(tb.register("primary", 0.0, transport="tcp"), 200, 0.005)
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2", transport="tcp"), 200, 0.005)
        _tcp_silent(tb, "INVITE", 45.0, call_id="call-a")
        gave_up = 45.0 + tb.give_up("INVITE")
        ren = tb.register("primary", gave_up - 0.49, cseq=2, transport="tcp")
        tb.respond(ren, 200, gave_up + 0.015)
        inv = tb.invite("fallback", gave_up, call_id="call-a", cseq=1, transport="tcp")
        tb.respond(inv, 200, gave_up + 0.005)
        tb.in_dialog(inv, "ACK", gave_up + 0.01)
        at = 70.0
        if refused_first:
            at = tb.refused(70.0, "primary", after=0.2)
        inv2 = tb.invite("fallback", at + 0.01, call_id="call-b", cseq=2, transport="tcp")
        tb.respond(inv2, 200, at + 0.015)
        tb.in_dialog(inv2, "ACK", at + 0.02)
        tb.respond(tb.register("primary", 92.52, cseq=3, transport="tcp"), 200, 92.525)
        return tb

    def test_call_refused_at_the_working_server_first_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_call_straight_to_the_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class RetrysLookupUnderWayAsTheRunEndsTests(SynchronousTestCase):
    """
    FBK-C3 (round 29, survey w7052 [2080..2083], 4 worlds): concurrent mode,
    server 1 a domain looked up by SRV, both its targets silent.  The RTX-5
    retry fell due 1.5 s before the run ended and began, as every retry does,
    with looking server 1 up again: its SRV query was lost and asked again a
    second later, answered, the primary's address came, the secondary's A
    query was lost, and the run ended mid-lookup, so no REGISTER reached the
    wire.  FBK-C3 asked for a REGISTER by the retry time and found none.  The
    lookup begun at the retry time is the retry (as RTX-5 reads a retry that
    shows as a query only).  The same lookup answered in full well before the
    end with no REGISTER after it, or no query at the retry time at all,
    still fails.
    """

    def _world(self, lookup: str) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, retry_counts=0, duration=60.0))
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2"), 200, 0.005)
        srv = f"_sip._udp.{DOMAIN}"
        tb.dns(0.006, srv, "SRV", SRV_UDP, ttl=3600)
        tb.dns(0.007, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=3600)
        tb.dns(0.008, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=3600)
        tb.silent("REGISTER", "primary", 0.011)
        second = 0.011 + tb.give_up("REGISTER")
        tb.silent("REGISTER", "secondary", second)
        due = second + tb.give_up("REGISTER") + 30.0
        if lookup == "none":
            return tb
        lost_query(tb, due, srv.encode(), dns.SRV)
        tb.dns(due + 1.0, srv, "SRV", SRV_UDP, ttl=3600)
        tb.dns(due + 1.1, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=3600)
        if lookup == "lost":
            tb.facts = replace(tb.facts, duration=due + 1.5)
            lost_query(tb, due + 1.2, f"secondary.{DOMAIN}".encode(), dns.A)
        else:
            tb.dns(due + 1.2, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=3600)
        return tb

    def test_lookup_under_way_at_the_end_passes(self) -> None:
        self.assertEqual(status(self._world("lost"), "FBK-C3"), "pass")

    def test_lookup_answered_then_no_register_fails(self) -> None:
        self.assertEqual(status(self._world("answered"), "FBK-C3"), "fail")

    def test_no_retry_fails(self) -> None:
        self.assertEqual(status(self._world("none"), "FBK-C3"), "fail")


class MaybeLateAnswerAtTheOnlyResolvedTargetTests(SynchronousTestCase):
    """
    FBK-S1 (round 29, survey w7052 [3092, 3093], 2 worlds): successive mode,
    TCP, retry_counts 0, server 1 a domain whose A lookup gave the primary
    alone (a DNS fault set a record of another name, so the run knows a
    second address the lookup of server 1 never gave).  The primary's 200
    came just as the phone gave it up (RTX-1's half second, L{Ctx.maybe_late})
    and the phone fell back at once.  L{checks_fbk._late_answer_downs} asked
    every address the run knows to have failed, the one the resolution never
    gave too, so server 1 never went down and the fallback REGISTER read as
    sent while the working server worked.  A target the resolution in use did
    not give was not in the round (DNS-8), as L{Ctx.exhausted_at} reads it.
    With both addresses given, falling back without trying the secondary
    still fails.
    """

    def _world(self, addresses: tuple[str, ...]) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, retry_counts=0,
                                        expires=240, duration=60.0))
        tb.dns(0.0, DOMAIN, "A", addresses, ttl=300)
        gave = 0.01 + tb.give_up("REGISTER")
        tb.respond(tb.register("primary", 0.01, transport="tcp"), 200, gave + 0.011)
        fb = tb.register("fallback", gave + 0.2, transport="tcp", call_id="reg-fb")
        tb.respond(fb, 200, gave + 0.3)
        return tb

    def test_fallback_after_the_only_target_gave_up_passes(self) -> None:
        self.assertEqual(status(self._world((PRIMARY,)), "FBK-S1"), "pass")

    def test_fallback_with_the_secondary_untried_fails(self) -> None:
        self.assertEqual(status(self._world((PRIMARY, SECONDARY)), "FBK-S1"), "fail")


class CallsHandoverRefusedBeforeTheRegistrationsRetryTests(SynchronousTestCase):
    """
    FBK-S1 (round 29, survey w7054 [2336..2338], 3 worlds): successive mode,
    TLS, the fallback server's RTX-1 time long (retry_counts 15), the primary
    silent to REGISTER and dropping INVITEs.  A call's INVITE gave the primary
    up and went to the fallback server, whose connection was refused (FO-6);
    8 s later the registration's REGISTER went to the primary, silent, given
    up, and the phone registered at the fallback server.  L{wire.attempts}
    took that REGISTER, inside the refused connection's long RTX-1 time, for
    the request the connection stood for, so the round began at the fallback
    server, FBK-S1 never saw server 1 fail and read the fallback REGISTER as
    sent while the working server worked.  A connection to the fallback server
    begun as a request gave server 1 up is that request's handover (the pass
    after reads it so).  With the primary answering the REGISTER, the fallback
    REGISTER after it still fails.
    """

    def _world(self, answered: bool) -> TraceBuilder:
        tb = _ip_literal(transport=1, redundancy_type=1, retry_counts=15, expires=3600,
                         calls=(100.0,), duration=200.0)
        tb.respond(tb.register("primary", 0.0, transport="tcp"), 200, 0.005)
        _tcp_silent(tb, "INVITE", 100.0, call_id="call-a")
        gave = tb.refused(100.0 + tb.give_up("INVITE"), "fallback", after=0.002)
        retry = gave + 8.0
        if answered:
            ren = tb.register("primary", retry, cseq=2, transport="tcp")
            tb.respond(ren, 200, retry + 0.005)
            at = retry + 1.0
        else:
            _tcp_silent(tb, "REGISTER", retry, cseq=2)
            at = retry + tb.give_up("REGISTER")
        fb = tb.register("fallback", at, call_id="reg-fb", transport="tcp")
        tb.respond(fb, 200, at + 0.005)
        return tb

    def test_fallback_after_the_retry_gave_up_passes(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "pass")

    def test_fallback_after_the_primary_answered_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S1"), "fail")


class RetryAfterAMaybeLateFallbackRenewalBeganWithItsLookupTests(SynchronousTestCase):
    """
    FBK-S3 (round 29, survey w7055 [5738], 1 world): as
    L{MaybeLateFallbackRenewalTests}, server 1 a domain.  The fallback
    server's 200 to its renewal came just after the phone gave it up, and a
    retry interval later the phone retried server 1 from the top (RTX-5),
    beginning with looking it up again; the lookup's first query was lost
    and asked again a second later, so the REGISTER itself left more than
    T1 after the retry time.  L{checks_fbk._fallback_renewal_failed_at}
    timed the retry from the REGISTER only, found no retry, and FBK-S3 read
    the REGISTER as a probe off the C{fallback.timeout} schedule.  A retry
    begins with its lookup (as FBK-C3 reads one).  The same lookup and
    REGISTER 5 s before the retry time are still a probe off the schedule.
    """

    def _world(self, lookup_at: float) -> TraceBuilder:
        servers = (ServerInfo("primary", PRIMARY, _PORTS), ServerInfo("fallback", FALLBACK, _PORTS))
        tb = TraceBuilder(default_facts(redundancy_type=1, transport=1, retry_counts=0,
                                        duration=120.0, latency_tolerance=0.261,
                                        servers=servers))
        tb.dns(1.0, DOMAIN, "A", [PRIMARY], ttl=60)
        tb.silent("REGISTER", "primary", 1.2, transport="tcp")
        first = tb.register("fallback", 7.8, call_id="reg-2", transport="tcp")
        tb.respond(first, 200, 7.8)
        renewal = tb.register("fallback", 67.9, call_id="reg-2", cseq=2, transport="tcp")
        tb.respond(renewal, 200, 68.6)
        lost_query(tb, lookup_at, DOMAIN.encode(), dns.A)
        tb.dns(lookup_at + 1.0, DOMAIN, "A", [PRIMARY], ttl=60)
        tb.silent("REGISTER", "primary", lookup_at + 1.1, cseq=2, transport="tcp")
        return tb

    def test_retry_begun_with_its_lookup_passes(self) -> None:
        self.assertNotEqual(status(self._world(98.5), "FBK-S3"), "fail")

    def test_lookup_and_register_early_fails(self) -> None:
        self.assertEqual(status(self._world(93.5), "FBK-S3"), "fail")


class RegistrationsFailoverBesideACallsInviteTests(SynchronousTestCase):
    """
    FBK-S1 and FO-2 (round 29, survey w7054 [4077], 1 world): successive
    mode, TCP, register_on_enable 1, retry_counts 0, 0.1 s latency, both
    targets of server 1 silent.  The registration's REGISTER to the primary
    began at 1.8 s (a slow lookup), a call placed at 2.0 s sent its INVITE
    there on the same connection; the REGISTER gave the primary up at 2.3 s
    and its connection to the secondary was never established; at 2.8 s both
    went to the fallback server.  L{wire._behind_roe}, the call placed within
    the tolerance of the REGISTER's start, read the REGISTER as FO-5's
    REGISTER ahead of the INVITE and gave the secondary's connection to the
    INVITE alone: FO-2 saw the registration never fail over, FBK-S1 server 1
    never fail.  An INVITE sent to that target while the REGISTER was still
    being tried there did not wait behind it.  Without the connection to the
    secondary, FO-2 still fails.
    """

    def _world(self, to_secondary: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, transport=1, redundancy_type=1,
                                        retry_counts=0, register_on_enable=1,
                                        calls=(2.0,), duration=60.0,
                                        latency_tolerance=0.251))
        srv = (f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}")
        tb.dns(1.0, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=3600)
        tb.dns(1.2, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=3600)
        tb.dns(1.4, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=3600)
        # (the REGISTER's connection begun at 1.8 s, its segment read at 2.1 s, after the
        # INVITE's: lost once and sent again)
        tb.syn_lost(1.8, "primary", fate="delivered", phone_port=5060)
        _tcp_silent(tb, "INVITE", 2.0, call_id="call-a")
        _tcp_silent(tb, "REGISTER", 2.1)
        if to_secondary:
            tb.syn_lost(2.3, "secondary", fate="lost", phone_port=32769)
        inv = tb.invite("fallback", 2.8, call_id="call-a", cseq=2, transport="tcp")
        reg = tb.register("fallback", 2.8, call_id="reg-fb", transport="tcp")
        tb.respond(inv, 200, 2.9)
        tb.respond(reg, 200, 2.9)
        tb.in_dialog(inv, "ACK", 2.95)
        return tb

    def test_registrations_failover_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-2"), "fail")
        self.assertEqual(status(self._world(True), "FBK-S1"), "pass")

    def test_secondary_skipped_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class RetryRidesACallsPendingConnectionBeforeAnUnnamedTryTests(SynchronousTestCase):
    """
    FBK-C3 (round 32, survey w7069 [3324..3326], 3 worlds; fixture
    r32-w7069-fbk-c3-retry-rides-calls-pending-conn): concurrent mode, TLS to
    plain ports, registered at the fallback server.  The registration's retry
    failed at both targets of server 1 at 32.2 s; a call placed at 62.0 s
    opened a connection to the primary, its first SYN lost, and the retry due
    at 62.2 s joined it (one connection per server); both were reset at
    63.4 s and went on to the secondary together, reset at 63.8 s, the INVITE
    then to the fallback server.  The primary's connection is the call's
    (L{Ctx.call_claims}), the secondary's names no request: FBK-C3 took it
    for the retry, 1.5 s late.  A retry falling due while a call's
    connection to the working server was pending rode it (L{_retry_rode}, as
    FBK-C3 already read a late REGISTER on the wire).  With the call placed
    only after the retry was due (nothing pending then, nothing of its own),
    FBK-C3 still fails.
    """

    def _world(self, placed: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=0, retry_counts=8,
                                        calls=(placed,), duration=100.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=3600)
        tb.respond(tb.register("fallback", 0.01, call_id="reg-fb", transport="tcp"), 200)
        tb.refused(tb.refused(0.02, "primary") + 0.001, "secondary")
        tb.refused(tb.refused(30.05, "primary") + 0.001, "secondary")
        port = 44000
        tb.syn_lost(placed, "primary", fate="lost", phone_port=port)
        tb.syn_lost(placed + 1.4, "primary", phone_port=port)
        gone = placed + 1.401
        tb._add(ConnEvent(gone, tb.phone, "refused", "tcp", (tb.phone, port),
                          (PRIMARY, 5060), "RST"))
        handed = tb.refused(gone, "secondary", after=0.4)
        inv = tb.invite("fallback", handed, transport="tcp")
        tb.respond(inv, 200, handed + 0.1)
        tb.in_dialog(inv, "ACK", handed + 0.2, transport="tcp")
        tb.refused(tb.refused(handed + 30.0, "primary") + 0.001, "secondary")
        return tb

    def test_retry_riding_the_calls_pending_connection_passes(self) -> None:
        self.assertEqual(status(self._world(60.0), "FBK-C3"), "pass")

    def test_call_placed_after_the_retry_was_due_fails(self) -> None:
        self.assertEqual(status(self._world(61.0), "FBK-C3"), "fail")


class TlsInviteReadAfterThePhonesCloseTests(SynchronousTestCase):
    """
    FBK-C2 (survey w7069 [9860, 9861], round 33; the world of
    L{tls_invite_read_after_the_close_world}, the fallback server down): the
    secondary read the call's TLS INVITE after the phone had closed that
    connection and begun the primary's, so the wire put the primary first
    and the connection the phone opened to the fallback server as the
    primary refused it seemed another request's: the INVITE seemed never to
    go there.  Written before the close (L{wire._written_before_close}), the
    INVITE tried the secondary, the primary, then the fallback server,
    refused there.  An INVITE that never went to the fallback server still
    fails FBK-C2.
    """

    def test_fallback_refused_at_once_passes(self) -> None:
        world = tls_invite_read_after_the_close_world(fallback_at=41.0015, fallback_down=True)
        self.assertEqual(status(world, "FBK-C2"), "pass")

    def test_no_fallback_fails(self) -> None:
        world = tls_invite_read_after_the_close_world(fallback_at=None)
        self.assertEqual(status(world, "FBK-C2"), "fail")


class MaybeLateFallback200WithTheRetryPastTheEndTests(SynchronousTestCase):
    """
    FBK-S3 (survey w7069 [4189], round 33; TLS, 100 ms latency, successive
    mode, the fallback server's retry_counts 0, fallback.timeout 10): server
    1 failed, and the fallback server's 200 left it 30 ms after the phone had
    given the REGISTER up (at 272.635 s), within the tolerance: it may have
    come too late.  The phone had not taken it: registered nowhere, its retry
    from the top (RTX-5) due a retry interval after the give-up, past the
    end of the 300 s run, and nothing went to the primary meanwhile.  FBK-S3
    took the 200 for a registration there and wanted a probe 10 s later.
    With nothing on the wire to tell the readings apart either stands.  The
    same silence after a 200 that surely came in time still fails, and so
    does a maybe-late 200 after which a call went straight to the fallback
    server (the phone on it) and no probe followed.
    """

    def _world(self, maybe_late: bool, call: bool = False) -> TraceBuilder:
        tb = _ip_literal(redundancy_type=1, transport=1, retry_counts=0, fallback_timeout=10,
                         duration=50.0, latency_tolerance=0.261,
                         calls=(25.0,) if call else ())
        tb.silent("REGISTER", "primary", 20.0, transport="tcp")
        first = tb.register("fallback", 20.5, call_id="reg-2", transport="tcp")
        tb.respond(first, 200, 21.05 if maybe_late else 20.55)
        if call:
            tb.respond(tb.invite("fallback", 25.0, transport="tcp"), 200, 25.05)
        return tb

    def test_maybe_late_200_then_nothing_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S3"), "fail")

    def test_no_probe_after_a_200_in_time_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")

    def test_call_to_the_fallback_then_no_probe_fails(self) -> None:
        self.assertEqual(status(self._world(True, call=True), "FBK-S3"), "fail")


class CallsConnectionBesideTheReinvitesTests(SynchronousTestCase):
    """
    FO-6, FBK-S2 (round 34, survey w7076 [677..682], 6 worlds): successive
    mode, the primary gone mid-call.  A call was placed (its connection to the
    primary begun at once, refused; its INVITE then to the fallback server) as
    an earlier call's planned re-INVITE fell due, whose own connection, begun
    in the same moment, was refused too.  The re-INVITE's claim took the
    call's connection (the first begun from its due time less the tolerance)
    and the call's claim the same one, so the re-INVITE's connection read as
    the registration's, and FO-6 and FBK-S2 wanted a REGISTER at the fallback
    server.  The phone owed none: no REGISTER failed (the registration waits
    out its retry, FBK-C3's working_lost).  A connection a call claims is now
    left to the call when another began with it.  With no re-INVITE planned
    the second connection is still the registration's and fails FBK-S2, and
    so does a third one begun in that moment with the re-INVITE planned.
    """

    def _world(self, *, reinvite: bool, third: bool = False) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, redundancy_type=1,
                              duration=55.0,
                              servers=(ServerInfo("primary", PRIMARY, _PORTS),
                                       ServerInfo("fallback", FALLBACK, _PORTS)))
        plans = (CallPlan(0.0, f"sip:echo@{DOMAIN}", 60.0, reinvite=reinvite),
                 CallPlan(30.0, f"sip:echo@{DOMAIN}", 20.0))
        tb = TraceBuilder(replace(facts, calls=plans))
        tb.respond(tb.register("primary", 0.01, transport="tcp"), 200, 0.015)
        inv = tb.invite("primary", 0.02, transport="tcp", call_id="call-a")
        tb.respond(inv, 200, 0.025)
        tb.in_dialog(inv, "ACK", 0.03, transport="tcp")
        tb.fault(20.0, "primary", "stop")
        tb.refused(30.0, "primary")  # the call's, placed at 30.0 s
        inv_b = tb.invite("fallback", 30.02, transport="tcp", call_id="call-b")
        tb.respond(inv_b, 200, 30.025)
        tb.in_dialog(inv_b, "ACK", 30.03, transport="tcp")
        tb.refused(30.025, "primary")  # the re-INVITE's, due at 30.025 s
        if third:
            tb.refused(30.03, "primary")  # the registration's, nothing at the fallback
        return tb

    def test_reinvites_connection_beside_the_calls_passes(self) -> None:
        tb = self._world(reinvite=True)
        for clause in ("FO-6", "FBK-S2"):
            self.assertNotEqual(status(tb, clause), "fail", clause)

    def test_no_reinvite_planned_fails(self) -> None:
        self.assertEqual(status(self._world(reinvite=False), "FBK-S2"), "fail")

    def test_third_connection_in_the_moment_fails(self) -> None:
        self.assertEqual(status(self._world(reinvite=True, third=True), "FBK-S2"), "fail")


class InDialogClaimTests(SynchronousTestCase):
    """
    L{wire._in_dialog_claim}: a planned BYE's or re-INVITE's failed connection
    is the first begun after it fell due, but not a call's when another began
    in the same moment (survey w7076 [677..682], round 34).
    """

    @staticmethod
    def _conn(index: int, start: float) -> wire.ConnAttempt:
        return wire.ConnAttempt(index=index, start=start, t=start + 0.01, server=PRIMARY,
                                port=5060, phone_port=41000 + index, what="refused",
                                transport="tcp", indexes=(index,))

    def test_first_when_no_call_claims_it(self) -> None:
        a, b = self._conn(1, 30.0), self._conn(2, 30.01)
        self.assertIs(wire._in_dialog_claim([a, b], {2}, 0.051), a)

    def test_the_other_of_the_same_moment_when_a_call_claims_the_first(self) -> None:
        a, b = self._conn(1, 30.0), self._conn(2, 30.01)
        self.assertIs(wire._in_dialog_claim([a, b], {1}, 0.051), b)

    def test_the_calls_when_the_other_came_later(self) -> None:
        a, b = self._conn(1, 30.0), self._conn(2, 30.5)
        self.assertIs(wire._in_dialog_claim([a, b], {1}, 0.051), a)

    def test_none(self) -> None:
        self.assertIsNone(wire._in_dialog_claim([], set(), 0.051))


class CallsLookupBegunBeforeTheWorkingServerAnsweredTests(SynchronousTestCase):
    """
    FBK-C3 (round 37, survey w7087 [1910..1914]): concurrent mode, server 1 a
    domain (SRV: primary, then secondary), both silent at the start.  RTX-5's
    retry resolved server 1 again and went to the primary (silent) and then
    the secondary, whose 200 came as the working server answering again.  A
    call placed while the retry was under way looked server 1 up too; its SRV
    question's tries were lost, and the resolver gave it up (DNS-11, four
    seconds after the first try) after the working server had answered: the
    phone learnt of that failure of server 1 only then, and the INVITE went to
    the fallback server at once (FO-6).  The lookup began before the working
    server answered, yet failed after it: the working server down again, as
    for a lookup begun after it.  With the call's SRV question answered, the
    same INVITE to the fallback server still fails.
    """

    def _world(self, lookup_fails: bool) -> TraceBuilder:
        srv_name = f"_sip._udp.{DOMAIN}"
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb = TraceBuilder(default_facts(port1=0, retry_counts=0, duration=120.0))
        g = tb.give_up("REGISTER")
        fb = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(fb, 200, 0.005)
        tb.dns(0.006, srv_name, "SRV", srv, ttl=5)
        tb.dns(0.007, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(0.008, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        tb.silent("REGISTER", "primary", 0.011)
        tb.silent("REGISTER", "secondary", 0.011 + g, cseq=2)
        due = 0.011 + 2 * g + tb.facts.profile.retry_interval
        tb.dns(due, srv_name, "SRV", srv, ttl=5)
        tb.dns(due + 0.001, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(due + 0.002, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        tb.silent("REGISTER", "primary", due + 0.005, cseq=3)
        back = tb.register("secondary", due + 0.005 + g, cseq=4)
        tb.respond(back, 200)
        placed = due + 0.2
        tb.facts = replace(tb.facts, calls=(CallPlan(placed, f"sip:echo@{DOMAIN}"),))
        lost_query(tb, placed, srv_name, dns.SRV)
        if lookup_fails:
            tb.dns(placed + 1.0, srv_name, "SRV", rcode="TIMEOUT")
        else:
            tb.dns(placed + 1.0, srv_name, "SRV", srv, ttl=5)
        tb.call("fallback", placed + 4.0, call_id="call-a")
        return tb

    def test_lookup_given_up_after_the_working_server_answered_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_invite_to_fallback_after_the_lookup_answered_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


#: the SRV name of server 1 over UDP (the name the phone asks; L{SRV_UDP} are its records)
_SRV_NAME = f"_sip._udp.{DOMAIN}"


def _calls_one_lookup_failed(tb: TraceBuilder, plans: Sequence[float], failed: float, *,
                              ask: float = 0.002) -> None:
    """
    Plan calls at C{plans} and give the one placed at C{failed} a lookup of
    server 1 that failed whole: its SRV question, sent C{ask} seconds after
    the call was placed, lost, and its resend a second later unanswered
    (the resolver gave it up).  The FBK-C3 worlds of
    L{FailedLookupThatDidNotSendTheInviteTests} differ only around it.
    """
    tb.facts = replace(tb.facts, calls=tuple(CallPlan(at, f"sip:echo@{DOMAIN}") for at in plans))
    lost_query(tb, failed + ask, _SRV_NAME, dns.SRV)
    tb.dns(failed + (1.0 + ask), _SRV_NAME, "SRV", rcode="TIMEOUT")


class FailedLookupThatDidNotSendTheInviteTests(SynchronousTestCase):
    """
    FBK-C3 (review of round 37): as L{CallsLookupBegunBeforeTheWorkingServerAnsweredTests},
    a call's lookup of server 1 begun before the working server answered
    again.  A lookup the resolver gave up before that answer (its SRV
    question's first try four seconds before), whose INVITE went to the
    fallback server only after it, was no failure the phone learnt of after
    the working server was back: fails.  Nor is another call's lookup, given
    up later, what sent a second call's INVITE to the fallback server when
    that call's own lookup heard the working server's address: fails.  Nor
    does one failed lookup send two calls' INVITEs to the fallback server in
    one instant while the other call's lookup had the working server's
    address (its primary question given up then, DNS-8, or 0.3 s before,
    outside that instant; third review): fails; with that call's INVITE to
    the secondary, passes.  Nor is it what sent the INVITE of a call placed
    after it was given up (third review): fails; to the secondary, passes.
    """

    def _base(self, retry_counts: int = 0) -> tuple[TraceBuilder, float, float]:
        srv_name = f"_sip._udp.{DOMAIN}"
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb = TraceBuilder(default_facts(port1=0, retry_counts=retry_counts, duration=120.0))
        g = tb.give_up("REGISTER")
        fb = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(fb, 200, 0.005)
        tb.dns(0.006, srv_name, "SRV", srv, ttl=5)
        tb.dns(0.007, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(0.008, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        tb.silent("REGISTER", "primary", 0.011)
        tb.silent("REGISTER", "secondary", 0.011 + g, cseq=2)
        due = 0.011 + 2 * g + tb.facts.profile.retry_interval
        tb.dns(due, srv_name, "SRV", srv, ttl=5)
        tb.dns(due + 0.001, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(due + 0.002, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        tb.silent("REGISTER", "primary", due + 0.005, cseq=3)
        back = tb.register("secondary", due + 0.005 + g, cseq=4)
        tb.respond(back, 200)
        return tb, due, back.last + 0.01

    def test_invite_after_a_lookup_given_up_before_the_answer_fails(self) -> None:
        for delay in (0.3, 0.7):
            tb, _, back = self._base(retry_counts=3)
            placed = back - 4.5
            _calls_one_lookup_failed(tb, (placed,), placed, ask=0.0)
            tb.call("fallback", back + delay, call_id="call-a")
            self.assertEqual(status(tb, "FBK-C3"), "fail", delay)

    def test_call_whose_own_lookup_heard_the_address_fails(self) -> None:
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb, due, _ = self._base()
        placed = due + 0.2
        other = placed + 1.8
        _calls_one_lookup_failed(tb, (placed, other), placed, ask=0.0)
        tb.call("fallback", placed + 4.0, call_id="call-a")
        tb.dns(other - 0.003, _SRV_NAME, "SRV", srv, ttl=5)
        tb.dns(other, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(other + 0.002, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        tb.call("fallback", other + 0.005, call_id="call-b")
        self.assertEqual(status(tb, "FBK-C3"), "fail")

    def _two_calls(self, a_to: str, a_first: bool, early: float = 0.0) -> TraceBuilder:
        """
        Calls A and B placed while the retry was under way: A's lookup heard
        the SRV answer and the secondary's address before the working server
        answered, its primary question lost twice (DNS-8: given up, go on
        with the secondary); B's lookup failed whole (its SRV question lost
        twice), given up in the same instant, or C{early} seconds after A's
        primary question was given up.  A's INVITE goes to C{a_to}, B's to
        the fallback server, A's first or second.
        """
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb, due, _ = self._base()
        pa, pb = due + 0.1, due + 0.2
        tb.dns(pa, _SRV_NAME, "SRV", srv, ttl=5)
        tb.dns(pa + 0.001, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        lost_query(tb, pb + 0.002 - early, f"primary.{DOMAIN}", dns.A)
        lost_query(tb, pb + 1.002 - early, f"primary.{DOMAIN}", dns.A)
        # (after A's questions: one lost in the same instant stays first in the trace)
        _calls_one_lookup_failed(tb, (pa, pb), pb)
        gave = pb + 4.002
        a_at, b_at = (gave, gave + 0.002) if a_first else (gave + 0.002, gave)
        tb.call(a_to, a_at, call_id="call-a")
        tb.call("fallback", b_at, call_id="call-b")
        return tb

    def test_two_calls_to_the_fallback_on_one_failed_lookup_fail(self) -> None:
        # (review of round 37: both INVITEs explained by B's one failed lookup)
        for a_first in (True, False):
            tb = self._two_calls("fallback", a_first)
            self.assertEqual(status(tb, "FBK-C3"), "fail", a_first)

    def test_two_calls_to_the_fallback_a_question_ended_before_the_instant_fail(self) -> None:
        # (third review of round 37: A's primary question given up 0.3 s before
        # B's lookup, outside "the instant" of the INVITEs; still one failed lookup)
        for a_first in (True, False):
            tb = self._two_calls("fallback", a_first, early=0.3)
            self.assertEqual(status(tb, "FBK-C3"), "fail", a_first)

    def test_call_going_on_with_the_working_servers_address_passes(self) -> None:
        for a_first in (True, False):
            for early in (0.0, 0.3):
                tb = self._two_calls("secondary", a_first, early)
                self.assertEqual(status(tb, "FBK-C3"), "pass", (a_first, early))

    def _placed_after_the_give_up(self, a_to: str, b_invite: bool) -> TraceBuilder:
        """
        Call B placed while the retry was under way, its lookup failed whole
        (its SRV question lost twice), given up after the working server
        answered; call A placed 60 ms after that give-up, no question of its
        own (the retry's answers still fresh, DNS-10), its INVITE to C{a_to}
        10 ms later; B's INVITE to the fallback server after it, or none.
        """
        tb, due, _ = self._base()
        pb = due + 0.2
        gave = pb + 4.002
        _calls_one_lookup_failed(tb, (pb, gave + 0.06), pb)
        tb.call(a_to, gave + 0.07, call_id="call-a")
        if b_invite:
            tb.call("fallback", gave + 0.1, call_id="call-b")
        return tb

    def test_call_placed_after_the_give_up_to_the_fallback_fails(self) -> None:
        # (third review of round 37: A never waited on B's failed lookup)
        for b_invite in (True, False):
            tb = self._placed_after_the_give_up("fallback", b_invite)
            self.assertEqual(status(tb, "FBK-C3"), "fail", b_invite)

    def test_call_placed_after_the_give_up_to_the_secondary_passes(self) -> None:
        for b_invite in (True, False):
            tb = self._placed_after_the_give_up("secondary", b_invite)
            self.assertEqual(status(tb, "FBK-C3"), "pass", b_invite)


class CallWaitingOnTheCurrentServersLostAddressTests(SynchronousTestCase):
    """
    FB-2 (round 37, survey w7087 [5418..5422]): failback_mode 2, the phone
    failed over to the secondary and stayed there.  A call's lookup heard the
    primary's address and waited on the secondary's address question, whose
    tries the network lost; the resolver gave it up (DNS-11) and the INVITE
    went at once to the primary, the one address it had (DNS-8: the current
    server no target).  Another lookup begun meanwhile (a second call's, its
    own address answers lost) hid that from the view of "the last lookup
    before the INVITE".  With the secondary's address heard on the second
    try, the same INVITE to the primary still leaves the current server.
    """

    def _world(self, secondary_lost: bool) -> TraceBuilder:
        srv_name = f"_sip._udp.{DOMAIN}"
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb = TraceBuilder(default_facts(failback_mode=2, expires=120, calls=(40.0, 42.0),
                                        duration=45.0))
        tb.dns(0.0, srv_name, "SRV", srv, ttl=5)
        tb.dns(0.002, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(0.004, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        first = tb.silent("REGISTER", "primary", 0.01)
        second = tb.register("secondary", first.sends[0] + tb.give_up("REGISTER"), cseq=2)
        tb.respond(second, 200)
        # the first call's lookup: the secondary's question lost, the primary's heard
        tb.dns(40.0, srv_name, "SRV", srv, ttl=5)
        lost_query(tb, 40.001, f"secondary.{DOMAIN}", dns.A)
        tb.dns(40.002, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        if secondary_lost:
            lost_query(tb, 41.001, f"secondary.{DOMAIN}", dns.A)
        else:
            tb.dns(41.001, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        # the second call's lookup, its primary's answers dropped
        tb.dns(42.0, srv_name, "SRV", srv, ttl=5)
        tb.dns(42.002, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
        tb.dns(43.002, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
        tb.invite("primary", 44.001, call_id="call-a")
        return tb

    def test_current_servers_address_given_up_as_the_invite_left_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FB-2"), "fail")

    def test_leaving_the_current_server_with_its_address_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-2"), "fail")


class OtherQuestionGivenUpAfterTheCallHadBothAddressesTests(SynchronousTestCase):
    """
    FB-0, FB-2 and the FAILBACK invariant (review of round 37), beside
    L{CallWaitingOnTheCurrentServersLostAddressTests}: a call's lookup heard
    both targets' addresses by 40.002 s; another question for one of them,
    asked at 40.004 s, lost twice and given up at 44.004 s, is no question
    that lookup waited on (it had that address, and the head's was heard
    before the question was asked).  The INVITE sent then to the other
    target fails: FB-0 to the secondary, FB-2 to the primary.
    """

    def _world(self, mode: int, target: str, other: str) -> TraceBuilder:
        srv_name = f"_sip._udp.{DOMAIN}"
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb = TraceBuilder(default_facts(failback_mode=mode, expires=120, calls=(40.0,),
                                        duration=50.0))
        tb.dns(0.0, srv_name, "SRV", srv, ttl=5)
        tb.dns(0.002, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(0.004, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        first = tb.silent("REGISTER", "primary", 0.01)
        second = tb.register("secondary", first.sends[0] + tb.give_up("REGISTER"), cseq=2)
        tb.respond(second, 200)
        tb.dns(40.0, srv_name, "SRV", srv, ttl=5)
        tb.dns(40.001, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(40.002, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        lost_query(tb, 40.004, f"{other}.{DOMAIN}", dns.A)
        lost_query(tb, 41.004, f"{other}.{DOMAIN}", dns.A)
        inv = tb.invite(target, 44.004, call_id="call-a")
        tb.respond(inv, 200)
        return tb

    def test_fb0_invite_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(0, "secondary", "primary"), "FB-0"), "fail")

    def test_fb2_invite_to_the_primary_fails(self) -> None:
        self.assertEqual(status(self._world(2, "primary", "secondary"), "FB-2"), "fail")

    def test_invariant_breaks(self) -> None:
        from harness.testing.strategies import AccountSpec

        for mode, target, other in ((0, "secondary", "primary"), (2, "primary", "secondary")):
            tb = self._world(mode, target, other)
            problems = failback_problems(tb, AccountSpec(failback_mode=(mode, 0), transport=0))
            self.assertEqual(len(problems), 1, mode)


class CallsRegisterFirstWhileRegisteredConcurrentTests(SynchronousTestCase):
    """
    FBK-C3 (round 38, survey w7100 [925]): concurrent mode, NAPTR, TCP,
    C{register_on_enable} 1, registered at the primary for 300 s and at the
    fallback server.  A call resolved server 1 again; the primary's A query
    was lost, so it went to the silent secondary, registering there first
    (FO-5); that REGISTER was given up, and the INVITE went to the primary,
    asked for again, and was answered.  FBK-C3 read the REGISTER's chain as
    the working server failing and wanted REGISTER retries there.  It was
    the call's, for that one target, while the registration held
    (L{checks_fbk._roe_while_registered}, FBK-S2's reading of survey 7027
    [01]).  With no INVITE after it, nothing shows the REGISTER was a call's,
    and no REGISTER retry still fails.
    """

    def _world(self, invite_after: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, redundancy_type=0, register_on_enable=1,
                                        calls=(12.0,), duration=60.0))
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2"), 200, 0.005)
        for at in (0.0, 12.0):
            _asked(tb, at, f"_sip._udp.{DOMAIN}", "SRV", tuple(_SRV_BOTH))
        _asked(tb, 0.01, f"primary.{DOMAIN}", "A", (PRIMARY,))
        _asked(tb, 0.02, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        tb.respond(tb.register("primary", 0.03), 200, 0.04)
        for at in (12.01, 13.01):
            _asked(tb, at, f"primary.{DOMAIN}", "A", lost=True)
        _asked(tb, 16.01, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        tb.silent("REGISTER", "secondary", 16.02, cseq=2)
        gave = 16.02 + tb.give_up("REGISTER")
        if invite_after:
            _asked(tb, gave, f"primary.{DOMAIN}", "A", (PRIMARY,))
            inv = tb.invite("primary", gave + 0.01, call_id="call-a")
            tb.respond(inv, 200)
            tb.in_dialog(inv, "ACK", inv.last + 0.02)
        return tb

    def test_calls_register_while_registered_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "n/a")

    def test_register_with_no_call_behind_it_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class CallsRegisterWhileRegisteredThenInviteFailsTests(SynchronousTestCase):
    """
    FBK-C3 (review of round 38, probe p3): the world of
    L{CallsRegisterFirstWhileRegisteredConcurrentTests}, but the primary
    silent to the call's INVITE too, so the call's round failed server 1 as
    a whole (its REGISTER at the silent secondary, then the INVITE at the
    silent primary) and the INVITE went to the fallback server (FBK-C2).
    The REGISTER's chain is skipped only when the INVITE behind it went to
    server 1 and did not fail; here server 1 failed when the INVITE did
    (L{checks_fbk.fbk_c3}), so a phone that then never sends REGISTER to the
    working server fails, and one that retries at the retry interval from
    the INVITE's failure passes.
    """

    def _world(self, retry: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, redundancy_type=0, register_on_enable=1,
                                        calls=(12.0,), duration=120.0))
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2"), 200, 0.005)
        for at in (0.0, 12.0):
            _asked(tb, at, f"_sip._udp.{DOMAIN}", "SRV", tuple(_SRV_BOTH))
        _asked(tb, 0.01, f"primary.{DOMAIN}", "A", (PRIMARY,))
        _asked(tb, 0.02, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        tb.respond(tb.register("primary", 0.03), 200, 0.04)
        for at in (12.01, 13.01):
            _asked(tb, at, f"primary.{DOMAIN}", "A", lost=True)
        _asked(tb, 16.01, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        tb.silent("REGISTER", "secondary", 16.02, cseq=2)
        gave = 16.02 + tb.give_up("REGISTER")
        _asked(tb, gave, f"primary.{DOMAIN}", "A", (PRIMARY,))
        tb.silent("INVITE", "primary", gave + 0.01, call_id="call-a")
        failed = gave + 0.01 + tb.give_up("INVITE")
        inv = tb.invite("fallback", failed, call_id="call-a2")
        tb.respond(inv, 200)
        tb.in_dialog(inv, "ACK", inv.last + 0.02)
        if retry:
            t = failed + 30.0
            _asked(tb, t, f"_sip._udp.{DOMAIN}", "SRV", tuple(_SRV_BOTH))
            _asked(tb, t + 0.01, f"primary.{DOMAIN}", "A", (PRIMARY,))
            tb.respond(tb.register("primary", t + 0.02, cseq=3), 200, t + 0.03)
        return tb

    def test_phone_that_stops_registering_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")

    def test_phone_that_retries_from_the_invites_failure_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")
