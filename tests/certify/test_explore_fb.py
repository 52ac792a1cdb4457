"""
FB-* checker regressions found in triage (round 17 on): small TraceBuilder
worlds, each a pair (the reading that passes, the misbehaviour that fails).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase

from harness.testing.tracebuilder import (
    DOMAIN,
    FALLBACK,
    PHONE,
    PRIMARY,
    SECONDARY,
    Req,
    TraceBuilder,
    default_facts,
    verdict_of,
)
from harness.trace.events import ConnEvent, PacketEvent, SipEvent
from tests.certify.test_explore_dns import lost_query
from tests.certify.test_explore_rtx import (
    retry_due_over_roe_register_world,
    roe_register_inside_retry_after_world,
)


def status(tb: TraceBuilder, clause: str) -> str:
    return verdict_of(tb.build(), tb.facts, clause).status


class AnswerAtGiveUpAsTheNextLookupBeganTests(SynchronousTestCase):
    """
    FB-3 (survey 7018 [02], round 17, 3 worlds): TCP, 20 % loss,
    C{failback_timeout} 8689 s.  After a call's failover to the secondary,
    a renewal there had its 200 lost and retransmitted by TCP until it
    reached the phone at the give-up time (RTX-1), just after the phone had
    given the secondary up and asked for the primary's address (that query
    lost, asked again a second later); the REGISTER then went to the
    primary.  The current server failing a new request ends the stay (FB-3Z's
    reading, kept by FB-1..3).  The checker took the 200 for the renewal's
    answer: a lookup of the next server begun at the give-up time is the
    phone moving on, as the request itself sent there then is
    (L{wire.phone_transactions}' late answers).  Without that lookup at the
    give-up time the REGISTER to the primary still fails FB-3.
    """

    def _world(self, lookup: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=3, failback_timeout=3600, retry_counts=0,
                                        calls=(1.0,), duration=60.0, latency_tolerance=0.25))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        tb.respond(tb.register("primary", 0.1), 200, 0.11)
        tb.silent("INVITE", "primary", 1.0, call_id="call-a")
        tb.call("secondary", 1.5, bye_at=5.0, call_id="call-a", cseq=2)
        give_up = 20.0 + tb.give_up("REGISTER", "secondary")
        tb.respond(tb.register("secondary", 20.0, cseq=3), 200, give_up)
        assert tb.facts.dns is not None
        if lookup:
            tb._add(PacketEvent(give_up, "udp", (PHONE, 40000), tb.facts.dns, b"q", fate="lost"))
            tb._add(PacketEvent(give_up + 1.0, "udp", (PHONE, 40000), tb.facts.dns, b"q"))
            tb._add(PacketEvent(give_up + 1.01, "udp", tb.facts.dns, (PHONE, 40000), b"a"))
        tb.respond(tb.register("primary", give_up + 1.2, cseq=4), 200, give_up + 1.21)
        return tb

    def test_answer_as_the_next_lookup_began_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FB-3"), "pass")

    def test_no_lookup_at_the_give_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-3"), "fail")


class RefusedRegisterBeforeTheStayingCallTests(SynchronousTestCase):
    """
    FB-2 (survey 7023 [02], round 20, 6 worlds): C{register_on_enable} 1.
    After a call's failover to the secondary, a later call kept there
    (FB-2) was preceded by FO-5's REGISTER there; the secondary answered it
    503, the call moved on (RTX-3: the primary refused, the INVITE went to
    the fallback server, FO-6) and the registration's own RTX-5 retry tried
    the primary.  The checker took the refused REGISTER for the renewal:
    FO-5's REGISTER for one target is the new request's whatever its answer,
    as RTX-5 and the rounds read it (L{Ctx.roe_registers}).  The renewal then
    going to the secondary, or a REGISTER there with no call behind it,
    still fails FB-2.
    """

    def _world(self, *, call: bool = True, refused: bool = True,
               retry_to: str = "primary", roe_status: int = 503,
               invite_to: str = "fallback") -> TraceBuilder:
        calls = (1.0, 40.0) if call else (1.0,)
        tb = TraceBuilder(default_facts(failback_mode=2, register_on_enable=1, retry_counts=0,
                                        calls=calls, duration=120.0, latency_tolerance=0.25))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        tb.respond(tb.register("primary", 0.1), 200, 0.11)
        tb.silent("INVITE", "primary", 1.0, call_id="call-a")
        give_up = 1.0 + tb.give_up("INVITE")
        tb.respond(tb.register("secondary", give_up, cseq=2), 200, give_up + 0.01)
        tb.call("secondary", give_up + 0.02, bye_at=5.0, call_id="call-a", cseq=1)
        tb.respond(tb.register("secondary", 40.0, cseq=3), roe_status, 40.01)
        if call:
            # (a refused connection to the primary, behind the failed REGISTER, is the
            # INVITE's try there: L{wire.attempts}, L{checks_fo._began_at})
            moved = tb.refused(40.02, "primary") if refused else 40.02
            tb.call(invite_to, moved + 0.01, bye_at=50.0, call_id="call-b")
        retry = 40.01 + tb.facts.profile.retry_interval
        tb.respond(tb.register(retry_to, retry, cseq=4), 200, retry + 0.01)
        return tb

    def test_refused_register_before_the_call_passes(self) -> None:
        self.assertEqual(status(self._world(), "FB-2"), "pass")

    def test_straight_to_the_fallback_server_passes(self) -> None:
        self.assertEqual(status(self._world(refused=False), "FB-2"), "pass")

    def test_renewal_to_the_secondary_fails(self) -> None:
        world = self._world(refused=False, retry_to="secondary")
        self.assertEqual(status(world, "FB-2"), "fail")

    def test_refused_register_with_no_call_fails(self) -> None:
        self.assertEqual(status(self._world(call=False), "FB-2"), "fail")


class InviteOnToThePrimaryAfterRoeRegisterFailedTests(SynchronousTestCase):
    """
    FB-2 (issue 10, the shared view of FO-5's REGISTER): C{register_on_enable}
    1, a call kept on the secondary (FB-2).  FO-5's REGISTER there is the
    call's attempt at the secondary; answered 503 (RTX-3), the INVITE moves
    on to the next target, the primary.  The wire names transactions by
    Call-ID, so the INVITE's own chain began at the primary and FB-2 read a
    new request that left the current server; since L{wire.attempts} names
    the refused connection behind the REGISTER the INVITE's, the same holds
    when the primary refused it.  The request began at the secondary, as
    FO-5's REGISTER there says (L{checks_fo._began_at}).  The REGISTER
    answered 200 there, the INVITE then at the primary, still fails FB-2.
    """

    _world = RefusedRegisterBeforeTheStayingCallTests._world

    def test_invite_on_the_wire_at_the_primary_passes(self) -> None:
        world = self._world(refused=False, invite_to="primary")
        self.assertEqual(status(world, "FB-2"), "pass")

    def test_invite_refused_at_the_primary_then_the_fallback_passes(self) -> None:
        self.assertEqual(status(self._world(refused=True), "FB-2"), "pass")

    def test_invite_to_the_primary_after_the_register_was_answered_fails(self) -> None:
        world = self._world(refused=False, invite_to="primary", roe_status=200)
        self.assertEqual(status(world, "FB-2"), "fail")


class RenewalRidingACallsPendingConnectionTests(SynchronousTestCase):
    """
    FB-0 (round 22, survey w7029 [1743]): TLS, the primary down.  After a
    failover to the secondary, a call's connection to the primary went
    unanswered for 32 s (its SYNs lost or met a closed port, the RSTs
    lost); the renewal of the registration at the secondary fell due while
    it was being opened, waited on it (the phone opens no second connection
    to the same server), and went to the secondary with the call's INVITE
    when TCP gave the connection up.  FB-0 saw the REGISTER's first attempt
    at the secondary and said it did not try the primary first.  A REGISTER
    at the secondary while the connection was still pending, or one not due
    while it was (the registration's last half begun only later), still
    fails.
    """

    def _world(self, expires: int = 100, register_at: float | None = None) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, expires=expires, retry_counts=10,
                                        calls=(60.0,), duration=150.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        tb.silent("REGISTER", "primary", 0.1, transport="tcp")
        reg = tb.register("secondary", 7.6, cseq=2, transport="tcp")
        tb.respond(reg, 200, 7.61)
        # the call's connection to the primary: SYNs unanswered, TCP gives up at 92 s
        for at in (60.0, 61.0, 63.0, 67.0, 75.0, 91.0):
            tb.syn_lost(at, "primary", phone_port=41000, fate="lost")
        tb._add(ConnEvent(92.0, PHONE, "timeout", "tcp", (PHONE, 41000), (PRIMARY, 5060),
                          "connector timeout"))
        tb.call("secondary", 92.0, bye_at=100.0, transport="tcp", call_id="call-a", cseq=2)
        at = 92.0 if register_at is None else register_at
        tb.respond(tb.register("secondary", at, cseq=3, transport="tcp"), 200, at + 0.01)
        return tb

    def test_renewal_that_waited_on_the_connection_passes(self) -> None:
        self.assertEqual(status(self._world(), "FB-0"), "pass")

    def test_register_to_the_secondary_while_it_was_pending_fails(self) -> None:
        self.assertEqual(status(self._world(register_at=80.0), "FB-0"), "fail")

    def test_register_not_due_while_it_was_pending_fails(self) -> None:
        self.assertEqual(status(self._world(expires=300), "FB-0"), "fail")


def fo5_register_after_the_renewal_world(renew_to: str) -> TraceBuilder:
    """
    FB-2, register_on_enable 1, expires 60: the renewal due at 30.1 s gave
    the silent primary up and registered at the secondary; a call at 53 s,
    kept there, registered there first (FO-5), still inside the last half of
    the primary's registration renewed at 30.1 s; the next renewal, due at
    60.6 s, went to C{renew_to}.  (Shared with the FAILBACK invariant test.)
    """
    tb = TraceBuilder(default_facts(failback_mode=2, register_on_enable=1, retry_counts=0,
                                    expires=60, calls=(53.0,), duration=90.0))
    tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
    tb.respond(tb.register("primary", 0.1), 200, 0.11)
    tb.silent("REGISTER", "primary", 30.11, cseq=2)
    moved = 30.11 + tb.give_up("REGISTER")
    tb.respond(tb.register("secondary", moved, cseq=3), 200, moved + 0.01)
    tb.respond(tb.register("secondary", 53.0, cseq=4), 200, 53.01)
    tb.call("secondary", 53.02, call_id="call-a", bye_at=58.0)
    renewal = moved + 0.01 + 30.0
    tb.respond(tb.register(renew_to, renewal, cseq=5), 200, renewal + 0.01)
    return tb


class Fo5RegisterInsideTheRenewedRegistrationsLastHalfTests(SynchronousTestCase):
    """
    FB-2 (survey 7031 [3411], round 22; UDP, register_on_enable 1, expires
    60): the registration at the primary (0.15 s) was renewed at 30.1 s, the
    primary silent, at the secondary (FO-2).  A call at 53 s, kept on the
    secondary (FB-2), registered there first (FO-5) and its INVITE followed.
    The checker took that REGISTER for the registration's renewal, FB-2's to
    the primary, because 53 s fell in the last half of the primary's
    registration (REG-2), which the renewal at 30.1 s had already replaced.
    A registration renewed since is no longer due (L{checks_fo._renewed}).
    The next renewal going to the secondary still fails FB-2.
    """

    def test_fo5_register_then_the_renewal_to_the_primary_passes(self) -> None:
        self.assertEqual(status(fo5_register_after_the_renewal_world("primary"), "FB-2"),
                         "pass")

    def test_renewal_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(fo5_register_after_the_renewal_world("secondary"), "FB-2"),
                         "fail")


class Fo5RegisterOfACallThatLeftTheServerInUseTests(SynchronousTestCase):
    """
    FB-2 (survey w7034 [2655], round 23; TLS, register_on_enable 1): after
    the failover to the secondary, a call at 108 s skipped it (inside its
    Retry-After, RTX-3) and tried the silent primary; at its give-up the
    phone sent FO-5's REGISTER to the secondary, then the INVITE.  FB-2 took
    the REGISTER for the registration's renewal, owed to the primary: FO-5's
    REGISTER was read as a call's only when the call began on the server in
    use.  A REGISTER sent as a new request gave another target up, its INVITE
    following there, is that request's (L{checks_fo._registers_for_stay}).
    The same REGISTER 5 s after the primary's give-up is the registration's,
    and still fails FB-2.
    """

    def test_register_at_the_primarys_give_up_passes(self) -> None:
        self.assertEqual(status(roe_register_inside_retry_after_world("moved"), "FB-2"), "pass")

    def test_register_long_after_the_primarys_give_up_fails(self) -> None:
        self.assertEqual(status(roe_register_inside_retry_after_world("late"), "FB-2"), "fail")


class Fo5RegisterRefusedAtTheCurrentServerUnderFB3ZTests(SynchronousTestCase):
    """
    FB-3Z (survey w7037 [1090], round 24, 2 worlds): C{failback_timeout} 0,
    C{register_on_enable} 1.  After the registration's failover to the
    secondary, the secondary refused every REGISTER (403).  A call's FO-5
    REGISTER there was refused too, so the INVITE could not go there (FO-5)
    and moved on to the primary, as round 6 reads a refused one
    (L{checks_fo._secondary_unregistered}).  FB-3Z read a new request begun
    at the primary; FB-2 already read it as begun at the current server
    (L{checks_fo._began_at}), which now counts a refused REGISTER as it
    counts a failed one (L{checks_rtx.roe_ended_at}).  FO-5's REGISTER
    answered 200 there, or no REGISTER at all, and the INVITE at the primary
    still fails FB-3Z.
    """

    def _world(self, roe_status: int | None, failback_timeout: int = 0) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=3, failback_timeout=failback_timeout,
                                        register_on_enable=1, retry_counts=0, calls=(40.0,),
                                        duration=120.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        tb.silent("REGISTER", "primary", 0.1)
        give_up = 0.1 + tb.give_up("REGISTER")
        tb.respond(tb.register("secondary", give_up, cseq=2), 200, give_up + 0.01)
        if roe_status is not None:
            tb.respond(tb.register("secondary", 40.0, cseq=3), roe_status, 40.01)
        tb.silent("INVITE", "primary", 40.02, call_id="call-a")
        return tb

    def test_refused_register_then_the_primary_passes(self) -> None:
        self.assertEqual(status(self._world(403), "FB-3Z"), "pass")

    def test_answered_register_then_the_primary_fails(self) -> None:
        self.assertEqual(status(self._world(200), "FB-3Z"), "fail")

    def test_straight_to_the_primary_fails(self) -> None:
        self.assertEqual(status(self._world(None), "FB-3Z"), "fail")

    def test_fb3_refused_register_inside_the_stay_passes(self) -> None:
        # (FB-1 and FB-3's stay read it the same way, L{checks_fo._stay_then_primary})
        self.assertEqual(status(self._world(403, failback_timeout=3600), "FB-3"), "pass")

    def test_fb3_answered_register_inside_the_stay_fails(self) -> None:
        self.assertEqual(status(self._world(200, failback_timeout=3600), "FB-3"), "fail")


class Fo5RegisterAnsweredForACallLostThereTests(SynchronousTestCase):
    """
    FB-2 (survey w7037 [9581], round 24, 2 worlds): TLS, C{register_on_enable}
    1.  A call's connection to the stopped primary was refused; FO-5's
    REGISTER to the secondary was answered 200 and the INVITE went there,
    silenced.  The next call tried the primary first (refused) and then the
    secondary.  The wire lends the refused connection to every request sent
    with the first one after it, the REGISTER too, so its chain read as a
    REGISTER failing over from the primary, and FB-2 took its 200 for the
    phone being on the secondary.  FO-5's REGISTER answered is no failover,
    the request behind it getting through is (round 17's reading,
    L{Ctx.failovers}): the phone was on no server.  Had the first call's
    INVITE been answered at the secondary, the next call at the primary
    still fails FB-2.
    """

    def _world(self, answered: bool) -> TraceBuilder:
        # (retry_counts 7: the silenced INVITE still outstanding when the next call came)
        tb = TraceBuilder(default_facts(failback_mode=2, register_on_enable=1, transport=1,
                                        retry_counts=7, calls=(5.0, 26.0), duration=60.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        tb.respond(tb.register("primary", 0.1, transport="tcp"), 200, 0.11)
        at = tb.refused(5.0, "primary")
        tb.respond(tb.register("secondary", at + 0.01, cseq=2, transport="tcp"), 200, at + 0.02)
        if answered:
            tb.call("secondary", at + 0.03, bye_at=10.0, call_id="call-a", transport="tcp")
        else:
            tb.silent("INVITE", "secondary", at + 0.03, call_id="call-a", transport="tcp")
        at = tb.refused(26.0, "primary")
        tb.silent("INVITE", "secondary", at + 0.01, call_id="call-b", transport="tcp")
        return tb

    def test_register_answered_for_a_call_lost_there_is_no_failover(self) -> None:
        self.assertEqual(status(self._world(False), "FB-2"), "n/a")

    def test_call_answered_there_then_the_primary_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FB-2"), "fail")


def roe_register_at_an_unknown_primary_world(first_target_lost: bool,
                                             roe_first: bool = True) -> TraceBuilder:
    """
    UDP, failback_mode 0, register_on_enable 1, retry_counts 0; SRV: a
    nameless first target, then the primary, then the secondary.  The
    lookup at 0 s asked for the first target's address in vain (its answer
    lost: C{first_target_lost}) or got NXDOMAIN; the REGISTER failed over
    from the silent primary to the secondary.  The call at 30 s: FO-5's
    REGISTER to 127.0.1.10 (C{roe_first}), silent, then the INVITE to the
    secondary; or the INVITE to the secondary at once.
    """
    tb = TraceBuilder(default_facts(port1=0, server2="", retry_counts=0, register_on_enable=1,
                                    failback_mode=0, calls=(30.0,), duration=60.0))
    srv = f"_sip._udp.{DOMAIN}"
    targets = [f"1 10 5060 ghost.{DOMAIN}.", f"10 10 5060 primary.{DOMAIN}.",
               f"14 10 5060 secondary.{DOMAIN}."]
    tb.dns(0.0, srv, "SRV", targets)
    tb.dns(0.01, f"ghost.{DOMAIN}", "A", rcode="TIMEOUT" if first_target_lost else "NXDOMAIN")
    tb.dns(4.0, f"primary.{DOMAIN}", "A", [PRIMARY])
    tb.dns(4.01, f"secondary.{DOMAIN}", "A", [SECONDARY])
    tb.silent("REGISTER", "primary", 4.02)
    gave_up = 4.02 + tb.give_up("REGISTER")
    tb.respond(tb.register("secondary", gave_up, cseq=2), 200, gave_up + 0.01)
    at = 30.0
    if roe_first:
        tb.silent("REGISTER", "primary", at, cseq=3)
        at += tb.give_up("REGISTER")
    tb.call("secondary", at, call_id="call-a", bye_at=45.0)
    return tb


class Fo5RegisterAtAnUnknownPrimaryBeganTheCallTests(SynchronousTestCase):
    """
    FB-0 (w7038 [7545], round 26: the built-in phone's variant with no
    binding at the primary).  The lookup in use lost the nameless first SRV
    target's address answer, so it did not establish 127.0.1.10 as the
    primary; FO-5 had the phone register there before the call's INVITE
    (as RTX-5 reads it, L{checks_rtx._roe_register}), and when that
    REGISTER failed the INVITE moved on to the secondary.  FB-0 read a new
    request begun at the secondary.  FO-5's REGISTER was the call's attempt
    at the primary (L{checks_fo._began_at}): the new request tried the
    primary first.  With the primary established (NXDOMAIN for the first
    target) that REGISTER owes nothing and the INVITE at the secondary
    still fails FB-0; so does an INVITE sent to the secondary at once.
    """

    def test_register_at_the_unknown_primary_then_invite_passes(self) -> None:
        self.assertEqual(status(roe_register_at_an_unknown_primary_world(True), "FB-0"), "pass")

    def test_register_at_the_known_primary_then_invite_fails(self) -> None:
        self.assertEqual(status(roe_register_at_an_unknown_primary_world(False), "FB-0"),
                         "fail")

    def test_invite_to_the_secondary_at_once_fails(self) -> None:
        tb = roe_register_at_an_unknown_primary_world(True, roe_first=False)
        self.assertEqual(status(tb, "FB-0"), "fail")


class RenewalsOwnLookupGaveThePrimaryUpAfterTheTTLTests(SynchronousTestCase):
    """
    FB-1 (survey w7038 [166..172], round 26, 7 worlds; TCP, 20 % loss): the
    renewal was the first new request after the DNS TTL of the failover's
    resolution ran out.  Its lookup's address query for the primary was lost
    twice and given up (DNS-8, DNS-11), and it moved on to the secondary's
    address; a call placed meanwhile began a lookup of its own that got the
    primary's address before the REGISTER left for the secondary.  FB-1 read
    "the last lookup begun before the request" (the call's, holding the
    primary) as the renewal's, so the renewal seemed to skip the primary.
    Read question by question (L{checks_dns.unresolved_for}, as FO-1 reads
    survey 7021 [04]), the renewal could not try the primary; the stay is
    over all the same, and the first new request whose own lookup had the
    primary, the call's INVITE, is due there.  A renewal whose primary
    query was answered and that still went to the secondary fails, and so
    does the call's INVITE to the secondary after such a renewal.
    """

    def _world(self, *, primary_lost: bool = True, call_to: str = "primary") -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, port1=0, retry_counts=0, server2="",
                                        failback_mode=1, calls=(63.9,), duration=120.0,
                                        zone_ttl=30.0))
        srv = [f"1 0 5060 primary.{DOMAIN}", f"2 0 5060 secondary.{DOMAIN}"]
        tb.dns(0.0, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=60)
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=30)
        tb.silent("REGISTER", "primary", 0.1, transport="tcp")
        give = 0.1 + tb.give_up("REGISTER")
        tb.dns(give, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=30)
        tb.respond(tb.register("secondary", give + 0.01, cseq=2, transport="tcp"), 200,
                   give + 0.02)
        # the renewal after the TTL: its lookup, the primary's address lost twice
        tb.dns(60.0, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=60)
        if primary_lost:
            lost_query(tb, 60.01, f"primary.{DOMAIN}", dns.A)
            lost_query(tb, 61.01, f"primary.{DOMAIN}", dns.A)
        else:
            tb.dns(60.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=30, answer_after=4.0)
        # the call's lookup, begun as the renewal's waited, hears the primary
        tb.dns(63.9, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=60)
        tb.dns(64.01, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=30)  # (the renewal's)
        tb.dns(64.012, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=30)
        tb.respond(tb.register("secondary", 64.02, cseq=3, transport="tcp"), 200, 64.03)
        tb.dns(64.04, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=30)  # (the call's)
        tb.call(call_to, 64.2, bye_at=70.0, call_id="call-a", transport="tcp")
        return tb

    def test_renewal_whose_lookup_gave_the_primary_up_passes(self) -> None:
        self.assertEqual(status(self._world(), "FB-1"), "pass")

    def test_renewal_with_the_primarys_address_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(primary_lost=False), "FB-1"), "fail")

    def test_call_after_that_renewal_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(call_to="secondary"), "FB-1"), "fail")


class RetryAfterACallsRefusedRegisterTests(SynchronousTestCase):
    """
    FB-0 (survey w7048 [5201..5203], round 28,
    L{retry_due_over_roe_register_world}): RTX-5's retry went to the primary
    at once after a call's FO-5 REGISTER was refused at the secondary; FB-0
    took that REGISTER (same Call-ID) for where the retry began, as it does
    for the call FO-5's REGISTER goes ahead of.  FO-5's REGISTER goes ahead
    of other requests, never of a REGISTER: the retry began at the primary.
    A retry that began at the secondary still fails.
    """

    def test_retry_to_the_primary_after_the_calls_register_passes(self) -> None:
        self.assertEqual(status(retry_due_over_roe_register_world(), "FB-0"), "pass")

    def test_retry_beginning_at_the_secondary_fails(self) -> None:
        self.assertEqual(status(retry_due_over_roe_register_world(retry_to="secondary"),
                                "FB-0"), "fail")


class CallsJoinAnOpeningConnectionToTheCurrentServerTests(SynchronousTestCase):
    """
    FB-2, FO-3 (survey w7053 [1673, 1675..1677], round 29, 4 worlds): TCP,
    C{failback_mode} 2, the phone on the secondary, which then stopped.  A
    call at 20 s opened a connection there; the closed port's RSTs were
    lost and the SYN went again at 21 s and 23 s.  The call at 21 s joined
    that connection (the phone opens no second one to a server).  Each call
    gave the secondary up at its own RTX-1 time from its placing and went to
    the primary.  The wire took the last call placed by the first INVITE's
    start for its call, so neither INVITE had an attempt at the secondary:
    both read as new requests begun at the primary.  A second call that went
    to the primary at once, not waiting on the secondary, still fails FB-2.
    """

    def _world(self, second_joins: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=2, transport=1, retry_counts=1,
                                        calls=(20.0, 21.0), duration=60.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        tb.silent("REGISTER", "primary", 0.1, transport="tcp")
        gave_up = 0.1 + tb.give_up("REGISTER")
        tb.respond(tb.register("secondary", gave_up, cseq=2, transport="tcp"), 200,
                   gave_up + 0.01)
        port = 41900
        for at in (20.0, 21.0):
            tb.syn_lost(at, "secondary", phone_port=port)
            tb._add(PacketEvent(at + 0.02, "tcp", (SECONDARY, 5060), (PHONE, port), b"",
                                fate="lost", flags="R"))
        tb.syn_lost(23.0, "secondary", phone_port=port)
        tb._add(ConnEvent(23.05, PHONE, "refused", "tcp", (PHONE, port), (SECONDARY, 5060),
                          "RST"))
        give_up = tb.give_up("INVITE")
        tb.silent("INVITE", "primary", 20.0 + give_up, call_id="call-a", transport="tcp")
        second = 21.0 + give_up if second_joins else 21.01
        tb.silent("INVITE", "primary", second, call_id="call-b", transport="tcp")
        return tb

    def test_both_calls_tried_the_current_server_first(self) -> None:
        tb = self._world(True)
        self.assertEqual(status(tb, "FB-2"), "pass")
        self.assertNotEqual(status(tb, "FO-3"), "fail")

    def test_second_call_at_the_primary_at_once_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-2"), "fail")


class CallAfterTheOpeningConnectionWasGivenUpTests(SynchronousTestCase):
    """
    FB-2, FO-3 (survey w7054 [3444], round 29): TCP, C{failback_mode} 2,
    C{retry_counts} 0.  The registration's connection to the primary had its
    SYN lost at 0.03 s; the phone gave it up at its RTX-1 time (0.53 s) and
    registered at the secondary, but the connection went on being opened
    (SYNs again at 1.03 s and 3.03 s, the primary stopped at 1 s) and was
    refused only at 3.04 s.  A call placed at 3.0 s went to the secondary,
    the current server, at once.  The wire read that call as joining the
    connection to the primary (placed before it failed, its INVITE at the
    secondary by then): an attempt at the primary first, FB-2 and FO-3
    failing.  Only a call placed while the request the connection was opened
    for still waited on it joined it (L{wire._joined_while_opening}).  A call
    whose INVITE really went to the primary first (its own connection there,
    refused) still fails FB-2.
    """

    def _world(self, own_try_at_primary: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=2, transport=1, retry_counts=0,
                                        calls=(3.0,), duration=60.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        port = 41900
        for at, fate in ((0.03, "lost"), (1.03, "lost"), (3.03, "closed")):
            tb.syn_lost(at, "primary", phone_port=port, fate=fate)
        tb._add(ConnEvent(3.04, PHONE, "refused", "tcp", (PHONE, port), (PRIMARY, 5060),
                          "RST"))
        gave_up = 0.03 + tb.give_up("REGISTER")
        tb.respond(tb.register("secondary", gave_up + 0.01, transport="tcp"), 200,
                   gave_up + 0.015)
        at = 3.0
        if own_try_at_primary:
            at = tb.refused(3.0, "primary") + 0.01
        tb.call("secondary", at, bye_at=8.2, call_id="call-a", transport="tcp")
        return tb

    def test_call_placed_after_the_give_up_stays_on_the_current_server(self) -> None:
        tb = self._world(False)
        self.assertEqual(status(tb, "FB-2"), "pass")
        self.assertNotEqual(status(tb, "FO-3"), "fail")

    def test_call_that_tried_the_primary_first_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FB-2"), "fail")


class MaybeLateAnswerThenRegisteredBeforeTheRetryTests(SynchronousTestCase):
    """
    FB-3 (survey w7059 [9636, 9637], round 30): TLS, 100 ms latency,
    C{retry_counts} 0, C{failback_mode} 3.  The registration gave up the
    primary and then the secondary, whose 200 may have reached the phone only
    after its give-up (RTX-1): every target failed, its retry due a retry
    interval later (RTX-5).  A call before that went to the primary, and a
    second call, failing there, registered at the secondary (FO-5) before the
    retry fell due, so no retry could show.  The checker took the 200 for a
    failover and judged the first call "left the current server".  Where the
    retry could not show, the next new request beginning at the primary says
    the answer was not taken (L{wire.answer_not_taken}).  Had the 200 come in
    time, or had no registration come before the retry's due time (round
    15's reading: then the retry's absence says the answer was taken), the
    call to the primary still fails FB-3.
    """

    def _world(self, answered_at: float, second_call: bool) -> TraceBuilder:
        calls = (12.0, 18.0) if second_call else (12.0,)
        tb = TraceBuilder(default_facts(failback_mode=3, failback_timeout=120, retry_counts=0,
                                        calls=calls, duration=45.0, latency_tolerance=0.25))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        tb.silent("REGISTER", "primary", 0.1)
        tb.respond(tb.register("secondary", 0.6, cseq=2), 200, answered_at)
        tb.call("primary", 12.0, bye_at=15.0, call_id="call-a")
        if second_call:
            tb.silent("INVITE", "primary", 18.0, call_id="call-b")
            tb.respond(tb.register("secondary", 18.5, cseq=3), 200, 18.51)
            tb.call("secondary", 18.6, bye_at=25.0, call_id="call-b", cseq=2)
        return tb

    def test_answer_at_give_up_then_registered_before_the_retry_passes(self) -> None:
        self.assertNotEqual(status(self._world(1.15, True), "FB-3"), "fail")

    def test_answer_in_time_fails(self) -> None:
        self.assertEqual(status(self._world(0.7, True), "FB-3"), "fail")

    def test_no_registration_before_the_retry_fails(self) -> None:
        self.assertEqual(status(self._world(1.15, False), "FB-3"), "fail")


class CallsRefusedConnectionAheadOfItsRoeRegisterTests(SynchronousTestCase):
    """
    FB-0 (survey w7058 [1555], round 30): TCP, C{register_on_enable} 1, the
    primary stopped.  After a failover to the secondary, a call's connection
    to the primary was refused in the call's moment; FO-5's REGISTER went to
    the secondary at once and the INVITE after its 200.  The wire names the
    refused connection by the REGISTER it would have carried (the
    registration's chain), so FB-0 saw the INVITE's first attempt at the
    secondary.  The connection was the call's attempt at the primary
    (L{checks_fo._call_conn_ahead_of_roe}).  With no connection to the
    primary, or one begun away from the call's moment, the call straight to
    the secondary still fails FB-0.
    """

    def _world(self, conn_at: float | None) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, register_on_enable=1, retry_counts=2,
                                        calls=(40.0,), duration=80.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        tb.silent("REGISTER", "primary", 0.1, transport="tcp")
        gave = 0.1 + tb.give_up("REGISTER", "primary")
        tb.respond(tb.register("secondary", gave, cseq=2, transport="tcp"), 200, gave + 0.01)
        at = 40.0
        if conn_at is not None:
            at = max(at, tb.refused(conn_at, "primary", after=0.2))
        reg = tb.register("secondary", at, cseq=3, transport="tcp")
        tb.respond(reg, 200, at + 0.3)
        tb.call("secondary", at + 0.5, bye_at=50.0, transport="tcp", call_id="call-a")
        return tb

    def test_calls_refused_connection_to_the_primary_passes(self) -> None:
        self.assertEqual(status(self._world(40.0), "FB-0"), "pass")

    def test_straight_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(None), "FB-0"), "fail")

    def test_connection_before_the_call_fails(self) -> None:
        self.assertEqual(status(self._world(38.0), "FB-0"), "fail")


class CallPlacedAsAnEarlierCallsRegisterEndedTests(SynchronousTestCase):
    """
    FB-0 (survey w7056 [4215], round 30): UDP, C{register_on_enable} 1,
    newRequests, the primary silent to INVITEs, the secondary to everything
    after the first failover.  A call's INVITE silent at the primary, FO-5's
    REGISTER to the secondary given up at the very moment the next call was
    placed, whose INVITE went to the primary.  FB-0 read that REGISTER as
    where the new call began (FO-5's REGISTER goes ahead of its request), but
    it began before the new call was placed: it went ahead of the call
    before.  A new call whose INVITE goes to the secondary still fails.
    """

    def _world(self, third_to: str) -> TraceBuilder:
        tb = TraceBuilder(default_facts(register_on_enable=1, server2="", retry_counts=1,
                                        calls=(10.0, 30.0, 33.0), duration=60.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=3600)
        tb.respond(tb.register("primary", 0.01), 200, 0.02)
        g = tb.give_up("INVITE")
        # the first call fails over to the secondary, registering there first (FO-5)
        tb.silent("INVITE", "primary", 10.0, call_id="call-a")
        tb.respond(tb.register("secondary", 10.0 + g, cseq=2), 200, 10.0 + g + 0.01)
        tb.call("secondary", 10.0 + g + 0.02, bye_at=15.0, call_id="call-a", cseq=2)
        # the second: its INVITE silent at the primary, FO-5's REGISTER silent too,
        # given up at 33.0 s as the third call is placed
        tb.silent("INVITE", "primary", 30.0, call_id="call-b")
        tb.silent("REGISTER", "secondary", 30.0 + g, cseq=3)
        tb.silent("INVITE", third_to, 33.0, call_id="call-c")
        return tb

    def test_new_call_to_the_primary_passes(self) -> None:
        self.assertEqual(status(self._world("primary"), "FB-0"), "pass")

    def test_new_call_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world("secondary"), "FB-0"), "fail")


def tls_invite_read_after_the_close_world(*, primary_first: bool = False,
                                          fallback_at: float | None = 41.003,
                                          fallback_down: bool = False) -> TraceBuilder:
    """
    Survey w7069 [7048..7050] and [9860, 9861], round 33: TLS, concurrent
    mode, failback_mode 2, registered at the fallback server and, after a
    failover, at the secondary.  A call at 40.0 s writes its INVITE onto the
    secondary's connection as the secondary's close_notify leaves it; the
    phone closes at 40.0004 s and opens a connection to the primary then
    (its first SYN lost, refused at 41.0014 s); the secondary reads the
    INVITE only at 40.0005 s, after the close.  The INVITE then goes to the
    fallback server at C{fallback_at} (none if C{None}); C{fallback_down}:
    its connection there refused, as for w7069 [9860], where no SIP of the
    INVITE ever reached the fallback server.  C{primary_first}: the
    misbehaving phone, its connection to the primary begun at 39.99 s,
    before it wrote the INVITE to the secondary.
    """
    tb = TraceBuilder(default_facts(transport=2, failback_mode=2, retry_counts=3,
                                    calls=(40.0,), duration=60.0))
    tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
    tb.respond(tb.register("fallback", 0.0, call_id="reg-2", transport="tls", port=5061),
               200, 0.01)
    tb.silent("REGISTER", "primary", 0.0, transport="tls", port=5061)
    give_up = tb.give_up("REGISTER")
    tb.respond(tb.register("secondary", give_up, cseq=2, transport="tls", port=5061), 200,
               give_up + 0.01)
    phone, srv = (PHONE, 5060), (SECONDARY, 5061)
    tb._add(PacketEvent(40.0, "tcp", srv, phone, b""))  # the secondary's close_notify
    tb._add(PacketEvent(40.0, "tcp", phone, srv, b""))  # the INVITE's record
    tb._add(PacketEvent(40.0004, "tcp", phone, srv, b""))  # the phone's close_notify
    tb._add(PacketEvent(40.0004, "tcp", phone, srv, b"", flags="F"))
    tb._add(ConnEvent(40.0004, PHONE, "close", "tcp", phone, srv, "local"))
    syn = 39.99 if primary_first else 40.0004
    tb.syn_lost(syn, "primary", port=5061, fate="lost", phone_port=41900)
    tb.syn_lost(syn + 1.0, "primary", port=5061, phone_port=41900)  # met the closed port
    tb._add(ConnEvent(syn + 1.001, PHONE, "refused", "tcp", (PHONE, 41900), (PRIMARY, 5061),
                      "RST"))
    tb.invite("secondary", 40.0005, call_id="call-a", transport="tls", port=5061)
    tb._add(PacketEvent(40.0009, "tcp", srv, phone, b"", flags="F"))
    tb._add(ConnEvent(40.0009, SECONDARY, "close", "tcp", srv, phone, "peer"))
    if fallback_at is not None and fallback_down:
        tb.refused(fallback_at, "fallback", port=5061, after=0.001)
    elif fallback_at is not None:
        inv = tb.invite("fallback", fallback_at, call_id="call-a", cseq=2, transport="tls",
                        port=5061)
        tb.respond(inv, 200, fallback_at + 0.2)
        tb.in_dialog(inv, "ACK", fallback_at + 0.3, transport="tls", port=5061)
    return tb


class TlsInviteReadAfterThePhonesCloseTests(SynchronousTestCase):
    """
    FB-2 (survey w7069 [7048..7050], round 33, 3 worlds;
    L{tls_invite_read_after_the_close_world}): the wire knows a TLS request
    only as its server read it; the secondary read the call's INVITE after
    the phone had closed the connection and begun the primary's, so the
    INVITE seemed to begin at the primary and FB-2 said it left the current
    server.  A request is never written onto a connection its sender has
    closed: it was written before (L{wire._written_before_close}).  A phone
    that began the primary's connection before it wrote the INVITE to the
    secondary still fails FB-2.
    """

    def test_invite_at_the_secondary_first_passes(self) -> None:
        self.assertEqual(status(tls_invite_read_after_the_close_world(), "FB-2"), "pass")

    def test_primary_before_the_secondary_fails(self) -> None:
        world = tls_invite_read_after_the_close_world(primary_first=True)
        self.assertEqual(status(world, "FB-2"), "fail")


class CallsSecondaryConnectionRefusedLateTests(SynchronousTestCase):
    """
    FB-2 (survey w7075 [3218, 3219], round 34, 2 worlds): TCP,
    C{failback_mode} 2, C{retry_counts} 0, concurrent mode, the phone on the
    secondary, which was then flapped down.  A call at 100 s opened a
    connection to the secondary; the closed port's RST was lost, so the
    phone gave it up at its RTX-1 time (100.5 s) and opened one to the
    primary, silent, while the secondary's SYN went again at 101 s and drew
    the RST the phone then heard.  At 101 s it gave the primary up too and
    the INVITE went to the fallback server (FO-6).  Failed connections are
    ordered by failure time: the secondary's, learnt last, was resolved
    after the primary's had been read as the call's, and was left out as a
    planned call's INVITE that never got on the wire; the INVITE read as
    begun at the primary.  A call that really tried the primary first still
    fails FB-2.
    """

    def _world(self, primary_first: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=2, transport=1, retry_counts=0,
                                        calls=(100.0,), duration=120.0))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2", transport="tcp"), 200,
                   0.005)
        tb.syn_lost(0.01, "primary", phone_port=41800, fate="lost")
        gave_up = 0.01 + tb.give_up("REGISTER")
        tb.respond(tb.register("secondary", gave_up, cseq=2, transport="tcp"), 200,
                   gave_up + 0.01)
        tb.fault(90.0, "secondary", "flap", "down")
        give_up = tb.give_up("INVITE")
        moved = 100.0 + give_up
        # the secondary's connection: its first SYN's RST lost, the next SYN's heard
        sec_at = moved if primary_first else 100.0
        tb.syn_lost(sec_at, "secondary", phone_port=41900)
        tb._add(PacketEvent(sec_at + 0.001, "tcp", (SECONDARY, 5060), (PHONE, 41900), b"",
                            fate="lost", flags="R"))
        tb.syn_lost(sec_at + 1.0, "secondary", phone_port=41900)
        tb._add(ConnEvent(sec_at + 1.0005, PHONE, "refused", "tcp", (PHONE, 41900),
                          (SECONDARY, 5060), "RST"))
        # the primary's: its SYN lost, given up at RTX-1's time
        tb.syn_lost(100.0 if primary_first else moved, "primary", phone_port=41901,
                    fate="lost")
        tb.call("fallback", moved + give_up + 0.001, bye_at=110.0, call_id="call-a",
                transport="tcp")
        return tb

    def test_call_that_tried_the_secondary_first_passes(self) -> None:
        tb = self._world(False)
        self.assertEqual(status(tb, "FB-2"), "pass")
        self.assertNotEqual(status(tb, "FO-6"), "fail")

    def test_call_that_tried_the_primary_first_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FB-2"), "fail")

    def _failback(self, primary_first: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import failback_problems

        return failback_problems(self._world(primary_first),
                                 AccountSpec(failback_mode=(2, 0), transport=1))

    def test_invariant_holds_for_the_secondary_first(self) -> None:
        self.assertEqual(self._failback(False), [])

    def test_invariant_breaks_for_the_primary_first(self) -> None:
        self.assertEqual(len(self._failback(True)), 1)


Answer = Callable[..., None]


def answer_held_world(delivered: float, syn: float | None, *, code: int = 486,
                      fallback: bool = True, failback_mode: int = 3,
                      calls: tuple[float, ...] = (), primary_first: float | None = None,
                      extra: Callable[[TraceBuilder, Answer], object] | None = None
                      ) -> TraceBuilder:
    """
    TLS, C{retry_counts} 0, the phone on the secondary since its first
    registration: the secondary's C{code} to the renewal at 100 s sent at
    once, its segment lost until C{delivered} (sent at 100.01 s and 100.21 s
    before that).  C{syn}: when the phone's connection to the primary was
    refused (C{None}: none), then, with C{fallback}, the REGISTER went on to
    the fallback server (server 1 out of targets, FO-6).  C{primary_first}:
    when the renewal went to the primary first, silent (C{failback_mode} 0).
    C{extra}: more traffic, given the builder and the answer helper.
    """
    tb = TraceBuilder(default_facts(failback_mode=failback_mode, failback_timeout=3600,
                                    calls=calls, retry_counts=0, transport=2,
                                    redundancy_type=1, duration=120.0,
                                    latency_tolerance=0.11))
    tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)

    def answer(req: Req, code: int, at: float, lost: tuple[float, ...] = (),
               got: float | None = None) -> None:
        # the server's answer and its TLS segments: C{lost} copies, then one through
        tb.respond(req, code, at)
        seg = ((req.dst, req.port), (PHONE, 5060))
        for t in lost:
            tb._add(PacketEvent(t, "tcp", *seg, b"", fate="lost"))
        tb._add(PacketEvent(at if got is None else got, "tcp", *seg, b""))

    tb.silent("REGISTER", "primary", 0.1, transport="tls", port=5061)
    at = 0.1 + tb.give_up("REGISTER")
    answer(tb.register("secondary", at, cseq=2, transport="tls", port=5061), 200, at + 0.01)
    if primary_first is not None:
        tb.silent("REGISTER", "primary", primary_first, transport="tls", port=5061)
    renewal = tb.register("secondary", 100.0, cseq=3, transport="tls", port=5061)
    answer(renewal, code, 100.01, tuple(t for t in (100.01, 100.21) if t < delivered),
           delivered)
    if syn is not None:
        learnt = tb.refused(syn, "primary", port=5061)
        if fallback:
            answer(tb.register("fallback", learnt, call_id="reg-2", transport="tls",
                               port=5061), 200, learnt + 0.01)
    if extra is not None:
        extra(tb, answer)
    return tb


class AnswerHeldByTcpPastTheGiveUpAsTheNextConnectionBeganTests(SynchronousTestCase):
    """
    FB-3 (survey w7087 [9350, 9351], round 38): TLS, C{retry_counts} 0,
    C{failback_mode} 3, the phone on the secondary.  The secondary's 486 to a
    renewal (a 180 and 200 to a call's INVITE in [9351]) was sent at once,
    but its segment was lost twice and got through only 0.13 s after the
    phone's give-up (RTX-1), within the tolerance of it as dated at the
    server.  The phone had given the secondary up and opened a connection to
    the primary, which failed before any SIP (refused): no request on the
    wire to name the try, so the answer read as taken, and the failed
    connection as a new request leaving the current server.  A connection to
    the primary begun only after the answer got through still fails FB-3.
    """

    def _world(self, delivered: float, syn: float) -> TraceBuilder:
        return answer_held_world(delivered, syn)

    def _give_up(self) -> float:
        return 100.0 + TraceBuilder(default_facts(retry_counts=0)).give_up("REGISTER")

    def test_connection_to_the_primary_before_the_late_answer_passes(self) -> None:
        g = self._give_up()
        self.assertNotEqual(status(self._world(g + 0.1, g), "FB-3"), "fail")

    def test_connection_to_the_primary_after_the_answer_fails(self) -> None:
        g = self._give_up()
        self.assertEqual(status(self._world(g + 0.05, g + 0.09), "FB-3"), "fail")

    def test_connection_to_the_primary_after_an_answer_in_time_fails(self) -> None:
        g = self._give_up()
        self.assertEqual(status(self._world(100.21, g), "FB-3"), "fail")

    def _failback(self, delivered: float, syn: float) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import failback_problems

        return failback_problems(self._world(delivered, syn),
                                 AccountSpec(failback_mode=(3, 0), failback_timeout=(3600, 0),
                                             transport=2), tol=0.11)

    def test_invariant_holds_for_the_connection_before_the_answer(self) -> None:
        g = self._give_up()
        self.assertEqual(self._failback(g + 0.1, g), [])

    def test_invariant_breaks_for_the_connection_after_the_answer(self) -> None:
        g = self._give_up()
        self.assertEqual(len(self._failback(g + 0.05, g + 0.09)), 1)


class FailedConnectionOfAnotherRequestAtTheGiveUpTests(SynchronousTestCase):
    """
    The held-answer rule (survey w7087 [9350, 9351], round 38) reads a
    connection to another target begun at a request's give-up, before its
    held answer got through, as the phone moving on.  Review of round 38: a
    call placed just before the renewal's give-up, its INVITE refused at the
    primary (the failed connection) and sent on to the secondary, is that
    connection's request, not the renewal's move.  Pinned on the renewal, a
    correct phone's 200 read late failed FO-2, FO-6, FB-0 and FBK-S2
    (C{failback_mode} 0), and the try at the primary read as the renewal's
    move let a new request leave the current server (C{failback_mode} 3,
    FB-3).  A connection begun too early for the give-up is never the move.
    """

    def _give_up(self) -> float:
        return 100.0 + TraceBuilder(default_facts(retry_counts=0)).give_up("REGISTER")

    def _call(self, bye: bool) -> Callable[[TraceBuilder, Answer], None]:
        g = self._give_up()

        def extra(tb: TraceBuilder, answer: Answer) -> None:
            # the call's INVITE, refused at the primary, on to the secondary's connection
            inv = tb.invite("secondary", g - 0.06, transport="tls", port=5061, call_id="call-1")
            answer(inv, 200, g - 0.05)
            tb.in_dialog(inv, "ACK", g - 0.03, transport="tls", port=5061)
            if bye:
                answer(tb.in_dialog(inv, "BYE", g + 5, transport="tls", port=5061), 200,
                       g + 5.01)
        return extra

    def _world(self, failback_mode: int, call: bool) -> TraceBuilder:
        g = self._give_up()
        return answer_held_world(
            g - 0.05, g - 0.08 if call else None, code=200, fallback=False,
            failback_mode=failback_mode, calls=(g - 0.09,) if call else (),
            primary_first=100.0 - (g - 100.0) - 0.001 if failback_mode == 0 else None,
            extra=self._call(failback_mode == 0) if call else None)

    def test_calls_refused_connection_leaves_a_renewals_answer_in_time(self) -> None:
        tb = self._world(0, call=True)
        self.assertEqual([c for c in ("FO-2", "FO-6", "FB-0", "FBK-S2") if status(tb, c) == "fail"],
                         [])

    def test_renewals_answer_in_time_without_a_call_passes(self) -> None:
        tb = self._world(0, call=False)
        self.assertEqual([c for c in ("FO-2", "FO-6", "FB-0", "FBK-S2") if status(tb, c) == "fail"],
                         [])

    def test_calls_try_at_the_primary_leaving_the_current_server_fails(self) -> None:
        self.assertEqual(status(self._world(3, call=True), "FB-3"), "fail")

    def test_no_connection_elsewhere_passes(self) -> None:
        self.assertEqual(status(self._world(3, call=False), "FB-3"), "pass")

    def test_provisional_never_held_back_stays_taken(self) -> None:
        # (a call's INVITE to the secondary at 100 s, its 180 sent 50 ms after the
        # give-up and never lost, within the tolerance: no answer TCP held back, so the
        # SYN to the primary at the give-up is not read as the move on, and the try there
        # still leaves the current server, FB-3; kills reading every provisional as held)
        g = self._give_up()

        def call(tb: TraceBuilder, answer: Answer) -> None:
            inv = tb.invite("secondary", 100.0, transport="tls", port=5061, call_id="call-1")
            tb.respond(inv, 180, g + 0.05)
            answer(inv, 200, g + 0.3)
            tb.in_dialog(inv, "ACK", g + 0.35, transport="tls", port=5061)

        tb = answer_held_world(100.01, g, code=200, fallback=False, calls=(100.0,), extra=call)
        self.assertEqual(status(tb, "FB-3"), "fail")

    def test_in_dialog_request_is_not_the_connections_request(self) -> None:
        # (second review of round 38: a BYE of an earlier call at the secondary sent just
        # after the give-up follows its dialog, opens no connection to the primary: the
        # SYN there is still the renewal's move on, L{wire._opened_for_another})
        g = self._give_up()

        def call(tb: TraceBuilder, answer: Answer) -> None:
            inv = tb.invite("secondary", 50.0, transport="tls", port=5061, call_id="call-1")
            answer(inv, 200, 50.01)
            tb.in_dialog(inv, "ACK", 50.02, transport="tls", port=5061)
            answer(tb.in_dialog(inv, "BYE", g + 0.02, transport="tls", port=5061), 200,
                   g + 0.03)

        tb = answer_held_world(g + 0.1, g, calls=(50.0,), extra=call)
        self.assertNotEqual(status(tb, "FB-3"), "fail")

    def test_connection_to_another_groups_server_is_no_move(self) -> None:
        # (second review of round 38: the SYN at the give-up went to the fallback server,
        # outside the secondary's group, L{wire._opened_elsewhere_at}: the renewal's 200
        # stays taken, and the new REGISTER to the primary after it leaves the current
        # server, FB-3)
        g = self._give_up()

        def elsewhere(tb: TraceBuilder, answer: Answer) -> None:
            learnt = tb.refused(g, "fallback", port=5061)
            answer(tb.register("primary", learnt, call_id="reg-2", transport="tls", port=5061),
                   200, learnt + 0.01)

        tb = answer_held_world(g + 0.1, None, code=200, fallback=False, extra=elsewhere)
        self.assertEqual(status(tb, "FB-3"), "fail")

    def test_connection_begun_before_the_give_up_is_no_move(self) -> None:
        # (the SYN 0.15 s before the give-up, beyond the tolerance: the phone left the
        # secondary while its renewal was pending, FB-3)
        g = self._give_up()
        self.assertEqual(status(answer_held_world(g + 0.1, g - 0.15), "FB-3"), "fail")


def call_past_a_nameless_target_world(renewal_to: str, other_call: float | None = None,
                                      extra_calls: tuple[float, ...] = (),
                                      hook: Callable[[TraceBuilder], object] | None = None,
                                      ghosts: int = 1,
                                      primary_lost: tuple[float, ...] = (30.01, 31.01)
                                      ) -> TraceBuilder:
    """
    UDP, C{failback_mode} 0, C{register_on_enable} 1, C{retry_counts} 0; SRV
    targets the primary, a nameless one and the secondary, the phone failed
    over to the secondary at 0 s.  The call at 30 s: its lookup lost the
    primary's A (given up at 34.01 s), the nameless target's NXDOMAIN lost
    once and heard at 35.01 s, the secondary's A at 35.02 s; FO-5's REGISTER
    and the INVITE at the secondary.  A renewal's lookup begun at 34.5 s heard
    the primary's address at 34.6 s and sent its REGISTER to C{renewal_to}.
    C{other_call}: when a second call was planned, its INVITE to the primary
    at 35.1 s.  C{extra_calls}: more planned calls, whose traffic C{hook}
    adds.  C{ghosts}: how many nameless targets stand between the primary
    and the secondary (the call's lookup losing the last's answer once).
    C{primary_lost}: when the call's lookup lost the primary's A.
    """
    calls = tuple(sorted(((30.0,) if other_call is None else (30.0, other_call))
                         + extra_calls))
    tb = TraceBuilder(default_facts(port1=0, server2="", retry_counts=0, register_on_enable=1,
                                    failback_mode=0, expires=70, calls=calls,
                                    duration=60.0))
    srv = f"_sip._udp.{DOMAIN}"
    names = [f"ghost{i}.{DOMAIN}" if i else f"ghost.{DOMAIN}" for i in range(ghosts)]
    targets = [f"1 10 5060 primary.{DOMAIN}.",
               *(f"{5 + i} 10 5060 {name}." for i, name in enumerate(names)),
               f"10 10 5060 secondary.{DOMAIN}."]
    tb.dns(0.0, srv, "SRV", targets)
    tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY])
    for i, name in enumerate(names):
        tb.dns(0.02 + 0.001 * i, name, "A", rcode="NXDOMAIN")
    tb.dns(0.03, f"secondary.{DOMAIN}", "A", [SECONDARY])
    tb.silent("REGISTER", "primary", 0.04)
    gave_up = 0.04 + tb.give_up("REGISTER")
    tb.respond(tb.register("secondary", gave_up, cseq=2), 200, gave_up + 0.01)
    # the call's lookup (each nameless target's answer lost once: a second apart)
    tb.dns(30.0, srv, "SRV", targets)
    for t in primary_lost:
        tb.dns(t, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
    for i, name in enumerate(names):
        tb.dns(34.01 + i, name, "A", rcode="TIMEOUT")
    # the renewal's, the primary's address heard after the call's lookup gave it up
    tb.dns(34.5, srv, "SRV", targets)
    tb.dns(34.6, f"primary.{DOMAIN}", "A", [PRIMARY])
    for i, name in enumerate(names):
        tb.dns(35.01 + i, name, "A", rcode="NXDOMAIN")
    d = ghosts - 1.0
    tb.dns(35.02 + d, f"secondary.{DOMAIN}", "A", [SECONDARY])
    tb.respond(tb.register("secondary", 35.03 + d, cseq=3), 200, 35.035 + d)
    tb.call("secondary", 35.04 + d, call_id="call-a", bye_at=45.0)
    tb.respond(tb.register(renewal_to, 35.045 + d, cseq=4), 200, 35.05 + d)
    if other_call is not None:
        tb.call("primary", 35.1 + d, call_id="call-b", bye_at=50.0)
    if hook is not None:
        hook(tb)
    return tb


class CallsLookupGaveThePrimaryUpBeforeANamelessTargetTests(SynchronousTestCase):
    """
    FB-0 (survey w7092 [2774], round 38): a call's lookup gave the primary
    up (its A lost twice), then a nameless SRV target (NXDOMAIN), and moved on
    to the secondary, where FO-5's REGISTER and the INVITE went; a renewal's
    lookup begun meanwhile heard the primary's address after the call's gave
    it up, and renewed at the primary.  L{checks_dns.given_up_before} looked
    one question back from the secondary's address (the nameless target's)
    and the primary read as known: FB-0 failed the call.  A phone that sent
    the renewal past the primary it had just heard still fails FB-0.
    """

    def test_call_past_the_given_up_primary_passes(self) -> None:
        self.assertEqual(status(call_past_a_nameless_target_world("primary"), "FB-0"), "pass")

    def test_renewal_past_the_heard_primary_fails(self) -> None:
        self.assertEqual(status(call_past_a_nameless_target_world("secondary"), "FB-0"),
                         "fail")

    def test_call_planned_after_the_primary_was_asked_is_no_evidence(self) -> None:
        # (round 38, after the merge of round 37: a call planned at 34.8 s, after the
        # primary's A was asked at 34.6 s, went there on the cached answer: it says
        # nothing of whose that question was, L{checks_dns._lookup_running}, and its ACK
        # is no request of another lookup; the renewal past the primary still fails)
        tb = call_past_a_nameless_target_world("secondary", other_call=34.8)
        self.assertEqual(status(tb, "FB-0"), "fail")

    def test_call_whose_lookup_was_running_serves_as_evidence(self) -> None:
        # (a call planned at 34.5 s, its lookup running as the primary was asked, its
        # INVITE to the primary: that answer may have been its lookup's)
        tb = call_past_a_nameless_target_world("secondary", other_call=34.5)
        self.assertEqual(status(tb, "FB-0"), "pass")

    def test_two_nameless_targets_between_pass(self) -> None:
        # (the walk goes back through each nameless target in turn)
        self.assertEqual(status(call_past_a_nameless_target_world("primary", ghosts=2), "FB-0"),
                         "pass")
        self.assertEqual(status(call_past_a_nameless_target_world("secondary", ghosts=2),
                                "FB-0"), "fail")

    def test_reinvite_in_a_dialog_at_the_primary_is_no_evidence(self) -> None:
        # (review of round 38: an earlier call's session refresh at the primary, sent on
        # no lookup, excused the renewal past the primary it heard)
        def refresh(tb: TraceBuilder) -> None:
            earlier = tb.call("primary", 20.0, call_id="call-0", bye_at=55.0)
            again = tb.in_dialog(earlier, "INVITE", 34.7)
            tb.respond(again, 200, 34.71)
            tb.in_dialog(earlier, "ACK", 34.72, cseq=again.cseq)

        tb = call_past_a_nameless_target_world("secondary", extra_calls=(20.0,), hook=refresh)
        self.assertEqual(status(tb, "FB-0"), "fail")

    def test_call_that_asked_the_primary_itself_is_no_evidence(self) -> None:
        # (review of round 38: the second call's lookup asked the primary at 34.9 s and
        # went there on its own answer; the one heard at 34.6 s stays unexplained)
        tb = call_past_a_nameless_target_world(
            "secondary", other_call=34.5,
            hook=lambda tb: tb.dns(34.9, f"primary.{DOMAIN}", "A", [PRIMARY]))
        self.assertEqual(status(tb, "FB-0"), "fail")

    def test_primary_heard_while_the_lookup_still_wanted_it_fails(self) -> None:
        # (asked at 33.5 s, before the call's lookup gave the primary up at 34.01 s: it
        # may have been that lookup's, which then went past it)
        tb = call_past_a_nameless_target_world(
            "primary", hook=lambda tb: tb.dns(33.5, f"primary.{DOMAIN}", "A", [PRIMARY]))
        self.assertEqual(status(tb, "FB-0"), "fail")

    def test_request_to_the_primary_long_after_the_call_is_no_evidence(self) -> None:
        def later(tb: TraceBuilder) -> None:
            tb.respond(tb.register("primary", 40.0, cseq=5), 200, 40.01)

        tb = call_past_a_nameless_target_world("secondary", hook=later)
        self.assertEqual(status(tb, "FB-0"), "fail")

    def test_primary_still_pending_at_the_nameless_target_fails(self) -> None:
        # (second review of round 38: the call's lookup lost the primary's A at 30.5 s,
        # due to be given up at 34.5 s, but asked the nameless target at 34.01 s: that
        # question did not end as the lookup moved on, L{checks_dns._ended_as}, and the
        # primary was left, not given up)
        tb = call_past_a_nameless_target_world("primary", primary_lost=(30.5,))
        self.assertEqual(status(tb, "FB-0"), "fail")

    def test_one_register_excuses_one_answer_only(self) -> None:
        # (second review of round 38: a second answer for the primary at 34.8 s; the
        # renewal's REGISTER went on that one, its own question; the one heard at 34.6 s
        # has no request of its own and stays unexplained)
        tb = call_past_a_nameless_target_world(
            "primary", hook=lambda tb: tb.dns(34.8, f"primary.{DOMAIN}", "A", [PRIMARY]))
        self.assertEqual(status(tb, "FB-0"), "fail")
        # (the second answer heard after the REGISTER left: 34.6 s is the REGISTER's own)
        tb = call_past_a_nameless_target_world(
            "primary", hook=lambda tb: tb.dns(35.046, f"primary.{DOMAIN}", "A", [PRIMARY]))
        self.assertEqual(status(tb, "FB-0"), "pass")

    def test_call_placed_after_the_give_up_inherits_none(self) -> None:
        # (second review of round 38: a call placed at 34.55 s, after the first call's
        # lookup gave the primary up at 34.01 s, sent its INVITE to the secondary at
        # 35.1 s, past the primary the renewal heard at 34.6 s: that give-up was not its
        # lookup's; the same call to the primary passes)
        def to(server: str) -> Callable[[TraceBuilder], object]:
            return lambda tb: tb.call(server, 35.1, call_id="call-b", bye_at=50.0)

        late = call_past_a_nameless_target_world("primary", extra_calls=(34.55,),
                                                 hook=to("secondary"))
        self.assertEqual(status(late, "FB-0"), "fail")
        right = call_past_a_nameless_target_world("primary", extra_calls=(34.55,),
                                                  hook=to("primary"))
        self.assertEqual(status(right, "FB-0"), "pass")

    def test_call_placed_after_the_give_up_past_its_own_heard_target_fails(self) -> None:
        # (second review of round 38: the late call's lookup asked the secondary at 34.7 s,
        # while the first call's lookup was still on the nameless target, and went past
        # the primary heard at 34.6 s)
        def to(server: str) -> Callable[[TraceBuilder], object]:
            def hook(tb: TraceBuilder) -> None:
                tb.dns(34.7, f"secondary.{DOMAIN}", "A", [SECONDARY])
                tb.call(server, 35.1, call_id="call-b", bye_at=50.0)
            return hook

        late = call_past_a_nameless_target_world("primary", extra_calls=(34.55,),
                                                 hook=to("secondary"))
        self.assertEqual(status(late, "FB-0"), "fail")
        right = call_past_a_nameless_target_world("primary", extra_calls=(34.55,),
                                                  hook=to("primary"))
        self.assertEqual(status(right, "FB-0"), "pass")

    def _failback(self, renewal_to: str) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import failback_problems

        return failback_problems(call_past_a_nameless_target_world(renewal_to),
                                 AccountSpec(failback_mode=(0, 0), register_on_enable=(1, 0)))

    def test_invariant_holds_for_the_call_past_the_given_up_primary(self) -> None:
        self.assertEqual(self._failback("primary"), [])

    def test_invariant_breaks_for_the_renewal_past_the_heard_primary(self) -> None:
        self.assertNotEqual(self._failback("secondary"), [])


class CallsPrimaryGivenUpAsAnotherCallsWasAskedTests(SynchronousTestCase):
    """
    FAILBACK invariant (survey w7089 [1356..1360], round 37; UDP, 20 % loss,
    newRequests, ghost an SRV target with no address): a call's lookup lost
    the primary's A query twice and gave it up (DNS-8, DNS-11), moving on to
    ghost's (NXDOMAIN) and then the secondary's, its INVITE to the secondary.
    A second call's lookup asked the primary's address the moment the first
    gave it up, and heard it before the first call's INVITE left.  Read
    question by question (L{checks_dns.given_up_before}), an answer naming
    the primary that reached the phone "between" the give-up and the move on
    was the first lookup's, so the INVITE seemed to skip the primary.  That
    answer left the DNS server only after the first lookup had given the
    primary up: it was the second call's (whose INVITE went to the primary).
    Had it come before the give-up, or had the call's own query been
    answered, the INVITE to the secondary still breaks the invariant; so
    does it when no other request went to the primary on that answer (the
    call's own lookup asked it again: review of round 37).
    """

    def _world(self, *, other_asked: float = 284.01, own_lost: bool = True,
               second_call: bool = True) -> TraceBuilder:
        calls = (280.0, 284.0) if second_call else (280.0,)
        tb = TraceBuilder(default_facts(port1=0, server2="", calls=calls, duration=300.0))
        srv = [f"7 64 5060 primary.{DOMAIN}", f"16 86 5060 ghost.{DOMAIN}",
               f"16 80 5060 secondary.{DOMAIN}"]
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=60)
        tb.respond(tb.register("primary", 0.02), 200, 0.03)
        # the first call's lookup: the primary's address lost twice, given up at 284.01 s
        tb.dns(280.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        if own_lost:
            lost_query(tb, 280.01, f"primary.{DOMAIN}", dns.A)
            lost_query(tb, 281.01, f"primary.{DOMAIN}", dns.A)
        else:
            tb.dns(280.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=60, answer_after=4.0)
        # the second call's lookup asks the primary's address (or, with no second call,
        # the first call's asks it again)
        if second_call:
            tb.dns(other_asked - 0.01, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(other_asked, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=60, answer_after=0.02)
        # the first call's moves on: ghost (no address), then the secondary
        tb.dns(284.01, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN", answer_after=0.02)
        tb.dns(284.05, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=60, answer_after=0.02)
        # (answered at the instant the server read it, as on the survey's network)
        inv = tb.invite("secondary", 284.08, call_id="call-a")
        tb.respond(inv, 200, 284.08)
        tb.in_dialog(inv, "ACK", 284.1)
        tb.respond(tb.in_dialog(inv, "BYE", 285.0), 200)
        # the second call's: ghost, the secondary, its INVITE to the primary
        if second_call:
            tb.dns(284.05, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN", answer_after=0.02)
            tb.dns(284.09, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=60, answer_after=0.02)
            tb.call("primary", 284.12, bye_at=290.0, call_id="call-b")
        return tb

    def _failback(self, tb: TraceBuilder) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import failback_problems

        return failback_problems(tb, AccountSpec(failback_mode=(0, 0)))

    @staticmethod
    def _asked(tb: TraceBuilder, sent: float, name: str, qtype: str,
               answers: tuple[str, ...] = (), rcode: str = "NOERROR") -> None:
        # (a question with its packet: the phone sent it at C{sent}, the server heard it
        # and answered 20 ms later, as on the survey's network)
        from harness.trace.events import DnsEvent

        m = dns.Message(id=7, recDes=True)
        m.queries = [dns.Query(name, getattr(dns, qtype), dns.IN)]
        raw = m.toStr()
        port = 42000 + len(tb._events)
        assert tb.facts.dns is not None
        tb._add(PacketEvent(sent, "udp", (PHONE, port), tb.facts.dns, raw))
        at = sent + 0.02
        tb._add(DnsEvent(at, tb.facts.dns[0], "in", "udp", tb.facts.dns, (PHONE, port), name,
                         qtype, raw=raw))
        recs = tuple(f"{name} {qtype} {a}" for a in answers)
        tb._add(DnsEvent(at, tb.facts.dns[0], "out", "udp", tb.facts.dns, (PHONE, port), name,
                         qtype, rcode, recs, tuple(60 for _ in recs)))

    def _latency_world(self, other_sent: float = 284.12, invite_at: float = 284.14,
                       b_at: float = 284.18) -> TraceBuilder:
        # (the survey's timing, 20 ms each way: the second call's secondary A sent as the
        # first call's INVITE was, answered as the server read that INVITE)
        tb = TraceBuilder(default_facts(port1=0, server2="", calls=(280.0, 284.0),
                                        duration=300.0))
        srv = (f"7 64 5060 primary.{DOMAIN}", f"16 86 5060 ghost.{DOMAIN}",
               f"16 80 5060 secondary.{DOMAIN}")
        self._asked(tb, 0.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        self._asked(tb, 0.04, f"primary.{DOMAIN}", "A", (PRIMARY,))
        tb.respond(tb.register("primary", 0.1), 200, 0.1)
        self._asked(tb, 280.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        lost_query(tb, 280.04, f"primary.{DOMAIN}", dns.A)
        lost_query(tb, 281.04, f"primary.{DOMAIN}", dns.A)
        self._asked(tb, 284.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        self._asked(tb, 284.04, f"primary.{DOMAIN}", "A", (PRIMARY,))  # (the second call's)
        self._asked(tb, 284.04, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN")
        self._asked(tb, 284.08, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        self._asked(tb, 284.08, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN")
        inv = tb.invite("secondary", invite_at, call_id="call-a")
        tb.respond(inv, 200, invite_at)
        tb.in_dialog(inv, "ACK", invite_at + 0.04)
        tb.respond(tb.in_dialog(inv, "BYE", 285.0), 200)
        self._asked(tb, other_sent, f"secondary.{DOMAIN}", "A", (SECONDARY,))  # (the second's)
        tb.call("primary", b_at, bye_at=290.0, call_id="call-b")
        return tb

    def _tcp_world(self) -> TraceBuilder:
        # (TCP, 20 ms each way: the first call's INVITE began with its SYN at 284.12 s,
        # the instant its own secondary A's answer, sent at 284.10 s, reached the phone)
        tb = TraceBuilder(default_facts(port1=0, server2="", calls=(280.0, 284.0),
                                        duration=300.0, transport=1))
        srv = (f"7 64 5060 primary.{DOMAIN}", f"16 86 5060 ghost.{DOMAIN}",
               f"16 80 5060 secondary.{DOMAIN}")
        self._asked(tb, 0.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        self._asked(tb, 0.04, f"primary.{DOMAIN}", "A", (PRIMARY,))
        tb._add(PacketEvent(0.06, "tcp", (PHONE, 5060), (PRIMARY, 5060), b"", flags="S"))
        tb.respond(tb.register("primary", 0.14, transport="tcp"), 200, 0.14)
        self._asked(tb, 280.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        lost_query(tb, 280.04, f"primary.{DOMAIN}", dns.A)
        lost_query(tb, 281.04, f"primary.{DOMAIN}", dns.A)
        self._asked(tb, 284.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        self._asked(tb, 284.04, f"primary.{DOMAIN}", "A", (PRIMARY,))  # (the second call's)
        self._asked(tb, 284.04, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN")
        self._asked(tb, 284.08, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        self._asked(tb, 284.08, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN")
        tb._add(PacketEvent(284.12, "tcp", (PHONE, 5060), (SECONDARY, 5060), b"", flags="S"))
        inv = tb.invite("secondary", 284.18, call_id="call-a", transport="tcp")
        tb.respond(inv, 200, 284.18)
        tb.in_dialog(inv, "ACK", 284.22)
        tb.respond(tb.in_dialog(inv, "BYE", 285.0), 200)
        self._asked(tb, 284.12, f"secondary.{DOMAIN}", "A", (SECONDARY,))  # (the second's)
        tb._add(PacketEvent(284.16, "tcp", (PHONE, 5060), (PRIMARY, 5060), b"", flags="S"))
        tb.call("primary", 284.22, bye_at=290.0, call_id="call-b", transport="tcp")
        return tb

    def test_invite_whose_syn_left_on_its_own_answer_holds(self) -> None:
        # (review of round 37: a request begun with its SYN, the phone's own time, had
        # an answer one way before it, not two: L{checks_dns._answer_before})
        self.assertEqual(self._failback(self._tcp_world()), [])

    def test_other_calls_question_sent_with_the_invite_holds(self) -> None:
        self.assertEqual(self._failback(self._latency_world()), [])

    def test_other_calls_question_sent_just_before_the_invite_holds(self) -> None:
        # (review of round 37: answered at 284.13 s, 10 ms before the server read the
        # INVITE, which left the phone 20 ms before that: the INVITE never had it)
        self.assertEqual(self._failback(self._latency_world(284.11)), [])

    def test_other_calls_answer_after_the_give_up_holds(self) -> None:
        self.assertEqual(self._failback(self._world()), [])

    def test_other_calls_answer_before_the_give_up_breaks(self) -> None:
        self.assertEqual(len(self._failback(self._world(other_asked=283.5))), 1)

    def test_own_query_answered_breaks(self) -> None:
        self.assertEqual(len(self._failback(self._world(own_lost=False))), 1)

    def _reask_world(self, *, srv_again: bool, calls: tuple[float, ...],
                     late_call: float | None = None) -> TraceBuilder:
        # (the review's: the one call's lookup asks the primary's address again as it gives
        # it up, hears it, and goes past it; with its SRV asked again first, or a second
        # call planned then that never went out)
        tb = TraceBuilder(default_facts(port1=0, server2="", calls=calls, duration=300.0))
        srv = [f"7 64 5060 primary.{DOMAIN}", f"16 86 5060 ghost.{DOMAIN}",
               f"16 80 5060 secondary.{DOMAIN}"]
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=60)
        tb.respond(tb.register("primary", 0.02), 200, 0.03)
        tb.dns(280.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        lost_query(tb, 280.01, f"primary.{DOMAIN}", dns.A)
        lost_query(tb, 281.01, f"primary.{DOMAIN}", dns.A)
        if srv_again:
            tb.dns(284.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(284.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=60, answer_after=0.02)
        tb.dns(284.01, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN", answer_after=0.02)
        tb.dns(284.05, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=60, answer_after=0.02)
        inv = tb.invite("secondary", 284.08, call_id="call-a")
        tb.respond(inv, 200, 284.08)
        tb.in_dialog(inv, "ACK", 284.1)
        tb.respond(tb.in_dialog(inv, "BYE", 285.0), 200)
        if late_call is not None:  # (to the primary, on its cached answer)
            tb.call("primary", late_call, bye_at=late_call + 5.0, call_id="call-late")
        return tb

    def test_own_lookup_asking_the_primary_again_breaks(self) -> None:
        # (review of round 37: no other lookup's request went to the primary on that
        # answer, so it was the call's own lookup's, heard and passed over)
        self.assertEqual(len(self._failback(self._world(second_call=False))), 1)
        self.assertEqual(
            len(self._failback(self._world(other_asked=284.02, second_call=False))), 1)
        for srv_again, calls in ((False, (280.0,)), (True, (280.0,)), (True, (280.0, 284.0))):
            tb = self._reask_world(srv_again=srv_again, calls=calls)
            self.assertEqual(len(self._failback(tb)), 1, (srv_again, calls))

    def test_own_lookup_asking_again_then_a_later_call_to_the_primary_breaks(self) -> None:
        # (second review of round 37: a call planned at 300 s went to the primary on the
        # cached answer; its lookup was not running when the primary was asked at 284.01 s,
        # so the answer was the first call's own lookup's: L{checks_dns._lookup_running})
        tb = self._reask_world(srv_again=False, calls=(280.0, 300.0), late_call=300.0)
        self.assertEqual(len(self._failback(tb)), 1)

    def _heard_and_passed_world(self, b_invite: float, b_at: float = 290.0) -> TraceBuilder:
        # (second review of round 37: DNS queries all 20 ms one way, so the margin is
        # 40 ms; call A at 280 s gives the primary up and INVITEs the secondary, rightly;
        # call B at C{b_at} hears the primary (answered 60 ms later), asks ghost and the
        # secondary (answered at 100 ms) and INVITEs the secondary anyway, read at C{b_invite})
        tb = TraceBuilder(default_facts(port1=0, server2="", calls=(280.0, b_at),
                                        duration=300.0))
        srv = (f"7 64 5060 primary.{DOMAIN}", f"16 86 5060 ghost.{DOMAIN}",
               f"16 80 5060 secondary.{DOMAIN}")
        self._asked(tb, 0.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        self._asked(tb, 0.04, f"primary.{DOMAIN}", "A", (PRIMARY,))
        tb.respond(tb.register("primary", 0.1), 200, 0.1)
        self._asked(tb, 280.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        lost_query(tb, 280.04, f"primary.{DOMAIN}", dns.A)
        lost_query(tb, 281.04, f"primary.{DOMAIN}", dns.A)
        self._asked(tb, 284.04, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN")
        self._asked(tb, 284.08, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        inv = tb.invite("secondary", 284.14, call_id="call-a")
        tb.respond(inv, 200, 284.14)
        tb.in_dialog(inv, "ACK", 284.18)
        tb.respond(tb.in_dialog(inv, "BYE", min(285.0, b_at - 0.1)), 200)
        self._asked(tb, b_at, f"_sip._udp.{DOMAIN}", "SRV", srv)
        self._asked(tb, b_at + 0.04, f"primary.{DOMAIN}", "A", (PRIMARY,))
        self._asked(tb, b_at + 0.04, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN")
        self._asked(tb, b_at + 0.08, f"secondary.{DOMAIN}", "A", (SECONDARY,))
        inv = tb.invite("secondary", b_invite, call_id="call-b")
        tb.respond(inv, 200, b_invite)
        tb.in_dialog(inv, "ACK", b_invite + 0.04)
        tb.respond(tb.in_dialog(inv, "BYE", b_at + 5.0), 200)
        return tb

    def test_primary_heard_and_passed_over_breaks_with_fast_legs(self) -> None:
        # (B's INVITE read 30 ms after its own secondary answer, 15 ms legs: the margin
        # sets that answer aside, and must not reach back to call A's of 284.10 s and its
        # give-up; L{checks_dns._own_head_question})
        for at in (290.14, 290.13):
            self.assertEqual(len(self._failback(self._heard_and_passed_world(at))), 1, at)

    def test_primary_heard_and_passed_over_soon_after_another_call_breaks(self) -> None:
        # (third review of round 37: call B planned within a second of call A's secondary
        # answer of 284.10 s, so that pick is not stale by the clock; but call A's INVITE
        # to the secondary was made on it, between it and B's INVITE, so it was not B's
        # own: the view is B's latest answered by then; L{checks_dns._own_head_question})
        for b_at in (285.0, 284.4, 284.3):
            for at in (b_at + 0.13, b_at + 0.15):
                tb = self._heard_and_passed_world(at, b_at=b_at)
                self.assertEqual(len(self._failback(tb)), 1, (b_at, at))

    def test_invite_read_a_hair_after_its_own_answer_holds(self) -> None:
        # (the review's false alarm: call A's INVITE read at 284.13 s, 30 ms after its own
        # secondary answer, 15 ms legs; the second call's secondary answered after that read)
        tb = self._latency_world(other_sent=284.13, invite_at=284.13, b_at=284.19)
        self.assertEqual(self._failback(tb), [])


def calls_a_second_apart_world(*, register_between: bool = False, skip_first: bool = False,
                               third: float | None = None) -> TraceBuilder:
    """
    TCP, successive mode, C{register_on_enable} 1, calls at 15 s and 16 s.
    The primary is stopped and the secondary answers every REGISTER 500: the
    registration's connection to the primary refused at 1.0 s, its REGISTER
    then at the secondary (the failover, 1.03 s).  Each call's FO-5 REGISTER
    at the secondary got a 500, its INVITE's connection to the primary was
    refused, and both INVITEs went to the fallback server (FO-6) once its
    connection, its SYN lost, opened at 16.28 s.  C{register_between}: a
    third connection to the primary refused at 15.5 s, in the first call's
    moment but not its own (it had its one): the registration leaving the
    secondary within the TTL.  C{skip_first} (misbehaving, with
    C{register_between}): the first call's INVITE never tried the primary,
    its fallback connection opened at once, so the 15.5 s connection is the
    registration's leaving the secondary (RTX-2, FO-2, FB-1).  C{third}: a
    third call placed then, its INVITE never on the wire (so no call is
    paired with its Call-ID, L{wire._call_placings}).
    """
    calls = (15.0, 16.0) + ((third,) if third is not None else ())
    tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, register_on_enable=1,
                                    failback_mode=1, expires=85, calls=calls,
                                    duration=60.0, zone_ttl=300))
    tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
    at = tb.refused(1.0, "primary")
    tb.respond(tb.register("secondary", at + 0.02, cseq=2, transport="tcp"), 500)
    tb.respond(tb.register("secondary", 15.0, cseq=3, transport="tcp"), 500, 15.012)
    if not skip_first:
        tb.refused(15.026, "primary", after=0.024)
    # (the fallback server's connection, its first SYN lost, carries both INVITEs)
    tb.syn_lost(15.05, "fallback", phone_port=5060, fate="lost")
    tb.syn_lost(16.05, "fallback", phone_port=5060, fate="delivered")
    if register_between:
        tb.refused(15.5, "primary")
    tb.respond(tb.register("secondary", 16.0, cseq=4, transport="tcp"), 500, 16.012)
    tb.refused(16.025, "primary", after=0.029)
    tb.call("fallback", 16.293, bye_at=21.3, call_id="call-a", transport="tcp")
    tb.call("fallback", 16.293, bye_at=46.3, call_id="call-b", transport="tcp")
    tb.respond(tb.register("secondary", 31.12, cseq=5, transport="tcp"), 500, 31.33)
    return tb


class CallsASecondApartBothRefusedAtThePrimaryTests(SynchronousTestCase):
    """
    FO-2, FB-1 (survey w7094 [1399..1401], round 37, 3 worlds): TCP,
    C{register_on_enable} 1, the phone failed over to the secondary (which
    answers 500), calls at 15 s and 16 s, each INVITE's connection to the
    stopped primary refused after FO-5's REGISTER at the secondary, both
    INVITEs then at the fallback server.  The two calls' moments overlap, so
    the second call's connection (16.025 s), read as its own INVITE, was
    counted as the first call's one claim, and the first call's connection
    (15.026 s) was read as the registration's REGISTER leaving the
    secondary for the primary before the TTL ran out (FB-1) and not moving
    on to the secondary at once (FO-2).  A connection is its call's by the
    INVITE it was read as (L{wire._planned_call_of}).  A third connection to
    the primary in the first call's moment is still the registration's,
    and fails FB-1.
    """

    def test_each_calls_connection_is_its_own(self) -> None:
        tb = calls_a_second_apart_world()
        self.assertEqual(status(tb, "FB-1"), "pass")
        # (no REGISTER left the secondary while it answered: nothing for FO-2 to judge)
        self.assertEqual(status(tb, "FO-2"), "n/a")

    def test_each_calls_connection_is_its_own_with_a_third_call_off_the_wire(self) -> None:
        tb = calls_a_second_apart_world(third=59.95)
        self.assertEqual(status(tb, "FB-1"), "pass")
        self.assertEqual(status(tb, "FO-2"), "n/a")

    def test_a_register_to_the_primary_between_them_fails(self) -> None:
        self.assertEqual(status(calls_a_second_apart_world(register_between=True), "FB-1"),
                         "fail")

    def test_first_call_skipping_the_primary_then_a_register_there_fails(self) -> None:
        tb = calls_a_second_apart_world(register_between=True, skip_first=True)
        for clause in ("RTX-2", "FO-2", "FB-1"):
            self.assertEqual(status(tb, clause), "fail", clause)

    def test_so_it_does_with_a_third_call_off_the_wire(self) -> None:
        """
        Review of round 37: with a third call whose INVITE never reached the
        wire, no Call-ID is paired with a call, so the 16.025 s connection, read
        as both calls' INVITEs, was paired with the last call placed, the second,
        and freed the first call's claim for the 15.5 s connection.  A connection
        read as more than one call's INVITE keeps the claim of the call whose
        moment it began in too.
        """
        tb = calls_a_second_apart_world(register_between=True, skip_first=True, third=59.95)
        for clause in ("RTX-2", "FO-2", "FB-1"):
            self.assertEqual(status(tb, clause), "fail", clause)


def _tls_reset(tb: TraceBuilder, at: float, to: str, phone_port: int, *,
               up: float | None = None, done: float | None = None) -> None:
    """
    The phone's TLS connection to C{to}'s plain TCP port 5060: its SYN at
    C{at}, connected at C{up}, the server closing it on the ClientHello (a
    framing error), the phone learning the reset at C{done}.
    """
    dst = tb.addr(to)
    phone, srv = (PHONE, phone_port), (dst, 5060)
    up = at + 0.001 if up is None else up
    done = up + 0.001 if done is None else done
    tb._add(PacketEvent(at, "tcp", phone, srv, b"", fate="delivered", flags="S"))
    tb._add(ConnEvent(up - 0.0005, dst, "accept", "tcp", srv, phone, ""))
    tb._add(ConnEvent(up, PHONE, "connect", "tcp", phone, srv, ""))
    tb._add(ConnEvent(done - 0.0003, dst, "close", "tcp", srv, phone, "local"))
    tb._add(PacketEvent(done - 0.0003, "tcp", srv, phone, b"", fate="delivered", flags="F"))
    tb._add(ConnEvent(done, PHONE, "close", "tcp", phone, srv, "peer"))


def call_through_a_slow_secondary_world(*, fallback_at: float = 127.005) -> TraceBuilder:
    """
    Survey w7090 [3751], round 38: TLS, successive mode, server 1 a domain
    whose primary and secondary serve plain TCP on port 5060 (every TLS
    connection reset on its ClientHello), registered at the fallback server
    over one connection opened at 0.0 s (its REGISTER's first segment lost),
    server 1's registration failing every 30 s.  A call at 120.0 s: its
    INVITE's connection to the primary reset at 120.0026 s, the secondary's
    SYN lost until 127.0026 s and reset at 127.005 s; the INVITE then went to
    the fallback server over the open connection at C{fallback_at} (its
    first segment lost, read at C{fallback_at} + 0.2 s).  Meanwhile, outside
    the call's moment, the registration's retry looked the domain up again
    (A TTL 120 s) and its connection to the primary was reset at 122.423 s.
    """
    tb = TraceBuilder(default_facts(transport=2, port1=0, failback_mode=3, retry_counts=10,
                                    fallback_timeout=10, expires=33, calls=(120.0,),
                                    duration=140.0))
    fb_phone, fb = (PHONE, 32768), (FALLBACK, 5061)
    tb._add(PacketEvent(0.0, "tcp", fb_phone, fb, b"", flags="S"))
    tb._add(ConnEvent(0.0005, FALLBACK, "accept", "tcp", fb, fb_phone, ""))
    tb._add(ConnEvent(0.0011, PHONE, "connect", "tcp", fb_phone, fb, ""))
    tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=120)
    tb._add(PacketEvent(0.0019, "tcp", fb_phone, fb, b"", fate="lost"))
    tb._add(PacketEvent(0.2019, "tcp", fb_phone, fb, b""))
    tb.respond(tb.register("fallback", 0.2024, call_id="reg-2", transport="tls", port=5061),
               200, 0.2024)
    _tls_reset(tb, 0.002, "primary", 32769)
    _tls_reset(tb, 0.003, "secondary", 32770, up=0.204, done=0.406)
    _tls_reset(tb, 30.406, "primary", 32771)
    _tls_reset(tb, 30.408, "secondary", 32772)
    # (the call at 120 s)
    _tls_reset(tb, 120.0, "primary", 32777, done=120.0026)
    for syn in (120.0026, 121.0026, 123.0026):
        tb.syn_lost(syn, "secondary", fate="lost", phone_port=32778)
    _tls_reset(tb, 127.0026, "secondary", 32778, up=127.0035, done=127.005)
    # (the registration's retry, after the call's moment)
    tb.dns(122.419, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=120)
    _tls_reset(tb, 122.420, "primary", 32779, done=122.423)
    tb._add(PacketEvent(fallback_at, "tcp", fb_phone, fb, b"", fate="lost"))
    tb._add(PacketEvent(fallback_at + 0.2, "tcp", fb_phone, fb, b""))
    inv = tb.invite("fallback", fallback_at + 0.2, call_id="call-a", cseq=3, transport="tls",
                    port=5061)
    tb.respond(inv, 200, fallback_at + 0.201)
    tb.in_dialog(inv, "ACK", fallback_at + 0.202, transport="tls", port=5061)
    # (the builder writes SIP on the phone's port 5060; here it rides the connection)
    tb._events = [replace(e, remote=fb_phone) if isinstance(e, SipEvent) and e.local == fb
                  else e for e in tb._events]
    return tb


class CallsInviteThroughASlowSecondaryTests(SynchronousTestCase):
    """
    FO-6 (survey w7090 [3751], round 38; L{call_through_a_slow_secondary_world}):
    the call's INVITE tried the primary (reset at 120.0026 s) and the
    secondary (its SYN lost until 127.0026 s, reset at 127.005 s) and went to
    the fallback server at once.  The registration's retry connection to the
    primary (122.420 s), begun in no call's moment but read as an INVITE too,
    was paired with the call by L{wire._placed_at} and claimed its place, so
    the call's own 120.0 s connection was left free and FO-6 expected the
    fallback server by 122.63 s, after the registration's connection.  A
    connection begun in no call's moment claims no call's place
    (L{wire._planned_call_of}).  An INVITE to the fallback server seconds
    after the secondary's reset, nothing in between, still fails FO-6 (as on
    main; it guards against the branch's first version of the rule, where the
    122.420 s connection stood for it).
    """

    def test_fallback_at_once_after_the_secondary_passes(self) -> None:
        self.assertEqual(status(call_through_a_slow_secondary_world(), "FO-6"), "pass")

    def test_fallback_seconds_late_fails(self) -> None:
        tb = call_through_a_slow_secondary_world(fallback_at=132.0)
        self.assertEqual(status(tb, "FO-6"), "fail")


def calls_placed_apart_world(*, second: float, fallback_syn: float, fallback_up: float,
                             second_invite: float, stray: float | None,
                             third: float | None = None) -> TraceBuilder:
    """
    TCP, successive mode, C{register_on_enable} 1, the primary stopped and the
    secondary answering every REGISTER 500 (failed over there at 1.02 s, TTL
    300 s); calls at 15 s and C{second}.  The first call's FO-5 REGISTER got a
    500 at 15.012 s and its INVITE never tried the primary: it waited for the
    fallback server's connection (its SYN at C{fallback_syn} lost, up at
    C{fallback_up}).  The second call's REGISTER got a 500 at C{second} +
    0.012 s and its INVITE's connection to the primary was refused at
    C{second} + 0.025 s (read as the first call's INVITE, by its Call-ID:
    still waiting, L{wire._call_placings}).  Both INVITEs then at the
    fallback server, the first's at C{fallback_up} + 0.243 s, the second's at
    C{second_invite}.  C{stray}: another connection to the primary refused
    then, in the second call's moment: the registration leaving the secondary
    within the TTL (FB-1) and not on to the secondary at once (FO-2).
    C{third}: one more call, whose INVITE never reaches the wire (so no call's
    INVITE is paired by its Call-ID).
    """
    calls = (15.0, second) + ((third,) if third is not None else ())
    tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, register_on_enable=1,
                                    failback_mode=1, expires=85, calls=calls,
                                    duration=60.0, zone_ttl=300))
    tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
    at = tb.refused(1.0, "primary")
    tb.respond(tb.register("secondary", at + 0.02, cseq=2, transport="tcp"), 500)
    tb.respond(tb.register("secondary", 15.0, cseq=3, transport="tcp"), 500, 15.012)
    tb.syn_lost(fallback_syn, "fallback", phone_port=5060, fate="lost")
    tb.syn_lost(fallback_up, "fallback", phone_port=5060, fate="delivered")
    if stray is not None:
        tb.refused(stray, "primary")
    tb.respond(tb.register("secondary", second, cseq=4, transport="tcp"), 500, second + 0.012)
    tb.refused(second + 0.025, "primary", after=0.029)
    first_invite = fallback_up + 0.243
    tb.call("fallback", first_invite, bye_at=first_invite + 5, call_id="c1", transport="tcp")
    tb.call("fallback", second_invite, bye_at=second_invite + 30, call_id="c2",
            transport="tcp")
    tb.respond(tb.register("secondary", 31.12, cseq=5, transport="tcp"), 500, 31.33)
    return tb


class AConnectionPairedWithACallWhoseMomentItMissedTests(SynchronousTestCase):
    """
    FB-1, FO-2 (review of round 38 of the w7094 rule, L{wire._planned_call_of}):
    a connection begun in the second call's moment only, read as the first
    call's INVITE (its Call-ID: that INVITE was still waiting) and paired with
    the first call, took the first call's place and left the second call's
    free, so a second connection to the primary in the second call's moment,
    the registration's, was absorbed as the second call's own and never
    judged.  A connection takes the paired call's place instead of near's only
    when it began in the paired call's own moment; else it claims both.
    """

    def _world(self, *, fallback_first: bool, stray: bool) -> TraceBuilder:
        if fallback_first:
            # (the first call's fallback connection at once, up only at 16.55 s)
            return calls_placed_apart_world(second=16.5, fallback_syn=15.05,
                                            fallback_up=16.55, second_invite=16.9,
                                            stray=16.8 if stray else None)
        return calls_placed_apart_world(second=17.0, fallback_syn=17.03, fallback_up=17.05,
                                        second_invite=17.4, stray=17.3 if stray else None)

    def test_a_register_to_the_primary_in_the_second_calls_moment_fails(self) -> None:
        tb = self._world(fallback_first=False, stray=True)
        for clause in ("FB-1", "FO-2"):
            self.assertEqual(status(tb, clause), "fail", clause)

    def test_so_it_does_with_the_first_calls_fallback_connection_first(self) -> None:
        tb = self._world(fallback_first=True, stray=True)
        for clause in ("FB-1", "FO-2"):
            self.assertEqual(status(tb, clause), "fail", clause)

    def test_without_it_both_pass(self) -> None:
        for fallback_first in (False, True):
            tb = self._world(fallback_first=fallback_first, stray=False)
            self.assertEqual(status(tb, "FB-1"), "pass", fallback_first)
            self.assertNotEqual(status(tb, "FO-2"), "fail", fallback_first)


class AGuessedPairingTakesNoPlaceFromNearTests(SynchronousTestCase):
    """
    FB-1, FO-2 (second review of round 38 of the w7094 rule,
    L{calls_placed_apart_world}, calls at 15.0 s and 15.5 s): with a third call
    at 59.95 s whose INVITE never reached the wire, no Call-ID is paired, and
    a connection to the primary read as one call's INVITE was paired by
    L{wire._placed_at}'s guess with the last call placed, the second; begun in
    its moment too, it took the second call's place and freed the first
    call's.  So a further connection to the primary at 15.8 s, in both calls'
    moments, the registration's as on main, was absorbed as the first call's
    own and passed; and one at 16.1 s, in the second call's moment only, its
    own as on main (the 15.525 s one the first call's), was read as the
    registration's and failed a right phone; without the third call, each as
    on main.  When the pairing is a guess, a connection claims near's place
    only, unless near has an earlier connection of its own to that server in
    its moment.  (Main gives the same verdicts: these guard against the
    branch's 3afdd23 version.)
    """

    def _world(self, *, stray: float, third: float | None) -> TraceBuilder:
        up = max(15.9, stray + 0.01)
        return calls_placed_apart_world(second=15.5, fallback_syn=15.53, fallback_up=up,
                                        second_invite=up + 0.1, stray=stray, third=third)

    def test_a_register_to_the_primary_in_the_first_calls_moment_fails(self) -> None:
        for third in (None, 59.95):
            tb = self._world(stray=15.8, third=third)
            for clause in ("FB-1", "FO-2"):
                self.assertEqual(status(tb, clause), "fail", (clause, third))

    def test_the_second_calls_own_connection_passes(self) -> None:
        for third in (None, 59.95):
            tb = self._world(stray=16.1, third=third)
            self.assertEqual(status(tb, "FB-1"), "pass", third)
            self.assertNotEqual(status(tb, "FO-2"), "fail", third)


def shared_connection_world(*, third: float | None = 59.95,
                            stray: float | None = None) -> TraceBuilder:
    """
    TCP, successive mode, C{register_on_enable} 1, the primary stopped and the
    secondary answering every REGISTER 500 (TTL 300 s); calls at 15.0 s and
    15.9 s and, C{third}, one more whose INVITE never reaches the wire (so no
    call's INVITE is paired by its Call-ID, L{wire._call_placings}).  The
    first call's FO-5 REGISTER got its 500 at 15.936 s, its connection to the
    primary refused at 15.95 s (read as both calls' INVITEs: the second's
    REGISTER had its 500 at 15.912 s); the second call's own connection to
    the primary refused at 16.1 s; both INVITEs then at the fallback server
    over one connection.  C{stray} (misbehaving): one more connection to the
    primary then, the registration's leaving the secondary (FB-1).
    """
    calls = (15.0, 15.9) + ((third,) if third is not None else ())
    tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, register_on_enable=1,
                                    failback_mode=1, expires=85, calls=calls,
                                    duration=60.0, zone_ttl=300))
    tb.dns(0.0, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=300)
    at = tb.refused(1.0, "primary")
    tb.respond(tb.register("secondary", at + 0.02, cseq=2, transport="tcp"), 500)
    tb.respond(tb.register("secondary", 15.0, cseq=3, transport="tcp"), 500, 15.936)
    tb.refused(15.95, "primary", after=0.024)
    tb.respond(tb.register("secondary", 15.9, cseq=4, transport="tcp"), 500, 15.912)
    tb.refused(16.1, "primary", after=0.029)
    if stray is not None:
        tb.refused(stray, "primary")
    # (one fallback connection, its first SYN lost, carries both INVITEs)
    tb.syn_lost(15.98, "fallback", phone_port=5060, fate="lost")
    tb.syn_lost(16.15, "fallback", phone_port=5060, fate="delivered")
    tb.call("fallback", 16.393, bye_at=21.3, call_id="call-a", transport="tcp")
    tb.call("fallback", 16.393, bye_at=46.3, call_id="call-b", transport="tcp")
    tb.respond(tb.register("secondary", 31.12, cseq=5, transport="tcp"), 500, 31.33)
    return tb


class ASharedConnectionWithNoCallIdPairedTests(SynchronousTestCase):
    """
    FB-1, FO-2 (review of round 38 of the w7094 rule): a connection read as
    two calls' INVITEs at once (15.95 s) claimed near's place and, with a
    third call's INVITE never on the wire, the last call placed too by
    L{wire._placed_at}'s guess, so the second call's own connection (16.1 s)
    was read as the registration's leaving the secondary (FB-1, FO-2), and
    the verdict hung on whether a call at 59.95 s reached the wire.  With no
    Call-ID paired, a shared connection claims near's place only.  (Main gives
    the same verdicts: these guard against the branch's first version.)
    """

    def test_each_calls_connection_is_its_own(self) -> None:
        for third in (None, 59.95):
            tb = shared_connection_world(third=third)
            self.assertEqual(status(tb, "FB-1"), "pass", third)
            self.assertNotEqual(status(tb, "FO-2"), "fail", third)

    def test_a_register_to_the_primary_after_them_fails(self) -> None:
        tb = shared_connection_world(stray=16.5)
        self.assertEqual(status(tb, "FB-1"), "fail")
class CallRidingTheRenewalsOutstandingRegisterTests(SynchronousTestCase):
    """
    DNS-10 and FB-0 (survey w7098 [9985..9991], round 38): TCP,
    C{register_on_enable} 1, server 1's A record (TTL 5 s) naming the
    primary, refusing connections, and the secondary, answering 40 s late.
    The renewal, refused at the primary, sent its REGISTER to the secondary
    at 30.1 s (200 at 70.1 s); a call placed at 50 s resolved afresh, was
    refused at the primary and waited for that REGISTER (FO-5, RFC 3261
    10.2), its INVITE to the secondary right after the 200.  The checkers
    dated the call from the INVITE (DNS-10: no lookup after 70.1 s) and saw
    it begin at the secondary (FB-0); it began at its refused connection
    (L{checks_dns.call_conn_behind_register}).  A call that resolved nothing
    though the TTL had run out still fails DNS-10, one with no connection to
    the primary FB-0.
    """

    def _world(self, *, call_lookup: bool = True, to_primary: bool = True) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, register_on_enable=1, expires=30,
                                        retry_counts=15, calls=(50.0,), duration=100.0))
        addrs = [PRIMARY, SECONDARY]
        tb.dns(0.0, DOMAIN, "A", addrs, ttl=5)
        tb.respond(tb.register("primary", 0.01, transport="tcp"), 200, 0.02)
        tb.dns(15.0, DOMAIN, "A", addrs, ttl=5)
        t = tb.refused(15.01, "primary")
        tb.respond(tb.register("secondary", t, cseq=2, transport="tcp"), 200, t + 0.01)
        tb.dns(30.08, DOMAIN, "A", addrs, ttl=5)
        t = tb.refused(30.09, "primary")
        reg = tb.register("secondary", t, cseq=3, transport="tcp")
        tb.respond(reg, 200, t + 40.0)
        if call_lookup:
            tb.dns(50.0, DOMAIN, "A", addrs, ttl=5)
        if to_primary:
            tb.refused(50.01, "primary")
        tb.call("secondary", t + 40.002, bye_at=t + 45.0, transport="tcp", call_id="call-a")
        tb.dns(85.2, DOMAIN, "A", addrs, ttl=5)
        tb.respond(tb.register("primary", 85.21, cseq=4, transport="tcp"), 200, 85.22)
        return tb

    def test_call_riding_the_renewals_register_passes(self) -> None:
        tb = self._world()
        self.assertEqual(status(tb, "DNS-10"), "pass")
        self.assertEqual(status(tb, "FB-0"), "pass")

    def test_call_resolving_nothing_after_the_ttl_fails(self) -> None:
        self.assertEqual(status(self._world(call_lookup=False), "DNS-10"), "fail")

    def test_call_straight_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(to_primary=False), "FB-0"), "fail")


class TwoCallsOneRefusedConnectionTests(SynchronousTestCase):
    """
    DNS-10 and FB-0 (second review of round 38, probe q1): the world of
    L{CallRidingTheRenewalsOutstandingRegisterTests} with two calls placed
    while the renewal's REGISTER waits at the secondary, B at 50.0 s and A
    at 50.3 s, and one refused connection to the primary, A's at 50.31 s.
    B never tried the primary (FB-0) and resolved nothing after the TTL ran
    out (DNS-10) but, both INVITEs following that REGISTER's 200 at once,
    read A's connection as its own.  A connection is one call's: the calls
    take them in the order they were placed, so B took A's and A had none
    (L{checks_dns._behind_register_claims}); either way one call fails.
    """

    def _world(self, *, a_lookup: bool = True, b_lookup: bool = False) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, register_on_enable=1, expires=30,
                                        retry_counts=15, calls=(50.0, 50.3), duration=100.0))
        addrs = [PRIMARY, SECONDARY]
        tb.dns(0.0, DOMAIN, "A", addrs, ttl=5)
        tb.respond(tb.register("primary", 0.01, transport="tcp"), 200, 0.02)
        tb.dns(15.0, DOMAIN, "A", addrs, ttl=5)
        t = tb.refused(15.01, "primary")
        tb.respond(tb.register("secondary", t, cseq=2, transport="tcp"), 200, t + 0.01)
        tb.dns(30.08, DOMAIN, "A", addrs, ttl=5)
        t = tb.refused(30.09, "primary")
        reg = tb.register("secondary", t, cseq=3, transport="tcp")
        tb.respond(reg, 200, t + 40.0)
        if b_lookup:
            tb.dns(50.0, DOMAIN, "A", addrs, ttl=5)
        if a_lookup:
            tb.dns(50.3, DOMAIN, "A", addrs, ttl=5)
        tb.refused(50.31, "primary")  # (call A's, the only one)
        tb.call("secondary", t + 40.002, bye_at=t + 45.0, transport="tcp", call_id="call-b")
        tb.call("secondary", t + 40.004, bye_at=t + 45.5, transport="tcp", call_id="call-a")
        tb.dns(85.2, DOMAIN, "A", addrs, ttl=5)
        tb.respond(tb.register("primary", 85.21, cseq=4, transport="tcp"), 200, 85.22)
        return tb

    def test_call_without_a_lookup_or_connection_fails(self) -> None:
        tb = self._world()
        self.assertEqual(status(tb, "FB-0"), "fail")
        self.assertEqual(status(tb, "DNS-10"), "fail")

    def test_call_whose_lookup_the_other_reused_fails(self) -> None:
        tb = self._world(a_lookup=False, b_lookup=True)
        self.assertEqual(status(tb, "FB-0"), "fail")
        self.assertEqual(status(tb, "DNS-10"), "fail")


class CallAfterAnEarlierCallsByeRefusedTests(SynchronousTestCase):
    """
    FB-0 (review of round 38, probe p6): the world of
    L{CallRidingTheRenewalsOutstandingRegisterTests} with an earlier call up
    at the primary from 5 s, hung up at 50 s: its BYE opens a new connection
    to the stopped primary (FO-4), refused, and nothing on the wire names
    it.  A second call placed then that went straight to the secondary never
    tried the primary: the BYE's connection is not the call's
    (L{checks_dns.call_conn_behind_register}, one failed connection per
    open dialog).  With one more refused connection there, the call's, it
    passes.
    """

    def _world(self, call_conn: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, register_on_enable=1, expires=30,
                                        retry_counts=15, calls=(5.0, 50.0), duration=100.0))
        addrs = [PRIMARY, SECONDARY]
        tb.dns(0.0, DOMAIN, "A", addrs, ttl=5)
        tb.respond(tb.register("primary", 0.01, transport="tcp"), 200, 0.02)
        tb.dns(5.0, DOMAIN, "A", addrs, ttl=5)
        tb.call("primary", 5.01, transport="tcp", call_id="call-1")
        tb.dns(15.0, DOMAIN, "A", addrs, ttl=5)
        t = tb.refused(15.01, "primary")
        tb.respond(tb.register("secondary", t, cseq=2, transport="tcp"), 200, t + 0.01)
        tb.dns(30.08, DOMAIN, "A", addrs, ttl=5)
        t = tb.refused(30.09, "primary")
        reg = tb.register("secondary", t, cseq=3, transport="tcp")
        tb.respond(reg, 200, t + 40.0)
        tb.refused(50.0, "primary")  # call 1's BYE's connection (FO-4)
        tb.dns(50.0, DOMAIN, "A", addrs, ttl=5)
        if call_conn:
            tb.refused(50.02, "primary")
        tb.call("secondary", t + 40.002, bye_at=t + 45.0, transport="tcp", call_id="call-2")
        tb.dns(85.2, DOMAIN, "A", addrs, ttl=5)
        tb.respond(tb.register("primary", 85.21, cseq=4, transport="tcp"), 200, 85.22)
        return tb

    def test_call_straight_to_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FB-0"), "fail")

    def test_call_with_its_own_refused_connection_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FB-0"), "pass")
