"""
Tests for the FO-* and FB-* checkers.
"""

from __future__ import annotations

from dataclasses import replace

from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase

from harness.certify.facts import Facts
from harness.testing.tracebuilder import (
    DOMAIN,
    PRIMARY,
    SECONDARY,
    TraceBuilder,
    default_facts,
    register_failover,
    verdict_of,
)
from harness.trace.events import Trace
from tests.certify.test_explore_dns import lost_query


class _Base(SynchronousTestCase):
    def check(self, trace: Trace, facts: Facts, clause: str, status: str) -> None:
        v = verdict_of(trace, facts, clause)
        self.assertEqual(v.status, status, f"{clause}: {v}")
        self.assertNotIn("checker error", v.summary)


def _invite_failover(tb: TraceBuilder, at: float = 10.0, *, bye_to: str = "secondary",
                     ack_to: str | None = "secondary") -> None:
    tb.silent("INVITE", "primary", at, call_id="call-a")
    inv = tb.invite("secondary", at + tb.give_up("INVITE"), call_id="call-a", cseq=2)
    tb.respond(inv, 200)
    if ack_to:
        tb.in_dialog(inv, "ACK", inv.last + 0.02, to=ack_to)
    bye = tb.in_dialog(inv, "BYE", at + 20, to=bye_to)
    tb.respond(bye, 200)


class FO1Tests(_Base):
    def test_pass(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "FO-1", "pass")

    def test_secondary_first_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("secondary", 0.0), 200)
        self.check(tb.build(), facts, "FO-1", "fail")

    def test_connection_failure_counts_as_trying(self) -> None:
        facts = default_facts(transport=1)
        tb = TraceBuilder(facts)
        tb.syn_lost(0.0, "primary")
        tb.respond(tb.register("secondary", 0.01, transport="tcp"), 200)
        self.check(tb.build(), facts, "FO-1", "pass")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(), "FO-1", "n/a")


class FO2Tests(_Base):
    def test_pass(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "FO-2", "pass")

    def test_no_failover_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        self.check(tb.build(), facts, "FO-2", "fail")

    def test_too_few_retries_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0, sends=[0, 0.5, 1.5])
        tb.respond(tb.register("secondary", 3.5, cseq=2), 200)
        self.check(tb.build(), facts, "FO-2", "fail")

    def test_secondary_silent_too_is_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        tb.register("secondary", 7.5, cseq=2, sends=[0, 0.5, 1.5, 3.5])
        self.check(tb.build(), facts, "FO-2", "n/a")

    def test_challenge_at_secondary_unanswered_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        tb.respond(tb.register("secondary", 7.5, cseq=2), 401)
        self.check(tb.build(), facts, "FO-2", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        self.check(tb.build(), facts, "FO-2", "n/a")


class FO3Tests(_Base):
    def test_pass(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        _invite_failover(tb)
        self.check(tb.build(), facts, "FO-3", "pass")

    def test_bye_elsewhere_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        _invite_failover(tb, bye_to="primary")
        self.check(tb.build(), facts, "FO-3", "fail")

    def test_no_ack_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        _invite_failover(tb, ack_to=None)
        self.check(tb.build(), facts, "FO-3", "fail")

    def test_no_failover_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("INVITE", "primary", 10.0)
        self.check(tb.build(), facts, "FO-3", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.call("primary", 0.0, bye_at=5.0)
        self.check(tb.build(), facts, "FO-3", "n/a")


class FO4Tests(_Base):
    def test_pass(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        _invite_failover(tb)
        self.check(tb.build(), facts, "FO-4", "pass")

    def test_bye_to_new_server_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        _invite_failover(tb, bye_to="primary")
        self.check(tb.build(), facts, "FO-4", "fail")

    def test_reinvite_elsewhere_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        inv = tb.call("primary", 0.0, bye_at=9.0)
        tb.in_dialog(inv, "INVITE", 4.0, to="secondary", cseq=3)
        self.check(tb.build(), facts, "FO-4", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "FO-4", "n/a")


class FO5Tests(_Base):
    def test_off_no_register(self) -> None:
        facts = default_facts(register_on_enable=0)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        _invite_failover(tb)
        self.check(tb.build(), facts, "FO-5", "pass")

    def test_off_but_registers_fails(self) -> None:
        facts = default_facts(register_on_enable=0)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        tb.silent("INVITE", "primary", 10.0, call_id="call-a")
        tb.respond(tb.register("secondary", 17.5, cseq=2), 200)
        inv = tb.invite("secondary", 17.6, call_id="call-a", cseq=2)
        tb.respond(inv, 200)
        self.check(tb.build(), facts, "FO-5", "fail")

    def test_on_registers_first(self) -> None:
        facts = default_facts(register_on_enable=1)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        tb.silent("INVITE", "primary", 10.0, call_id="call-a")
        tb.respond(tb.register("secondary", 17.5, cseq=2), 200)
        tb.respond(tb.invite("secondary", 17.6, call_id="call-a", cseq=2), 200)
        self.check(tb.build(), facts, "FO-5", "pass")

    def test_on_without_register_fails(self) -> None:
        facts = default_facts(register_on_enable=1)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        _invite_failover(tb)
        self.check(tb.build(), facts, "FO-5", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "FO-5", "n/a")


class FO6Tests(_Base):
    def _exhaust_invite(self, tb: TraceBuilder, fallback_at: float | None) -> None:
        tb.silent("INVITE", "primary", 10.0, call_id="c")
        tb.silent("INVITE", "secondary", 17.5, call_id="c", cseq=2)
        if fallback_at is not None:
            tb.respond(tb.invite("fallback", fallback_at, call_id="c", cseq=3), 200)

    def test_invite_to_fallback(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        self._exhaust_invite(tb, 25.0)
        self.check(tb.build(), facts, "FO-6", "pass")

    def test_fallback_late_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        self._exhaust_invite(tb, 40.0)
        self.check(tb.build(), facts, "FO-6", "fail")

    def test_successive_register_to_fallback(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        tb.silent("REGISTER", "secondary", 7.5, cseq=2)
        tb.respond(tb.register("fallback", 15.0, call_id="reg-2"), 200)
        self.check(tb.build(), facts, "FO-6", "pass")
        tb2 = TraceBuilder(facts)
        tb2.silent("REGISTER", "primary", 0.0)
        tb2.silent("REGISTER", "secondary", 7.5, cseq=2)
        self.check(tb2.build(), facts, "FO-6", "fail")

    def test_na_without_fallback(self) -> None:
        facts = default_facts(server2="")
        tb = TraceBuilder(facts)
        self._exhaust_invite(tb, None)
        self.check(tb.build(), facts, "FO-6", "n/a")


def _fb_run(mode: int, *, timeout: int = 3600, invites: dict[float, str], **kw: object
            ) -> tuple[Trace, Facts]:
    facts = default_facts(failback_mode=mode, failback_timeout=timeout, duration=400,
                          **kw)  # type: ignore[arg-type]
    tb = TraceBuilder(facts)
    register_failover(tb)
    for at, to in sorted(invites.items()):
        tb.respond(tb.invite(to, at), 200)
    return tb.build(), facts


class FB0Tests(_Base):
    def test_pass(self) -> None:
        trace, facts = _fb_run(0, invites={30.0: "primary"})
        self.check(trace, facts, "FB-0", "pass")

    def test_stays_on_secondary_fails(self) -> None:
        trace, facts = _fb_run(0, invites={30.0: "secondary"})
        self.check(trace, facts, "FB-0", "fail")

    def test_na_other_mode(self) -> None:
        trace, facts = _fb_run(1, invites={30.0: "primary"}, zone_ttl=60.0)
        self.check(trace, facts, "FB-0", "n/a")

    def test_na_no_failover(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        self.check(tb.build(), facts, "FB-0", "n/a")


class FB1Tests(_Base):
    def test_pass(self) -> None:
        trace, facts = _fb_run(1, invites={30.0: "secondary", 90.0: "primary"}, zone_ttl=60.0)
        self.check(trace, facts, "FB-1", "pass")

    def test_ignores_ttl_fails(self) -> None:
        trace, facts = _fb_run(1, invites={30.0: "primary"}, zone_ttl=60.0)
        self.check(trace, facts, "FB-1", "fail")

    def test_never_fails_back_fails(self) -> None:
        trace, facts = _fb_run(1, invites={30.0: "secondary", 90.0: "secondary"},
                               zone_ttl=60.0)
        self.check(trace, facts, "FB-1", "fail")

    def test_na_without_ttl(self) -> None:
        trace, facts = _fb_run(1, invites={30.0: "secondary"})
        self.check(trace, facts, "FB-1", "n/a")


class FB2Tests(_Base):
    def _make(self, invite_to: str, renew_to: str) -> tuple[Trace, Facts]:
        facts = default_facts(failback_mode=2, expires=120)
        tb = TraceBuilder(facts)
        register_failover(tb)
        tb.respond(tb.invite(invite_to, 30.0), 200)
        tb.respond(tb.register(renew_to, 67.5, cseq=3, expires=120), 200)
        return tb.build(), facts

    def test_pass(self) -> None:
        self.check(*self._make("secondary", "primary"), "FB-2", "pass")

    def test_invite_to_primary_fails(self) -> None:
        self.check(*self._make("primary", "primary"), "FB-2", "fail")

    def test_renewal_to_secondary_fails(self) -> None:
        self.check(*self._make("secondary", "secondary"), "FB-2", "fail")

    def test_na(self) -> None:
        trace, facts = _fb_run(0, invites={30.0: "primary"})
        self.check(trace, facts, "FB-2", "n/a")


class FB3Tests(_Base):
    def test_pass(self) -> None:
        trace, facts = _fb_run(3, timeout=60, invites={30.0: "secondary", 100.0: "primary"})
        self.check(trace, facts, "FB-3", "pass")

    def test_early_primary_fails(self) -> None:
        trace, facts = _fb_run(3, timeout=60, invites={30.0: "primary"})
        self.check(trace, facts, "FB-3", "fail")

    def test_late_primary_fails(self) -> None:
        trace, facts = _fb_run(3, timeout=60, invites={30.0: "secondary", 100.0: "secondary"})
        self.check(trace, facts, "FB-3", "fail")

    def test_na_zero_timeout(self) -> None:
        trace, facts = _fb_run(3, timeout=0, invites={30.0: "secondary"})
        self.check(trace, facts, "FB-3", "n/a")


class FB3ZTests(_Base):
    def test_pass(self) -> None:
        trace, facts = _fb_run(3, timeout=0, invites={30.0: "secondary", 300.0: "secondary"})
        self.check(trace, facts, "FB-3Z", "pass")

    def test_primary_again_fails(self) -> None:
        trace, facts = _fb_run(3, timeout=0, invites={30.0: "secondary", 300.0: "primary"})
        self.check(trace, facts, "FB-3Z", "fail")

    def test_primary_after_current_failed(self) -> None:
        facts = default_facts(failback_mode=3, failback_timeout=0)
        tb = TraceBuilder(facts)
        register_failover(tb)
        tb.silent("INVITE", "secondary", 30.0, call_id="x")
        tb.respond(tb.invite("primary", 37.5, call_id="x", cseq=2), 200)
        tb.respond(tb.invite("primary", 60.0), 200)
        self.check(tb.build(), facts, "FB-3Z", "pass")

    def test_na(self) -> None:
        trace, facts = _fb_run(3, timeout=60, invites={30.0: "secondary"})
        self.check(trace, facts, "FB-3Z", "n/a")


class FBOKTests(_Base):
    def test_stays_on_primary(self) -> None:
        trace, facts = _fb_run(0, invites={30.0: "primary", 60.0: "primary"})
        self.check(trace, facts, "FB-OK", "pass")

    def test_leaves_primary_fails(self) -> None:
        trace, facts = _fb_run(0, invites={30.0: "primary", 60.0: "secondary"})
        self.check(trace, facts, "FB-OK", "fail")

    def test_na(self) -> None:
        trace, facts = _fb_run(3, timeout=0, invites={30.0: "secondary"})
        self.check(trace, facts, "FB-OK", "n/a")


class PrimaryUnderRfcTests(_Base):
    def _make(self, profile: str) -> tuple[Trace, Facts]:
        facts = default_facts(port1=0, profile=profile)
        tb = TraceBuilder(facts)
        tb.dns(0.0, "_sip._udp.example.test", "SRV",
               ["0 1 5060 server1.example.test", "0 2 5060 server2.example.test"])
        tb.dns(0.01, "server2.example.test", "A", ["127.0.1.10"])
        tb.dns(0.02, "server1.example.test", "A", ["127.0.1.20"])
        tb.respond(tb.register("secondary", 0.1), 200)
        return tb.build(), facts

    def test_weighted_random_tie_picks_the_primary(self) -> None:
        self.check(*self._make("rfc"), "FO-1", "pass")

    def test_yealink_weight_order_is_strict(self) -> None:
        self.check(*self._make("yealink"), "FO-1", "fail")


# -- a refused connection is an unanswered attempt (RTX-2) ---------------------------------


def _tcp_failover(tb: TraceBuilder, at: float, cseq: int, *, delay: float = 0.01,
                  to: str = "secondary") -> float:
    """The primary refuses the TCP connection; the REGISTER goes to C{to} C{delay} s later."""
    told = tb.refused(at, "primary")
    tb.respond(tb.register(to, told + delay, cseq=cseq, transport="tcp"), 200)
    return told


class RefusedConnectionTests(_Base):
    def _facts(self) -> Facts:
        return default_facts(transport=1, duration=300)

    def test_fo2_pass(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        _tcp_failover(tb, 0.0, 2)
        self.check(tb.build(), facts, "FO-2", "pass")

    def test_fo2_secondary_not_at_once_fails(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        _tcp_failover(tb, 0.0, 2, delay=3.0)  # waited as if the primary were silent
        self.check(tb.build(), facts, "FO-2", "fail")

    def test_fo2_not_registered_fails(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        told = tb.refused(0.0, "primary")
        tb.respond(tb.register("secondary", told + 0.01, cseq=2, transport="tcp"), 401)
        self.check(tb.build(), facts, "FO-2", "fail")

    def test_fo2_refusal_without_a_later_attempt_is_na(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        tb.refused(0.0, "primary")
        self.check(tb.build(), facts, "FO-2", "n/a")

    def test_fo3_invite(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        told = tb.refused(10.0, "primary")
        inv = tb.invite("secondary", told + 0.01, call_id="call-a", transport="tcp")
        tb.respond(inv, 200)
        tb.in_dialog(inv, "ACK", inv.last + 0.02, transport="tcp")
        tb.respond(tb.in_dialog(inv, "BYE", 20.0, transport="tcp"), 200)
        self.check(tb.build(), facts, "FO-3", "pass")
        tb.refused(40.0, "primary")
        inv = tb.invite("secondary", 40.02, call_id="call-b", transport="tcp")
        tb.respond(inv, 200)  # never ACKed
        self.check(tb.build(), facts, "FO-3", "fail")

    def test_fb0_renewal_tries_the_primary_first(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        _tcp_failover(tb, 0.0, 2)
        _tcp_failover(tb, 60.0, 3)
        self.check(tb.build(), facts, "FB-0", "pass")

    def test_fb0_renewal_straight_to_secondary_fails(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        _tcp_failover(tb, 0.0, 2)
        tb.respond(tb.register("secondary", 60.0, cseq=3, transport="tcp"), 200)
        self.check(tb.build(), facts, "FB-0", "fail")

    def test_fbok_stays_on_primary(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        _tcp_failover(tb, 0.0, 2)
        tb.respond(tb.register("primary", 120.0, cseq=3, transport="tcp"), 200)
        tb.respond(tb.register("primary", 180.0, cseq=4, transport="tcp"), 200)
        self.check(tb.build(), facts, "FB-OK", "pass")

    def test_fbok_leaves_primary_fails(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        _tcp_failover(tb, 0.0, 2)
        tb.respond(tb.register("primary", 120.0, cseq=3, transport="tcp"), 200)
        tb.respond(tb.register("secondary", 180.0, cseq=4, transport="tcp"), 200)
        self.check(tb.build(), facts, "FB-OK", "fail")

    def test_rtx4_ignores_the_attempt_that_sent_nothing(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        _tcp_failover(tb, 0.0, 2)
        self.assertNotEqual(verdict_of(tb.build(), facts, "RTX-4").status, "fail")


class SingleTargetTests(_Base):
    """Server 1 with one target only: there is nothing to fail over to."""

    def _facts(self) -> Facts:
        facts = default_facts(server1="127.0.1.10", server2="")
        return replace(facts, servers=facts.servers[:1])

    def test_fo2_na(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        self.check(tb.build(), facts, "FO-2", "n/a")
        self.check(tb.build(), default_facts(), "FO-2", "fail")  # a secondary existed

    def test_fo3_na(self) -> None:
        facts = self._facts()
        tb = TraceBuilder(facts)
        tb.silent("INVITE", "primary", 0.0)
        self.check(tb.build(), facts, "FO-3", "n/a")
        self.check(tb.build(), default_facts(), "FO-3", "fail")


class GivenUpAddressAskedAgainTests(_Base):
    """
    FO-1 (review of round 37, beside survey w7089 [1356]): the registration's
    lookup lost the primary's A query twice and gave it up at 4.01 s
    (DNS-8, DNS-11), asked ghost's (NXDOMAIN) and the secondary's, and
    registered there.  An answer naming the primary that left the DNS server
    after the give-up is another lookup's only when another request went to
    the primary on it (L{checks_dns._used_by_another}): a lone lookup that
    asked the primary again, heard it and went past it still fails.
    """

    def _world(self, reask: float | None, *, calls: tuple[float, ...] = (),
               call_to_primary: bool = False, call_at: float = 4.1,
               srv_ttl: int = 300) -> tuple[TraceBuilder, Facts]:
        facts = default_facts(port1=0, server2="", calls=calls, duration=60.0)
        tb = TraceBuilder(facts)
        srv = [f"7 64 5060 primary.{DOMAIN}", f"16 86 5060 ghost.{DOMAIN}",
               f"16 80 5060 secondary.{DOMAIN}"]
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=srv_ttl)
        lost_query(tb, 0.01, f"primary.{DOMAIN}", dns.A)
        lost_query(tb, 1.01, f"primary.{DOMAIN}", dns.A)
        if reask is not None:
            tb.dns(reask, f"primary.{DOMAIN}", "A", [PRIMARY], ttl=60, answer_after=0.02)
        tb.dns(4.01, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN", answer_after=0.02)
        tb.dns(4.05, f"secondary.{DOMAIN}", "A", [SECONDARY], ttl=60, answer_after=0.02)
        tb.respond(tb.register("secondary", 4.08), 200, 4.09)
        if call_to_primary:
            if srv_ttl < call_at:  # (the call's lookup asks the SRV again, the A cached)
                tb.dns(call_at - 0.02, f"_sip._udp.{DOMAIN}", "SRV", srv, ttl=srv_ttl,
                       answer_after=0.01)
            tb.call("primary", call_at, bye_at=call_at + 5.0, call_id="call-b")
        return tb, facts

    def test_no_answer_for_the_primary_passes(self) -> None:
        tb, facts = self._world(None)
        self.check(tb.build(), facts, "FO-1", "pass")

    def test_primary_asked_again_as_given_up_and_heard_fails(self) -> None:
        tb, facts = self._world(4.01)
        self.check(tb.build(), facts, "FO-1", "fail")

    def test_primary_asked_again_after_the_give_up_and_heard_fails(self) -> None:
        tb, facts = self._world(4.02)
        self.check(tb.build(), facts, "FO-1", "fail")

    def test_primary_heard_before_the_give_up_fails(self) -> None:
        tb, facts = self._world(3.9)
        self.check(tb.build(), facts, "FO-1", "fail")

    def test_calls_lookup_heard_the_primary_and_went_there_passes(self) -> None:
        tb, facts = self._world(4.01, calls=(4.0,), call_to_primary=True)
        self.check(tb.build(), facts, "FO-1", "pass")

    def test_call_planned_later_to_the_primary_on_the_cached_answer_fails(self) -> None:
        # (second review of round 37: a call planned after the re-ask was sent went to
        # the primary on its cached answer; its lookup was not running when the primary
        # was asked, so that answer was the registration's own lookup's, heard and passed
        # over: L{checks_dns._lookup_running})
        for at in (30.0, 50.0):
            tb, facts = self._world(4.01, calls=(at,), call_to_primary=True, call_at=at)
            self.check(tb.build(), facts, "FO-1", "fail")

    def test_call_planned_just_after_the_reask_fails(self) -> None:
        # (a call planned at 4.2 s, its lookup asking the SRV again and taking the
        # primary's cached A: planned after the re-ask at 4.01 s, beyond the tolerance)
        tb, facts = self._world(4.01, calls=(4.2,), call_to_primary=True, call_at=4.22,
                                srv_ttl=1)
        self.check(tb.build(), facts, "FO-1", "fail")

    def test_call_planned_before_the_reask_to_the_primary_much_later_fails(self) -> None:
        # (third review of round 37: a call planned at 0.5 s or 2.0 s, before the re-ask,
        # went to the primary only at 30 s on the cached answer: its lookup was running
        # when the primary was asked, but a request that long after the answer is no
        # evidence the answer was its lookup's; L{checks_dns._used_by_another})
        for plan in (0.5, 2.0):
            tb, facts = self._world(4.01, calls=(plan,), call_to_primary=True, call_at=30.0)
            self.check(tb.build(), facts, "FO-1", "fail")

    def test_call_planned_before_the_reask_to_the_primary_soon_after_passes(self) -> None:
        # (a known ambiguity: a call planned at 0.5 s whose INVITE went to the primary at
        # 4.1 s may have shared the re-asked question with the registration's lookup;
        # the lenient reading holds, as the phone could have heard the primary for it)
        tb, facts = self._world(4.01, calls=(0.5,), call_to_primary=True, call_at=4.1)
        self.check(tb.build(), facts, "FO-1", "pass")
