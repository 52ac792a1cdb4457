"""
Tests for the FBK-*, TLS-1, STORM-1 and CFG-* checkers.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.certify.facts import Facts
from harness.testing.tracebuilder import (
    TraceBuilder,
    default_facts,
    register_failover,
    verdict_of,
)
from harness.trace.events import Trace


class _Base(SynchronousTestCase):
    def check(self, trace: Trace, facts: Facts, clause: str, status: str) -> None:
        v = verdict_of(trace, facts, clause)
        self.assertEqual(v.status, status, f"{clause}: {v}")
        self.assertNotIn("checker error", v.summary)


def _down(tb: TraceBuilder, at: float, cseq: int, method: str = "REGISTER",
          call_id: str = "reg-1") -> float:
    """Both targets of server 1 silent for one request; returns when it failed."""
    tb.silent(method, "primary", at, cseq=cseq, call_id=call_id)
    g = tb.give_up(method)
    tb.silent(method, "secondary", at + g, cseq=cseq + 1, call_id=call_id)
    return at + 2 * g


class FBKC1Tests(_Base):
    def test_both_registered_and_refreshed(self) -> None:
        facts = default_facts(expires=120, duration=150)
        tb = TraceBuilder(facts)
        for at, n in ((0.0, 1), (60.0, 2), (120.0, 3)):
            tb.respond(tb.register("primary", at, cseq=n, expires=120), 200)
            tb.respond(tb.register("fallback", at + 0.001, cseq=n, call_id="reg-2",
                                   expires=120), 200)
        self.check(tb.build(), facts, "FBK-C1", "pass")

    def test_no_fallback_registration_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        self.check(tb.build(), facts, "FBK-C1", "fail")

    def test_fallback_not_refreshed_fails(self) -> None:
        facts = default_facts(expires=120, duration=300)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("fallback", 0.001, call_id="reg-2", expires=120), 200)
        for at, n in ((0.0, 1), (60.0, 2), (120.0, 3), (180.0, 4), (240.0, 5)):
            tb.respond(tb.register("primary", at, cseq=n, expires=120), 200)
        self.check(tb.build(), facts, "FBK-C1", "fail")

    def test_na_successive(self) -> None:
        self.check(Trace(), default_facts(redundancy_type=1), "FBK-C1", "n/a")

    def test_working_server_lookup_failed(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("fallback", 0.001, call_id="reg-2"), 200)
        self.check(tb.build(), facts, "FBK-C1", "fail")  # nothing tried at server 1
        tb.dns(0.0, "_sip._udp.example.test", "SRV", rcode="SERVFAIL")
        self.check(tb.build(), facts, "FBK-C1", "pass")


class FBKC2Tests(_Base):
    def _make(self, fallback: bool) -> tuple[Trace, Facts]:
        facts = default_facts()
        tb = TraceBuilder(facts)
        t = _down(tb, 10.0, 1, "INVITE", "c")
        if fallback:
            tb.call("fallback", t + 0.01, call_id="c", cseq=3)
        return tb.build(), facts

    def test_pass(self) -> None:
        self.check(*self._make(True), "FBK-C2", "pass")

    def test_no_fallback_invite_fails(self) -> None:
        self.check(*self._make(False), "FBK-C2", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.call("primary", 0.0)
        self.check(tb.build(), facts, "FBK-C2", "n/a")


class FBKC3Tests(_Base):
    def _make(self, back_invite_to: str, retry: bool = True) -> tuple[Trace, Facts]:
        facts = default_facts(duration=200)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2"), 200)
        t = _down(tb, 0.0, 1)
        if retry:
            t2 = _down(tb, t + 30.0, 3)
            tb.respond(tb.register("primary", t2 + 30.0, cseq=5), 200)
            tb.respond(tb.invite(back_invite_to, t2 + 40.0), 200)
        return tb.build(), facts

    def test_pass(self) -> None:
        self.check(*self._make("primary"), "FBK-C3", "pass")

    def test_invite_to_fallback_after_recovery_fails(self) -> None:
        self.check(*self._make("fallback"), "FBK-C3", "fail")

    def test_stops_registering_fails(self) -> None:
        self.check(*self._make("primary", retry=False), "FBK-C3", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "FBK-C3", "n/a")


def _successive(tb: TraceBuilder, fallback_at: float | None) -> float:
    t = _down(tb, 0.0, 1)
    if fallback_at is not None:
        tb.respond(tb.register("fallback", fallback_at, call_id="reg-2"), 200)
    return t


class FBKS1Tests(_Base):
    def test_working_only(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        self.check(tb.build(), facts, "FBK-S1", "pass")

    def test_fallback_too_fails(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        tb.respond(tb.register("fallback", 0.001, call_id="reg-2"), 200)
        self.check(tb.build(), facts, "FBK-S1", "fail")

    def test_fallback_after_failure_ok(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        _successive(tb, 15.0)
        self.check(tb.build(), facts, "FBK-S1", "pass")

    def test_na_concurrent(self) -> None:
        self.check(Trace(), default_facts(), "FBK-S1", "n/a")


class FBKS2Tests(_Base):
    def test_pass(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        _successive(tb, 15.0)
        self.check(tb.build(), facts, "FBK-S2", "pass")

    def test_late_fallback_fails(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        _successive(tb, 25.0)
        self.check(tb.build(), facts, "FBK-S2", "fail")

    def test_no_fallback_fails(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        _successive(tb, None)
        self.check(tb.build(), facts, "FBK-S2", "fail")

    def test_na(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        self.check(tb.build(), facts, "FBK-S2", "n/a")


class FBKS3Tests(_Base):
    def _make(self, probe_every: float | None, duration: float = 300) -> tuple[Trace, Facts]:
        facts = default_facts(redundancy_type=1, fallback_timeout=120, duration=duration)
        tb = TraceBuilder(facts)
        _successive(tb, 15.0)
        if probe_every is not None:
            t = 15.01 + probe_every
            n = 3
            while t < duration:
                end = _down(tb, t, n)
                n += 2
                t = end + probe_every
        return tb.build(), facts

    def test_pass(self) -> None:
        self.check(*self._make(120.0), "FBK-S3", "pass")

    def test_wrong_interval_fails(self) -> None:
        self.check(*self._make(240.0, duration=600), "FBK-S3", "fail")

    def test_no_probing_fails(self) -> None:
        self.check(*self._make(None), "FBK-S3", "fail")

    def test_na(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        self.check(tb.build(), facts, "FBK-S3", "n/a")


class FBKS4Tests(_Base):
    def _make(self, invite_to: str) -> tuple[Trace, Facts]:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        _successive(tb, 15.0)
        tb.respond(tb.register("primary", 135.01, cseq=3), 200)
        tb.respond(tb.invite(invite_to, 150.0), 200)
        return tb.build(), facts

    def test_pass(self) -> None:
        self.check(*self._make("primary"), "FBK-S4", "pass")

    def test_stays_on_fallback_fails(self) -> None:
        self.check(*self._make("fallback"), "FBK-S4", "fail")

    def test_na(self) -> None:
        facts = default_facts(redundancy_type=1)
        tb = TraceBuilder(facts)
        _successive(tb, 15.0)
        self.check(tb.build(), facts, "FBK-S4", "n/a")


class FBKFTests(_Base):
    def _make(self, failover: bool = False, call: bool = True) -> tuple[Trace, Facts]:
        facts = default_facts(calls=[50.0])
        tb = TraceBuilder(facts)
        tb.respond(tb.register("fallback", 0.0, call_id="reg-2"), 200)
        sub = tb.request("SUBSCRIBE", "fallback", 0.1, call_id="sub-1")
        tb.respond(sub, 489)
        if failover:
            tb.respond(tb.request("SUBSCRIBE", "primary", 0.2, call_id="sub-1", cseq=2), 200)
        if call:
            tb.call("fallback", 50.0)
        return tb.build(), facts

    def test_pass(self) -> None:
        self.check(*self._make(), "FBK-F", "pass")

    def test_failover_on_489_fails(self) -> None:
        self.check(*self._make(failover=True), "FBK-F", "fail")

    def test_calling_stopped_fails(self) -> None:
        self.check(*self._make(call=False), "FBK-F", "fail")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(), "FBK-F", "n/a")


class TLS1Tests(_Base):
    def test_handshake_aborted(self) -> None:
        facts = default_facts(untrusted=("primary",), transport=2)
        tb = TraceBuilder(facts)
        tb.conn(0.0, "primary", "tls-fail", detail="certificate rejected by peer")
        tb.respond(tb.register("secondary", 0.05, transport="tls", port=5061), 200)
        self.check(tb.build(), facts, "TLS-1", "pass")

    def test_sip_over_untrusted_fails(self) -> None:
        facts = default_facts(untrusted=("primary",), transport=2)
        tb = TraceBuilder(facts)
        tb.conn(0.0, "primary", "accept")
        tb.respond(tb.register("primary", 0.05, transport="tls", port=5061), 200)
        self.check(tb.build(), facts, "TLS-1", "fail")

    def test_cert_fault_then_sip_fails(self) -> None:
        facts = default_facts(transport=2)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("secondary", 0.0, transport="tls", port=5061), 200)
        tb.fault(10.0, "secondary", "cert", "wrong-name")
        tb.respond(tb.invite("secondary", 20.0, transport="tls", port=5061), 200)
        self.check(tb.build(), facts, "TLS-1", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "TLS-1", "n/a")


class STORM1Tests(_Base):
    def _make(self, spread: bool, bound: float | None,
              lost: bool = False) -> tuple[Trace, Facts]:
        """
        Twenty phones registering; with C{lost}, the network drops every
        phone's REGISTER but the first one's (the server down for them).
        """
        facts = default_facts(phone=None, storm_bound=bound)
        tb = TraceBuilder(facts)
        for n in range(20):
            tb.phone = f"127.0.2.{n + 1}"
            at = float(n) if spread else 5.0 + n / 100
            if lost and n:
                tb.register("secondary", at, lost=[0])
            else:
                tb.respond(tb.register("secondary", at), 200)
        tb.phone = "127.0.2.1"
        tb.respond(tb.register("secondary", 19.5, cseq=2), 200)
        return tb.build(), facts

    def test_figure_reported(self) -> None:
        trace, facts = self._make(spread=False, bound=None)
        v = verdict_of(trace, facts, "STORM-1")
        self.assertEqual(v.status, "pass")
        self.assertIn("peak-to-mean", v.summary)

    def test_spread_within_bound(self) -> None:
        self.check(*self._make(spread=True, bound=3.0), "STORM-1", "pass")

    def test_wave_over_bound_fails(self) -> None:
        self.check(*self._make(spread=False, bound=3.0), "STORM-1", "fail")

    def test_na_one_phone(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "STORM-1", "n/a")

    def test_wave_lost_on_the_network_fails(self) -> None:
        """
        REGISTERs the network dropped are part of the wave: the phones sent
        them all the same (the PacketEvent branch the checker once had).
        """
        self.check(*self._make(spread=False, bound=3.0, lost=True), "STORM-1", "fail")

    def test_spread_lost_on_the_network_within_bound(self) -> None:
        trace, facts = self._make(spread=True, bound=3.0, lost=True)
        v = verdict_of(trace, facts, "STORM-1")
        self.assertEqual(v.status, "pass", v)
        self.assertIn("20 phones", v.summary)


class CFGTests(_Base):
    def test_cfg1_defaults(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "CFG-1", "pass")

    def test_cfg1_wrong_expires_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0, expires=1800), 200)
        self.check(tb.build(), facts, "CFG-1", "fail")

    def test_cfg1_wrong_transport_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0, transport="tcp"), 200)
        self.check(tb.build(), facts, "CFG-1", "fail")

    def test_cfg1_na(self) -> None:
        self.check(Trace(), default_facts(expires=120, retry_counts=2, transport=1), "CFG-1",
                   "n/a")

    def test_cfg2_na_without_loader_outcome(self) -> None:
        self.check(Trace(), default_facts(), "CFG-2", "n/a")

    def test_cfg2_clear_errors(self) -> None:
        facts = default_facts(config_file="bad.cfg", config_expect_errors=True,
                              config_errors=("bad.cfg:3: account.1.expires = 5: out of range "
                                             "(valid: 30..2147483647)",))
        self.check(Trace(), facts, "CFG-2", "pass")

    def test_cfg2_bad_file_accepted_fails(self) -> None:
        facts = default_facts(config_file="bad.cfg", config_expect_errors=True)
        self.check(Trace(), facts, "CFG-2", "fail")

    def test_cfg2_vague_error_fails(self) -> None:
        facts = default_facts(config_file="bad.cfg", config_errors=("invalid value",))
        self.check(Trace(), facts, "CFG-2", "fail")

    def test_cfg3(self) -> None:
        warnings = ("a.cfg:1: foo.bar: unknown key, ignored",
                    "a.cfg:2: baz: unknown key, ignored")
        ok = default_facts(config_file="a.cfg", config_warnings=warnings, config_unknown_keys=2)
        self.check(Trace(), ok, "CFG-3", "pass")
        missing = default_facts(config_file="a.cfg", config_warnings=warnings[:1],
                                config_unknown_keys=2)
        self.check(Trace(), missing, "CFG-3", "fail")
        self.check(Trace(), default_facts(), "CFG-3", "n/a")


# -- DNS failure of server 1 (DNS-11) counts as every target failing ------------------------

_SRV = "_sip._udp.example.test"


def _lookup_fails(tb: TraceBuilder, at: float, rcode: str = "SERVFAIL") -> None:
    """The phone's lookup of server 1 fails (SERVFAIL, NXDOMAIN, TIMEOUT, or empty)."""
    if rcode == "empty":
        tb.dns(at, _SRV, "SRV")
    elif rcode == "TIMEOUT":
        tb.dns(at, _SRV, "SRV", rcode="TIMEOUT")
        tb.dns(at + 1.0, _SRV, "SRV", rcode="TIMEOUT")  # the resolver's retransmission
    else:
        tb.dns(at, _SRV, "SRV", rcode=rcode)


def _lookup_works(tb: TraceBuilder, at: float) -> None:
    tb.dns(at, _SRV, "SRV", ["0 1 5060 primary.example.test"])
    tb.dns(at + 0.002, "primary.example.test", "A", ["127.0.1.10"])


def _dns_down_run(*, fallback_at: float | None = 0.01, probes: tuple[float, ...] = (30.0, 60.0),
                  back_at: float | None = 90.0, after: tuple[float, ...] = (),
                  rcode: str = "SERVFAIL", duration: float = 200.0) -> tuple[Trace, Facts]:
    """
    Successive fallback with fallback.timeout 30: the lookup of server 1 fails
    at 0; the phone registers at the fallback at C{fallback_at}; its probes
    are failed lookups at C{probes}; at C{back_at} the lookup works and the
    REGISTER to the primary is answered; C{after}: later REGISTERs to the
    fallback server.
    """
    facts = default_facts(redundancy_type=1, fallback_timeout=30, duration=duration)
    tb = TraceBuilder(facts)
    _lookup_fails(tb, 0.0, rcode)
    if fallback_at is not None:
        tb.respond(tb.register("fallback", fallback_at, call_id="reg-2"), 200)
    for at in probes:
        _lookup_fails(tb, at, rcode)
    if back_at is not None:
        _lookup_works(tb, back_at)
        tb.respond(tb.register("primary", back_at + 0.01), 200)
    for n, at in enumerate(after):
        tb.respond(tb.register("fallback", at, call_id="reg-2", cseq=n + 2), 200)
    return tb.build(), facts


class DnsFailureFallbackTests(_Base):
    def test_fo6_pass(self) -> None:
        for rcode in ("SERVFAIL", "NXDOMAIN", "REFUSED", "empty"):
            self.check(*_dns_down_run(rcode=rcode), "FO-6", "pass")

    def test_fo6_late_fallback_fails(self) -> None:
        self.check(*_dns_down_run(fallback_at=5.0), "FO-6", "fail")

    def test_fo6_no_fallback_fails(self) -> None:
        self.check(*_dns_down_run(fallback_at=None, probes=(), back_at=None), "FO-6", "fail")

    def test_fo6_timeout_allows_the_resolver_to_give_up(self) -> None:
        # queries at 0 and 1 dropped; the resolver gives up by 5 s
        self.check(*_dns_down_run(rcode="TIMEOUT", fallback_at=4.9, probes=()), "FO-6",
                   "pass")
        self.check(*_dns_down_run(rcode="TIMEOUT", fallback_at=12.0, probes=()), "FO-6",
                   "fail")

    def test_fbk_s2_pass(self) -> None:
        self.check(*_dns_down_run(), "FBK-S2", "pass")

    def test_fbk_s2_late_fails(self) -> None:
        self.check(*_dns_down_run(fallback_at=5.0), "FBK-S2", "fail")

    def test_fbk_s2_none_fails(self) -> None:
        self.check(*_dns_down_run(fallback_at=None, probes=(), back_at=None), "FBK-S2", "fail")

    def test_fbk_s3_failed_lookups_are_probes(self) -> None:
        self.check(*_dns_down_run(), "FBK-S3", "pass")

    def test_fbk_s3_timeout_lookups_are_probes(self) -> None:
        self.check(*_dns_down_run(rcode="TIMEOUT", fallback_at=4.9, probes=(34.9, 69.8),
                                  back_at=104.7), "FBK-S3", "pass")

    def test_fbk_s3_off_schedule_fails(self) -> None:
        self.check(*_dns_down_run(probes=(30.0, 45.0)), "FBK-S3", "fail")

    def test_fbk_s3_no_probe_fails(self) -> None:
        self.check(*_dns_down_run(probes=(), back_at=None), "FBK-S3", "fail")

    def test_fbk_s4_pass(self) -> None:
        self.check(*_dns_down_run(), "FBK-S4", "pass")

    def test_fbk_s4_back_to_fallback_fails(self) -> None:
        self.check(*_dns_down_run(after=(150.0,)), "FBK-S4", "fail")

    def test_fbk_s4_na_while_dns_fails(self) -> None:
        self.check(*_dns_down_run(probes=(30.0, 60.0, 90.0), back_at=None), "FBK-S4", "n/a")
