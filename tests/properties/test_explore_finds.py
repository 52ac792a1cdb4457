"""
Explore invariant regressions (FAILBACK) found in triage round tfbk.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.certify.wire import Txn
from harness.testing.tracebuilder import TraceBuilder, failback_problems


class FallbackIsNoFailoverInvariantTests(SynchronousTestCase):
    """
    FAILBACK (explore seed 26 of dns-ip-literal, FO/FBK-only exploration):
    concurrent mode, failback_mode 1 (DNSTTL).  Both targets of server 1
    failed a call's INVITE and server 1 handed it over to the fallback server,
    which answered (FO-6, FBK-C2).  That is no failover between server 1's
    targets, whose failback the modes rule: the registration's RTX-5 retry
    to the primary 30 s later breaks no "stay on the current server until the
    TTL".  After a real failover to the secondary, a retry at the primary
    before the TTL still breaks FB-1.
    """

    def _problems(self, answered_by: str) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import DOMAIN, TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(failback_mode=1, calls=(0.0,), duration=60.0))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.silent("INVITE", "primary", 0.01, call_id="call-a")
        if answered_by == "fallback":
            tb.silent("INVITE", "secondary", 7.51, call_id="call-a", cseq=2)
            inv = tb.invite("fallback", 15.01, call_id="call-a", cseq=3)
        else:
            inv = tb.invite("secondary", 7.51, call_id="call-a", cseq=2)
        tb.respond(inv, 200)
        tb.silent("REGISTER", "primary", 45.0)
        return failback_problems(tb, AccountSpec(failback_mode=(1, 0)))

    def test_fallback_takeover_is_no_failover(self) -> None:
        self.assertEqual(self._problems("fallback"), [])

    def test_failover_to_secondary_then_primary_breaks(self) -> None:
        self.assertEqual(len(self._problems("secondary")), 1)


class RegisterForFailoverInvariantTests(SynchronousTestCase):
    """
    FAILBACK (explore seed 24 of dns-ip-literal, FO/FBK-only exploration):
    C{register_on_enable} 1, failback_mode 0.  After a failover, a call's
    INVITE found the primary silent and the phone registered at the
    secondary before sending it there (FO-5): that REGISTER is part of the
    INVITE's failover, not a new request that had to try the primary first.
    A REGISTER straight to the secondary with nothing failing over still
    breaks FB-0.
    """

    def _problems(self, for_invite: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(register_on_enable=1, retry_counts=0, expires=60,
                                        calls=(32.0,), duration=60.0))
        tb.silent("REGISTER", "primary", 0.03)
        tb.respond(tb.register("secondary", 0.53, cseq=2), 200, 0.535)
        if for_invite:
            tb.silent("INVITE", "primary", 32.0, call_id="call-a")
        at = 32.5 if for_invite else 30.54
        tb.respond(tb.register("secondary", at, cseq=5), 200, at + 0.005)
        if for_invite:
            inv = tb.invite("secondary", 32.51, call_id="call-a", cseq=2)
            tb.respond(inv, 200, 32.515)
        return failback_problems(tb, AccountSpec(retry_counts=(0, 3), register_on_enable=(1, 0)))

    def test_register_for_the_failover_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_register_straight_to_the_secondary_breaks(self) -> None:
        self.assertEqual(len(self._problems(False)), 1)


class CurrentServerUnresolvedInvariantTests(SynchronousTestCase):
    """
    FAILBACK (round 2, explore seed 9 of dns-ip-literal): failback_mode 1.
    After a failover to the secondary, the renewal resolved server 1 again
    before the TTL of the failover ran out, and the secondary's A query got
    no answer (DNS-8, DNS-11): the secondary was no target, and the renewal
    went to the primary.  That breaks no "stay on the current server until
    the TTL".  With the secondary's address in that lookup, it still does.
    (The world is the checker regression's,
    L{tests.certify.test_explore_fbk.CurrentServerUnresolvedBeforeTtlTests}.)
    """

    def _problems(self, secondary_unresolved: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from tests.certify.test_explore_fbk import CurrentServerUnresolvedBeforeTtlTests

        tb = CurrentServerUnresolvedBeforeTtlTests()._world(secondary_unresolved)
        return failback_problems(tb, AccountSpec(retry_counts=(0, 3), failback_mode=(1, 0)))

    def test_current_server_unresolved_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_leaving_a_resolved_current_server_breaks(self) -> None:
        self.assertEqual(len(self._problems(False)), 1)


class DropFirstLiftedWhenItBitesTests(SynchronousTestCase):
    """
    LIVENESS (explore seed 33 of dns-ip-literal; also tests/certify/
    test_explore_rtx.py): a fault dropping two requests that found only one
    to drop had no more effect after it: the phone is owed its bound from
    that one.
    """

    def _healthy(self, renewal_at: float | None, count: int = 1) -> float | None:
        from types import SimpleNamespace

        from harness.explore import _healthy_from
        from harness.testing.tracebuilder import TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(duration=120.0, expires=30))
        ok = tb.register("primary", 0.02)
        tb.respond(ok, 200)
        if renewal_at is not None:
            tb.silent("REGISTER", "primary", renewal_at, cseq=2, retry_counts=0)
        world = SimpleNamespace(duration=120.0, faults=[
            {"at": 1.0, "target": "primary", "action": "drop-first", "count": count}])
        return _healthy_from(world, tb.build(), tb.facts)  # type: ignore[arg-type]

    def test_lifted_when_the_drop_bites(self) -> None:
        self.assertEqual(self._healthy(15.03), 15.03)

    def test_fewer_requests_than_its_count(self) -> None:
        self.assertEqual(self._healthy(15.03, count=2), 15.03)
        self.assertEqual(self._healthy(None, count=2), 1.0)


class DropFirstLiftedWhenSpentTests(SynchronousTestCase):
    """
    LIVENESS (round 3, explore seed 33 of dns-ip-literal): a C{drop-first}
    fault set at 1 s ignored the next REGISTER, the renewal 14 s later; the
    phone retried 30 s after that (RTX-5) and registered again at 45.5 s.
    The invariant counted the fault as lifted when it was set (1 s) and wanted
    a registration within its bound (40 s) of that, while the fault had not
    yet bitten.  It is lifted once it has dropped its requests: from 15 s the
    bound holds.  A fault that bit at once (the dropped REGISTER at 2 s) still
    leaves a registration at 45.5 s outside the bound.
    """

    def _healthy(self, dropped_at: float) -> float | None:
        from types import SimpleNamespace

        from harness.explore import _healthy_from
        from harness.testing.tracebuilder import PRIMARY, TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(duration=120.0))
        reg = tb.register("primary", 0.02, expires=30)
        tb.respond(reg, 200, 0.025)
        dropped = tb.register("primary", dropped_at, cseq=2, expires=30)
        again = tb.register("primary", 45.53, cseq=3, expires=30)
        tb.respond(again, 200, 45.535)
        assert dropped.sends
        world = SimpleNamespace(
            duration=120.0,
            faults=[{"at": 1, "target": "primary", "action": "drop-first", "count": 1}],
            document={"servers": [{"role": "primary", "address": PRIMARY}]},
        )
        return _healthy_from(world, tb.build(), tb.facts)  # type: ignore[arg-type]

    def test_lifted_when_the_renewal_was_dropped(self) -> None:
        healthy = self._healthy(15.03)
        assert healthy is not None
        self.assertAlmostEqual(healthy, 15.03)
        self.assertGreater(healthy + 40.0, 45.535)

    def test_dropped_at_once_leaves_the_registration_late(self) -> None:
        healthy = self._healthy(2.0)
        assert healthy is not None
        self.assertLess(healthy + 40.0, 45.535)


class AnswerAtGiveUpNotTakenInvariantTests(SynchronousTestCase):
    """
    FAILBACK (round 3, explore seed 5 of dns-ip-literal, third find; the FB-1
    checker's second find as an invariant): failback_mode 1, C{retry_counts}
    0; the secondary's 200 left it at the phone's give-up time and came too
    late, and the phone retried from the primary 30 s later (RTX-5).  That is
    no failover to the secondary, so the retry breaks no "stay until the
    TTL".  Had the 200 come well in time, the same retry breaks FB-1.
    """

    def _problems(self, answered_at: float) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import DOMAIN, TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(failback_mode=1, retry_counts=0, duration=120.0,
                                        latency_tolerance=0.25))
        tb.dns(0.1, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.silent("REGISTER", "primary", 1.0)
        first = tb.register("secondary", 1.5, cseq=2)
        tb.respond(first, 200, answered_at)
        tb.silent("REGISTER", "primary", 32.0, cseq=3)
        return failback_problems(tb, AccountSpec(failback_mode=(1, 0), retry_counts=(0, 3)))

    def test_answer_at_give_up_not_taken_holds(self) -> None:
        self.assertEqual(self._problems(2.0), [])

    def test_answer_in_time_then_primary_breaks(self) -> None:
        self.assertEqual(len(self._problems(1.6)), 1)


class RetryFromThePrimaryAfterARoundBegunAtTheSecondaryTests(SynchronousTestCase):
    """
    FAILBACK (round 9, survey 7007 [07]): failback_mode 0.  A REGISTER round
    began at the secondary (FO-5's REGISTER there for a call failing over)
    and failed; RTX-5's retry 30 s later started from the primary, silent,
    and failed over to the secondary, which answered at once.  L{wire.rounds}
    splits a round off only at the chain's first server (the secondary), so
    the retry's primary attempt stayed in the failed round and its failover
    to the secondary read as a request begun at the secondary, breaking FB-0.
    The retry is a round of its own from the primary.  A retry straight to
    the secondary still breaks FB-0.
    """

    def _problems(self, from_primary: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import DOMAIN, TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(retry_counts=0, duration=120.0))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"])
        tb.respond(tb.register("primary", 0.01), 200, 0.02)
        tb.silent("REGISTER", "secondary", 20.5, cseq=2)
        if from_primary:
            tb.silent("REGISTER", "primary", 51.0, cseq=3)
        again = tb.register("secondary", 51.5, cseq=4)
        tb.respond(again, 200, 51.5)
        return failback_problems(tb, AccountSpec(failback_mode=(0, 0), retry_counts=(0, 3)))

    def test_retry_from_the_primary_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_retry_straight_to_the_secondary_breaks(self) -> None:
        self.assertEqual(len(self._problems(False)), 1)


class DropFirstHeldUnderANewerSilenceTests(SynchronousTestCase):
    """
    LIVENESS (round 9, survey 7007 [08]): a C{drop-first} of one REGISTER
    set at 1 s, then a C{silence} of the same server from 5 s to 50 s.  The
    newest matching fault decides a request (L{harness.servers.faults.
    RequestFaults}): the REGISTER that came at 10 s was the silence's, and
    the drop-first still held its count until the REGISTER at 60 s, which it
    dropped.  The world is healthy from 60 s, not from the silence's end.
    With the silence only from 20 s, the REGISTER at 10 s was the drop's, and
    the world is healthy from 50 s.
    """

    def _healthy(self, silence_from: float) -> float | None:
        from types import SimpleNamespace

        from harness.explore import _healthy_from
        from harness.testing.tracebuilder import TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(duration=120.0, expires=30))
        tb.respond(tb.register("primary", 0.02), 200)
        tb.silent("REGISTER", "primary", 10.0, cseq=2, retry_counts=0)
        tb.silent("REGISTER", "primary", 60.0, cseq=3, retry_counts=0)
        world = SimpleNamespace(duration=120.0, faults=[
            {"at": 1.0, "target": "primary", "action": "drop-first", "count": 1,
             "methods": ["REGISTER"]},
            {"at": silence_from, "target": "primary", "action": "silence", "until": 50.0}])
        return _healthy_from(world, tb.build(), tb.facts)  # type: ignore[arg-type]

    def test_drop_held_under_the_silence(self) -> None:
        self.assertEqual(self._healthy(5.0), 60.0)

    def test_drop_spent_before_the_silence(self) -> None:
        self.assertEqual(self._healthy(20.0), 50.0)


class RegisterBeforeTheStayingCallInvariantTests(SynchronousTestCase):
    """
    FAILBACK (session 19, survey 7006 [02], 3 worlds): failback_mode 2,
    C{register_on_enable} 1.  After a failover to the secondary, a call's
    INVITE stayed there (FB-2: only the registration renewal tries the
    primary) and the phone registered there first (FO-5).  That REGISTER is
    the call's, not the renewal, as the FB-2 checker reads it since round 9
    (C{checks_fo._registers_for_stay}); the invariant read it as the renewal
    that had to go to the primary.  A REGISTER to the secondary with no
    request following still breaks FB-2.
    """

    def _problems(self, for_call: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(register_on_enable=1, retry_counts=0, expires=3600,
                                        failback_mode=2, calls=(100.0,), duration=200.0))
        tb.silent("REGISTER", "primary", 0.03)
        tb.respond(tb.register("secondary", 0.53, cseq=2), 200, 0.535)
        tb.respond(tb.register("secondary", 100.0, cseq=3), 200, 100.005)
        if for_call:
            inv = tb.invite("secondary", 100.01, call_id="call-a")
            tb.respond(inv, 200, 100.015)
        return failback_problems(
            tb, AccountSpec(retry_counts=(0, 3), register_on_enable=(1, 0), failback_mode=(2, 0)))

    def test_register_for_the_staying_call_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_register_alone_to_the_secondary_breaks(self) -> None:
        problems = self._problems(False)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-2 registration", problems[0])


def _fb_problems(tb: TraceBuilder, *, mode: int, timeout: int, roe: int = 0) -> list[str]:
    """L{failback_problems} for an account of the given failback mode and timeout."""
    from harness.testing.strategies import AccountSpec

    return failback_problems(tb, AccountSpec(
        retry_counts=(3, 3), register_on_enable=(roe, 0), failback_mode=(mode, 0),
        failback_timeout=(timeout, 3600)))


class RetryAtTheServerInUseIsNoFailoverInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey 7007 [01], round 10): FB-3, TCP, the primary stopped.
    After the failover to the secondary, a renewal's lookup lost the
    secondary's address (DNS-8): it went to the primary, was refused, and the
    address asked again was lost too (DNS-11).  The RTX-5 retry 30 s later
    began at the secondary, under the stay.  The checkers read it as a round
    of its own since round 9 (C{Ctx._out_of_targets}); the invariant read it
    as the failed round moving on, a failover primary -> secondary restarting
    FB-3's duration, and flagged the renewal at the primary once the first
    failover's duration had run out.  Since round 31 a renewal at the primary
    before that duration ran out holds too: the round at 100 s failed at every
    target it tried, and the registration starts again from the top (RTX-5,
    the phone's C{Slot.exhausted}).
    """

    def _problems(self, renewal_at: float) -> list[str]:
        from harness.testing.tracebuilder import (
            DOMAIN,
            PRIMARY,
            SECONDARY,
            TraceBuilder,
            default_facts,
        )

        tb = TraceBuilder(default_facts(transport=1, port1=0, retry_counts=3, failback_mode=3,
                                        expires=3600, failback_timeout=150, duration=300.0,
                                        server2=""))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb.dns(0.0, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(0.02, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        left = tb.refused(0.03, "primary")
        tb.syn_lost(left, "secondary", fate="delivered", phone_port=5060)
        reg = tb.register("secondary", left + 0.01, cseq=2, transport="tcp")
        tb.respond(reg, 200, left + 0.02)
        # a renewal's lookup: the secondary's address lost, asked again in vain
        tb.dns(100.0, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(100.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(100.02, f"secondary.{DOMAIN}", "A", rcode="TIMEOUT")
        refused = tb.refused(100.03, "primary")
        tb.dns(refused, f"secondary.{DOMAIN}", "A", rcode="TIMEOUT")
        # the RTX-5 retry 30 s later at the server in use
        at = refused + 4.0 + 30.0
        tb.dns(at, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(at + 0.01, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(at + 0.02, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        tb.syn_lost(at + 0.03, "secondary", fate="delivered", phone_port=5060)
        retry = tb.register("secondary", at + 0.04, cseq=4, transport="tcp")
        tb.respond(retry, 200, at + 0.05)
        # the next renewal, to the primary
        tb.dns(renewal_at - 0.03, f"_sip._tcp.{DOMAIN}", "SRV", srv, ttl=5)
        tb.dns(renewal_at - 0.02, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=5)
        tb.dns(renewal_at - 0.01, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=5)
        tb.syn_lost(renewal_at, "primary", fate="delivered", phone_port=5060)
        renewal = tb.register("primary", renewal_at + 0.01, cseq=5, transport="tcp")
        tb.respond(renewal, 200, renewal_at + 0.02)
        return _fb_problems(tb, mode=3, timeout=150)

    def test_primary_after_the_first_failovers_duration_holds(self) -> None:
        self.assertEqual(self._problems(170.0), [])

    def test_primary_within_the_duration_after_the_failed_round_holds(self) -> None:
        # Since round 31 (the phone's RTX-5 fix, Slot.exhausted): the renewal's round
        # at 100 s failed at every target it tried, so the registration starts again
        # from the top until a failover or the primary's answer; a renewal at the primary
        # within the duration no longer breaks FB-3 here (one with no failed round before
        # it still does: RetryFromTheTopAfterItsOwnRoundFailedInvariantTests).
        self.assertEqual(self._problems(145.0), [])


class RejectedRegisterForAFailingCallIsNoFailoverInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey 7008 [02], round 10): FB-3, C{register_on_enable} 1, the
    phone on the primary.  A call's INVITE went unanswered at the primary;
    the phone sent FO-5's REGISTER to the secondary first, which answered 486,
    and the call failed.  The RTX-5 retry 30 s later went to the primary.
    The invariant read the secondary's answer to a request begun there as the
    phone back on a stay "from nothing" (meant for a stay the current server's
    failure interrupted) though no failover had happened, and flagged the
    retry at the primary; the FB-* checkers count a failover only from a
    request begun at the primary.  After a real failover, a new request at
    the primary within FB-3's duration still breaks it.
    """

    def _problems(self, failover_first: bool) -> list[str]:
        from harness.testing.tracebuilder import TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(register_on_enable=1, retry_counts=1, failback_mode=3,
                                        failback_timeout=3600, expires=3600, calls=(100.0,),
                                        duration=300.0, server2=""))
        if failover_first:
            tb.silent("REGISTER", "primary", 0.0)
            tb.respond(tb.register("secondary", tb.give_up("REGISTER") + 0.01, cseq=2), 200)
        else:
            tb.respond(tb.register("primary", 0.0), 200)
        tb.silent("INVITE", "primary", 100.0, call_id="call-a")
        fo5 = tb.register("secondary", 100.0 + tb.give_up("INVITE"), cseq=3)
        tb.respond(fo5, 486)
        tb.respond(tb.register("primary", fo5.last + 30.2, cseq=4), 200)
        return _fb_problems(tb, mode=3, timeout=3600, roe=1)

    def test_retry_at_the_primary_holds(self) -> None:
        self.assertEqual(self._problems(False), [])

    def test_primary_within_the_duration_after_a_failover_breaks(self) -> None:
        problems = self._problems(True)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-3 duration", problems[0])


class MaybeLateInviteAnswerPassedOverInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey 7006 [01], round 11, a multi-account world; round 12):
    FB-3 (C{failback_timeout} 60), C{retry_counts} 0, TCP, 100 ms latency.
    After an early failover and a return to the primary, a call's 180 and 200
    at the primary were lost and sent again so close to the phone's give-up
    time that they may have reached it only after (C{Ctx.maybe_late}); the
    phone had moved on at once to the secondary, which answered: a failover,
    so the renewals there within the next 60 s keep FB-3's stay.  The
    invariant took the primary's answer as the call's, found the phone on the
    secondary again only through the first renewal, under the stay of the
    early failover long over, and flagged the second.  A renewal at the
    primary within the new stay still breaks FB-3.
    """

    def _problems(self, renewal_to: str) -> list[str]:
        from harness.testing.tracebuilder import DOMAIN, PRIMARY, SECONDARY, default_facts

        tb = TraceBuilder(default_facts(retry_counts=0, failback_mode=3, failback_timeout=60,
                                        calls=(70.0,), duration=150.0,
                                        latency_tolerance=0.11, server2=""))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.02, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 0.05)
        gave = tb.give_up("REGISTER")
        tb.respond(tb.register("secondary", 0.05 + gave, cseq=2), 200, 0.06 + gave)
        tb.respond(tb.register("primary", 61.0, cseq=3), 200, 61.0)
        first = tb.invite("primary", 70.0, call_id="call-a")
        gave = 70.0 + tb.give_up("INVITE")
        tb.respond(first, 180, gave + 0.05)
        tb.respond(first, 200, gave + 0.05)
        inv = tb.invite("secondary", gave, call_id="call-a", cseq=2)
        tb.respond(inv, 180, gave + 0.01)
        tb.respond(inv, 200, gave + 0.01)
        tb.in_dialog(inv, "ACK", gave + 0.02)
        tb.respond(tb.register(renewal_to, 100.0, cseq=4), 200, 100.01)
        tb.respond(tb.register(renewal_to, 125.0, cseq=5), 200, 125.01)
        return _fb_problems(tb, mode=3, timeout=60)

    def test_renewal_at_the_secondary_within_the_stay_holds(self) -> None:
        self.assertEqual(self._problems("secondary"), [])

    def test_renewal_at_the_primary_within_the_stay_breaks(self) -> None:
        problems = self._problems("primary")
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-3 duration", problems[0])


class RegisterForAFailingCallIsNoFailoverInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey 7017 [01], round 17, 4 worlds): failback_mode 1,
    C{register_on_enable} 1, C{retry_counts} 0.  A call's INVITE found the
    primary silent; the phone registered at the secondary (FO-5, answered)
    and sent the INVITE there, silenced too.  Before that INVITE failed, the
    next call's INVITE began at the primary.  FO-5's REGISTER is part of the
    call's failover, whose request never got through at the secondary: no
    failover, as the FB-* checkers read one, so the phone was still on the
    primary; the invariant took the REGISTER's 200 as the phone being on the
    secondary.  Had the first INVITE been answered at the secondary (a real
    failover), the next call at the primary before the TTL still breaks FB-1.
    """

    def _problems(self, answered: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import DOMAIN, TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(register_on_enable=1, retry_counts=0, failback_mode=1,
                                        calls=(1.0, 2.0), duration=120.0))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"])
        tb.respond(tb.register("primary", 0.02), 200, 0.025)
        tb.silent("INVITE", "primary", 1.0, call_id="call-a")
        tb.respond(tb.register("secondary", 1.5, cseq=2), 200, 1.505)
        if answered:
            tb.respond(tb.invite("secondary", 1.51, call_id="call-a", cseq=2), 200, 1.515)
        else:
            tb.silent("INVITE", "secondary", 1.51, call_id="call-a", cseq=2)
        tb.silent("INVITE", "primary", 2.0, call_id="call-b")
        return failback_problems(tb, AccountSpec(
            retry_counts=(0, 3), register_on_enable=(1, 0), failback_mode=(1, 0)))

    def test_register_for_a_call_lost_there_holds(self) -> None:
        self.assertEqual(self._problems(False), [])

    def test_call_answered_there_then_primary_breaks(self) -> None:
        problems = self._problems(True)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-1 DNSTTL", problems[0])


class RegisterAfterItsLookupGaveThePrimaryUpInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey 7021 [02], round 19, 4 worlds): failback_mode 2.  The
    registration's lookup asked for the primary's address and lost every
    try; when the resolver gave it up (4 s after the first try) the lookup
    moved on to the secondary's address, and the REGISTER went there,
    answered (DNS-8, DNS-11: no target at the primary, no failover).  A
    call's lookup, begun as the registration's waited, had the primary's
    address by then: the invariant read the two interleaved lookups as one
    ("the last lookup before t"), took the primary as resolved for the
    REGISTER and flagged it.  Had the registration's lookup had the
    primary's address, the REGISTER at the secondary still breaks FB-2.
    """

    def _problems(self, primary_lost: bool) -> list[str]:
        from twisted.names import dns

        from harness.certify.checks_dns import DNS_GIVE_UP
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import DNS, DOMAIN, PHONE, default_facts
        from harness.trace.events import PacketEvent

        tb = TraceBuilder(default_facts(failback_mode=2, calls=(4.0,), duration=60.0))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        if primary_lost:
            m = dns.Message(id=7, recDes=1)
            m.queries = [dns.Query(f"primary.{DOMAIN}", dns.A, dns.IN)]
            for at in (0.01, 1.01):
                tb._add(PacketEvent(at, "udp", (PHONE, 40100), (DNS, 53), m.toStr(),
                                    fate="lost"))
        else:
            tb.dns(0.01, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        gave_up = 0.01 + DNS_GIVE_UP
        tb.dns(gave_up, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        # the call's lookup, interleaved with the registration's
        tb.dns(4.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(gave_up + 0.005, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        tb.respond(tb.register("secondary", gave_up + 0.01), 200, gave_up + 0.01)
        tb.respond(tb.invite("primary", 4.1, call_id="call-a"), 200, 4.11)
        return failback_problems(tb, AccountSpec(failback_mode=(2, 0)))

    def test_register_where_its_own_lookup_went_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_register_at_the_secondary_with_the_primary_resolved_breaks(self) -> None:
        problems = self._problems(False)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-2 registration", problems[0])


class RegisterAfterItsLookupGaveThePrimaryUpAnswersLostInvariantTests(SynchronousTestCase):
    """
    FAILBACK (issue 10, the view of interleaved lookups made one: survey
    7021 [02]'s situation, failback_mode 2).  The registration's lookup gave
    the primary up as there, but the DNS server heard both tries and the
    network lost the answers on their way back.  The resolver's two tries are
    one question (L{checks_dns.questions}): its first try starts the give-up
    time, 4 s before the lookup moved on to the secondary's address.  The
    invariant's local reading took the tries from the list that counts a
    question once, as its last try, and timed the give-up from the second
    try: the REGISTER at the secondary was flagged though its lookup had no
    address of the primary.  Had the second try's answer reached the phone,
    the REGISTER at the secondary still breaks FB-2.
    """

    def _problems(self, second_heard: bool) -> list[str]:
        from twisted.names import dns

        from harness.certify.checks_dns import DNS_GIVE_UP
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import DNS, DOMAIN, PHONE, default_facts
        from harness.trace.events import PacketEvent

        tb = TraceBuilder(default_facts(failback_mode=2, calls=(4.0,), duration=60.0))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        primary = f"primary.{DOMAIN}"
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        m = dns.Message(id=7, answer=True)
        m.queries = [dns.Query(primary, dns.A, dns.IN)]
        for at in (0.01, 1.01):  # heard by the server, the answers lost on their way
            tb.dns(at, primary, "A", ["127.0.1.10"])
            if at < 1.0 or not second_heard:
                tb._add(PacketEvent(at + 0.001, "udp", (DNS, 53), (PHONE, 40000), m.toStr(),
                                    fate="lost"))
        gave_up = 0.01 + DNS_GIVE_UP
        tb.dns(gave_up, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        # the call's lookup, interleaved with the registration's
        tb.dns(4.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(gave_up + 0.005, primary, "A", ["127.0.1.10"])
        tb.respond(tb.register("secondary", gave_up + 0.01), 200, gave_up + 0.01)
        tb.respond(tb.invite("primary", 4.1, call_id="call-a"), 200, 4.11)
        return failback_problems(tb, AccountSpec(failback_mode=(2, 0)))

    def test_register_where_its_own_lookup_went_holds(self) -> None:
        self.assertEqual(self._problems(False), [])

    def test_register_at_the_secondary_with_the_primary_heard_breaks(self) -> None:
        problems = self._problems(True)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-2 registration", problems[0])


class RegisterAfterItsLookupGotNoPrimaryAddressInvariantTests(SynchronousTestCase):
    """
    FAILBACK (issue 10, the view of interleaved lookups made one; survey
    7021 [02]'s situation, failback_mode 2, with a DNS fault): the
    registration's address question for the primary was answered SERVFAIL.
    The resolver moves on at once (DNS-8: a target whose address lookup
    failed gives no target; DNS-11) and asked for the secondary's address;
    the REGISTER went there.  A call's lookup, begun as the registration's
    waited, got the primary's address before the REGISTER.  The invariant's
    local reading knew only a question that got nothing back, given up 4 s
    after its first try, and flagged the REGISTER (FO-1's own reading took
    any failed query; the one view takes both).  Had the primary's address
    come back to the registration's lookup, the REGISTER at the secondary
    still breaks FB-2.
    """

    def _problems(self, rcode: str) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import DOMAIN, default_facts

        tb = TraceBuilder(default_facts(failback_mode=2, calls=(4.0,), duration=60.0))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"]
        primary = f"primary.{DOMAIN}"
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(0.01, primary, "A", ["127.0.1.10"], rcode=rcode, answer_after=3.995)
        # the call's lookup, interleaved with the registration's
        tb.dns(4.0, f"_sip._udp.{DOMAIN}", "SRV", srv)
        # the registration's lookup moved on as the primary's answer came
        tb.dns(4.006, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        tb.dns(4.007, primary, "A", ["127.0.1.10"])  # the call's
        tb.respond(tb.register("secondary", 4.01), 200, 4.01)
        tb.respond(tb.invite("primary", 4.1, call_id="call-a"), 200, 4.11)
        return failback_problems(tb, AccountSpec(failback_mode=(2, 0)))

    def test_register_where_its_own_lookup_went_holds(self) -> None:
        self.assertEqual(self._problems("SERVFAIL"), [])

    def test_register_at_the_secondary_with_the_primary_heard_breaks(self) -> None:
        problems = self._problems("NOERROR")
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-2 registration", problems[0])


class RenewalOnTheHangUpsRefusedConnectionInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey 7021 [05], round 19): failback_mode 0, TCP.  The call's
    planned hang-up and the registration's renewal fell due at one instant;
    the phone opened one connection to the (stopped) primary for both,
    refused, and the renewal moved on to the secondary at once (FO-2).  The
    wire reading gives that failed connection to the planned BYE alone, so
    the renewal's chain began at the secondary and the invariant flagged it
    under FB-0.  A renewal at the secondary with no try at the primary still
    breaks FB-0.
    """

    def _problems(self, refused: bool) -> list[str]:
        from dataclasses import replace

        from harness.certify.facts import CallPlan
        from harness.testing.strategies import AccountSpec
        from harness.testing.tracebuilder import DOMAIN, default_facts

        facts = default_facts(failback_mode=0, duration=60.0, expires=60)
        facts = replace(facts, calls=(CallPlan(0.0, f"sip:echo@{DOMAIN}", 30.0),))
        tb = TraceBuilder(facts)
        tb.dns(0.0, f"_sip._tcp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"1 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.001, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        tb.dns(0.002, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        kw = {"transport": "tcp", "port": 5060}
        tb.respond(tb.register("primary", 0.01, **kw), 200, 0.01)
        inv = tb.invite("primary", 0.01, call_id="call-a", **kw)
        tb.respond(inv, 200, 0.01)
        tb.in_dialog(inv, "ACK", 0.02)
        due = 30.02
        if refused:
            at = tb.refused(due, "primary", after=0.2)
        else:
            at = due + 0.2
        reg = tb.register("secondary", at, cseq=2, **kw)
        tb.respond(reg, 200, at)
        return failback_problems(tb, AccountSpec(failback_mode=(0, 0), expires=(60, 60)))

    def test_renewal_refused_on_the_shared_connection_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_renewal_at_the_secondary_without_a_try_breaks(self) -> None:
        problems = self._problems(False)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-0", problems[0])


class Fo5RegisterInsideTheRenewedRegistrationsLastHalfInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey 7031 [3411], round 22): the world of
    L{tests.certify.test_explore_fb.Fo5RegisterInsideTheRenewedRegistrationsLastHalfTests}.
    FO-5's REGISTER at the secondary for a call FB-2 keeps there, inside the
    last half of a registration the renewal had already replaced, is the
    call's, not "a REGISTER started at the secondary, not the primary".  The
    next renewal at the secondary still breaks FB-2.
    """

    def _problems(self, renew_to: str) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from tests.certify.test_explore_fb import fo5_register_after_the_renewal_world

        tb = fo5_register_after_the_renewal_world(renew_to)
        return failback_problems(tb, AccountSpec(expires=(60, 3600), retry_counts=(0, 3),
                                                 failback_mode=(2, 0),
                                                 register_on_enable=(1, 0)))

    def test_fo5_register_for_the_call_holds(self) -> None:
        self.assertEqual(self._problems("primary"), [])

    def test_renewal_to_the_secondary_breaks(self) -> None:
        self.assertEqual(len(self._problems("secondary")), 1)


class Fo5RegisterRefusedAtTheCurrentServerInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey w7037 [1090], round 24, 2 worlds): FB-3Z,
    C{register_on_enable} 1.  A call's FO-5 REGISTER at the current server
    (the secondary) was refused (403), and the INVITE moved on to the
    primary: the request began at the current server, as the FB-* checkers
    read it (L{harness.certify.checks_fo._began_at}).  FO-5's REGISTER
    answered 200 there, the INVITE then at the primary, still breaks FB-3Z.
    """

    def _problems(self, roe_status: int) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from tests.certify.test_explore_fb import (
            Fo5RegisterRefusedAtTheCurrentServerUnderFB3ZTests as Tests,
        )

        tb = Tests._world(Tests(), roe_status)
        return failback_problems(tb, AccountSpec(
            retry_counts=(0, 3), register_on_enable=(1, 0), failback_mode=(3, 0),
            failback_timeout=(0, 3600)))

    def test_refused_register_then_the_primary_holds(self) -> None:
        self.assertEqual(self._problems(403), [])

    def test_answered_register_then_the_primary_breaks(self) -> None:
        problems = self._problems(200)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-3Z", problems[0])


class Fo5RegisterAnsweredForACallLostThereInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey w7037 [9581], round 24, 2 worlds): FB-2, TCP,
    C{register_on_enable} 1.  A call's connection to the primary refused,
    FO-5's REGISTER answered at the secondary, the INVITE silenced there; the
    next call began at the primary.  The wire lent the refused connection to
    the REGISTER's chain too, so the invariant's "REGISTER for a failover"
    (which wants it begun away from the primary) missed it and took its 200
    for the phone being on the secondary; FO-5's REGISTER for one target
    (L{harness.certify.checks_base.Ctx.roe_registers}) answered is no
    failover (round 17).  The first call answered there, the next call at
    the primary still breaks FB-2.
    """

    def _problems(self, answered: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from tests.certify.test_explore_fb import (
            Fo5RegisterAnsweredForACallLostThereTests as Tests,
        )

        tb = Tests._world(Tests(), answered)
        return failback_problems(tb, AccountSpec(
            transport=1, retry_counts=(7, 3), register_on_enable=(1, 0),
            failback_mode=(2, 0)))

    def test_register_answered_for_a_call_lost_there_holds(self) -> None:
        self.assertEqual(self._problems(False), [])

    def test_call_answered_there_then_the_primary_breaks(self) -> None:
        problems = self._problems(True)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-2", problems[0])


class ProvisionalAtTheGiveUpAsTheInviteMovedOnTests(SynchronousTestCase):
    """
    FAILBACK (round 26, survey w7043 [5492..5494]; FB-0, register_on_enable 1,
    retry_counts 0, TCP, 100 ms latency, 20 % loss): a call's INVITE at the
    primary, whose 180 was lost and sent again and whose 200 was held behind
    it, reached the phone 0.1 s after its give-up; the phone had moved on at
    the give-up (FO-5's REGISTER, then the INVITE, to the secondary). The
    wire took the 180 (sent in time, arriving within the tolerance) for the
    INVITE being in Proceeding (no timer, RFC 3261 17.1.1.2), so the INVITE
    never failed at the primary and FO-5's REGISTER read as a new request
    begun at the secondary under FB-0. A provisional response is now timed
    by its arrival (L{wire.stream_arrivals}) and, arriving about the give-up
    time as the phone sent the INVITE elsewhere, came too late, as a final
    response does (L{wire._moved_on_at}). The same 180 with the phone not
    moving on keeps the INVITE in Proceeding.
    """

    def _primary_invite(self, moved_on: bool) -> Txn:
        from harness.certify import wire
        from harness.testing.tracebuilder import default_facts

        tb = TraceBuilder(default_facts(retry_counts=0, latency_tolerance=0.25,
                                        calls=(1.0,)))
        first = tb.invite("primary", 1.0, call_id="call-a")
        tb.respond(first, 180, 1.0 + tb.give_up("INVITE") + 0.1)
        if moved_on:
            tb.invite("secondary", 1.0 + tb.give_up("INVITE"), call_id="call-a")
        txns = wire.phone_transactions(tb.build(), tb.facts)
        return next(t for t in txns if t.dst == tb.addr("primary"))

    def test_provisional_about_the_give_up_as_the_invite_moved_on_came_too_late(self) -> None:
        t = self._primary_invite(moved_on=True)
        self.assertFalse(t.provisional)

    def test_provisional_about_the_give_up_without_moving_on_is_proceeding(self) -> None:
        t = self._primary_invite(moved_on=False)
        self.assertTrue(t.provisional)


class Fo5RegisterAtAnUnknownPrimaryInvariantTests(SynchronousTestCase):
    """
    FAILBACK (w7038 [7545], round 26: the built-in phone's variant with no
    binding at the primary): FB-0, C{register_on_enable} 1.  A call's FO-5
    REGISTER to 127.0.1.10, not established as the primary by the lookup in
    use (the nameless first SRV target's answer lost), failed, and the
    INVITE went to the secondary: the request began at the primary, as FB-0
    reads it (L{harness.certify.checks_fo._began_at}).  With the primary
    established, or the INVITE at the secondary at once, it still breaks FB-0.
    """

    def _problems(self, lost: bool, roe_first: bool = True) -> list[str]:
        from harness.testing.strategies import AccountSpec
        from tests.certify.test_explore_fb import roe_register_at_an_unknown_primary_world

        return failback_problems(
            roe_register_at_an_unknown_primary_world(lost, roe_first),
            AccountSpec(retry_counts=(0, 3), register_on_enable=(1, 0),
                        failback_mode=(0, 0), failback_timeout=(3600, 3600)))

    def test_register_at_the_unknown_primary_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_register_at_the_known_primary_breaks(self) -> None:
        self.assertEqual(len(self._problems(False)), 1)

    def test_invite_to_the_secondary_at_once_breaks(self) -> None:
        self.assertEqual(len(self._problems(True, roe_first=False)), 1)


class ResolvableBehindTheNaptrPointerTests(SynchronousTestCase):
    """
    LIVENESS (round 31, survey 7063 [7029, 7030]): transport 3, port 0, the
    domain's NAPTR set one pointer record (empty flag, C{"SIP+D2U"}) to a set
    holding only C{SIPS+D2T}; C{_sips._tcp} and C{_sip._tcp} exist, C{_sip._udp}
    and the domain's own A records do not.  The locator follows the pointer
    only to records of its service (DNS-5, as C{_naptr_order} reads it), so
    nothing resolves and the account can never register; the invariant took the
    zone as resolvable and owed a registration 40 s after the start.  The same
    records reached directly, or a C{SIP+D2U} record behind the pointer, still
    resolve.
    """

    def _resolvable(self, naptr: tuple[tuple[int, int, str, str], ...], indirect: bool) -> bool:
        from types import SimpleNamespace

        from harness.explore import _resolvable
        from harness.testing.strategies import AccountSpec, SrvSet, ZoneSpec

        zone = ZoneSpec(
            hosts=("primary",),
            srv=(SrvSet("_sip._tcp", ((8, 24, 5060, "primary"),)),
                 SrvSet("_sips._tcp", ((0, 0, 5061, "primary"),)),
                 SrvSet("_sip._udp" if ("udp" in {r[3] for r in naptr}) else "_sip._sctp",
                        ((0, 0, 5060, "primary"),))),
            naptr=naptr, naptr_indirect=indirect, domain_a=False)
        world = SimpleNamespace(zone=zone, subject=AccountSpec(transport=3, naptr_build=0))
        return _resolvable(world)  # type: ignore[arg-type]

    def test_pointer_to_another_service_does_not_resolve(self) -> None:
        self.assertFalse(self._resolvable(((4, 0, "s", "tls"),), indirect=True))

    def test_the_same_record_reached_directly_resolves(self) -> None:
        self.assertTrue(self._resolvable(((4, 0, "s", "tls"),), indirect=False))

    def test_pointer_to_its_own_service_resolves(self) -> None:
        self.assertTrue(self._resolvable(((4, 0, "s", "tls"), (5, 0, "s", "udp")), indirect=True))


class RetryFromTheTopAfterItsOwnRoundFailedInvariantTests(SynchronousTestCase):
    """
    FAILBACK (round 31, w7048 [1044] once the phone's RTX-5 fix landed): FB-3
    with a long stay; failed over to the secondary, the renewal's round then
    failed at the secondary and at the primary, a call answered at the
    secondary meanwhile (calls keep the stay), and the RTX-5 retry 30 s later
    began at the primary, "again from the top of the list" (the phone's
    C{Slot.exhausted}).  The invariant resumed the stay with the call and
    wanted the retry at the secondary.  A renewal at the primary inside the
    stay with no round failed before it still breaks FB-3.
    """

    def _problems(self, round_failed: bool) -> list[str]:
        from harness.testing.tracebuilder import TraceBuilder, default_facts

        tb = TraceBuilder(default_facts(retry_counts=0, expires=60, failback_mode=3,
                                        failback_timeout=694, calls=(40.0,), duration=200.0))
        tb.silent("REGISTER", "primary", 0.0)
        tb.respond(tb.register("secondary", 0.5), 200, 0.51)
        if round_failed:
            tb.silent("REGISTER", "secondary", 30.5, cseq=2)
            tb.silent("REGISTER", "primary", 31.0, cseq=2)
        inv = tb.invite("secondary", 40.0, call_id="call-a")
        tb.respond(inv, 200, 40.01)
        again = tb.register("primary", 61.5 if round_failed else 30.5, cseq=3)
        tb.respond(again, 200, again.last + 0.01)
        return _fb_problems(tb, mode=3, timeout=694)

    def test_retry_from_the_top_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_renewal_at_the_primary_inside_the_stay_breaks(self) -> None:
        problems = self._problems(False)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-3 duration", problems[0])


def tls_invite_unread_world(written: bool) -> TraceBuilder:
    """
    Survey w7074 [2474], round 33: TLS, C{register_on_enable} 1, FB-0, no
    latency.  Registered at the primary; at 1.0 s the primary stopped as a
    call was placed: its close_notify left, the phone wrote the INVITE onto
    their connection (delivered, never read: the server had stopped), read
    the close, closed, registered at the secondary (FO-5) and sent the INVITE
    there.  C{written=False}: no INVITE at the primary at all.
    """
    from harness.testing.tracebuilder import DOMAIN, default_facts
    from harness.trace.events import ConnEvent, PacketEvent

    tb = TraceBuilder(default_facts(transport=2, register_on_enable=1, calls=(1.0,),
                                    duration=10.0))
    tb.dns(0.0, f"_sips._tcp.{DOMAIN}", "SRV",
           [f"10 1 5061 primary.{DOMAIN}", f"20 1 5061 secondary.{DOMAIN}"])
    tb.dns(0.002, f"primary.{DOMAIN}", "A", [tb.addr("primary")])
    tb.dns(0.004, f"secondary.{DOMAIN}", "A", [tb.addr("secondary")])
    tb.respond(tb.register("primary", 0.01, transport="tls", port=5061), 200, 0.01)
    primary, phone = (tb.addr("primary"), 5061), (tb.phone, 5060)
    tb._add(PacketEvent(1.0, "tcp", primary, phone, b""))  # the server's close_notify
    if written:
        tb.invite("primary", 1.0, call_id="call-a", transport="tls", port=5061, unread=True)
    tb._add(PacketEvent(1.0, "tcp", phone, primary, b"", flags="F"))
    tb._add(PacketEvent(1.0, "tcp", primary, phone, b"", flags="F"))
    tb._add(ConnEvent(1.0, primary[0], "close", "tcp", primary, phone, "peer"))
    tb._add(ConnEvent(1.0, tb.phone, "close", "tcp", phone, primary, "local"))
    tb.respond(tb.register("secondary", 1.0, transport="tls", port=5061, cseq=2), 200, 1.0)
    tb.respond(tb.invite("secondary", 1.0, call_id="call-a", transport="tls", port=5061,
                         cseq=2), 200, 1.0)
    return tb


class TlsInviteUnreadByTheStoppingPrimaryInvariantTests(SynchronousTestCase):
    """
    FAILBACK (survey w7074 [2474], round 33; L{wire.phone_requests}): the
    wire knew a request only as a server read it or as the network lost its
    packet, and a TLS packet carries no payload in the trace, so an INVITE
    the phone wrote onto a TLS connection whose server had just stopped was
    nowhere: FO-5's REGISTER at the secondary then seemed a new request begun
    there, "not the primary".  The phone's own C{SipEvent} says it was
    written; it is now a send the server never read, failing with the close.
    With no INVITE at the primary at all, the REGISTER at the secondary still
    breaks FB-0.
    """

    def _problems(self, written: bool) -> list[str]:
        from harness.testing.strategies import AccountSpec

        return failback_problems(tls_invite_unread_world(written), AccountSpec(
            register_on_enable=(1, 0), failback_mode=(0, 0)))

    def test_invite_written_at_the_primary_holds(self) -> None:
        self.assertEqual(self._problems(True), [])

    def test_nothing_at_the_primary_breaks(self) -> None:
        problems = self._problems(False)
        self.assertEqual(len(problems), 1)
        self.assertIn("FB-0", problems[0])

    def test_the_unread_invite_is_an_attempt_at_the_primary(self) -> None:
        from harness.certify import wire

        tb = tls_invite_unread_world(True)
        sent = [s for s in wire.phone_requests(tb.build(), tb.facts)
                if s.request.method == "INVITE"]
        self.assertEqual([(s.dst, s.transport, s.delivered) for s in sent],
                         [(tb.addr("primary"), "tls", False),
                          (tb.addr("secondary"), "tls", True)])
