"""
Checker regressions found by C{certify --explore} and the property tests: each
a legitimate world a checker judged too strictly (the synthetic trace of the
built-in phone's behaviour must pass) and, beside it, the variant the checker
must still fail.
"""

from __future__ import annotations

from dataclasses import replace

from twisted.trial.unittest import SynchronousTestCase

from harness.certify.facts import CallPlan, ServerInfo
from harness.testing.tracebuilder import (
    DNS,
    DOMAIN,
    FALLBACK,
    PHONE,
    PRIMARY,
    SECONDARY,
    TraceBuilder,
    default_facts,
    verdict_of,
)
from harness.trace.events import ConnEvent, PacketEvent

_PORTS = (("udp", 5060), ("tcp", 5060), ("tls", 5061))
#: server 1 an IP literal: the primary is its only target
_ONE_TARGET = (ServerInfo("primary", PRIMARY, _PORTS), ServerInfo("fallback", FALLBACK, _PORTS))


def status(tb: TraceBuilder, clause: str) -> str:
    return verdict_of(tb.build(), tb.facts, clause).status


class RegisterOnEnableZeroTests(SynchronousTestCase):
    """FO-5, roe 0: a REGISTER failing over at the same time is not "registering first"."""

    def _world(self, register_first: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(calls=(0.0,)))
        tb.silent("REGISTER", "primary", 0.0, cseq=1)
        inv = tb.silent("INVITE", "primary", 0.0, call_id="call-a")
        at = tb.give_up("INVITE")
        if register_first:  # the phone registers, waits for the 200, then sends the INVITE
            reg = tb.register("secondary", at, cseq=2, call_id="other-reg")
            tb.respond(reg, 200, at + 0.005)
            inv2 = tb.invite("secondary", at + 0.02, call_id=inv.call_id, cseq=2)
        else:  # both fail over at once: the REGISTER is FO-2's, still in flight
            reg = tb.register("secondary", at, cseq=2)
            inv2 = tb.invite("secondary", at, call_id=inv.call_id, cseq=2)
            tb.respond(reg, 200, at + 0.005)
        tb.respond(inv2, 200)
        return tb

    def test_concurrent_register_failover_passes(self) -> None:
        self.assertEqual(status(self._world(False), "FO-5"), "pass")

    def test_register_before_use_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FO-5"), "fail")


class FallbackDownConcurrentTests(SynchronousTestCase):
    """FBK-C1: a fallback server that never answers cannot register the phone; trying is enough."""

    def _world(self, keeps_trying: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(duration=120.0))
        ok = tb.register("primary", 0.0)
        tb.respond(ok, 200)
        tb.silent("REGISTER", "fallback", 0.0, call_id="reg-2")
        if keeps_trying:
            for k, at in enumerate((37.5, 75.0, 112.5)):
                tb.silent("REGISTER", "fallback", at, call_id="reg-2", cseq=k + 2)
        return tb

    def test_phone_keeps_trying_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_phone_gives_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class InviteFallbackProvisionalTests(SynchronousTestCase):
    """FBK-C2: RTX-1 is judged at the working server only; a ringing attempt stops resending."""

    def _world(self, working_sends: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, calls=(1.0,), servers=_ONE_TARGET))
        ok = tb.register("primary", 0.0)
        tb.respond(ok, 200)
        reg2 = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(reg2, 200)
        offs = [0.0, 0.5, 1.5, 3.5][:working_sends]
        inv = tb.request("INVITE", "primary", 1.0, sends=offs, lost=range(working_sends),
                         call_id="call-a")
        del inv
        fb = tb.invite("fallback", 8.5, call_id="call-a", cseq=2)
        tb.respond(fb, 180, 8.505)  # its 200 OK never reached the phone (lost)
        return tb

    def test_ringing_fallback_attempt_passes(self) -> None:
        self.assertEqual(status(self._world(4), "FBK-C2"), "pass")

    def test_too_few_sends_at_the_working_server_fails(self) -> None:
        self.assertEqual(status(self._world(3), "FBK-C2"), "fail")


class NaptrServfailTests(SynchronousTestCase):
    """DNS-6: a NAPTR SERVFAIL is a DNS failure (DNS-11), not "no NAPTR records"."""

    def _world(self, rcode: str) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=3, port1=0))
        tb.dns(0.0, DOMAIN, "NAPTR", rcode=rcode)
        return tb

    def test_servfail_is_not_judged(self) -> None:
        self.assertEqual(status(self._world("SERVFAIL"), "DNS-6"), "n/a")

    def test_empty_answer_without_srv_query_fails(self) -> None:
        self.assertEqual(status(self._world("NOERROR"), "DNS-6"), "fail")


class TcpConnectionStartTests(SynchronousTestCase):
    """RTX-5: a TCP request's timers run from its connection's first SYN (a lost SYN costs time)."""

    def _world(self, retry_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=1,
                                        duration=60.0, servers=_ONE_TARGET[:1]))
        tb.syn_lost(0.0, "primary", fate="lost", phone_port=5060)
        tb.request("REGISTER", "primary", 1.01, call_id="reg-1", transport="tcp",
                   expires=3600)
        tb._add(PacketEvent(1.0, "tcp", (PHONE, 5060), ("127.0.1.10", 5060), b"",
                            fate="delivered", flags="S"))
        tb.request("REGISTER", "primary", retry_at, call_id="reg-1", cseq=2, transport="tcp",
                   expires=3600)
        return tb

    def test_retry_counted_from_the_syn_passes(self) -> None:
        self.assertEqual(status(self._world(37.5), "RTX-5"), "pass")

    def test_late_retry_fails(self) -> None:
        self.assertEqual(status(self._world(45.0), "RTX-5"), "fail")


class LateAnswerTests(SynchronousTestCase):
    """REG-2: a 2xx the server sent as the phone gave up need not be known to the phone."""

    def _world(self, answer_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1="127.0.1.10", server2="", retry_counts=0,
                                        duration=120.0))
        reg = tb.register("primary", 0.0)
        tb.respond(reg, 200, answer_at)
        again = tb.register("primary", 30.5, cseq=2)
        tb.respond(again, 200)
        return tb

    def test_late_answer_then_retry_passes(self) -> None:
        self.assertEqual(status(self._world(0.6), "REG-2"), "pass")

    def test_timely_answer_then_early_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(0.01), "REG-2"), "fail")


class StartOrderTests(SynchronousTestCase):
    """REG-1: a REGISTER at the same instant as the first request counts as first."""

    def _world(self, invite_lead: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1="127.0.1.10", calls=(0.0,)))
        inv = tb.invite("primary", 0.0)
        tb.respond(inv, 200)
        reg = tb.register("primary", invite_lead)
        tb.respond(reg, 200)
        return tb

    def test_same_instant_passes(self) -> None:
        self.assertEqual(status(self._world(0.005), "REG-1"), "pass")

    def test_invite_well_before_register_fails(self) -> None:
        self.assertEqual(status(self._world(2.0), "REG-1"), "fail")


class UnheardLookupTests(SynchronousTestCase):
    """REG-1: DNS queries the network lost are an attempt to register (DNS-11)."""

    def _world(self, queried: bool) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(server2=""))
        if queried:
            m = dns.Message(id=7, recDes=True)
            m.queries = [dns.Query(f"_sip._udp.{DOMAIN}", dns.SRV, dns.IN)]
            raw = m.toStr()
            for at in (0.0, 1.0):
                tb._add(PacketEvent(at, "udp", (PHONE, 40000), (DNS, 53), raw, fate="closed"))
        return tb

    def test_lost_queries_pass(self) -> None:
        self.assertEqual(status(self._world(True), "REG-1"), "pass")

    def test_nothing_at_all_fails(self) -> None:
        self.assertEqual(status(self._world(False), "REG-1"), "fail")


class AnswerAtGiveUpTests(SynchronousTestCase):
    """
    FBK-S1 (explore seed 7): a 200 the working server sent as the phone gave its
    only target up may reach the phone too late; registering at the fallback
    server then is legitimate.
    """

    def _world(self, answer_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, servers=_ONE_TARGET, retry_counts=0,
                                        redundancy_type=1, duration=60.0,
                                        latency_tolerance=0.25))
        reg = tb.register("primary", 0.0)
        tb.respond(reg, 200, answer_at)
        ok = tb.register("fallback", 0.9, call_id="reg-2")
        tb.respond(ok, 200, 1.0)
        return tb

    def test_answer_at_give_up_passes(self) -> None:
        self.assertEqual(status(self._world(0.5), "FBK-S1"), "pass")

    def test_timely_answer_then_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(0.05), "FBK-S1"), "fail")


class RefusedBesideConcurrentFallbackTests(SynchronousTestCase):
    """
    FO-2 (explore seed 8): a refused connection to the primary is followed by the
    REGISTER to the secondary, not by the concurrent REGISTER to the fallback server
    that went out just before it (FBK-C1).
    """

    def _world(self, fails_over: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, port1=0, duration=120.0))
        fb = tb.register("fallback", 0.01, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.015)
        at = tb.refused(0.02, "primary")
        if fails_over:
            ok = tb.register("secondary", at + 0.01, transport="tcp")
            tb.respond(ok, 200, at + 0.015)
        return tb

    def test_failover_after_refusal_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-2"), "pass")

    def test_no_failover_after_refusal_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class LostRstTests(SynchronousTestCase):
    """
    RTX-5 (explore seeds 4, 5): a SYN refused by a closed port whose RST the network
    lost told the phone nothing; its retransmitted SYN a second later is the same
    connection attempt, not an early retry.
    """

    def _world(self, rst_fate: str) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=1,
                                        duration=100.0, servers=_ONE_TARGET[:1]))
        tb.request("REGISTER", "primary", 0.0, call_id="reg-1", transport="tcp", expires=3600)
        port = 41000
        tb.syn_lost(37.5, "primary", fate="closed", phone_port=port)
        tb._add(PacketEvent(37.505, "tcp", ("127.0.1.10", 5060), (PHONE, port), b"",
                            fate=rst_fate, flags="R"))
        tb.syn_lost(38.5, "primary", fate="closed", phone_port=port)
        tb._add(ConnEvent(38.51, PHONE, "refused", "tcp", (PHONE, port),
                          ("127.0.1.10", 5060), "RST"))
        ok = tb.request("REGISTER", "primary", 68.51, call_id="reg-1", cseq=2, transport="tcp",
                        expires=3600)
        tb.respond(ok, 200)
        return tb

    def test_lost_rst_passes(self) -> None:
        self.assertEqual(status(self._world("lost"), "RTX-5"), "pass")

    def test_heard_rst_then_early_retry_fails(self) -> None:
        self.assertEqual(status(self._world("delivered"), "RTX-5"), "fail")


class RefusedWithoutLatencyTests(SynchronousTestCase):
    """
    FO-2 (explore seed 8, latency 0): the REGISTER to the secondary at the very
    instant the primary refused the connection continues that attempt's chain.
    """

    def _world(self, at_once: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, port1=0, server2="", duration=120.0,
                                        servers=default_facts().servers[:2]))
        tb.refused(0.0, "primary", after=0.0)
        at = 0.0 if at_once else 2.0
        ok = tb.register("secondary", at, transport="tcp")
        tb.respond(ok, 200, at)
        return tb

    def test_failover_at_the_same_instant_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-2"), "pass")

    def test_late_failover_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class RegisterOnEnableSilentSecondaryTests(SynchronousTestCase):
    """
    FO-3, roe 1 (explore seed 0): when the REGISTER to the secondary in flight as
    the INVITE gave up the primary fails, the INVITE may not go there (FO-5).
    """

    def _world(self, secondary_answers: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(calls=(0.0,), register_on_enable=1, server2="",
                                        duration=60.0, servers=default_facts().servers[:2]))
        tb.silent("REGISTER", "primary", 0.0, cseq=1)
        tb.silent("INVITE", "primary", 0.0, call_id="call-a")
        at = tb.give_up("INVITE")
        if secondary_answers:
            reg = tb.register("secondary", at, cseq=2)
            tb.respond(reg, 200, at + 0.005)
        else:
            tb.silent("REGISTER", "secondary", at, cseq=2)
        return tb

    def test_failed_register_keeps_the_invite_away(self) -> None:
        self.assertEqual(status(self._world(False), "FO-3"), "n/a")

    def test_registered_secondary_without_invite_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FO-3"), "fail")


class RefusedCallTests(SynchronousTestCase):
    """
    RTX-5 (explore seeds 4, 5, 7): a refused connection carrying no SIP at the
    time of a planned call is that call's INVITE, not an early REGISTER retry.
    """

    def _world(self, planned_call: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=1,
                                        duration=60.0, servers=_ONE_TARGET[:1],
                                        calls=(10.0,) if planned_call else ()))
        tb.request("REGISTER", "primary", 0.0, call_id="reg-1", transport="tcp", expires=3600)
        tb.refused(10.0, "primary")
        ok = tb.request("REGISTER", "primary", 37.5, call_id="reg-1", cseq=2, transport="tcp",
                        expires=3600)
        tb.respond(ok, 200)
        return tb

    def test_refused_call_passes(self) -> None:
        self.assertEqual(status(self._world(True), "RTX-5"), "pass")

    def test_unplanned_early_retry_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")

    def test_refused_call_before_the_retry_passes(self) -> None:
        """Explore seed 5: the retry's REGISTER follows within the give-up time."""
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=1,
                                        duration=60.0, servers=_ONE_TARGET[:1],
                                        calls=(33.0,)))
        tb.refused(0.0, "primary")
        tb.refused(33.0, "primary")
        ok = tb.request("REGISTER", "primary", 35.0, call_id="reg-1", transport="tcp",
                        expires=3600)
        tb.respond(ok, 200)
        self.assertNotEqual(status(tb, "RTX-5"), "fail")

    def test_refused_call_after_a_refused_retry_passes(self) -> None:
        """Explore seed 7: the retry itself refused, the call's connection refused a second
        later is not a second, early retry."""
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=1,
                                        duration=60.0, servers=_ONE_TARGET[:1],
                                        calls=(38.5,)))
        tb.request("REGISTER", "primary", 0.0, call_id="reg-1", transport="tcp", expires=3600)
        tb.refused(37.5, "primary")
        tb.refused(38.5, "primary")
        self.assertEqual(status(tb, "RTX-5"), "pass")


class SharedRefusedConnectionTests(SynchronousTestCase):
    """
    FO-5, roe 0 (explore seed 8): a REGISTER and an INVITE waiting for the same
    refused connection to the primary fail over together; the REGISTER is FO-2's,
    not a registration before using the secondary.
    """

    def _world(self, register_failing_over: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, port1=0, calls=(0.0,), duration=60.0))
        invite_at = 0.035
        if not register_failing_over:  # registered at the primary: this REGISTER is not FO-2's
            first = tb.register("primary", 0.0, transport="tcp")
            tb.respond(first, 200, 0.005)
        fb = tb.register("fallback", 0.01, call_id="reg-2", transport="tcp")
        tb.respond(fb, 200, 0.015)
        tb.refused(0.01, "primary")
        inv = tb.invite("secondary", invite_at, call_id="call-a", transport="tcp")
        reg = tb.register("secondary", 0.035, transport="tcp", cseq=2)
        tb.respond(reg, 200, 0.035)  # no latency: answered at the instant of the INVITE
        tb.respond(inv, 200, invite_at + 0.005)
        return tb

    def test_together_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-5"), "pass")

    def test_register_of_its_own_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-5"), "fail")


class LateProbeAnswerTests(SynchronousTestCase):
    """
    FBK-S4 (explore seed 1): a working server that answers every request a second
    late never answers a probe in time; the phone stays on the fallback server.
    """

    def _world(self, delay: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, servers=_ONE_TARGET, retry_counts=0,
                                        redundancy_type=1, duration=300.0, calls=(122.0,)))
        first = tb.register("primary", 0.0)
        tb.respond(first, 200, 1.0)
        on = tb.register("fallback", 0.5, call_id="reg-2")
        tb.respond(on, 200, 0.505)
        probe = tb.register("primary", 120.5, cseq=2)
        tb.respond(probe, 200, 120.5 + delay)
        inv = tb.invite("fallback", 122.0, call_id="call-a")
        tb.respond(inv, 200, 122.005)
        return tb

    def test_late_probe_answer_passes(self) -> None:
        self.assertNotEqual(status(self._world(1.0), "FBK-S4"), "fail")

    def test_timely_probe_answer_then_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(0.01), "FBK-S4"), "fail")


class RetryLookupFailsTests(SynchronousTestCase):
    """
    RTX-5 (explore seed 6): a retry whose lookup of server 1 fails (SERVFAIL,
    DNS-11) sends no REGISTER; its DNS query is the retry.
    """

    def _world(self, query_at: float) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(server2="", duration=120.0,
                                        servers=default_facts().servers[:1]))
        tb.silent("REGISTER", "primary", 0.0, cseq=1)
        tb.silent("REGISTER", "primary", 37.5, cseq=2)
        m = dns.Message(id=7, recDes=True)
        m.queries = [dns.Query(f"_sip._udp.{DOMAIN}", dns.SRV, dns.IN)]
        tb._add(PacketEvent(query_at, "udp", (PHONE, 40000), (DNS, 53), m.toStr(),
                            fate="delivered"))
        tb.dns(query_at, f"_sip._udp.{DOMAIN}", "SRV", rcode="SERVFAIL")
        return tb

    def test_failed_lookup_at_the_retry_time_passes(self) -> None:
        self.assertEqual(status(self._world(75.0), "RTX-5"), "pass")

    def test_early_lookup_fails(self) -> None:
        self.assertEqual(status(self._world(55.0), "RTX-5"), "fail")

    def test_another_requests_lookup_is_not_the_retry(self) -> None:
        """Explore seed 1: a call's lookup before the retry time, run over before it."""
        tb = self._world(50.0)
        tb.facts = replace(tb.facts, duration=70.0)
        self.assertEqual(status(tb, "RTX-5"), "pass")  # the second round is not judged


class LostTlsSegmentTests(SynchronousTestCase):
    """
    RTX-5 (explore seed 2): a TLS record (no payload in the trace) whose first
    copies the network lost left the phone with the first copy; TCP's
    retransmission delay is not the phone's lateness.
    """

    def _world(self, lost_copies: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=2,
                                        duration=60.0, servers=_ONE_TARGET[:1]))
        tb.request("REGISTER", "primary", 0.0, transport="tls", port=5061, expires=3600)
        conn = ((PHONE, 5060), ("127.0.1.10", 5061))
        if lost_copies:
            for at in (37.5, 37.7):
                tb._add(PacketEvent(at, "tcp", *conn, b"", fate="lost"))
        tb._add(PacketEvent(38.1, "tcp", *conn, b"", fate="delivered"))
        tb.request("REGISTER", "primary", 38.105, cseq=2, transport="tls", port=5061,
                   expires=3600)
        return tb

    def test_retransmitted_record_passes(self) -> None:
        self.assertEqual(status(self._world(True), "RTX-5"), "pass")

    def test_late_record_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")


class LateProvisionalTests(SynchronousTestCase):
    """
    REG-2 (explore seed 1): a 180 sent after the phone gave the INVITE up (RTX-1)
    stopped nothing: the INVITE failed, and re-registering early after that
    failure is legitimate (FBK-C3).
    """

    def _world(self, ringing_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", retry_counts=0,
                                        duration=120.0, calls=(0.0,), servers=_ONE_TARGET[:1]))
        reg = tb.register("primary", 0.0)
        tb.respond(reg, 200, 0.005)
        inv = tb.invite("primary", 0.0, call_id="call-a")
        tb.respond(inv, 180, ringing_at)
        tb.respond(inv, 200, 1.005)
        again = tb.register("primary", 30.5, cseq=2)
        tb.respond(again, 200, 30.505)
        return tb

    def test_late_ringing_passes(self) -> None:
        self.assertEqual(status(self._world(1.005), "REG-2"), "pass")

    def test_timely_ringing_then_early_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(0.1), "REG-2"), "fail")


class RegisterOnEnableThenFallbackTests(SynchronousTestCase):
    """
    RTX-1, FO-3, roe 1 (explore seed 0, second world): the INVITE gives the primary
    up, the REGISTER to the secondary (FO-5) fails, the INVITE goes to the fallback
    server after it.  With roe 0 the same wire is a late move and no failover.
    """

    def _world(self, roe: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(calls=(0.0,), register_on_enable=roe, duration=60.0))
        ok = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(ok, 200, 0.005)
        tb.silent("REGISTER", "primary", 0.0, cseq=1)
        tb.silent("INVITE", "primary", 0.0, call_id="call-a")
        at = tb.give_up("INVITE")
        tb.silent("REGISTER", "secondary", at, cseq=2)
        inv = tb.invite("fallback", at + tb.give_up("REGISTER", "secondary"), call_id="call-a",
                        cseq=2)
        tb.respond(inv, 200)
        return tb

    def test_roe_register_is_the_move_passes(self) -> None:
        self.assertEqual(status(self._world(1), "RTX-1"), "pass")
        self.assertEqual(status(self._world(1), "FO-3"), "n/a")

    def test_without_roe_the_move_is_late_fails(self) -> None:
        self.assertEqual(status(self._world(0), "RTX-1"), "fail")
        self.assertEqual(status(self._world(0), "FO-3"), "fail")


class LostRetryLookupTests(SynchronousTestCase):
    """
    FBK-C3 (explore seed 1): the retry of the down working server began with a DNS
    query the network lost; the resolver's retry a second later is not lateness.
    """

    def _world(self, lost_query: bool) -> TraceBuilder:
        servers = default_facts().servers
        tb = TraceBuilder(default_facts(duration=60.0, servers=(servers[0], servers[2])))
        ok = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(ok, 200, 0.005)
        tb.silent("REGISTER", "primary", 0.0, cseq=1)
        if lost_query:
            tb._add(PacketEvent(37.52, "udp", (PHONE, 40000), (DNS, 53), b"query",
                                fate="lost"))
        tb.silent("REGISTER", "primary", 38.54, cseq=2)
        return tb

    def test_lost_lookup_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_late_retry_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class RegisterOnEnableRegisterFailsTests(SynchronousTestCase):
    """
    RTX-1, roe 1 (explore seed 0, third world): FO-5's REGISTER to the secondary
    is for that target only; when it fails the INVITE behind it moves on, not the
    REGISTER (no REGISTER to the primary is due then).
    """

    def _world(self, roe: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(calls=(0.0,), register_on_enable=roe, server2="",
                                        duration=60.0, servers=default_facts().servers[:2]))
        ok = tb.register("primary", 0.0)
        tb.respond(ok, 200, 0.005)
        tb.silent("INVITE", "primary", 0.0, call_id="call-a")
        at = tb.give_up("INVITE")
        tb.silent("REGISTER", "secondary", at, cseq=2)
        again = tb.register("primary", 45.0, cseq=3)
        tb.respond(again, 200, 45.005)
        return tb

    def test_roe_register_does_not_move_on_passes(self) -> None:
        self.assertEqual(status(self._world(1), "RTX-1"), "pass")

    def test_failover_register_not_moving_on_fails(self) -> None:
        self.assertEqual(status(self._world(0), "RTX-1"), "fail")


class LateFallbackAnswerTests(SynchronousTestCase):
    """
    FBK-C2 (explore seeds 2, 4): a fallback server that answers the INVITE only
    after the phone gave it up (RTX-1) cannot complete the call; no ACK is due.
    """

    def _world(self, answer_at: float) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, calls=(0.0,), servers=_ONE_TARGET)
        s2 = replace(facts.account.servers[1], retry_counts=0)
        tb = TraceBuilder(replace(facts, account=replace(
            facts.account, servers=(facts.account.servers[0], s2))))
        ok = tb.register("primary", 0.0)
        tb.respond(ok, 200, 0.005)
        tb.silent("INVITE", "primary", 0.0, call_id="call-a")
        at = tb.give_up("INVITE")
        inv = tb.invite("fallback", at, call_id="call-a", cseq=2)
        tb.respond(inv, 180, at + answer_at)
        tb.respond(inv, 200, at + answer_at)
        return tb

    def test_late_answer_passes(self) -> None:
        self.assertEqual(status(self._world(1.0), "FBK-C2"), "pass")

    def test_timely_answer_without_ack_fails(self) -> None:
        self.assertEqual(status(self._world(0.1), "FBK-C2"), "fail")


class RetryLostSynTests(SynchronousTestCase):
    """
    RTX-5 (explore seeds 5, 7): a TLS retry whose first SYN the network lost began
    at that SYN; TCP's SYN retransmission a second later is not the phone's delay.
    """

    def _world(self, lost_syn: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=1,
                                        duration=60.0, servers=_ONE_TARGET[:1]))
        tb.silent("REGISTER", "primary", 0.0, cseq=1, retry_counts=0)
        if lost_syn:
            tb.syn_lost(37.5, "primary", fate="lost", phone_port=5060)
        tb._add(PacketEvent(38.5, "tcp", (PHONE, 5060), ("127.0.1.10", 5060), b"",
                            fate="delivered", flags="S"))
        tb.request("REGISTER", "primary", 38.52, cseq=2, transport="tcp", expires=3600)
        return tb

    def test_retry_from_the_lost_syn_passes(self) -> None:
        self.assertEqual(status(self._world(True), "RTX-5"), "pass")

    def test_late_retry_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")


class FailoverLostSynTests(SynchronousTestCase):
    """
    FO-2 (explore seed 8, loss 0.2): after the primary refused, the connection to
    the secondary began at once, but its SYNs were lost twice; the REGISTER left
    when TCP got through.
    """

    def _world(self, syn_at_once: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, port1=0, server2="", duration=60.0,
                                        servers=default_facts().servers[:2]))
        at = tb.refused(0.02, "primary")
        first = at if syn_at_once else 2.9
        tb._add(PacketEvent(first, "tcp", (PHONE, 5060), ("127.0.1.20", 5060), b"",
                            fate="lost", flags="S"))
        tb._add(PacketEvent(3.03, "tcp", (PHONE, 5060), ("127.0.1.20", 5060), b"",
                            fate="delivered", flags="S"))
        ok = tb.register("secondary", 3.04, transport="tcp", cseq=2)
        tb.respond(ok, 200, 3.045)
        return tb

    def test_failover_from_the_first_syn_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-2"), "pass")

    def test_late_connection_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class FallbackPortClosedTests(SynchronousTestCase):
    """
    FBK-C1 (explore seeds 2, 4): a fallback server whose port is closed never
    gets SIP; the phone's refused connections to it are its REGISTER attempts.
    """

    def _world(self, tries: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=60.0,
                                        servers=_ONE_TARGET))
        ok = tb.request("REGISTER", "primary", 0.01, transport="tcp", expires=3600)
        tb.respond(ok, 200, 0.015)
        if tries:
            tb.refused(0.0, "fallback")
            tb.refused(30.0, "fallback")
        return tb

    def test_refused_attempts_pass(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_no_attempt_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class WorkingServerTlsNeverUpTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 6, also failing on main): TLS to a plain-TCP port never
    finishes its handshake; the connection the phone opened is its REGISTER
    attempt at the working server (RTX-2: not established).
    """

    def _world(self, connects: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=2, duration=60.0,
                                        servers=_ONE_TARGET))
        ok = tb.request("REGISTER", "fallback", 0.02, call_id="reg-2", transport="tls",
                        port=5061, expires=3600)
        tb.respond(ok, 200, 0.025)
        if connects:
            tb._add(PacketEvent(0.02, "tcp", (PHONE, 32769), ("127.0.1.10", 5060), b"",
                                fate="delivered", flags="S"))
        return tb

    def test_handshake_attempt_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_nothing_to_the_working_server_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class RefusedRetryAfterCallTests(SynchronousTestCase):
    """
    FO-6 (explore seeds 2, 4, 7; also failing on main): a refused connection with
    nothing after it, away from any planned call, is the registration's retry, not
    a repeat of the call that last went to that server.
    """

    def _world(self, call_fails_over: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=60.0,
                                        calls=(1.0,), servers=_ONE_TARGET))
        tb.refused(0.0, "primary")
        ok = tb.request("REGISTER", "fallback", 0.01, call_id="reg-2", transport="tcp",
                        expires=3600)
        tb.respond(ok, 200, 0.015)
        if call_fails_over:
            tb.refused(1.0, "primary")
            inv = tb.invite("fallback", 1.01, call_id="call-a", transport="tcp")
            tb.respond(inv, 200, 1.015)
        else:  # the INVITE got to the primary, unanswered, and went nowhere else
            tb.request("INVITE", "primary", 1.0, call_id="call-a", transport="tcp")
        tb.refused(30.0, "primary")
        return tb

    def test_registration_retry_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-6"), "pass")

    def test_call_not_taken_over_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-6"), "fail")


class RegisterOnEnableInsideFailoverTtlTests(SynchronousTestCase):
    """
    DNS-10 (explore seed 0): with C{register_on_enable} 1 the phone registers at
    the next target of the INVITE's resolution before re-sending the INVITE
    there; that REGISTER, though after the TTL, is a step of the INVITE's
    failover (FO-5), not a new request that must resolve again.  A REGISTER after
    the INVITE's round ended is one, and must.
    """

    def _world(self, inside: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(calls=(0.0,), register_on_enable=1, duration=30.0))
        tb.dns(0.0, DOMAIN, "A", ["127.0.1.10", "127.0.1.20"], ttl=5)
        ok = tb.register("primary", 0.01)
        tb.respond(ok, 200, 0.015)
        tb.silent("INVITE", "primary", 0.01, call_id="call-a")
        at = 0.01 + tb.give_up("INVITE")
        reg_at = at if inside else at + 0.2
        reg = tb.register("secondary", reg_at, cseq=2)
        tb.respond(reg, 200, reg_at + 0.005)
        inv = tb.invite("secondary", at + 0.01, call_id="call-a", cseq=2)
        tb.respond(inv, 200, at + 0.015)
        return tb

    def test_register_inside_the_invite_failover_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "DNS-10"), "fail")

    def test_silent_register_inside_the_invite_failover_passes(self) -> None:
        # the secondary ignores the REGISTER: no INVITE follows it (FO-5)
        tb = TraceBuilder(default_facts(calls=(0.0,), register_on_enable=1, duration=30.0))
        tb.dns(0.0, DOMAIN, "A", ["127.0.1.10", "127.0.1.20"], ttl=5)
        ok = tb.register("primary", 0.01)
        tb.respond(ok, 200, 0.015)
        tb.silent("INVITE", "primary", 0.01, call_id="call-a")
        tb.silent("REGISTER", "secondary", 0.01 + tb.give_up("INVITE"), cseq=2)
        self.assertNotEqual(status(tb, "DNS-10"), "fail")

    def test_new_register_after_the_ttl_without_lookup_fails(self) -> None:
        self.assertEqual(status(self._world(False), "DNS-10"), "fail")


class WorkingServerNeverConnectedSuccessiveTests(SynchronousTestCase):
    """
    FBK-S1, FBK-S2 (explore seed 3, loss 0.2): the SYN to the working server was
    lost; the phone gave the server up at the RTX-1 time (retry_counts 0: T1) and
    registered at the fallback server.  The connection, carrying no SIP, is the
    failed REGISTER attempt at the working server (RTX-2: not established); a
    REGISTER to the fallback server before that time is not a fallback.
    """

    def _world(self, fallback_at: float) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, redundancy_type=1,
                              duration=60.0, servers=_ONE_TARGET)
        s1 = replace(facts.account.servers[0], retry_counts=0)
        tb = TraceBuilder(replace(facts, account=replace(
            facts.account, servers=(s1, facts.account.servers[1]))))
        tb.syn_lost(0.0, "primary", fate="lost", phone_port=32768)
        tb._add(PacketEvent(1.0, "tcp", (PHONE, 32768), ("127.0.1.10", 5060), b"",
                            fate="delivered", flags="S"))
        ok = tb.request("REGISTER", "fallback", fallback_at, call_id="reg-2", transport="tcp",
                        expires=3600)
        tb.respond(ok, 200, fallback_at + 0.005)
        return tb

    def test_fallback_after_the_give_up_time_passes(self) -> None:
        tb = self._world(0.51)
        self.assertEqual(status(tb, "FBK-S1"), "pass")
        self.assertEqual(status(tb, "FBK-S2"), "pass")

    def test_fallback_before_the_working_server_failed_fails(self) -> None:
        self.assertEqual(status(self._world(0.0), "FBK-S1"), "fail")


class WorkingServerRefusedConcurrentTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 4): the working server's port was closed for the whole
    run; every connection to it was refused, with no SIP on the wire to name it.
    Those connections are its REGISTER attempts (RTX-2), as for the fallback server.
    """

    def _world(self, tries: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=60.0,
                                        servers=_ONE_TARGET))
        ok = tb.request("REGISTER", "fallback", 0.01, call_id="reg-2", transport="tcp",
                        expires=3600)
        tb.respond(ok, 200, 0.015)
        if tries:
            tb.refused(1.0, "primary")
            tb.refused(31.0, "primary")
        return tb

    def test_refused_attempts_pass(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_no_attempt_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class InviteFailoverTargetUnresolvedTests(SynchronousTestCase):
    """
    FO-3 (explore seed 6, loss 0.05): the lookup the INVITE used lost the
    secondary's A query; the primary resolved and stayed silent.  The secondary
    was no target of that resolution (DNS-8), so no INVITE was due there.
    """

    def _world(self, secondary_resolved: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, calls=(6.0,), duration=60.0, server2=""))
        srv = f"_sip._udp.{DOMAIN}"
        tb.dns(6.0, srv, "SRV", [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(6.01, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        if secondary_resolved:
            tb.dns(6.02, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        else:
            tb.dns(6.02, f"secondary.{DOMAIN}", "A", rcode="TIMEOUT")
        tb.silent("INVITE", "primary", 6.03, call_id="call-a")
        return tb

    def test_unresolved_secondary_is_not_judged(self) -> None:
        self.assertEqual(status(self._world(False), "FO-3"), "n/a")

    def test_resolved_secondary_not_tried_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FO-3"), "fail")


class FallbackBackoffDnsDownTests(SynchronousTestCase):
    """
    FBK-S2 (explore seed 9): the fallback server had just failed (silent) and the
    phone waited out RTX-5's retry interval when a call's lookup of the working
    server failed (DNS-11).  The next REGISTER to the fallback server is that
    retry, not one at once; a phone that never retries still fails.
    """

    def _world(self, retry_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, calls=(8.0,), duration=60.0))
        tb.dns(0.0, DOMAIN, "A")
        first = tb.silent("REGISTER", "fallback", 0.01, call_id="reg-2")
        tb.dns(8.0, DOMAIN, "A")
        tb.silent("INVITE", "fallback", 8.01, call_id="call-a")
        tb.silent("REGISTER", "fallback", retry_at, call_id=first.call_id, cseq=2)
        return tb

    def test_retry_after_the_interval_passes(self) -> None:
        self.assertEqual(status(self._world(37.52), "FBK-S2"), "pass")

    def test_late_retry_fails(self) -> None:
        self.assertEqual(status(self._world(50.0), "FBK-S2"), "fail")


class ReRegisterAfterDnsFailureTests(SynchronousTestCase):
    """
    REG-2 (explore seed 6): a failed lookup of server 1's name (a call's) is a
    failure of server 1 (DNS-11), after which registering again early is
    legitimate, as after a failed transaction there; without it, it is not.
    """

    def _world(self, lookup_fails: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(calls=(10.0,), server2="", duration=120.0))
        tb.dns(0.0, DOMAIN, "A", ["127.0.1.10", "127.0.1.20"])
        ok = tb.register("primary", 0.01)
        tb.respond(ok, 200, 0.015)
        if lookup_fails:
            tb.dns(10.0, DOMAIN, "A", rcode="SERVFAIL")
        else:
            tb.dns(10.0, DOMAIN, "A", ["127.0.1.10", "127.0.1.20"])
        again = tb.register("primary", 40.0, cseq=2)
        tb.respond(again, 200, 40.005)
        return tb

    def test_early_register_after_a_failed_lookup_passes(self) -> None:
        self.assertEqual(status(self._world(True), "REG-2"), "pass")

    def test_early_register_without_trouble_fails(self) -> None:
        self.assertEqual(status(self._world(False), "REG-2"), "fail")
class RetryRoundHeadTests(SynchronousTestCase):
    """
    RTX-5 (explore seed 8, loss 0.05): the retry round began with a refused
    connection to the primary and moved on to the secondary at once; the
    secondary's REGISTER, though nearer the retry time, is the round's second
    attempt, not where the retry started.
    """

    def _world(self, from_top: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, port1=0, server2="", duration=70.0,
                                        servers=default_facts().servers[:2]))
        tb.refused(0.02, "primary")
        tb.silent("REGISTER", "secondary", 0.04, transport="tcp", cseq=1)
        due = 0.04 + tb.give_up("REGISTER", "secondary") + 30.0
        if from_top:  # the primary refused 30 ms before the retry time
            tb.refused(due - 0.03, "primary")
        tb.silent("REGISTER", "secondary", due, transport="tcp", cseq=2)
        return tb

    def test_retry_from_the_refused_primary_passes(self) -> None:
        self.assertEqual(status(self._world(True), "RTX-5"), "pass")

    def test_retry_at_the_secondary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")


class ConcurrentRetryOwnCycleTests(SynchronousTestCase):
    """
    RTX-5 (explore seed 7, concurrent mode): the working server refused at once
    while the concurrent REGISTER to a silent fallback server (FBK-C1) waited 7.5
    s for nothing; server 1's retry is due 30 s after server 1 failed, not after
    the fallback server's registration failed: that is no target of server 1.
    """

    def _world(self, own_cycle: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=55.0,
                                        servers=_ONE_TARGET))
        failed = tb.refused(0.0, "primary")
        tb.silent("REGISTER", "fallback", 0.01, call_id="reg-2", transport="tcp")
        gave_up = 0.01 + tb.give_up("REGISTER", "fallback")
        # the retry of server 1: its own 30 s, or (wrongly) 30 s after the fallback failed
        tb.refused((failed if own_cycle else gave_up) + 30.0, "primary")
        tb.silent("REGISTER", "fallback", gave_up + 30.0, call_id="reg-2", cseq=2,
                  transport="tcp")
        return tb

    def test_own_retry_cycle_passes(self) -> None:
        self.assertEqual(status(self._world(True), "RTX-5"), "pass")

    def test_retry_chained_to_the_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")


class RefusedHangUpTests(SynchronousTestCase):
    """
    RTX-5 (explore seeds 2, 5): the primary stopped during a call; at the
    planned hang-up the phone's connection for the BYE was refused before any
    SIP went over it.  That was the call's BYE (FO-4), not a registration the
    phone should retry: its registration still held for an hour.
    """

    def _world(self, refused_at: float) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, server2="", transport=1, duration=120.0,
                              servers=_ONE_TARGET[:1])
        tb = TraceBuilder(replace(facts, calls=(CallPlan(44.0, "sip:echo@example.test", 5.0),)))
        ok = tb.request("REGISTER", "primary", 0.01, call_id="reg-1", transport="tcp",
                        expires=3600)
        tb.respond(ok, 200, 0.015)
        tb.call("primary", 44.0, transport="tcp")  # 200 at 44.01
        tb.fault(45.0, "primary", "stop")
        tb.refused(refused_at, "primary")
        return tb

    def test_refused_bye_at_the_hang_up_passes(self) -> None:
        self.assertEqual(status(self._world(49.015), "RTX-5"), "n/a")

    def test_refused_registration_retry_never_retried_fails(self) -> None:
        # a refused connection away from the call's times is the registration's own
        self.assertEqual(status(self._world(60.0), "RTX-5"), "fail")


class FallbackLostProbeTests(SynchronousTestCase):
    """
    FBK-S3 (explore seed 1, with the phone fixed): on the fallback server, its
    renewal went unanswered; every target had failed, and the phone's REGISTER
    to the working server 30 s later is RTX-5's retry from the top, not a probe
    off the fallback.timeout schedule.  While the fallback server works, the
    same REGISTER is an early probe.
    """

    def _world(self, fallback_fails: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, redundancy_type=1, duration=125.0,
                                        servers=_ONE_TARGET))
        tb.silent("REGISTER", "primary", 0.0)
        at = tb.give_up("REGISTER")
        ok = tb.register("fallback", at, call_id="reg-2", expires=120)
        tb.respond(ok, 200, at + 0.005)
        renew = at + 60.0
        if fallback_fails:
            tb.silent("REGISTER", "fallback", renew, call_id="reg-2", cseq=2, expires=120)
            retry = renew + tb.give_up("REGISTER", "fallback") + 30.0
        else:
            again = tb.register("fallback", renew, call_id="reg-2", cseq=2, expires=120)
            tb.respond(again, 200, renew + 0.005)
            retry = renew + tb.give_up("REGISTER", "fallback") + 30.0
        tb.silent("REGISTER", "primary", retry, cseq=2)
        tb.silent("REGISTER", "fallback", retry + tb.give_up("REGISTER"), call_id="reg-2",
                  cseq=3, expires=120)
        return tb

    def test_retry_from_the_top_after_the_fallback_failed_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FBK-S3"), "fail")

    def test_early_probe_while_on_a_working_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class FallbackLostSynTests(SynchronousTestCase):
    """
    RTX-5 (explore seed 10, successive, loss 0.2): when the working server gave
    up, the phone's connection to the fallback server began at once, but its
    first SYN was lost; the REGISTER left a second later and was answered.  The
    fallback server took over (the attempt began with its first SYN): no
    retry of the working server is due.
    """

    def _world(self, syn_at_once: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, redundancy_type=1,
                                        duration=60.0, servers=_ONE_TARGET))
        tb.silent("REGISTER", "primary", 0.0, transport="tcp")
        at = tb.give_up("REGISTER")
        if syn_at_once:
            tb.syn_lost(at, "fallback", fate="lost", phone_port=5060)
        tb._add(PacketEvent(at + 1.0, "tcp", (PHONE, 5060), (FALLBACK, 5060), b"",
                            fate="delivered", flags="S"))
        ok = tb.register("fallback", at + 1.02, call_id="reg-2", transport="tcp")
        tb.respond(ok, 200, at + 1.025)
        return tb

    def test_fallback_from_the_lost_syn_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "RTX-5"), "fail")

    def test_late_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")


class ZeroLatency503Tests(SynchronousTestCase):
    """
    RTX-3 (explore seed 11, network latency 0): the primary's 503 and the
    REGISTER to the secondary carry the same timestamp; the trace's order says
    the 503 came first, so the secondary's attempt is the same request moving
    on, not a new one.
    """

    def _world(self, moves_on: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server2="", duration=60.0,
                                        servers=default_facts().servers[:2]))
        first = tb.register("primary", 0.0)
        tb.respond(first, 503, 0.0)
        if moves_on:
            ok = tb.register("secondary", 0.0, cseq=2)
            tb.respond(ok, 200, 0.0)
        return tb

    def test_same_instant_move_on_passes(self) -> None:
        self.assertEqual(status(self._world(True), "RTX-3"), "pass")

    def test_no_move_on_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-3"), "fail")


class ConnectionReusedLateTests(SynchronousTestCase):
    """
    RTX-5 (explore seeds 10-14 once the transport stopped sending a given-up
    request late; TCP, loss 0.2, retry_counts 0, the primary the only
    target): the first SYN was lost and the REGISTER gave up at 0.5 s (RTX-2:
    not established in time); the SYN retransmitted a second later opened the
    connection, which the phone kept and reused for its retries at 30.5 s and
    61 s.  The retry at 30.5 s began with its own send, not with the
    connection's first SYN half a minute earlier, so the next retry is due 30 s
    after it failed.
    """

    def _world(self, second_retry_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=1,
                                        retry_counts=0, duration=80.0,
                                        servers=_ONE_TARGET[:1]))
        tb.syn_lost(0.0, "primary", fate="lost", phone_port=5060)
        tb._add(PacketEvent(1.0, "tcp", (PHONE, 5060), (PRIMARY, 5060), b"",
                            fate="delivered", flags="S"))
        tb.silent("REGISTER", "primary", 30.5, transport="tcp", cseq=2)
        tb.silent("REGISTER", "primary", second_retry_at, transport="tcp", cseq=3)
        return tb

    def test_retry_over_the_reused_connection_passes(self) -> None:
        self.assertEqual(status(self._world(61.0), "RTX-5"), "pass")

    def test_retry_off_the_interval_fails(self) -> None:
        self.assertEqual(status(self._world(75.0), "RTX-5"), "fail")


class RetryAfterRegisterOnEnableTests(SynchronousTestCase):
    """
    RTX-1, RTX-5 (explore seed 0 of dns-ip-literal, roe 1, loss 0.2): the
    call's INVITE failed over and the REGISTER to the secondary that had to
    come first (FO-5) went unanswered, so server 1 had failed; 30 s later the
    phone retried from the top of the list (RTX-5: the primary, then the
    secondary).  The REGISTER chain began at the secondary, but the retry at
    the primary after that pause is a new round through the targets, not the
    FO-5 REGISTER's round moving on: the secondary failing in it ends the
    round (every target failed), and the next retry is due 30 s after that.
    """

    def _world(self, secondary_late: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(calls=(1.0,), register_on_enable=1, server2="",
                                        retry_counts=1, duration=120.0,
                                        servers=default_facts().servers[:2]))
        ok = tb.register("primary", 1.0)
        tb.respond(ok, 200, 1.005)
        tb.silent("INVITE", "primary", 1.0, call_id="call-a")
        at = 1.0 + tb.give_up("INVITE")
        tb.silent("REGISTER", "secondary", at, cseq=2)
        retry = at + tb.give_up("REGISTER", "secondary") + 30.0
        tb.silent("REGISTER", "primary", retry, cseq=3)
        nxt = retry + tb.give_up("REGISTER") + secondary_late
        tb.silent("REGISTER", "secondary", nxt, cseq=4)
        again = tb.register("primary", nxt + tb.give_up("REGISTER", "secondary") + 30.0,
                            cseq=5)
        tb.respond(again, 200, again.last + 0.005)
        return tb

    def test_retry_from_the_top_after_the_fo5_register_passes(self) -> None:
        self.assertEqual(status(self._world(0.0), "RTX-1"), "pass")
        self.assertEqual(status(self._world(0.0), "RTX-5"), "pass")

    def test_secondary_late_in_the_retry_round_fails(self) -> None:
        self.assertEqual(status(self._world(5.0), "RTX-1"), "fail")

    def test_register_failover_that_is_also_fo5s_stays_in_its_round(self) -> None:
        # the REGISTER and the INVITE gave the silent primary up together: the
        # REGISTER to the secondary is FO-2's failover (and FO-5's registration)
        tb = TraceBuilder(default_facts(calls=(0.0,), register_on_enable=1, server2="",
                                        duration=60.0, servers=default_facts().servers[:2]))
        tb.silent("REGISTER", "primary", 0.0, cseq=1)
        tb.silent("INVITE", "primary", 0.0, call_id="call-a")
        at = tb.give_up("INVITE")
        reg = tb.register("secondary", at, cseq=2)
        tb.respond(reg, 200, at + 0.005)
        inv = tb.invite("secondary", at + 0.02, call_id="call-a", cseq=2)
        tb.respond(inv, 200)
        self.assertEqual(status(tb, "FO-2"), "pass")


class ProbeBesideFallbackRenewalTests(SynchronousTestCase):
    """
    REG-2, FBK-S1 (explore seed 1 of dns-ip-literal, successive, loss 0.2,
    fallback.timeout 30, the fallback server's expires 60): on the fallback
    server since the working server's REGISTER was lost, the phone's probe
    (FBK-S3) and the fallback registration's renewal (REG-2) fell due at the
    same instant.  The renewal left before the working server's answer to the
    probe could reach the phone, so it is no REGISTER to the fallback "while
    the working server worked"; and once back on the working server (FBK-S4)
    the phone, registering to one server at a time, lets the fallback binding
    expire.  A renewal sent after the probe's answer arrived is still FBK-S1's
    failure, and a fallback binding left to expire while the probe went
    unanswered is still REG-2's.
    """

    def _world(self, renew_at: float, probe_answered: bool = True) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, redundancy_type=1, fallback_timeout=30,
                                        expires=60, retry_counts=0, duration=95.0,
                                        servers=_ONE_TARGET))
        tb.silent("REGISTER", "primary", 0.0)
        at = tb.give_up("REGISTER")
        ok = tb.register("fallback", at, call_id="reg-2")
        tb.respond(ok, 200, at + 0.005)
        probe_at = at + 30.0
        renew = tb.register("fallback", renew_at, call_id="reg-2", cseq=2)
        tb.respond(renew, 200, renew_at + 0.005)
        if not probe_answered:
            tb.silent("REGISTER", "primary", probe_at, cseq=2)
            return tb
        probe = tb.register("primary", probe_at, cseq=2)
        tb.respond(probe, 200, probe_at + 0.005)
        again = tb.register("primary", probe_at + 30.0, cseq=3)
        tb.respond(again, 200, probe_at + 30.005)
        return tb

    def test_renewal_beside_the_probe_passes(self) -> None:
        tb = self._world(0.5 + 30.0)
        self.assertEqual(status(tb, "FBK-S1"), "pass")
        self.assertEqual(status(tb, "REG-2"), "pass")

    def test_renewal_after_the_probe_answered_fails(self) -> None:
        self.assertEqual(status(self._world(0.5 + 31.0), "FBK-S1"), "fail")

    def test_fallback_unrenewed_while_the_probe_failed_fails(self) -> None:
        self.assertEqual(status(self._world(0.5 + 30.0, probe_answered=False), "REG-2"), "fail")


class RefusedBesideFallbackRenewalTests(SynchronousTestCase):
    """
    REG-2 (explore seed 13 of dns-ip-literal, concurrent, TCP, the primary
    stopped): every 30 s the working server refused the phone's connection
    (RTX-5's retries) while the fallback registration (expires 120) was
    renewed on its own schedule, once at the same instant as a retry.  The
    refused attempts, with no SIP of their own, take the Call-ID of the
    fallback REGISTER that follows them, so the renewal sits in a round
    headed by the working server: it is still the fallback server's renewal.
    """

    def _world(self, renew_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, expires=120,
                                        duration=150.0, servers=_ONE_TARGET))
        tb.refused(0.0, "primary")
        ok = tb.register("fallback", 0.01, call_id="reg-2", transport="tcp")
        tb.respond(ok, 200, 0.015)
        for at in (30.01, 60.02, 90.03, 120.04):
            tb.refused(at, "primary")
        again = tb.register("fallback", renew_at, call_id="reg-2", cseq=2, transport="tcp")
        tb.respond(again, 200, renew_at + 0.005)
        return tb

    def test_renewal_beside_a_refused_retry_passes(self) -> None:
        self.assertEqual(status(self._world(60.025), "REG-2"), "pass")

    def test_renewal_after_the_expiry_fails(self) -> None:
        self.assertEqual(status(self._world(125.0), "REG-2"), "fail")


class ProvisionalThenSilentTests(SynchronousTestCase):
    """
    FO-2 (explore seed 33 of dns-ip-literal, fault crash-mid): the primary
    answered the REGISTER with 100 Trying and died.  The provisional answer
    moved the phone's transaction to Proceeding, which retransmits every T2
    (RFC 3261 17.1.2.2): two sends in RTX-1's 7.5 s, not four, then the
    failover to the secondary.  RTX-1 does not judge such a transaction; with
    no provisional answer, two sends are still too few.
    """

    def _world(self, trying: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server2="", duration=60.0,
                                        servers=default_facts().servers[:2]))
        first = tb.request("REGISTER", "primary", 0.0, sends=(0.0, 4.0), call_id="reg-1",
                           expires=3600)
        if trying:
            tb.respond(first, 100, 0.005)
        at = tb.give_up("REGISTER")
        ok = tb.register("secondary", at, cseq=2)
        tb.respond(ok, 200, at + 0.005)
        return tb

    def test_proceeding_retransmissions_pass(self) -> None:
        self.assertEqual(status(self._world(True), "FO-2"), "pass")

    def test_too_few_sends_without_a_provisional_fail(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class FailbackPrimaryUnresolvedTests(SynchronousTestCase):
    """
    FB-0 (explore seed 31 of dns-ip-literal, loss 0.05, A TTL 60): after the
    failover to the secondary, the renewal's fresh lookup lost the primary's A
    query; the secondary resolved.  The primary was no target of the
    resolution the renewal used (DNS-8, DNS-11), so the renewal starting at the
    secondary is no failure to try the primary first.  With the primary
    resolved, it is.
    """

    def _world(self, primary_resolved: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, expires=120, duration=120.0, server2="",
                                        servers=default_facts().servers[:2]))
        srv = f"_sip._udp.{DOMAIN}"
        records = [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"]
        tb.dns(0.005, srv, "SRV", records)
        tb.dns(0.015, f"primary.{DOMAIN}", "A", ["127.0.1.10"], ttl=60)
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", ["127.0.1.20"], ttl=60)
        tb.silent("REGISTER", "primary", 0.03)
        at = 0.03 + tb.give_up("REGISTER")
        ok = tb.register("secondary", at, cseq=2)
        tb.respond(ok, 200, at + 0.005)
        tb.dns(68.045, srv, "SRV", records)
        if primary_resolved:
            tb.dns(68.05, f"primary.{DOMAIN}", "A", ["127.0.1.10"], ttl=60)
        else:
            tb.dns(68.05, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
        tb.dns(72.055, f"secondary.{DOMAIN}", "A", ["127.0.1.20"], ttl=60)
        again = tb.register("secondary", 72.06, cseq=3)
        tb.respond(again, 200, 72.065)
        return tb

    def test_renewal_past_the_unresolved_primary_passes(self) -> None:
        self.assertNotEqual(status(self._world(False), "FB-0"), "fail")

    def test_renewal_past_the_resolved_primary_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FB-0"), "fail")


class FailoverTargetAnswerLostTests(SynchronousTestCase):
    """
    FO-2 (explore seed 31 of dns-ip-literal once FB-0 was fixed, loss 0.05):
    the renewal's lookup got the primary's address, but the DNS server's
    answer for the secondary was lost on its way and the resolver's retry too
    (the server never heard it).  The secondary was no target of that
    resolution (DNS-8, DNS-11): when the silent primary gave up, no REGISTER
    was due there.  With the answer delivered, one was.
    """

    def _world(self, answer_lost: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, duration=60.0, server2="",
                                        servers=default_facts().servers[:2]))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", ["127.0.1.20"], answer_after=0.0)
        if answer_lost:
            tb._add(PacketEvent(0.025, "udp", (DNS, 53), (PHONE, 40000), b"\x00" * 40,
                                fate="lost"))
            tb._add(PacketEvent(1.02, "udp", (PHONE, 40000), (DNS, 53), b"\x00" * 40,
                                fate="lost"))
        tb.silent("REGISTER", "primary", 4.03)
        return tb

    def test_secondary_answer_lost_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-2"), "fail")

    def test_secondary_resolved_not_tried_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class RetryAtCallTimeTests(SynchronousTestCase):
    """
    RTX-5 (explore seed 40 of dns-ip-literal, TCP, the primary stopped, the
    only target): the registration's retry fell due 65 ms after a planned
    call.  The call's INVITE and then the retry each found the connection
    refused before any SIP went over it; a call makes one attempt at a
    server, so the second refused connection in the call's moment is the
    registration's retry, on time, not the call's.
    """

    def _world(self, retry_at_call: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=1,
                                        calls=(1.0, 61.0), duration=100.0,
                                        servers=_ONE_TARGET[:1]))
        ok = tb.request("REGISTER", "primary", 0.01, call_id="reg-1", transport="tcp",
                        expires=3600)
        tb.respond(ok, 200, 0.015)
        tb.fault(1.0, "primary", "stop")
        tb.refused(1.0, "primary")  # the first call's INVITE
        tb.refused(31.01, "primary")  # the registration's retry, 30 s on
        tb.refused(61.0, "primary")  # the second call's INVITE
        if retry_at_call:
            tb.refused(61.02 + 0.045, "primary")
            tb.refused(91.075, "primary")
        else:
            tb.refused(91.02, "primary")
        return tb

    def test_retry_beside_the_calls_refused_invite_passes(self) -> None:
        self.assertEqual(status(self._world(True), "RTX-5"), "pass")

    def test_retry_missed_at_the_call_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")


class ProbeRefusedTests(SynchronousTestCase):
    """
    FBK-S1 (explore seed 42 of dns-ip-literal, successive): on the fallback
    server since the working server was silent, the phone's probe got a 500.
    A final response is no failure (RTX-3), but it registers the phone nowhere:
    the working server did not take it back (FBK-S4), so the phone staying on
    the fallback server and renewing its registration there is right.  After
    a 200 to the probe, a REGISTER to the fallback server is still wrong.
    """

    def _world(self, probe_status: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, redundancy_type=1, expires=120,
                                        duration=200.0, servers=_ONE_TARGET))
        tb.silent("REGISTER", "primary", 0.0)
        at = tb.give_up("REGISTER")
        ok = tb.register("fallback", at, call_id="reg-2")
        tb.respond(ok, 200, at + 0.005)
        again = tb.register("fallback", at + 60.0, call_id="reg-2", cseq=2)
        tb.respond(again, 200, at + 60.005)
        probe = tb.register("primary", at + 120.0, cseq=2)
        tb.respond(probe, probe_status, at + 120.005)
        renew = tb.register("fallback", at + 121.0, call_id="reg-2", cseq=3)
        tb.respond(renew, 200, at + 121.005)
        return tb

    def test_renewal_after_a_refused_probe_passes(self) -> None:
        self.assertEqual(status(self._world(500), "FBK-S1"), "pass")

    def test_renewal_after_an_accepted_probe_fails(self) -> None:
        self.assertEqual(status(self._world(200), "FBK-S1"), "fail")


class FirstRegisterPrimaryUnresolvedTests(SynchronousTestCase):
    """
    FO-1 (explore seed 41 of dns-ip-literal, loss 0.05): the first lookup lost
    the primary's A query (and the resolver's retry); the secondary resolved.
    The primary was no target of that resolution (DNS-8, DNS-11): the first
    REGISTER going to the secondary is the top of the list the phone had.
    With the primary resolved, it is not.
    """

    def _world(self, primary_resolved: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, duration=60.0, server2="",
                                        servers=default_facts().servers[:2]))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        if primary_resolved:
            tb.dns(0.015, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        else:
            tb.dns(0.015, f"primary.{DOMAIN}", "A", rcode="TIMEOUT")
        tb.dns(4.02, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        ok = tb.register("secondary", 4.03)
        tb.respond(ok, 200, 4.035)
        return tb

    def test_first_register_past_the_unresolved_primary_passes(self) -> None:
        self.assertEqual(status(self._world(False), "FO-1"), "pass")

    def test_first_register_past_the_resolved_primary_fails(self) -> None:
        self.assertEqual(status(self._world(True), "FO-1"), "fail")


class RenewalLookupAnswersLostTests(SynchronousTestCase):
    """
    REG-2 (explore seed 48 of dns-ip-literal, loss 0.2, expires 30): the
    renewal's lookup of the domain's A records got answered twice, and the
    network dropped both answers: the phone's resolver timed out, a DNS
    failure of server 1 (DNS-11), and the phone registered again on RTX-5's
    retry 30 s later, past the expiry.  An answer that never reached the phone
    is no answer.  With the answer delivered, the late renewal is wrong.
    """

    def _world(self, answers_lost: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(port1=0, expires=30, server2="", duration=75.0,
                                        servers=default_facts().servers[:2]))
        srv = f"_sip._udp.{DOMAIN}"
        addrs = ["127.0.1.10", "127.0.1.20"]
        tb.dns(0.005, srv, "SRV", rcode="NXDOMAIN")
        tb.dns(0.015, DOMAIN, "A", addrs, ttl=10)
        ok = tb.register("primary", 0.02)
        tb.respond(ok, 200, 0.025)
        tb.dns(15.03, srv, "SRV", rcode="NXDOMAIN")
        for at in (15.04, 16.04) if answers_lost else (15.04,):
            tb.dns(at, DOMAIN, "A", addrs, ttl=10, answer_after=0.0)
            if answers_lost:
                tb._add(PacketEvent(at, "udp", (DNS, 53), (PHONE, 40000), b"\x00" * 60,
                                    fate="lost"))
        tb.dns(49.04, srv, "SRV", rcode="NXDOMAIN")
        tb.dns(49.045, DOMAIN, "A", addrs, ttl=10)
        again = tb.register("primary", 49.05, cseq=2)
        tb.respond(again, 200, 49.055)
        return tb

    def test_retry_after_the_lost_answers_passes(self) -> None:
        self.assertEqual(status(self._world(True), "REG-2"), "pass")

    def test_late_renewal_after_a_delivered_answer_fails(self) -> None:
        self.assertEqual(status(self._world(False), "REG-2"), "fail")


class FallbackRefusesTests(SynchronousTestCase):
    """
    RTX-5 (and FO-6, FBK-S2 there; explore seed 42 of dns-ip-literal, successive): on the
    fallback server since the working server was silent, the phone found the
    fallback server refusing its renewals with 500 from then on.  A refusal is
    no failure (RTX-3): the phone is still on the fallback server, its REGISTERs
    to the silent working server every fallback.timeout s are probes (FBK-S3),
    not rounds in which every target failed, so no RTX-5 retry 30 s after each.
    Had the fallback server gone silent instead, every target would have
    failed, and the phone owes that retry.
    """

    def _world(self, refuses: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, redundancy_type=1, expires=120,
                                        duration=240.0, servers=_ONE_TARGET))
        tb.silent("REGISTER", "primary", 0.0)
        at = tb.give_up("REGISTER")
        ok = tb.register("fallback", at, call_id="reg-2")
        tb.respond(ok, 200, at + 0.005)
        for n, t in enumerate((at + 60.0, at + 90.0, at + 120.02, at + 150.03, at + 180.04)):
            if refuses:
                x = tb.register("fallback", t, call_id="reg-2", cseq=n + 2)
                tb.respond(x, 500, t + 0.005)
            else:
                tb.silent("REGISTER", "fallback", t, call_id="reg-2", cseq=n + 2)
        tb.silent("REGISTER", "primary", at + 120.0, cseq=2)  # the probe
        return tb

    def test_probe_while_the_fallback_refuses_passes(self) -> None:
        tb = self._world(True)
        for clause in ("RTX-5", "FO-6", "FBK-S2"):
            self.assertNotEqual(status(tb, clause), "fail", clause)

    def test_no_retry_after_the_fallback_failed_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")


class RegisterRefusedBeforeCallTests(SynchronousTestCase):
    """
    REG-1 (explore seed 40 of dns-ip-literal, TCP, the primary stopped until
    240 s): the phone's REGISTERs at start and every 30 s after found the
    connection refused before any SIP went over it (RTX-2); when the server
    came back the planned call's INVITE was the first request on the wire.
    The phone did try to register first.  With no such attempt before it, the
    INVITE first is still wrong.
    """

    def _world(self, tried: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, server2="", transport=1,
                                        calls=(60.0,), duration=100.0,
                                        servers=_ONE_TARGET[:1]))
        if tried:
            tb.refused(0.0, "primary")
            tb.refused(30.01, "primary")
        tb.call("primary", 60.0, transport="tcp")
        ok = tb.request("REGISTER", "primary", 60.08, call_id="reg-1", transport="tcp",
                        expires=3600)
        tb.respond(ok, 200, 60.085)
        return tb

    def test_refused_registers_before_the_call_pass(self) -> None:
        self.assertEqual(status(self._world(True), "REG-1"), "pass")

    def test_invite_before_any_register_fails(self) -> None:
        self.assertEqual(status(self._world(False), "REG-1"), "fail")


class BothAnswersLateTests(SynchronousTestCase):
    """
    FBK-S1 (explore seed 47 of dns-ip-literal, successive, TLS, latency 0.1 s,
    retry_counts 0): the primary's 200 and then the secondary's each left the
    server so close to the phone's give-up time (0.5 s from the connection's
    first SYN) that it may have reached the phone only after it had moved on
    (RTX-1).  The wire splits the two into chains, but the phone went through
    both targets and gave each up: server 1 failed, and its REGISTER to the
    fallback server is FBK-S2's.  Had the primary answered in time, it is not.
    """

    def _world(self, primary_late: bool) -> TraceBuilder:
        facts = default_facts(transport=2, port1=0, redundancy_type=1, retry_counts=0,
                              duration=60.0)
        tb = TraceBuilder(replace(facts, latency_tolerance=0.25))

        def attempt(to: str, addr: str, syn: float, at: float, **kw: object) -> None:
            tb._add(PacketEvent(syn, "tcp", (PHONE, 5060), (addr, 5061), b"",
                                fate="delivered", flags="S"))
            req = tb.register(to, at, transport="tls", port=5061, **kw)  # type: ignore[arg-type]
            tb.respond(req, 200, at)

        attempt("primary", PRIMARY, 0.6, 1.0 if primary_late else 0.65)
        attempt("secondary", SECONDARY, 1.1, 1.5, cseq=2)
        attempt("fallback", FALLBACK, 1.6, 2.0, call_id="reg-2")
        return tb

    def test_fallback_after_both_late_answers_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S1"), "pass")

    def test_fallback_after_a_timely_primary_answer_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S1"), "fail")


class ZoneTtlOfTheLookupsTests(SynchronousTestCase):
    """
    FB-1 (explore seed 34 of dns-ip-literal, transport 0, port 0): the zone
    held a NAPTR record with TTL 60 the phone never asks for (DNS-T: UDP and
    port 0 ask SRV _sip._udp, then A, TTL 300).  The DNSTTL FB-1 waits out is
    that of the chain the account's lookups can ask for: 300 s, not 60.  With
    transport 3 the NAPTR record is in the chain.
    """

    def _ttl(self, transport: int) -> float | None:
        from pathlib import Path

        from harness.scenario import load_scenario
        from harness.testbed import Testbed

        base = Path(self.mktemp())
        for sub in ("scenarios", "phones", "zones"):
            (base / sub).mkdir(parents=True)
        (base / "zones" / "example.test.zone").write_text(
            "$ORIGIN example.test.\n$TTL 300\n"
            "@ 86400 IN SOA ns1 hostmaster ( 1 3600 600 86400 60 )\n"
            "@ 86400 IN NS ns1\nns1 86400 IN A 127.0.1.53\n"
            "primary 300 IN A 127.0.1.10\nsecondary 300 IN A 127.0.1.20\n"
            "_sip._udp 300 IN SRV 0 1 5060 primary\n_sip._udp 300 IN SRV 0 0 5060 secondary\n"
            '@ 60 IN NAPTR 0 0 "s" "SIP+D2U" "" _sip._udp\n')
        (base / "phones" / "p.cfg").write_text(
            "#!version:1.0.0.1\naccount.1.enable = 1\naccount.1.user_name = 1001\n"
            f"account.1.transport = {transport}\naccount.1.sip_server.1.address = example.test\n"
            "account.1.sip_server.1.port = 0\naccount.1.sip_server.1.failback_mode = 1\n")
        (base / "scenarios" / "s.toml").write_text(
            '[scenario]\nname = "s"\nduration = 60\n\n[phone]\nconfig = "../phones/p.cfg"\n'
            '\n[dns]\nzone = "../zones/example.test.zone"\n\n[[servers]]\nrole = "primary"\n'
            'address = "127.0.1.10"\n\n[[servers]]\nrole = "secondary"\n'
            'address = "127.0.1.20"\n')
        return Testbed(load_scenario(base / "scenarios" / "s.toml")).facts().zone_ttl

    def test_unasked_naptr_ttl_left_out(self) -> None:
        self.assertEqual(self._ttl(0), 300.0)

    def test_naptr_ttl_counts_with_transport_3(self) -> None:
        self.assertEqual(self._ttl(3), 60.0)


class RefusedRetryBesideFallbackByeTests(SynchronousTestCase):
    """
    FBK-C3 (explore seeds 4, 8, concurrent mode, TCP): the working server's port
    was closed from the start; the call went up through the fallback server.  At
    30.01 s the phone retried its registration at the working server (refused
    before any SIP went over it) while the call's planned BYE went to the
    fallback server (FO-4).  An in-dialog request goes where its dialog is: a BYE
    to another server does not say what the refused connection was for; it was
    the registration's retry, on time.
    """

    def _world(self, retried: bool) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, duration=120.0,
                              servers=_ONE_TARGET)
        tb = TraceBuilder(replace(facts, calls=(CallPlan(0.0, "sip:echo@example.test", 30.0),)))
        tb.fault(0.0, "primary", "stop")
        tb.refused(0.0, "primary")
        ok = tb.request("REGISTER", "fallback", 0.01, call_id="reg-2", transport="tcp",
                        expires=3600)
        tb.respond(ok, 200, 0.015)
        tb.call("fallback", 0.01, transport="tcp", bye_at=30.02)  # 200 at 0.02
        if retried:
            tb.refused(30.01, "primary")
        tb.refused(60.02, "primary")
        tb.refused(90.03, "primary")
        return tb

    def test_registration_retry_beside_the_bye_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_retry_skipped_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class RefusedRenewalConcurrentTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 2, concurrent mode, TCP, expires 60 at the working
    server): the working server stopped after granting 60 s; the renewal at
    30 s was refused before any SIP went over it, and so was each retry.  The
    phone kept trying to refresh (RTX-2: a refused connection is an attempt);
    the server, not the phone, let the registration lapse.
    """

    def _world(self, renew_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, expires=60,
                                        duration=120.0, servers=_ONE_TARGET))
        ok = tb.request("REGISTER", "primary", 0.01, transport="tcp", expires=60)
        tb.respond(ok, 200, 0.015)
        fb = tb.request("REGISTER", "fallback", 0.01, call_id="reg-2", transport="tcp",
                        expires=3600)
        tb.respond(fb, 200, 0.015)
        tb.fault(1.0, "primary", "stop")
        tb.refused(renew_at, "primary")
        tb.refused(renew_at + 30.01, "primary")
        tb.refused(renew_at + 60.02, "primary")
        return tb

    def test_refused_renewal_passes(self) -> None:
        self.assertEqual(status(self._world(30.02), "FBK-C1"), "pass")

    def test_renewal_after_the_expiry_fails(self) -> None:
        self.assertEqual(status(self._world(62.0), "FBK-C1"), "fail")


class BothServersRefusedConcurrentTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 7, concurrent mode, TCP): both servers' ports were closed
    for the whole run, so no SIP ever went out to name what the phone's refused
    connections carried.  Its connections to the fallback server, away from any
    planned call, are its REGISTER attempts there (RTX-2), as for the working
    server; retried every 30 s (RTX-5), they keep trying.
    """

    def _world(self, fallback_retries: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=120.0,
                                        servers=_ONE_TARGET))
        tb.fault(0.0, "primary", "stop")
        tb.fault(0.0, "fallback", "stop")
        for k in range(4):
            tb.refused(k * 30.01, "primary")
            if k == 0 or fallback_retries:
                tb.refused(k * 30.01, "fallback")
        return tb

    def test_refused_attempts_at_both_pass(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_fallback_given_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class ConcurrentFallbackTlsUnderWayTests(SynchronousTestCase):
    """
    FO-6 (explore seed 15, concurrent mode, TLS, latency 0.1 s): at the start the
    phone opened connections to both servers at once; the working server's was
    refused at 0.2 s, while the fallback server's TLS handshake was still going
    on: its REGISTER reached the server at 0.5 s and was accepted.  The concurrent
    registration was under way when server 1 failed; one the phone starts only
    after server 1 failed is successive, not concurrent.
    """

    def _world(self, syn_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=2, port1=5061,
                                        duration=20.0, servers=_ONE_TARGET,
                                        latency_tolerance=0.25))
        tb.fault(0.0, "primary", "stop")
        tb.refused(0.1, "primary", port=5061, after=0.1)
        tb._add(PacketEvent(syn_at, "tcp", (PHONE, 5060), (FALLBACK, 5061), b"",
                            fate="delivered", flags="S"))
        # (the trace has the server's side: the REGISTER the phone sent at 0.4 s
        # arrived at 0.5 s, answered at once)
        reg = tb.request("REGISTER", "fallback", syn_at + 0.5, call_id="reg-2",
                         transport="tls", port=5061, expires=3600)
        tb.respond(reg, 200, syn_at + 0.5)
        return tb

    def test_registration_under_way_passes(self) -> None:
        self.assertEqual(status(self._world(0.0), "FO-6"), "pass")

    def test_registration_started_after_the_failure_fails(self) -> None:
        self.assertEqual(status(self._world(0.6), "FO-6"), "fail")


class FallbackRefusedWhenServer1FailsTests(SynchronousTestCase):
    """
    FO-6 (explore seeds 7, 8 after the fixes above; concurrent mode, TCP): the
    fallback server's port was closed, and every connection the phone opened to
    it was refused before any SIP went over it.  When server 1 failed too (its
    renewal refused at 60 s) the phone could have no registration at the
    fallback server: it was failing as well, and its own registration cycle
    (FBK-C1, RTX-5) is what goes on.  A phone that never tried the fallback
    server still fails.
    """

    def _world(self, fallback_tried: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, expires=120,
                                        duration=120.0, servers=_ONE_TARGET))
        tb.fault(0.0, "fallback", "stop")
        ok = tb.request("REGISTER", "primary", 0.01, transport="tcp", expires=120)
        tb.respond(ok, 200, 0.015)
        tb.fault(1.0, "primary", "stop")
        for at in (0.0, 30.01, 60.02, 90.03):
            if fallback_tried:
                tb.refused(at, "fallback")
            if at > 60.0:
                tb.refused(at, "primary")
        return tb

    def test_fallback_refused_too_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-6"), "pass")

    def test_fallback_never_tried_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-6"), "fail")


class RenewalInFlightAtInviteFailureTests(SynchronousTestCase):
    """
    FBK-C3 (explore seed 4 after the fixes above; concurrent mode, UDP, expires
    30 at the working server): the working server went silent; the call's
    INVITE to it gave up at 15.5 s while the registration's renewal, sent at
    15.01 s, was still being retransmitted there.  That REGISTER was the phone
    still sending REGISTER to the down server; it gave up at 22.51 s, and the
    retry is due a retry interval after that (RTX-5), not after the INVITE's
    failure.
    """

    def _world(self, retry_at: float) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, expires=30, duration=120.0, servers=_ONE_TARGET)
        tb = TraceBuilder(replace(facts, calls=(CallPlan(8.0, "sip:echo@example.test", 5.0),)))
        ok = tb.register("primary", 0.0, expires=30)
        tb.respond(ok, 200, 0.005)
        fb = tb.register("fallback", 0.0, call_id="reg-2", expires=3600)
        tb.respond(fb, 200, 0.005)
        tb.fault(1.0, "primary", "silence")
        inv = tb.silent("INVITE", "primary", 8.0, call_id="call-a")
        tb.silent("REGISTER", "primary", 15.01, cseq=2, expires=30)
        tb.call("fallback", 8.0 + tb.give_up("INVITE"), call_id=inv.call_id, cseq=2,
                bye_at=20.51)
        tb.silent("REGISTER", "primary", retry_at, cseq=3, expires=30)
        tb.silent("REGISTER", "primary", retry_at + 37.5, cseq=4, expires=30)
        return tb

    def test_renewal_in_flight_passes(self) -> None:
        self.assertEqual(status(self._world(52.51), "FBK-C3"), "pass")

    def test_late_retry_fails(self) -> None:
        self.assertEqual(status(self._world(70.0), "FBK-C3"), "fail")


class InviteFallbackRefusedTests(SynchronousTestCase):
    """
    FO-6, FBK-C2 (explore seed 15 after the fixes above; concurrent mode, TCP):
    the working server was silent and the fallback server's port closed.  The
    call's INVITE gave up at the working server at 7.51 s and the phone opened a
    connection to the fallback server at once, refused before any SIP went over
    it: the INVITE's attempt there (RTX-2).  The fallback server took over as
    far as the phone could make it; the call cannot complete, and the server is
    why.  A phone that does not try the fallback server at once still fails.
    """

    def _world(self, takes_over: bool) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, duration=60.0, servers=_ONE_TARGET)
        tb = TraceBuilder(replace(facts, calls=(CallPlan(0.0, "sip:echo@example.test", 5.0),)))
        tb.fault(0.0, "fallback", "stop")
        tb.fault(0.0, "primary", "silence")
        tb.silent("REGISTER", "primary", 0.01, transport="tcp")
        tb.silent("INVITE", "primary", 0.01, call_id="call-a", transport="tcp")
        tb.refused(0.0, "fallback")
        gave_up = 0.01 + tb.give_up("INVITE")
        if takes_over:
            tb.refused(gave_up, "fallback")
        tb.refused(30.0, "fallback")
        tb.silent("REGISTER", "primary", gave_up + 30.0, transport="tcp", cseq=2)
        return tb

    def test_refused_take_over_passes(self) -> None:
        for clause in ("FO-6", "FBK-C2"):
            self.assertEqual(status(self._world(True), clause), "pass", clause)

    def test_no_take_over_fails(self) -> None:
        for clause in ("FO-6", "FBK-C2"):
            self.assertEqual(status(self._world(False), clause), "fail", clause)


def _dns_query(name: str) -> bytes:
    """The wire form of an A query for C{name} (a resolver's query the network lost)."""
    from twisted.names import dns

    m = dns.Message(id=7, recDes=True)
    m.queries = [dns.Query(name.encode(), dns.A)]
    return m.toStr()


class LostAnswerRetransmissionTests(SynchronousTestCase):
    """
    FBK-S3 (explore seed 2 after the fixes above; successive mode, loss 0.2): on
    the fallback server, the probe at 247.5 s looked up server 1; the DNS server
    answered, the answer was lost, and the resolver's retransmission a second
    later was lost on its way.  That retransmission is part of the lookup the DNS
    server saw, not a second probe a second after the first.  A lookup the
    network lost whole, away from any heard query, is still a probe, and off
    schedule it fails.
    """

    def _world(self, lost_at: float) -> TraceBuilder:
        servers = default_facts().servers
        tb = TraceBuilder(default_facts(redundancy_type=1, duration=300.0,
                                        servers=(servers[0], servers[2])))
        tb.dns(0.0, DOMAIN, "A", [PRIMARY])
        tb.silent("REGISTER", "primary", 0.01)
        at = 0.01 + tb.give_up("REGISTER")
        ok = tb.register("fallback", at, call_id="reg-2")
        tb.respond(ok, 200, at + 0.005)
        tb.dns(at + 120.0, DOMAIN, "A", rcode="NXDOMAIN")
        tb.dns(at + 240.0, DOMAIN, "A", rcode="NXDOMAIN")  # its answer lost on the way
        tb._add(PacketEvent(at + 240.001, "udp", (DNS, 53), (PHONE, 40000),
                            _dns_query(DOMAIN), fate="lost"))  # (its question: DOMAIN A)
        tb._add(PacketEvent(lost_at, "udp", (PHONE, 40000), (DNS, 53), _dns_query(DOMAIN),
                            fate="lost"))
        return tb

    def test_retransmission_of_a_heard_query_passes(self) -> None:
        self.assertEqual(status(self._world(248.52), "FBK-S3"), "pass")

    def test_lost_lookup_off_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(200.0), "FBK-S3"), "fail")


class RenewalInFlightChainedTests(SynchronousTestCase):
    """
    FBK-C3 (explore seed 8, with the in-flight reading above: it looped for
    ever): the working server silent, the fallback server's port closed; each
    retry of server 1 went out with a refused connection to the fallback server
    right after it, which the wire groups into the same round, so the round
    failed before the REGISTER to the working server gave up.  The reading must
    still move past that REGISTER.
    """

    def _world(self, retries: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, expires=30,
                                        duration=120.0, servers=_ONE_TARGET))
        tb.fault(0.0, "fallback", "stop")
        ok = tb.request("REGISTER", "primary", 0.01, transport="tcp", expires=30)
        tb.respond(ok, 200, 0.015)
        tb.refused(0.0, "fallback")
        tb.fault(1.0, "primary", "silence")
        tb.silent("REGISTER", "primary", 15.02, transport="tcp", cseq=2, expires=30)
        tb.refused(30.01, "fallback")
        for n, at in enumerate((52.52, 90.02) if retries else ()):
            tb.silent("REGISTER", "primary", at, transport="tcp", cseq=3 + n, expires=30)
            tb.refused(at + 0.01, "fallback")
        return tb

    def test_retries_beside_refused_fallback_pass(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_no_retry_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class LookupRetriedWhileDnsDownTests(SynchronousTestCase):
    """
    DNS-11 (explore seed 5, C{dns-ip-literal}): the first lookup of server 1
    failed (NXDOMAIN, no address), then the DNS host went down; the phone
    retried the lookup every retry interval, but the network lost each query
    on its way (the DNS server heard none).  Those queries are on the wire: they
    are the retry (and failed lookups themselves).  A phone that never queries
    again still fails.
    """

    def _world(self, retries: bool) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(server2="", duration=300.0))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.015, DOMAIN, "A")
        tb.fault(1.0, "dns", "down")
        if retries:
            m = dns.Message(id=7, recDes=True)
            m.queries = [dns.Query(f"_sip._udp.{DOMAIN}", dns.SRV, dns.IN)]
            for k in range(8):
                for at in (30.02 + 34 * k, 31.02 + 34 * k):
                    tb._add(PacketEvent(at, "udp", (PHONE, 40000), (DNS, 53), m.toStr(),
                                        fate="closed"))
        return tb

    def test_lost_retries_pass(self) -> None:
        self.assertEqual(status(self._world(True), "DNS-11"), "pass")

    def test_never_retried_fails(self) -> None:
        self.assertEqual(status(self._world(False), "DNS-11"), "fail")


class LookupAnswerLostTests(SynchronousTestCase):
    """
    FO-6, FBK-S2 (explore seeds 9, 22, C{dns-ip-literal}, 20 % loss): the DNS
    server answered the phone's lookup of server 1 (no address), but the answer
    was lost on its way back, and so was the phone's retransmission (seed 9), or
    the lookup's next query and its retransmission were lost on their way there
    (seed 22): the phone's resolver was still waiting and gave up seconds later
    (DNS-11, a timeout), and only then did the fallback take over.  A lost
    answer is no answer; a phone falling back well after its resolver gave up
    still fails.
    """

    def _world(self, fallback_at: float) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(redundancy_type=1, duration=60.0))
        tb.dns(0.005, DOMAIN, "A", answer_after=0.0)
        m = dns.Message(id=7, recDes=True)
        m.queries = [dns.Query(DOMAIN, dns.A, dns.IN)]
        tb._add(PacketEvent(0.005, "udp", (PHONE, 40000), (DNS, 53), m.toStr(),
                            fate="delivered"))
        m.answer = True
        tb._add(PacketEvent(0.005, "udp", (DNS, 53), (PHONE, 40000), m.toStr(), fate="lost"))
        m.answer = False
        tb._add(PacketEvent(1.0, "udp", (PHONE, 40000), (DNS, 53), m.toStr(), fate="lost"))
        reg = tb.register("fallback", fallback_at, call_id="reg-2")
        tb.respond(reg, 200)
        return tb

    def _world_query_lost(self, fallback_at: float) -> TraceBuilder:
        """Seed 22: the SRV query answered NXDOMAIN, the A queries after it lost."""
        from twisted.names import dns

        tb = TraceBuilder(default_facts(redundancy_type=1, duration=60.0))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        m = dns.Message(id=8, recDes=True)
        m.queries = [dns.Query(DOMAIN, dns.A, dns.IN)]
        for at in (0.01, 1.01):
            tb._add(PacketEvent(at, "udp", (PHONE, 40000), (DNS, 53), m.toStr(), fate="lost"))
        reg = tb.register("fallback", fallback_at, call_id="reg-2")
        tb.respond(reg, 200)
        return tb

    def test_fallback_after_lost_address_queries_passes(self) -> None:
        self.assertEqual(status(self._world_query_lost(4.01), "FO-6"), "pass")
        self.assertEqual(status(self._world_query_lost(4.01), "FBK-S2"), "pass")

    def test_late_fallback_after_lost_address_queries_fails(self) -> None:
        self.assertEqual(status(self._world_query_lost(12.0), "FO-6"), "fail")
        self.assertEqual(status(self._world_query_lost(12.0), "FBK-S2"), "fail")

    def test_fallback_when_the_resolver_gives_up_passes(self) -> None:
        self.assertEqual(status(self._world(4.0), "FO-6"), "pass")
        self.assertEqual(status(self._world(4.0), "FBK-S2"), "pass")

    def test_late_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(12.0), "FO-6"), "fail")
        self.assertEqual(status(self._world(12.0), "FBK-S2"), "fail")


class InviteFailoverHangUpNotDueTests(SynchronousTestCase):
    """
    FO-3 (explore seed 3, C{dns-ip-literal}): the call placed at 48 s failed
    over to the secondary and came up at 55.5 s; its plan hangs up 5 s later,
    at 60.5 s, after the run ended at 60 s.  No BYE was due yet; one due well
    inside the run (a 2-s call) and missing still fails.
    """

    def _world(self, talk: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(duration=60.0))
        tb.facts = replace(tb.facts, calls=(CallPlan(48.0, f"sip:echo@{DOMAIN}", talk),))
        tb.dns(0.0, DOMAIN, "A", ["127.0.1.10", "127.0.1.20"])
        ok = tb.register("primary", 0.01)
        tb.respond(ok, 200, 0.015)
        inv = tb.silent("INVITE", "primary", 48.0, call_id="call-a")
        at = 48.0 + tb.give_up("INVITE")
        inv2 = tb.invite("secondary", at, call_id=inv.call_id, cseq=inv.cseq + 1)
        tb.respond(inv2, 200, at + 0.005)
        tb.in_dialog(inv2, "ACK", at + 0.01)
        return tb

    def test_hang_up_after_the_run_passes(self) -> None:
        self.assertEqual(status(self._world(5.0), "FO-3"), "pass")

    def test_hang_up_due_in_the_run_missing_fails(self) -> None:
        self.assertEqual(status(self._world(2.0), "FO-3"), "fail")


class NaptrDelegationPathTests(SynchronousTestCase):
    """
    DNS-5 (explore seed 6, invariant DNS-ORDER): an empty-flag C{SIP+D2U}
    record points at a name holding a D2U record (pref 1) and a D2T one
    (pref 0).  The pointer's service applies to that delegation path (RFC 3403
    §4.1; the locator's and the DNS-ORDER invariant's reading), so following the
    D2U record is right; following the D2T record, outside the path, fails.
    """

    def _world(self, srv: str) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=3, port1=0, naptr_build=1))
        tb.dns(0.0, DOMAIN, "NAPTR", [f'10 10 "" "SIP+D2U" "" naptr.{DOMAIN}'])
        tb.dns(0.01, f"naptr.{DOMAIN}", "NAPTR",
               [f'0 1 "s" "SIP+D2U" "" _sip._udp.{DOMAIN}',
                f'0 0 "s" "SIP+D2T" "" _sip._tcp.{DOMAIN}'])
        tb.dns(0.02, f"{srv}.{DOMAIN}", "SRV", [f"0 0 5060 primary.{DOMAIN}"])
        tb.dns(0.03, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        reg = tb.register("primary", 0.04,
                          transport="udp" if srv == "_sip._udp" else "tcp")
        tb.respond(reg, 200)
        return tb

    def test_record_of_the_path_passes(self) -> None:
        self.assertEqual(status(self._world("_sip._udp"), "DNS-5"), "pass")

    def test_record_outside_the_path_fails(self) -> None:
        self.assertEqual(status(self._world("_sip._tcp"), "DNS-5"), "fail")


class DnsTtlOfTheChainUsedTests(SynchronousTestCase):
    """
    FB-1 (explore seed 6 after the DNS-5 fix): transport UDP, port 0; the zone
    holds C{_sip._udp} SRV and A records with TTL 300 and a C{_sips._tcp} SRV
    set with TTL 60 the phone never asks for.  The phone's resolution (as
    answered on the wire) lives 300 s, so its renewals 90 s after the failover
    rightly stay on the secondary; the zone-wide 60 s is not its TTL.  With
    answers of TTL 60 on the wire, staying there still fails.
    """

    def _world(self, wire_ttl: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(failback_mode=1, expires=60, server2="",
                                        duration=120.0, zone_ttl=60.0))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"], ttl=wire_ttl)
        tb.dns(0.015, f"primary.{DOMAIN}", "A", ["127.0.1.10"], ttl=wire_ttl)
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", ["127.0.1.20"], ttl=wire_ttl)
        tb.silent("REGISTER", "primary", 0.03, cseq=1)
        at = 0.03 + tb.give_up("REGISTER")
        for k, t in enumerate((at, at + 30.0, at + 60.0, at + 90.0)):
            reg = tb.register("secondary", t, cseq=2 + k)
            tb.respond(reg, 200, t + 0.005)
        return tb

    def test_ttl_of_the_answers_passes(self) -> None:
        self.assertEqual(status(self._world(300), "FB-1"), "pass")

    def test_short_ttl_on_the_wire_ignored_fails(self) -> None:
        self.assertEqual(status(self._world(60), "FB-1"), "fail")


class RetryFromTheTopLookupLostTests(SynchronousTestCase):
    """
    FBK-S2 (explore seed 9, rerun after the DNS-11 fixes): successive, the
    fallback server silent.  A call's lookup of the working server failed while
    the phone waited out RTX-5's interval after the fallback server failed;
    the retry then started from the top: its lookup of the working server (its
    first query lost, the retransmission answered with no address) failed, and
    the fallback REGISTER followed at once.  That retry's failure owes the
    fallback, not the call's lookup before it; a fallback well after the retry's
    lookup failed still fails.
    """

    def _world(self, fallback_at: float) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(redundancy_type=1, duration=60.0))
        tb.dns(0.0, DOMAIN, "A")
        first = tb.silent("REGISTER", "fallback", 0.01, call_id="reg-2")
        tb.dns(8.0, DOMAIN, "A")
        tb.silent("INVITE", "fallback", 8.01, call_id="call-a")
        retry = 0.01 + tb.give_up("REGISTER", "fallback") + 30.0
        m = dns.Message(id=9, recDes=True)
        m.queries = [dns.Query(DOMAIN, dns.A, dns.IN)]
        tb._add(PacketEvent(retry, "udp", (PHONE, 40000), (DNS, 53), m.toStr(), fate="lost"))
        tb.dns(retry + 1.0, DOMAIN, "A")
        tb.silent("REGISTER", "fallback", fallback_at, call_id=first.call_id, cseq=2)
        return tb

    def test_fallback_after_the_retrys_lookup_passes(self) -> None:
        self.assertEqual(status(self._world(38.53), "FBK-S2"), "pass")

    def test_late_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(45.0), "FBK-S2"), "fail")


class CallLookupFailsWhileRegisteredTests(SynchronousTestCase):
    """
    FBK-S2 (explore seed 22, rerun after the DNS-11 fixes): successive, the
    phone registered at the working server; the DNS server then answered
    SERVFAIL.  A call's lookup failed and the call went to the fallback server
    at once (FO-6), while the registration at the working server held.  The
    REGISTER fallback is due when a REGISTER fails (the retry's lookup at 61 s),
    as for a call failing on every target; a REGISTER's own failed lookup
    (nothing sent to the fallback server at once) still owes it at once.
    """

    def _world(self, call: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, duration=120.0,
                                        calls=(31.0,) if call else ()))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.015, DOMAIN, "A", ["127.0.1.10"], ttl=30)
        ok = tb.register("primary", 0.02)
        tb.respond(ok, 200, 0.025)
        tb.fault(1.0, "dns", "servfail")
        tb.dns(31.005, f"_sip._udp.{DOMAIN}", "SRV", rcode="SERVFAIL")
        if call:
            inv = tb.invite("fallback", 31.01, call_id="call-a")
            tb.respond(inv, 200, 31.015)
            tb.in_dialog(inv, "ACK", 31.02)
            bye = tb.in_dialog(inv, "BYE", 36.02)
            tb.respond(bye, 200, 36.025)
        tb.dns(61.015, f"_sip._udp.{DOMAIN}", "SRV", rcode="SERVFAIL")
        reg = tb.register("fallback", 61.02, call_id="reg-2")
        tb.respond(reg, 200, 61.025)
        return tb

    def test_call_lookup_while_registered_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S2"), "pass")

    def test_register_lookup_without_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")


class ProbeAnswerLostTests(SynchronousTestCase):
    """
    FBK-S3 (explore seed 6, rerun after the DNS-11 fixes; 20 % loss): on the
    fallback server, each probe of the working server is a lookup of its name
    that gives no address.  One probe's answer was lost and so was its
    retransmission: that lost query is the same probe (the resolver still
    waiting), not another probe off the schedule; the next probe came
    fallback.timeout after the resolver gave up.  A probe far off the schedule
    still fails.
    """

    def _world(self, next_probe: float) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=10, duration=60.0))
        tb.dns(0.005, DOMAIN, "A")
        reg = tb.register("fallback", 0.01, call_id="reg-2")
        tb.respond(reg, 200, 0.015)
        for at in (10.02, 20.03, 30.04):
            tb.dns(at, DOMAIN, "A")
        tb.dns(40.05, DOMAIN, "A", answer_after=0.0)
        m = dns.Message(id=9, recDes=True)
        m.queries = [dns.Query(DOMAIN, dns.A, dns.IN)]
        m.answer = True
        tb._add(PacketEvent(40.05, "udp", (DNS, 53), (PHONE, 40000), m.toStr(), fate="lost"))
        m.answer = False
        tb._add(PacketEvent(41.05, "udp", (PHONE, 40000), (DNS, 53), m.toStr(), fate="lost"))
        tb.dns(next_probe, DOMAIN, "A")
        return tb

    def test_lost_retransmission_is_the_same_probe_passes(self) -> None:
        self.assertEqual(status(self._world(54.05), "FBK-S3"), "pass")

    def test_probe_off_the_schedule_fails(self) -> None:
        self.assertEqual(status(self._world(59.5), "FBK-S3"), "fail")


class FirstRegisterUnestablishedTests(SynchronousTestCase):
    """
    FO-1 (explore seed 51; TLS, retry_counts 0, 100 ms latency, 1 % loss): the
    primary's SYN-ACK was lost, so its connection was not established before
    the phone gave the primary up (RTX-2); no SIP went to the primary, and the
    first REGISTER on the wire went to the secondary.  The unestablished
    connection was the REGISTER's attempt at the primary; without any attempt
    there, the first REGISTER to the secondary still fails.
    """

    def _world(self, syn: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, port1=5061, retry_counts=0, server2=""))
        tb.dns(0.1, DOMAIN, "A", ["127.0.1.10", "127.0.1.20"])
        if syn:  # delivered; the SYN-ACK lost, resent: connected at 0.6, TLS up at 0.8
            tb.syn_lost(0.2, "primary", port=5061, fate="delivered", phone_port=40002)
            tb.conn(0.3, "primary", "accept", transport="tcp", phone_port=40002)
            for at, what, tr in ((0.6, "connect", "tcp"), (0.8, "tls-ok", "tls")):
                tb._add(ConnEvent(at, PHONE, what, tr, (PHONE, 40002),  # type: ignore[arg-type]
                                  (PRIMARY, 5061), ""))
            tb.conn(0.9, "primary", "tls-ok", phone_port=40002)
        reg = tb.register("secondary", 1.1, transport="tls")
        tb.respond(reg, 200, 1.2)
        return tb

    def test_unestablished_try_at_the_primary_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-1"), "pass")

    def test_no_try_at_the_primary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-1"), "fail")


class NaptrAnswerLostTests(SynchronousTestCase):
    """
    DNS-5 (explore seeds 5 and 50, rerun after the DNS fixes; 20 % loss): the
    DNS server answered the phone's NAPTR query with an C{s} record, but the
    network lost the answer (and the phone's retransmission): the phone never
    learned the record, so its next query (NAPTR again, at the RTX-5 retry) is
    no failure to follow the flag.  Had the answer reached the phone, it still
    fails.
    """

    def _world(self, lost: bool) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(transport=3, port1=0, server2="", duration=60.0))
        rdata = f'0 0 "s" "SIP+D2U" "" _sip._udp.{DOMAIN}'
        tb.dns(0.005, DOMAIN, "NAPTR", [rdata], answer_after=0.0)
        m = dns.Message(id=9, recDes=True, answer=True)
        m.queries = [dns.Query(DOMAIN, dns.NAPTR, dns.IN)]
        tb._add(PacketEvent(0.005, "udp", (DNS, 53), (PHONE, 40000), m.toStr(),
                            fate="lost" if lost else "delivered"))
        tb.dns(34.0, DOMAIN, "NAPTR", [rdata])
        tb.dns(34.01, f"_sip._udp.{DOMAIN}", "SRV", [f"0 0 5060 primary.{DOMAIN}"])
        tb.dns(34.02, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        tb.respond(tb.register("primary", 34.03), 200)
        return tb

    def test_lost_answer_not_followed_passes(self) -> None:
        self.assertEqual(status(self._world(True), "DNS-5"), "pass")

    def test_delivered_answer_not_followed_fails(self) -> None:
        self.assertEqual(status(self._world(False), "DNS-5"), "fail")


class FailoverSynLostTests(SynchronousTestCase):
    """
    FO-2 (explore seed 51, rerun; TLS, retry_counts 0, 5 % loss): the primary
    left the first REGISTER unanswered; as the phone gave it up, it opened a
    connection to the secondary whose SYN the network lost, so nothing reached
    the secondary before the phone gave that up too (RTX-2) and retried later.
    That unestablished connection, with nothing at the secondary before it, was
    the REGISTER's failover; a phone that never tried the secondary still fails.
    """

    def _world(self, syn: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, port1=0, retry_counts=0, server2=""))
        tb.dns(0.02, f"_sips._tcp.{DOMAIN}", "SRV",
               [f"0 1 5061 primary.{DOMAIN}", f"0 0 5061 secondary.{DOMAIN}"])
        tb.dns(0.1, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        tb.dns(0.14, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        tb.silent("REGISTER", "primary", 0.44, transport="tls")
        if syn:
            tb.syn_lost(0.94, "secondary", port=5061, fate="lost")
        tb.silent("REGISTER", "primary", 31.44, transport="tls", cseq=2)
        reg = tb.register("secondary", 31.94, transport="tls", cseq=3)
        tb.respond(reg, 200, 31.96)
        return tb

    def test_lost_syn_at_the_secondary_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-2"), "pass")

    def test_secondary_never_tried_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class FailoverRefusedThenFallbackTests(SynchronousTestCase):
    """
    FO-2, FBK-S1 (explore seed 5, rerun; successive, TCP): the primary left the
    REGISTER unanswered; as the phone gave it up, its connection to the stopped
    secondary was refused, and at once it registered at the fallback server.
    The refused connection was the REGISTER's failover to the secondary (no SIP
    went over it), not the fallback REGISTER's attempt; a phone going straight
    from the primary to the fallback server still fails FO-2.
    """

    def _world(self, secondary: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, redundancy_type=1, duration=60.0))
        tb.dns(0.005, f"_sip._tcp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        tb.silent("REGISTER", "primary", 0.05, transport="tcp")
        at = 0.05 + tb.give_up("REGISTER")
        if secondary:
            at = tb.refused(at, "secondary")
        reg = tb.register("fallback", at + 0.005, transport="tcp", call_id="reg-2")
        tb.respond(reg, 200, at + 0.01)
        return tb

    def test_refused_secondary_then_fallback_passes(self) -> None:
        # the secondary never answered: no failover to judge, nothing missing
        self.assertEqual(status(self._world(True), "FO-2"), "n/a")
        self.assertEqual(status(self._world(True), "FBK-S1"), "pass")

    def test_straight_to_the_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class FallbackRefusedAttemptTests(SynchronousTestCase):
    """
    FO-6, FBK-S2 (explore seed 50, rerun; successive, TCP, server 1 an IP
    literal): the working server left the REGISTER unanswered; as the phone
    gave it up, it tried the fallback server, whose connection was refused
    (it was stopped): no SIP went there, yet that was the REGISTER fallback
    (RTX-2), followed by RTX-5's retry.  A phone that never tries the fallback
    server still fails.
    """

    def _world(self, tries_fallback: bool, late: bool = False) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, servers=_ONE_TARGET, transport=1,
                                        redundancy_type=1, duration=60.0))
        for k, at in enumerate((0.01, 37.51)):
            req = tb.silent("REGISTER", "primary", at, transport="tcp", cseq=1 + k)
            if late and k == 0:  # answered 40 s later, long after the phone gave it up
                tb.respond(req, 200, at + 40.0)
            if tries_fallback:
                tb.refused(at + tb.give_up("REGISTER"), "fallback")
        return tb

    def test_refused_fallback_attempt_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-6"), "pass")
        self.assertEqual(status(self._world(True), "FBK-S2"), "pass")

    def test_no_fallback_attempt_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-6"), "fail")
        self.assertEqual(status(self._world(False), "FBK-S2"), "fail")

    def test_refused_fallback_after_a_late_answer_passes(self) -> None:
        """Seed 50 again: the working server delayed its 200 by 40 s (too late)."""
        self.assertEqual(status(self._world(True, late=True), "FO-6"), "pass")

    def test_no_fallback_after_a_late_answer_fails(self) -> None:
        self.assertEqual(status(self._world(False, late=True), "FO-6"), "fail")


class SharedUnestablishedConnectionTests(SynchronousTestCase):
    """
    FO-5, roe 0 (explore seed 51; TLS, retry_counts 0, 5 % loss): the REGISTER
    and the call's INVITE waited for one connection to the primary whose SYN
    was lost; as the phone gave it up, it opened one to the secondary at once,
    which came up slowly (a segment lost), and both requests went over it.  The
    connection to the secondary began at once, so the primary's was their
    attempt there and the REGISTER is FO-2's failover, not a registration before
    using the secondary; without any try at the primary it still fails.
    """

    def _world(self, primary_try: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=2, port1=0, retry_counts=0, server2="",
                                        calls=(0.0,), duration=60.0))
        tb.dns(0.005, f"_sips._tcp.{DOMAIN}", "SRV",
               [f"0 1 5061 primary.{DOMAIN}", f"0 0 5061 secondary.{DOMAIN}"])
        tb.dns(0.015, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        tb.dns(0.025, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        if primary_try:
            tb.syn_lost(0.03, "primary", port=5061, fate="lost", phone_port=40002)
        tb.syn_lost(0.53, "secondary", port=5061, fate="delivered", phone_port=5060)
        reg = tb.register("secondary", 0.755, transport="tls", port=5061)
        inv = tb.invite("secondary", 0.755, transport="tls", port=5061, call_id="call-a")
        tb.respond(reg, 200, 0.755)
        tb.respond(inv, 200, 0.755)
        tb.in_dialog(inv, "ACK", 0.76)
        return tb

    def test_slow_connection_at_once_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-5"), "pass")

    def test_no_try_at_the_primary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-5"), "fail")


class SecondaryAddressLostTests(SynchronousTestCase):
    """
    FO-2 (explore seed 52; 20 % loss): the DNS server answered the A query for
    the secondary, but the network lost the answer and the retransmission, so
    the phone's resolution held the primary only (DNS-8: a target whose address
    lookup failed gives no target) and no REGISTER was due at the secondary.
    Had the answer reached the phone, not failing over there still fails.
    """

    def _world(self, lost: bool) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(server2="", duration=60.0))
        tb.dns(0.015, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(0.025, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        tb.dns(0.035, f"secondary.{DOMAIN}", "A", ["127.0.1.20"], answer_after=0.0)
        m = dns.Message(id=9, recDes=True, answer=True)
        m.queries = [dns.Query(f"secondary.{DOMAIN}", dns.A, dns.IN)]
        tb._add(PacketEvent(0.035, "udp", (DNS, 53), (PHONE, 40000), m.toStr(),
                            fate="lost" if lost else "delivered"))
        tb.silent("REGISTER", "primary", 4.04)
        return tb

    def test_lost_address_answer_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "FO-2"), "fail")

    def test_delivered_address_not_tried_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-2"), "fail")


class RenewalAnswerSegmentLostTests(SynchronousTestCase):
    """
    REG-2 (explore seeds 3, 9, 14; TCP/TLS, retry_counts 0, 20 % loss): the
    server sent the 200 to a REGISTER in time, but the network lost its
    segment, and TCP's copy got through only after the phone had given the
    server up (RTX-1/2: 0.5 s); the phone never held that binding, and its next
    REGISTER came at RTX-5's retry, 30 s later: no early "renewal".  Judged by
    when the 200 reached the phone, not when it left the server.  Had the first
    copy reached the phone, the same REGISTER is a renewal past the interval.
    """

    def _world(self, lost: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, servers=_ONE_TARGET, server2="",
                                        transport=1, retry_counts=0, expires=30,
                                        duration=120.0))
        reg = tb.register("primary", 30.5, transport="tcp")
        tb.respond(reg, 200, 30.505)
        reg = tb.register("primary", 60.52, transport="tcp", cseq=2)
        tb.respond(reg, 200, 60.525)
        raw = tb._events[-1].raw  # type: ignore[attr-defined]
        copies = ((60.525, "lost"), (60.725, "lost"), (61.125, "delivered")) if lost else (
            (60.525, "delivered"),)
        for at, fate in copies:
            tb._add(PacketEvent(at, "tcp", (PRIMARY, 5060), (PHONE, 5060), raw, fate=fate))
        reg = tb.register("primary", 91.02, transport="tcp", cseq=3)
        tb.respond(reg, 200, 91.025)
        return tb

    def test_answer_arriving_after_give_up_passes(self) -> None:
        self.assertEqual(status(self._world(True), "REG-2"), "pass")

    def test_answer_arriving_in_time_fails(self) -> None:
        self.assertEqual(status(self._world(False), "REG-2"), "fail")


class RegisterOnEnableZeroFirstTargetTests(SynchronousTestCase):
    """
    FO-5, roe 0 (explore seed 12, C{dns-ip-literal}; 20 % loss): the answer to
    the primary's address query was lost, so the account's first REGISTER went
    to the secondary, server 1's only resolved target (FO-1, DNS-8), and the
    call placed meanwhile went there in the same instant (no latency).  That
    REGISTER is the account's own registration of server 1, not one made for
    using the secondary, whether or not the phone waited for its 200.  Had the
    primary resolved, a REGISTER of its own at the secondary by the INVITE's
    instant still fails (as in L{SharedUnestablishedConnectionTests}).
    """

    def _world(self, primary_lost: bool, waits: bool) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(calls=(1.0,), duration=120.0))
        tb.dns(1.015, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"])
        tb.dns(1.025, f"primary.{DOMAIN}", "A", ["127.0.1.10"], answer_after=0.0)
        m = dns.Message(id=9, recDes=True, answer=True)
        m.queries = [dns.Query(f"primary.{DOMAIN}", dns.A, dns.IN)]
        tb._add(PacketEvent(1.025, "udp", (DNS, 53), (PHONE, 40000), m.toStr(),
                            fate="lost" if primary_lost else "delivered"))
        tb.dns(5.025, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        reg = tb.register("secondary", 5.035)
        if waits:  # the 200 on the wire before the INVITE (no latency)
            tb.respond(reg, 200, 5.035)
            inv = tb.invite("secondary", 5.035, call_id="call-a")
        else:  # sent in the same instant; the server answers the REGISTER after
            inv = tb.invite("secondary", 5.035, call_id="call-a")
            tb.respond(reg, 200, 5.035)
        tb.respond(inv, 200)
        tb.in_dialog(inv, "ACK", inv.last + 0.02)
        return tb

    def test_first_registration_there_passes(self) -> None:
        self.assertEqual(status(self._world(True, False), "FO-5"), "pass")
        self.assertEqual(status(self._world(True, True), "FO-5"), "pass")

    def test_register_there_while_the_primary_resolved_fails(self) -> None:
        self.assertEqual(status(self._world(False, False), "FO-5"), "fail")
        self.assertEqual(status(self._world(False, True), "FO-5"), "fail")


class LostAnswerAtTheSameInstantTests(SynchronousTestCase):
    """
    DNS-11 (explore seed 2, C{dns-ip-literal}; 20 % loss, no latency): the SRV
    answer named the primary and a target without an address; the answer to
    that target's A query was lost (and the retry answered NXDOMAIN), at the
    very instant the SRV and the primary's A answers reached the phone.  Only
    the lost answer is lost: the lookup gave the primary (DNS-8), no DNS
    failure to retry.  Had the primary's answer been the lost one, the lookup
    failed, and never looking up again still fails.
    """

    def _world(self, lost: str) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(server2=""))
        tb.dns(0.0, f"_sip._udp.{DOMAIN}", "SRV",
               [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 ghost.{DOMAIN}"], answer_after=0.0)
        tb.dns(0.0, f"primary.{DOMAIN}", "A", ["127.0.1.10"], answer_after=0.0)
        tb.dns(0.0, f"ghost.{DOMAIN}", "A", rcode="NXDOMAIN", answer_after=0.0)
        m = dns.Message(id=5, recDes=True, answer=True)
        m.queries = [dns.Query(f"{lost}.{DOMAIN}", dns.A, dns.IN)]
        tb._add(PacketEvent(0.0, "udp", (DNS, 53), (PHONE, 40000), m.toStr(), fate="lost"))
        tb.dns(1.0, f"{lost}.{DOMAIN}", "A", rcode="NXDOMAIN" if lost == "ghost" else "TIMEOUT",
               answer_after=0.0)
        if lost == "ghost":
            for at in (1.0, 38.5, 76.0, 113.5, 151.0, 188.5, 226.0, 263.5):
                tb.silent("REGISTER", "primary", at, retry_counts=0)
        return tb

    def test_other_target_answer_lost_passes(self) -> None:
        self.assertNotEqual(status(self._world("ghost"), "DNS-11"), "fail")

    def test_primary_answer_lost_never_retried_fails(self) -> None:
        self.assertEqual(status(self._world("primary"), "DNS-11"), "fail")


class FallbackInFlightAtLookupFailureTests(SynchronousTestCase):
    """
    DNS-11 (explore seed 10, C{dns-ip-literal}): server 1's lookup failed every
    30 s (RTX-5) while the fallback server, registered at first, had gone
    silent: its REGISTER (retry_counts 14) was being retransmitted for 51.5 s at
    a time, one such transaction spanning a failed lookup and the run's end.
    A fallback transaction in flight at the failure is the fallback taking
    over (its own cycle, FBK-C1, RTX-5).  A phone that stopped trying the
    fallback server still fails.
    """

    def _world(self, keeps_trying: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(expires=120, retry_counts=14))
        for k in range(10):
            at = 0.005 + 30.0 * k
            tb.dns(at, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
            tb.dns(at + 0.01, DOMAIN, "A")
        ok = tb.register("fallback", 0.0, call_id="reg-2")
        tb.respond(ok, 200, 0.005)
        starts = (60.01, 141.51, 223.01) if keeps_trying else (60.01, 141.51)
        for n, at in enumerate(starts):
            tb.silent("REGISTER", "fallback", at, call_id="reg-2", cseq=n + 2)
        return tb

    def test_fallback_transaction_in_flight_passes(self) -> None:
        self.assertEqual(status(self._world(True), "DNS-11"), "pass")

    def test_fallback_given_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "DNS-11"), "fail")


class ProbeLookupAfterACallTests(SynchronousTestCase):
    """
    FBK-S3 (explore seed 16, C{dns-ip-literal}; successive, fallback.timeout
    10): server 1's lookup gave no address (DNS-11), so the phone was on the
    fallback server and probed by looking the name up every 10 s.  A call
    placed at 10.0 s went straight to the fallback server; the probe's lookup
    25 ms later was read as that INVITE's lookup, not as a probe, though the
    INVITE had reached the fallback server before the lookup began.  Rerun:
    likewise a probe whose answer and retry were lost, with a call's INVITE sent
    while the resolver still waited (the next probe 10 s after it timed out);
    and (third rerun) a probe whose queries were all lost, with a call placed
    after the lookup began: a call placed later did not start the lookup.  A
    phone that skipped that probe still fails.
    """

    def _world(self, probes: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=10, duration=60.0,
                                        calls=(10.0,)))
        tb.dns(0.005, DOMAIN, "A", answer_after=0.0)
        reg = tb.register("fallback", 0.01, call_id="reg-2")
        tb.respond(reg, 200, 0.015)
        inv = tb.invite("fallback", 10.005, call_id="call-a")
        tb.respond(inv, 200, 10.005)
        tb.in_dialog(inv, "ACK", 10.01)
        bye = tb.in_dialog(inv, "BYE", 15.01)
        tb.respond(bye, 200, 15.015)
        for at in (10.025, 20.035, 30.045, 40.055, 50.065):
            if probes or at != 10.025:
                tb.dns(at, DOMAIN, "A", answer_after=0.0)
        return tb

    def _world_timed_out(self, probes: bool) -> TraceBuilder:
        """Seed 16 rerun: the probe's answer lost, its retry too; the call placed meanwhile."""
        from twisted.names import dns

        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=10, duration=60.0,
                                        calls=(10.5,)))
        tb.dns(0.005, DOMAIN, "A", answer_after=0.0)
        reg = tb.register("fallback", 0.01, call_id="reg-2")
        tb.respond(reg, 200, 0.015)
        if probes:  # answered, the answer lost; the retry lost on its way: a timeout at 14 s
            tb.dns(10.015, DOMAIN, "A", answer_after=0.0)
            m = dns.Message(id=3, recDes=True, answer=True)
            m.queries = [dns.Query(DOMAIN, dns.A, dns.IN)]
            tb._add(PacketEvent(10.015, "udp", (DNS, 53), (PHONE, 40000), m.toStr(),
                                fate="lost"))
            m.answer = False
            tb._add(PacketEvent(11.01, "udp", (PHONE, 40000), (DNS, 53), m.toStr(),
                                fate="lost"))
        inv = tb.invite("fallback", 10.505, call_id="call-a")
        tb.respond(inv, 200, 10.505)
        tb.in_dialog(inv, "ACK", 10.51)
        bye = tb.in_dialog(inv, "BYE", 15.51)
        tb.respond(bye, 200, 15.515)
        for at in (24.015, 34.025, 44.035, 54.045):
            tb.dns(at, DOMAIN, "A", answer_after=0.0)
        return tb

    def _world_unheard(self, probes: bool) -> TraceBuilder:
        """Third rerun: the probe's queries all lost; a call placed while the resolver waited."""
        from twisted.names import dns

        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=10, duration=70.0,
                                        calls=(32.0,)))
        for at in (0.006, 10.027, 20.038, 44.049, 54.06, 64.072):
            tb.dns(at, DOMAIN, "A", answer_after=0.0)
        reg = tb.register("fallback", 0.011, call_id="reg-2")
        tb.respond(reg, 200, 0.017)
        if probes:
            m = dns.Message(id=6, recDes=True)
            m.queries = [dns.Query(DOMAIN, dns.A, dns.IN)]
            for at in (30.044, 31.044):
                tb._add(PacketEvent(at, "udp", (PHONE, 40000), (DNS, 53), m.toStr(),
                                    fate="lost"))
        inv = tb.invite("fallback", 32.006, call_id="call-a")
        tb.respond(inv, 200, 32.006)
        tb.in_dialog(inv, "ACK", 32.011)
        bye = tb.in_dialog(inv, "BYE", 37.011)
        tb.respond(bye, 200, 37.017)
        return tb

    def test_unheard_probe_before_a_placed_call_passes(self) -> None:
        self.assertEqual(status(self._world_unheard(True), "FBK-S3"), "pass")

    def test_no_probe_before_a_placed_call_fails(self) -> None:
        self.assertEqual(status(self._world_unheard(False), "FBK-S3"), "fail")

    def test_probe_after_the_call_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "pass")

    def test_probe_skipped_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")

    def test_probe_timing_out_during_a_call_passes(self) -> None:
        self.assertEqual(status(self._world_timed_out(True), "FBK-S3"), "pass")

    def test_no_probe_before_the_call_fails(self) -> None:
        self.assertEqual(status(self._world_timed_out(False), "FBK-S3"), "fail")


class LookupRetryAfterFallbackFailsTests(SynchronousTestCase):
    """
    DNS-11 (explore seed 10 rerun, C{dns-ip-literal}; successive, fallback.timeout
    30, server 2 retry_counts 5): server 1's lookup failed at 75.5 s and the
    fallback server, silent since 1 s, took over: its REGISTER was retried for
    15.5 s and failed at 91.05 s, and RTX-5's retry (the lookup again) was due
    30 s after that, past the run's end.  The lookup's retry is owed a retry
    interval after the fallback server failed too, not after the lookup.  A
    longer run in which the lookup never comes again still fails.
    """

    def _world(self, duration: float, retried: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=30, expires=60,
                                        retry_counts=5, duration=duration))
        lookups = [0.005, 30.035, 75.535] + ([121.055] if retried else [])
        for at in lookups:
            tb.dns(at, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN", answer_after=0.0)
            tb.dns(at + 0.01, DOMAIN, "A", answer_after=0.0)
        reg = tb.register("fallback", 0.02, call_id="reg-2", expires=60)
        tb.respond(reg, 200, 0.025)
        tb.silent("REGISTER", "fallback", 30.03, call_id="reg-2", cseq=2)
        tb.silent("REGISTER", "fallback", 75.55, call_id="reg-2", cseq=3)
        if retried:
            tb.silent("REGISTER", "fallback", 121.07, call_id="reg-2", cseq=4)
        return tb

    def test_retry_due_after_the_run_passes(self) -> None:
        self.assertEqual(status(self._world(120.0, False), "DNS-11"), "pass")

    def test_retry_after_the_fallback_failed_passes(self) -> None:
        self.assertEqual(status(self._world(150.0, True), "DNS-11"), "pass")

    def test_never_retried_fails(self) -> None:
        self.assertEqual(status(self._world(150.0, False), "DNS-11"), "fail")


class SrvTargetAddressLostTests(SynchronousTestCase):
    """
    DNS-7 (explore seed 12 rerun, C{dns-ip-literal}; 20 % loss): the answer to
    the primary's A query (the higher-weight SRV target) was lost, so the
    first REGISTER after that SRV answer went to the secondary (DNS-8: a target
    whose address lookup failed gives no target).  The primary's address,
    learnt by a later lookup (the renewal's), was not the first resolution's.
    Had the primary's answer reached the phone, trying the secondary first
    still fails.
    """

    def _world(self, lost: bool) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(server2="", expires=120, duration=120.0))
        srv = [f"0 1 5060 primary.{DOMAIN}", f"0 0 5060 secondary.{DOMAIN}"]
        tb.dns(1.015, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(1.025, f"primary.{DOMAIN}", "A", ["127.0.1.10"], answer_after=0.0)
        m = dns.Message(id=9, recDes=True, answer=True)
        m.queries = [dns.Query(f"primary.{DOMAIN}", dns.A, dns.IN)]
        tb._add(PacketEvent(1.025, "udp", (DNS, 53), (PHONE, 40000), m.toStr(),
                            fate="lost" if lost else "delivered"))
        tb.dns(5.025, f"secondary.{DOMAIN}", "A", ["127.0.1.20"])
        reg = tb.register("secondary", 5.035)
        tb.respond(reg, 200, 5.04)
        tb.dns(65.045, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(65.055, f"primary.{DOMAIN}", "A", ["127.0.1.10"])
        again = tb.register("primary", 65.065, cseq=2)
        tb.respond(again, 200, 65.07)
        return tb

    def test_primary_address_lost_passes(self) -> None:
        self.assertNotEqual(status(self._world(True), "DNS-7"), "fail")

    def test_secondary_first_fails(self) -> None:
        self.assertEqual(status(self._world(False), "DNS-7"), "fail")


class LookupFailsWhileFallbackRenewalRetriedTests(SynchronousTestCase):
    """
    FO-6 (explore seed 10 rerun, C{dns-ip-literal}; successive, fallback
    expires 60, server 2 retry_counts 9): on the fallback server, its renewal
    at 30 s went unanswered (the fallback server silent since 1 s) and was
    retransmitted until 61.5 s; a probe's lookup of server 1 failed at 60 s,
    just after the granted registration ran out.  The phone was still on the
    fallback server, its renewal under way: nothing more was owed there.  A
    phone that let the fallback registration lapse without renewing it, and
    sent nothing there after the lookup failed, still fails.
    """

    def _world(self, renews: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=30, expires=60,
                                        retry_counts=9, duration=120.0))
        for at in (0.005, 30.035, 60.055, 91.535):
            tb.dns(at, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN", answer_after=0.0)
            tb.dns(at + 0.01, DOMAIN, "A", answer_after=0.0)
        reg = tb.register("fallback", 0.02, call_id="reg-2", expires=60)
        tb.respond(reg, 200, 0.025)
        if renews:
            tb.silent("REGISTER", "fallback", 30.03, call_id="reg-2", cseq=2)
        tb.silent("REGISTER", "fallback", 91.55, call_id="reg-2", cseq=3)
        return tb

    def test_renewal_under_way_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FO-6"), "pass")

    def test_lapsed_fallback_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FO-6"), "fail")


class ProbeLookupRetriedTests(SynchronousTestCase):
    """
    FBK-S3 (explore seed 16, second rerun, C{dns-ip-literal}; successive,
    fallback.timeout 30, 5 % loss): the probe's lookup at 30.45 s was answered
    but the answer was lost; the resolver asked again at 31.45 s.  The lookup
    (a probe, DNS-11) began at its first try, on schedule; counting it from
    the retry put it off schedule.  A phone whose probe lookup began only at
    31.45 s still fails.
    """

    def _world(self, on_time: bool) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=30, duration=120.0))
        tb.dns(0.006, DOMAIN, "A", answer_after=0.0)
        reg = tb.register("fallback", 0.232, call_id="reg-2")
        tb.respond(reg, 200, 0.238)
        if on_time:
            tb.dns(30.45, DOMAIN, "A", answer_after=0.0)
            m = dns.Message(id=4, recDes=True, answer=True)
            m.queries = [dns.Query(DOMAIN, dns.A, dns.IN)]
            tb._add(PacketEvent(30.45, "udp", (DNS, 53), (PHONE, 40000), m.toStr(),
                                fate="lost"))
        for at in (31.45, 61.462, 91.472):
            tb.dns(at, DOMAIN, "A", answer_after=0.0)
        return tb

    def test_probe_lookup_retried_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "pass")

    def test_late_probe_lookup_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class RenewalLookupLostConcurrentTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 12, third rerun, C{dns-ip-literal}; concurrent,
    expires 60, 20 % loss): the renewal's lookup of server 1 lost every query
    (DNS-11: a failure of server 1), so the phone registered there again on
    RTX-5's retry 30 s later, after the registration had run out.  The
    renewal was tried; the network let the registration lapse.  A phone that
    did not try to renew at all still fails.
    """

    def _world(self, renewal_tried: bool) -> TraceBuilder:
        from twisted.names import dns

        tb = TraceBuilder(default_facts(expires=60, duration=120.0))
        tb.dns(0.0, DOMAIN, "A", ["127.0.1.10"])
        ok = tb.register("primary", 0.01)
        tb.respond(ok, 200, 0.015)
        for k, at in enumerate((0.01, 30.01, 60.01, 90.01)):
            fb = tb.register("fallback", at, call_id="reg-2", cseq=k + 1)
            tb.respond(fb, 200, at + 0.005)
        if renewal_tried:
            m = dns.Message(id=2, recDes=True)
            m.queries = [dns.Query(DOMAIN, dns.A, dns.IN)]
            for at in (30.0, 31.0):
                tb._add(PacketEvent(at, "udp", (PHONE, 40000), (DNS, 53), m.toStr(),
                                    fate="lost"))
        tb.dns(64.0, DOMAIN, "A", ["127.0.1.10"])
        again = tb.register("primary", 64.01, cseq=2)
        tb.respond(again, 200, 64.015)
        return tb

    def test_renewal_lookup_lost_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_no_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class ConcurrentFallbackRegisterAfterRefusalTests(SynchronousTestCase):
    """
    RTX-2 (issue 10, explore seeds 4, 5; concurrent mode, TCP): the working
    server closed its connection at 1 s and refused the retry at 31 s; the
    phone's own REGISTER to the silent fallback server went out 10 ms after
    that refused connection.  The fallback server's registration is a cycle of
    its own (FBK-C1, FBK-C3): a REGISTER to it is never what a failed connection
    to server 1 was for, so the refused connection is server 1's retry, not the
    fallback REGISTER's next target 31 s late.  A retry 45 s after the failure
    still fails.
    """

    def _world(self, retry_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=60.0,
                                        servers=_ONE_TARGET))
        tb.register("primary", 0.01, transport="tcp")
        tb.silent("REGISTER", "fallback", 0.015, call_id="reg-2", transport="tcp")
        tb.conn(1.0, "primary", "close", transport="tcp", port=5060, phone_port=5060)
        tb.refused(retry_at, "primary")
        tb.silent("REGISTER", "fallback", retry_at + 0.01, call_id="reg-2", cseq=2,
                  transport="tcp")
        return tb

    def test_own_cycle_passes(self) -> None:
        self.assertNotEqual(status(self._world(31.005), "RTX-2"), "fail")
        for clause in ("RTX-5", "FBK-C3"):
            self.assertEqual(status(self._world(31.005), clause), "pass", clause)

    def test_late_retry_fails(self) -> None:
        for clause in ("RTX-5", "FBK-C3"):
            self.assertEqual(status(self._world(45.0), clause), "fail", clause)


class CallAfterLostSynTests(SynchronousTestCase):
    """
    RTX-2, FO-6 (issue 10, explore seed 8; 20 % loss, TCP): the SYN of the
    phone's connection to the silent working server was lost and retransmitted
    at 1 s; the REGISTER, waiting since the SYN, and the call placed at 1 s went
    over it together.  The INVITE's timer ran from the call (RFC 3261 17.1:
    handed to the transport then), so the phone gives it up at 8.5 s, not at
    7.5 s with the REGISTER.  A take-over at 12 s still fails.
    """

    def _world(self, take_over: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=60.0,
                                        servers=_ONE_TARGET, calls=(1.0,)))
        tb.respond(tb.register("fallback", 0.01, call_id="reg-2", transport="tcp"), 200, 0.015)
        tb.syn_lost(0.0, "primary", fate="lost", phone_port=5060)
        tb.register("primary", 1.01, transport="tcp")
        tb.invite("primary", 1.01, call_id="call-a", transport="tcp")
        inv = tb.invite("fallback", take_over, call_id="call-a", cseq=2, transport="tcp")
        tb.respond(inv, 200, take_over + 0.005)
        tb.in_dialog(inv, "ACK", take_over + 0.01)
        return tb

    def test_timer_from_the_call_passes(self) -> None:
        for clause in ("RTX-2", "FO-6"):
            self.assertEqual(status(self._world(8.505), clause), "pass", clause)

    def test_late_take_over_fails(self) -> None:
        for clause in ("RTX-2", "FO-6"):
            self.assertEqual(status(self._world(12.0), clause), "fail", clause)


class RefusedRegistrationNeverOnWireTests(SynchronousTestCase):
    """
    FO-6, FBK-C3 (issue 10, explore seed 1; concurrent mode, TCP, the working
    server stopped): the first SYN to it was lost and the retransmission refused
    at 1 s; the call placed at 0 s went to the fallback server at once (FO-6).
    Every later connection to the working server was refused, so its REGISTER
    never reached the wire: those refused connections, 30 s apart and away from
    any call, are the registration's retries (RTX-5, FBK-C3), not repeats of the
    call's INVITE that the fallback server should have taken over.  A phone that
    stops retrying still fails FBK-C3.
    """

    def _world(self, retries: int) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=100.0,
                                        servers=_ONE_TARGET, calls=(0.0,)))
        tb.respond(tb.register("fallback", 0.01, call_id="reg-2", transport="tcp"), 200, 0.015)
        tb.syn_lost(0.0, "primary", fate="lost", phone_port=40100)
        told = tb.refused(1.0, "primary")
        inv = tb.invite("fallback", told + 0.005, call_id="call-a", transport="tcp")
        tb.respond(inv, 200, told + 0.01)
        tb.in_dialog(inv, "ACK", told + 0.015)
        t = told
        for _ in range(retries):
            t = tb.refused(t + 30.0, "primary")
        return tb

    def test_registration_retries_pass(self) -> None:
        for clause in ("FO-6", "FBK-C3", "RTX-5"):
            self.assertEqual(status(self._world(3), clause), "pass", clause)

    def test_no_retry_fails(self) -> None:
        self.assertEqual(status(self._world(0), "FBK-C3"), "fail")


class WorkingServerLookupFailsTests(SynchronousTestCase):
    """
    FBK-C3 (issue 10, explore seed 13; concurrent mode, DNS-NAPTR): DNS began
    answering SERVFAIL; once the working server's resolution expired, each retry
    was a lookup of its domain that gave no address (DNS-11: a failure of that
    server, the lookup retried later), and no REGISTER could follow.  While DNS
    fails, that lookup is all of the REGISTER the wire can show: the phone kept
    trying.  A phone that stops looking it up still fails.
    """

    def _world(self, keeps_trying: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=3, port1=0, naptr_build=1, duration=120.0,
                                        servers=_ONE_TARGET))
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2"), 200, 0.005)
        tb.dns(0.0, DOMAIN, "NAPTR")
        tb.dns(0.01, f"_sip._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.02, f"_sips._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.03, DOMAIN, "A", [PRIMARY], ttl=60)
        tb.silent("REGISTER", "primary", 0.04, transport="tcp")
        failed = 0.04 + tb.give_up("REGISTER")
        tb.silent("REGISTER", "primary", failed + 30.0, transport="tcp", cseq=2)
        failed += 30.0 + tb.give_up("REGISTER")
        tb.dns(failed + 30.0, DOMAIN, "NAPTR", rcode="SERVFAIL")
        if keeps_trying:
            tb.dns(failed + 60.01, DOMAIN, "NAPTR", rcode="SERVFAIL")
        return tb

    def test_failed_lookups_pass(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C3"), "pass")

    def test_first_query_lost_passes(self) -> None:
        """Explore seeds 13, 8 (DNS dropping): the retry's first query never reached
        the DNS server; the resolver's second, a second later, is the first it saw."""
        tb = self._world(True)
        failed = 0.04 + 2 * tb.give_up("REGISTER") + 30.0
        tb._add(PacketEvent(failed + 60.01, "udp", (PHONE, 40000), (DNS, 53), b"q", fate="lost"))
        tb._events = [e for e in tb._events
                      if e.t != failed + 60.01 or isinstance(e, PacketEvent)]
        tb.dns(failed + 61.01, DOMAIN, "NAPTR", rcode="TIMEOUT")
        self.assertEqual(status(tb, "FBK-C3"), "pass")

    def test_stopped_looking_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C3"), "fail")


class RetryFromTheRoundsTopTests(SynchronousTestCase):
    """
    RTX-5 (issue 10, explore seeds 6, 7; failback_mode 1, DNSTTL): registered at
    the secondary, the renewal went there first (FB-1: new requests stay on the
    current server until the TTL), then to the primary; both were silent.  The
    retry 30 s later starting at the secondary again starts from the top of the
    list the failed round went through, as the failback mode orders it.  With
    newRequests (FB-0) the top is the primary: the same retry still fails.
    """

    def _world(self, mode: int, retry_to: str = "secondary") -> TraceBuilder:
        tb = TraceBuilder(default_facts(server2="", retry_counts=0, expires=120,
                                        failback_mode=mode, duration=120.0))
        tb.silent("REGISTER", "primary", 0.035)
        tb.respond(tb.register("secondary", 0.535, cseq=2), 200, 0.535)
        tb.silent("REGISTER", "secondary", 60.545, cseq=3)
        tb.silent("REGISTER", "primary", 61.045, cseq=4)
        tb.respond(tb.register(retry_to, 91.545, cseq=5), 200, 91.545)
        return tb

    def test_retry_at_the_rounds_top_passes(self) -> None:
        self.assertEqual(status(self._world(1), "RTX-5"), "pass")
        self.assertEqual(status(self._world(1, "primary"), "RTX-5"), "pass")

    def test_retry_at_the_current_server_under_new_requests_fails(self) -> None:
        self.assertEqual(status(self._world(0), "RTX-5"), "fail")


class ResponseDelayedByTcpTests(SynchronousTestCase):
    """
    RTX-5, FBK-C3 (issue 10, explore seeds 15, 5; 5 % loss, TLS): the working server
    answered 503 at 30.01 s, but TCP lost the record's first two copies and got
    the third through at 30.61 s.  The phone learned of the 503 only then, so
    its retry is due 30 s after that (a response is timed by when it could reach
    the phone, not by when the server sent it).  A retry at 61.5 s still fails.
    """

    def _world(self, retry_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=2, duration=90.0,
                                        servers=_ONE_TARGET))
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2", transport="tls", port=5061),
                   200, 0.005)
        tb.respond(tb.register("primary", 0.0, transport="tls", port=5061), 503, 0.005)
        again = tb.register("primary", 30.005, cseq=2, transport="tls", port=5061)
        # (explore seed 5: a segment of the TLS layer's own, delivered just before)
        tb._add(PacketEvent(30.01, "tcp", (PRIMARY, 5061), (PHONE, 5060), b""))
        tb.respond(again, 503, 30.01)
        for t, fate in ((30.01, "lost"), (30.21, "lost"), (30.61, "delivered")):
            tb._add(PacketEvent(t, "tcp", (PRIMARY, 5061), (PHONE, 5060), b"", fate=fate))
        tb.respond(tb.register("primary", retry_at, cseq=3, transport="tls", port=5061), 503)
        return tb

    def test_retry_after_the_delivery_passes(self) -> None:
        for clause in ("RTX-5", "FBK-C3"):
            self.assertEqual(status(self._world(60.615), clause), "pass", clause)

    def test_late_retry_fails(self) -> None:
        for clause in ("RTX-5", "FBK-C3"):
            self.assertEqual(status(self._world(61.5), clause), "fail", clause)


class HeldBehindLostSegmentTests(SynchronousTestCase):
    """
    RTX-2 (issue 10, explore seed 4 after the fixes above; 1 % loss, TCP): the
    REGISTER and the call's INVITE waited for the connection to the silent
    primary and were written as it came up at 1.07 s; the REGISTER's segment
    was lost, and TCP held the INVITE behind it until both went again at 1.27 s.
    The INVITE may have been written as early as the lost copy, so its timer ran
    from the connection's SYN like the REGISTER's: both moving on at 8.56 s is on
    time, not a second early.  Moving on at 9.5 s still fails.
    """

    def _world(self, moved_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, server2="", calls=(0.0,), duration=60.0))
        tb.syn_lost(1.06, "primary", fate="delivered", phone_port=5060)
        raws = []
        for method in ("REGISTER", "INVITE"):
            if method == "REGISTER":
                tb.register("primary", 1.275, transport="tcp")
            else:
                tb.invite("primary", 1.275, call_id="call-a", transport="tcp")
            raws.append(tb._events[-1].raw)  # type: ignore[attr-defined]
        for t, raw, fate in ((1.07, raws[0], "lost"), (1.27, raws[0], "delivered"),
                             (1.27, raws[1], "delivered")):
            tb._add(PacketEvent(t, "tcp", (PHONE, 5060), (PRIMARY, 5060), raw, fate=fate))
        tb.respond(tb.register("secondary", moved_at, cseq=2, transport="tcp"), 200)
        inv = tb.invite("secondary", moved_at, call_id="call-a", cseq=2, transport="tcp")
        tb.respond(inv, 200)
        tb.in_dialog(inv, "ACK", moved_at + 0.02, to="secondary")
        return tb

    def test_held_invite_on_time_passes(self) -> None:
        self.assertEqual(status(self._world(8.565), "RTX-2"), "pass")

    def test_late_move_fails(self) -> None:
        self.assertEqual(status(self._world(9.5), "RTX-2"), "fail")


class RenewalLookupFailsTests(SynchronousTestCase):
    """
    FBK-C1 (issue 10, explore seeds 7, 8 after the fixes above; concurrent
    mode): DNS began answering SERVFAIL; the renewal of the working server's
    60 s registration began with a lookup of its domain that gave no address
    (DNS-11), so no REGISTER could follow before the binding ran out.  That
    lookup was the renewal as far as the wire can show: the phone kept the
    registration refreshed.  A phone that never tries to renew still fails.
    """

    def _world(self, renews: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(expires=60, duration=120.0))
        tb.respond(tb.register("fallback", 0.005, call_id="reg-2", expires=3600), 200, 0.005)
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV", rcode="NXDOMAIN")
        tb.dns(0.015, DOMAIN, "A", [PRIMARY, SECONDARY], ttl=60)
        tb.respond(tb.register("primary", 0.025), 200, 0.025)
        tb.respond(tb.register("primary", 30.035, cseq=2), 200, 30.035)
        if renews:
            tb.dns(60.045, f"_sip._udp.{DOMAIN}", "SRV", rcode="SERVFAIL")
            tb.dns(90.055, f"_sip._udp.{DOMAIN}", "SRV", rcode="SERVFAIL")
        return tb

    def test_failed_lookup_as_renewal_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_no_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class TakeOverSynLostTests(SynchronousTestCase):
    """
    RTX-3 (issue 10, explore seed 15 after the fixes above; successive mode, 5 %
    loss): the working server answered the INVITE 503 and the phone opened a
    connection to the fallback server at once, but its SYN was lost and went
    again a second later, so the INVITE reached the fallback server at 2.03 s.
    The attempt began with its connection (RFC 3261 17.1): the phone moved on at
    once.  A connection begun half a second after the 503 still fails.
    """

    def _world(self, syn_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, redundancy_type=1,
                                        duration=60.0, servers=_ONE_TARGET, calls=(1.0,)))
        tb.respond(tb.register("primary", 0.01, transport="tcp"), 200, 0.015)
        tb.respond(tb.invite("primary", 1.0, call_id="call-a", transport="tcp"), 503, 1.006)
        tb.syn_lost(syn_at, "fallback", fate="lost", phone_port=5060)
        tb.syn_lost(syn_at + 1.0, "fallback", fate="delivered", phone_port=5060)
        inv = tb.invite("fallback", syn_at + 1.02, call_id="call-a", cseq=2, transport="tcp")
        tb.respond(inv, 200)
        tb.in_dialog(inv, "ACK", syn_at + 1.04, to="fallback")
        return tb

    def test_syn_at_once_passes(self) -> None:
        self.assertEqual(status(self._world(1.011), "RTX-3"), "pass")

    def test_syn_late_fails(self) -> None:
        self.assertEqual(status(self._world(1.5), "RTX-3"), "fail")


class ConnectionFailedAfterGiveUpTests(SynchronousTestCase):
    """
    RTX-5 (issue 10, explore seed 1 after the fixes above; retry_counts 0, 20 %
    loss, the working server stopped): a retry's SYN was lost twice and the third
    refused 3 s later, long after the 0.5 s a silent server gets (RTX-1).  The
    phone gave the target up at 0.5 s (RTX-2: not established in time), so its
    next retry is due 30 s after that, not after the late refusal.  Waiting for
    the refusal still fails.
    """

    def _world(self, next_retry: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, retry_counts=0,
                                        duration=85.0, servers=_ONE_TARGET))
        tb.respond(tb.register("fallback", 0.01, call_id="reg-2", transport="tcp"), 200, 0.015)
        told = tb.refused(0.0, "primary")
        start = told + 30.0
        for dt in (0.0, 1.0):
            tb.syn_lost(start + dt, "primary", fate="lost", phone_port=42000)
        tb.syn_lost(start + 3.0, "primary", phone_port=42000)
        tb._add(ConnEvent(start + 3.01, PHONE, "refused", "tcp", (PHONE, 42000),
                          (PRIMARY, 5060), "RST"))
        tb.refused(next_retry, "primary")
        return tb

    def test_retry_after_giving_up_passes(self) -> None:
        self.assertEqual(status(self._world(30.01 + 0.5 + 30.0), "RTX-5"), "pass")

    def test_retry_after_the_refusal_fails(self) -> None:
        self.assertEqual(status(self._world(30.01 + 3.01 + 30.0), "RTX-5"), "fail")


class FallbackAnswerAtGiveUpTests(SynchronousTestCase):
    """
    FBK-S3 (issue 10, explore seed 6 after the fixes above; successive mode,
    0.1 s latency, fallback retry_counts 0): the fallback server's 200 left it
    just as the phone's 0.5 s for it ran out and reached the phone too late; the
    phone counted the fallback server failed too and retried from the top 30 s
    later (RTX-5), registering at the fallback server again.  That 200 did not
    put it on the fallback server, so its REGISTER to the working server at the
    retry is no probe off the fallback.timeout schedule.  Had the 200 come in
    time, the same early REGISTER to the working server still fails.
    """

    def _world(self, answer_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, retry_counts=0, redundancy_type=1,
                                        duration=100.0, servers=_ONE_TARGET,
                                        latency_tolerance=0.1))
        tb.silent("REGISTER", "primary", 0.0)
        tb.respond(tb.register("fallback", 0.5, call_id="reg-2"), 200, answer_at)
        tb.silent("REGISTER", "primary", 31.0, cseq=2)
        tb.respond(tb.register("fallback", 31.5, call_id="reg-2", cseq=2), 200, 31.51)
        return tb

    def test_answer_at_give_up_passes(self) -> None:
        self.assertNotEqual(status(self._world(1.0), "FBK-S3"), "fail")

    def test_timely_answer_then_early_probe_fails(self) -> None:
        self.assertEqual(status(self._world(0.6), "FBK-S3"), "fail")


class ProbeLookupAfterCallTests(SynchronousTestCase):
    """
    FBK-S3 (issue 10, explore seed 7 after the fixes above; successive mode, DNS
    answering SERVFAIL, fallback.timeout 30): on the fallback server, the call
    placed at 30 s went there at once, and 20 ms later the probe due at 30 s
    looked up the working server's domain and got no address.  A lookup that
    began after the INVITE was sent was no lookup of that INVITE's (FO-6): it is
    the probe.  Without it the next probe, at 60 s, is still off the schedule.
    """

    def _world(self, probe_at_30: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(redundancy_type=1, fallback_timeout=30, duration=120.0,
                                        servers=_ONE_TARGET, calls=(30.0,)))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV", rcode="SERVFAIL", answer_after=0.0)
        tb.respond(tb.register("fallback", 0.015, call_id="reg-2"), 200, 0.015)
        inv = tb.invite("fallback", 30.005, call_id="call-a")
        tb.respond(inv, 200, 30.005)
        tb.in_dialog(inv, "ACK", 30.015)
        for at in (30.025, 60.035, 90.045):
            if at > 31 or probe_at_30:
                tb.dns(at, f"_sip._udp.{DOMAIN}", "SRV", rcode="SERVFAIL", answer_after=0.0)
        return tb

    def test_probe_after_the_call_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-S3"), "pass")

    def test_missing_probe_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-S3"), "fail")


class CoalescedTlsResponsesTests(SynchronousTestCase):
    """
    RTX-5 (explore seeds 10, 13 of dns-ip-literal; TLS, 5 % / 20 % loss, the
    primary answering 500): the REGISTER and the call's INVITE went together and
    their two 500s were written at the same moment, in one TLS segment.  The
    wire took that segment for the first 500 only and the next one (30 s later,
    the retry's 500) for the second, so the retry's own 500 was matched to a
    retransmission another 30 s on: "late", the target "failed", and the phone's
    retry 30 s after the 500 it did get looked early.  Responses written together
    arrive together.  A 500 whose segment really got through only after the
    phone's give-up time (7.5 s) still makes that retry early.
    """

    def _world(self, delivered_at: float) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=2, duration=120.0,
                                        servers=_ONE_TARGET[:1], calls=(0.0,)))
        srv, ph = (PRIMARY, 5061), (PHONE, 5060)
        reg = tb.register("primary", 0.02, transport="tls", port=5061)
        inv = tb.invite("primary", 0.02, call_id="call-a", transport="tls", port=5061)
        tb.respond(reg, 500, 0.025)
        tb.respond(inv, 500, 0.025)
        tb._add(PacketEvent(0.025, "tcp", srv, ph, b""))  # both 500s in one segment
        tb.respond(tb.register("primary", 30.03, cseq=2, transport="tls", port=5061),
                   500, 30.235)
        if delivered_at > 30.235:
            tb._add(PacketEvent(30.235, "tcp", srv, ph, b"", fate="lost"))
        tb._add(PacketEvent(delivered_at, "tcp", srv, ph, b""))
        again = tb.register("primary", 60.24, cseq=3, transport="tls", port=5061)
        tb.respond(again, 500, 60.245)
        tb._add(PacketEvent(60.245, "tcp", srv, ph, b"", fate="lost"))
        tb._add(PacketEvent(60.445, "tcp", srv, ph, b""))
        return tb

    def test_coalesced_answers_arrive_together_passes(self) -> None:
        self.assertNotEqual(status(self._world(30.235), "RTX-5"), "fail")

    def test_answer_after_give_up_then_early_retry_fails(self) -> None:
        self.assertEqual(status(self._world(38.0), "RTX-5"), "fail")


class RetryAfterSkipsPrimaryAtRetryTests(SynchronousTestCase):
    """
    RTX-5 (explore seed 2 of dns-ip-literal; the primary answering 503 with
    Retry-After: 30, the secondary silent): the REGISTER round failed at
    7.545 s; meanwhile the call's INVITE got a 503 (Retry-After: 30) from the
    primary at 8.505 s.  At the retry, 37.545 s, the primary was still inside
    that Retry-After, and RTX-3 says it is skipped: the retry started at the
    first target not skipped, the secondary, and came to the primary after.
    Without the INVITE's Retry-After the primary's skip had ended at 30.035 s,
    and a retry at the secondary first still fails.
    """

    def _world(self, invite_retry_after: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(duration=100.0, calls=(1.0,)))
        ra = [("Retry-After", "30")]
        tb.respond(tb.register("primary", 0.035), 503, 0.035, headers=ra)
        tb.silent("REGISTER", "secondary", 0.045, cseq=2)
        tb.silent("INVITE", "secondary", 1.005, call_id="call-a")
        inv = tb.invite("primary", 8.505, call_id="call-a", cseq=2)
        tb.respond(inv, 503, 8.505, headers=ra if invite_retry_after else ())
        tb.silent("REGISTER", "secondary", 37.545, cseq=3)
        tb.respond(tb.register("primary", 45.045, cseq=4), 503, 45.045, headers=ra)
        tb.respond(tb.register("primary", 75.055, cseq=5), 503, 75.055, headers=ra)
        tb.silent("REGISTER", "secondary", 75.065, cseq=6)
        return tb

    def test_primary_skipped_at_the_retry_passes(self) -> None:
        self.assertEqual(status(self._world(True), "RTX-5"), "pass")

    def test_secondary_first_without_retry_after_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")


def _query(name: str) -> bytes:
    """A DNS query for C{name}'s A record, as the phone's resolver sends it."""
    from twisted.names import dns

    m = dns.Message(id=1, recDes=1)
    m.queries = [dns.Query(name.encode(), dns.A)]
    return m.toStr()


class RetryLookupOfPrimaryLostTests(SynchronousTestCase):
    """
    RTX-5 (explore seed 2 of dns-ip-literal after the fixes above; both targets
    silent, 20 % loss): at the retry the phone looked server 1 up again; the SRV
    answer came back but both tries of the primary's A query were lost, so the
    primary gave no address (DNS-11: a failure of that target) and the phone
    went on to the secondary.  The retry did start from the top.  A retry that
    goes to the secondary without trying to reach the primary still fails.
    """

    def _world(self, looks_up_primary: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(duration=80.0))
        srv = ["0 1 5060 primary.example.test", "0 0 5060 secondary.example.test"]
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV", srv)
        tb.dns(0.01, f"primary.{DOMAIN}", "A", [PRIMARY])
        tb.dns(0.015, f"secondary.{DOMAIN}", "A", [SECONDARY])
        tb.silent("REGISTER", "primary", 0.02)
        tb.silent("REGISTER", "secondary", 7.52, cseq=2)
        tb.dns(45.02, f"_sip._udp.{DOMAIN}", "SRV", srv)
        at = 45.03
        if looks_up_primary:
            for t in (45.025, 46.025):
                tb._add(PacketEvent(t, "udp", (PHONE, 40000), (DNS, 53),
                                    _query(f"primary.{DOMAIN}"), fate="lost"))
            tb.dns(49.03, f"secondary.{DOMAIN}", "A", [SECONDARY])
            at = 49.035
        tb.silent("REGISTER", "secondary", at, cseq=3)
        return tb

    def test_primary_lookup_lost_passes(self) -> None:
        self.assertEqual(status(self._world(True), "RTX-5"), "pass")

    def test_secondary_without_trying_the_primary_fails(self) -> None:
        self.assertEqual(status(self._world(False), "RTX-5"), "fail")


class FallbackRefusedAtDnsFailureTests(SynchronousTestCase):
    """
    DNS-11 (explore seeds 3 and 15 of dns-ip-literal; concurrent mode, TCP, the
    fallback server stopped from the start, server 1's domain giving no
    address): at each round the phone opened a connection to the fallback
    server alongside the lookup, and it was refused before any SIP went over
    it.  That refused connection is the phone's try at the fallback server
    (RTX-2), though nothing on the wire names its request, so the fallback did
    take over.  A phone that never tries the fallback server still fails.
    """

    def _world(self, tries_fallback: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(transport=1, duration=120.0))
        for k in range(4):
            at = k * 30.02
            if tries_fallback:
                tb.refused(at, "fallback")
            tb.dns(at + 0.005, f"_sip._tcp.{DOMAIN}", "SRV", rcode="NXDOMAIN",
                   answer_after=0.0)
            tb.dns(at + 0.015, DOMAIN, "A", answer_after=0.0)
        return tb

    def test_refused_fallback_passes(self) -> None:
        self.assertEqual(status(self._world(True), "DNS-11"), "pass")

    def test_fallback_never_tried_fails(self) -> None:
        self.assertEqual(status(self._world(False), "DNS-11"), "fail")


class RenewalOverClosedConnectionTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 8 of dns-ip-literal; concurrent mode, TCP, expires 30,
    the primary stopped at 255 s): the primary closed its connection at 255 s,
    the instant the phone wrote its renewal on it.  TCP delivered the REGISTER
    but the server never read it, and the phone, seeing the connection close,
    counted the primary failed (RTX-2) and retried 30 s later (RTX-5), after
    the registration had run out.  The renewal was sent in time: the server,
    not the phone, let it lapse.  A phone that sends no renewal before the
    retry still fails.
    """

    def _world(self, renews: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, expires=30,
                                        duration=300.0, servers=_ONE_TARGET))
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2", transport="tcp",
                               expires=3600), 200, 0.0)
        for k in range(17):
            at = k * 15.0
            tb.respond(tb.register("primary", at, cseq=k + 1, transport="tcp"), 200, at)
        tb.fault(255.0, "primary", "stop")
        tb._add(PacketEvent(255.0, "tcp", (PRIMARY, 5060), (PHONE, 40000), b"", flags="F"))
        if renews:
            # (written on the closing connection: delivered, never read)
            tb.register("primary", 255.0, cseq=18, transport="tcp", lost=[0])
            ev = tb._events[-1]
            assert isinstance(ev, PacketEvent)
            tb._events[-1] = replace(ev, fate="delivered", src=(PHONE, 40000))
            tb._add(ConnEvent(255.0, PHONE, "close", "tcp", (PHONE, 40000), (PRIMARY, 5060),
                              "peer"))
        tb.refused(285.0, "primary")
        return tb

    def test_renewal_never_read_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_no_renewal_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class FlappingFallbackRefusedBetweenTriesTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 5 of dns-ip-literal; concurrent mode, TCP, the fallback
    server silent and flapping every 30 s): the phone's REGISTERs to it were
    refused while it was down and went unanswered while it was up, one try 30 s
    after each failure (RTX-5): refused at 0 s, silent at 30 s, refused at
    67.5 s, silent at 97.5 s.  The refused connection at 67.5 s, though no SIP
    went over it, is that round's try (RTX-2), between tries that did carry
    SIP.  A phone that skipped that round still fails.
    """

    def _world(self, tries_at_67: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(server1=PRIMARY, transport=1, duration=120.0,
                                        servers=_ONE_TARGET))
        tb.respond(tb.register("primary", 0.01, transport="tcp"), 200, 0.015)
        tb.refused(0.0, "fallback")
        tb.silent("REGISTER", "fallback", 30.02, call_id="reg-2", cseq=2, transport="tcp")
        if tries_at_67:
            tb.refused(67.51, "fallback")
        tb.silent("REGISTER", "fallback", 97.53, call_id="reg-2", cseq=4, transport="tcp")
        return tb

    def test_refused_round_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_skipped_round_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class WorkingServerMovedByDnsTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 14 of dns-ip-literal; concurrent mode, a DNS fault
    moving the primary's A record to 127.0.1.20, where no server runs): the
    phone registered at the fallback server and sent its REGISTERs for server 1
    to 127.0.1.20, the address the DNS gave (DNS-8), every RTX-5 round.  No
    harness server heard them, but they are REGISTERs to the working server.
    A phone that registers only at the fallback server, sending nothing for
    server 1 after its lookup, still fails.
    """

    MOVED = "127.0.1.20"

    def _world(self, registers_there: bool) -> TraceBuilder:
        tb = TraceBuilder(default_facts(duration=120.0, servers=_ONE_TARGET))
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2"), 200, 0.005)
        for k, at in enumerate((0.005, 37.52, 75.025, 112.54)):
            tb.dns(at, f"_sip._udp.{DOMAIN}", "SRV", [f"0 0 5060 primary.{DOMAIN}"],
                   answer_after=0.0)
            tb.dns(at + 0.01, f"primary.{DOMAIN}", "A", [self.MOVED], ttl=60, answer_after=0.0)
            if registers_there:
                tb.silent("REGISTER", self.MOVED, at + 0.015, cseq=k + 1, lost=range(4))
        return tb

    def test_register_to_the_moved_address_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_no_register_for_server_1_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")


class HostMovedToDeadAddressTests(SynchronousTestCase):
    """
    FBK-C1, FBK-S1 (explore seed 14 of dns-ip-literal, both redundancy types): a
    DNS fault moved the primary's A record to 127.0.1.20, where the shrunk world
    runs no server.  The phone sent server 1's REGISTERs there, as the DNS said
    (DNS-8), and in successive mode fell back once that silent target had had
    its RTX-1 time.  The moved-to address is a target of server 1 that nothing
    answers (the testbed's facts name it), and a target the resolution in use
    did not give (the primary) was not in the round: server 1 was exhausted
    when 127.0.1.20 failed.  Falling back before that still fails.
    """

    MOVED = "127.0.1.20"

    def _certify(self, redundancy_type: int) -> dict[str, str]:
        from pathlib import Path

        from harness.scenario import load_scenario
        from harness.testbed import run_scenario

        base = Path(self.mktemp())
        for sub in ("scenarios", "phones", "zones"):
            (base / sub).mkdir(parents=True)
        (base / "zones" / "example.test.zone").write_text(
            "$ORIGIN example.test.\n$TTL 300\n"
            "@ 86400 IN SOA ns1 hostmaster ( 1 3600 600 86400 60 )\n"
            "@ 86400 IN NS ns1\nns1 86400 IN A 127.0.1.53\nprimary 300 IN A 127.0.1.10\n"
            "_sip._udp 300 IN SRV 0 0 5060 primary\n")
        (base / "phones" / "p.cfg").write_text(
            "#!version:1.0.0.1\naccount.1.enable = 1\naccount.1.user_name = 1001\n"
            f"account.1.fallback.redundancy_type = {redundancy_type}\n"
            "account.1.sip_server.1.address = example.test\naccount.1.sip_server.1.port = 0\n"
            "account.1.sip_server.2.address = 127.0.1.15\naccount.1.sip_server.2.port = 5060\n")
        (base / "scenarios" / "s.toml").write_text(
            '[scenario]\nname = "s"\nduration = 120\n\n[phone]\nconfig = "../phones/p.cfg"\n'
            'address = "127.0.0.100"\n\n[dns]\nzone = "../zones/example.test.zone"\n\n'
            '[[servers]]\nrole = "primary"\naddress = "127.0.1.10"\n\n'
            '[[servers]]\nrole = "fallback"\naddress = "127.0.1.15"\n\n'
            '[[faults]]\nat = 0\ntarget = "dns"\naction = "set-record"\n'
            f'name = "primary.example.test"\ntype = "A"\nvalue = ["{self.MOVED}"]\nttl = 60\n')
        result = run_scenario(load_scenario(base / "scenarios" / "s.toml"))
        self.assertIn(self.MOVED, result.facts.addresses)
        return {v.clause: v.status for v in result.verdicts}

    def test_concurrent_passes(self) -> None:
        verdicts = self._certify(0)
        self.assertEqual(verdicts["FBK-C1"], "pass")
        self.assertNotIn("fail", verdicts.values())

    def test_successive_passes(self) -> None:
        verdicts = self._certify(1)
        self.assertEqual(verdicts["FBK-S1"], "pass")
        self.assertNotIn("fail", verdicts.values())

    def _world(self, fallback_at: float) -> TraceBuilder:
        servers = (*_ONE_TARGET, ServerInfo("moved", self.MOVED, _PORTS))
        tb = TraceBuilder(default_facts(redundancy_type=1, duration=60.0, servers=servers))
        tb.dns(0.005, f"_sip._udp.{DOMAIN}", "SRV", [f"0 0 5060 primary.{DOMAIN}"],
               answer_after=0.0)
        tb.dns(0.015, f"primary.{DOMAIN}", "A", [self.MOVED], ttl=60, answer_after=0.0)
        tb.silent("REGISTER", self.MOVED, 0.02, lost=range(4))
        tb.respond(tb.register("fallback", fallback_at, call_id="reg-2"), 200, fallback_at)
        return tb

    def test_fallback_after_the_moved_target_failed_passes(self) -> None:
        self.assertEqual(status(self._world(7.525), "FBK-S1"), "pass")

    def test_fallback_before_it_failed_fails(self) -> None:
        self.assertEqual(status(self._world(3.0), "FBK-S1"), "fail")


class RefusedRenewalBesideHangUpTests(SynchronousTestCase):
    """
    FBK-C1 (explore seed 8 of dns-ip-literal after the fixes above; concurrent
    mode, TCP, expires 30, a 30 s call placed at 240 s, the primary stopped at
    256 s): at 270.01 s the call's BYE found the primary's port closed, and at
    270.19 s so did the renewal due then.  Nothing came after that refused
    connection to name its request, but it was the renewal's (RTX-2): the
    server let the registration lapse.  The hang-up's own refused connection is
    no renewal: a phone that sent only the BYE still fails.
    """

    def _world(self, renews: bool) -> TraceBuilder:
        facts = default_facts(server1=PRIMARY, transport=1, expires=30, duration=300.0,
                              servers=_ONE_TARGET)
        facts = replace(facts, calls=(CallPlan(240.0, "sip:echo@example.test", 30.0),))
        tb = TraceBuilder(facts)
        tb.respond(tb.register("fallback", 0.01, call_id="reg-2", transport="tcp",
                               expires=3600), 200, 0.015)
        for k in range(18):
            at = 0.01 + k * 15.01
            tb.respond(tb.register("primary", at, cseq=k + 1, transport="tcp"), 200, at + 0.005)
        inv = tb.invite("primary", 240.0, call_id="call-a", transport="tcp")
        tb.respond(inv, 200, 240.005)
        tb.in_dialog(inv, "ACK", 240.01, to="primary")
        tb.fault(256.0, "primary", "stop")
        tb.refused(270.0, "primary")
        if renews:
            tb.refused(270.18, "primary")
        return tb

    def test_refused_renewal_passes(self) -> None:
        self.assertEqual(status(self._world(True), "FBK-C1"), "pass")

    def test_only_the_hang_up_fails(self) -> None:
        self.assertEqual(status(self._world(False), "FBK-C1"), "fail")
