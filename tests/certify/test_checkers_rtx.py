"""
Tests for the RTX-* and REG-* checkers: each passes a compliant trace, fails a
defective one, and says n/a when the scenario does not exercise it.
"""

from __future__ import annotations

import hashlib

from twisted.trial.unittest import SynchronousTestCase

from harness.certify.facts import Facts
from harness.testing.tracebuilder import (
    PHONE,
    PRIMARY,
    TraceBuilder,
    default_facts,
    register_failover,
    verdict_of,
)
from harness.trace.events import ConnEvent, PacketEvent, Trace


class _Base(SynchronousTestCase):
    def check(self, trace: Trace, facts: Facts, clause: str, status: str) -> None:
        v = verdict_of(trace, facts, clause)
        self.assertEqual(v.status, status, f"{clause}: {v}")
        self.assertNotIn("checker error", v.summary)
        if status == "fail":
            self.assertTrue(v.expected and v.seen, v)


class RTX1Tests(_Base):
    def test_yealink_pass(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "RTX-1", "pass")

    def test_rfc_pass(self) -> None:
        facts = default_facts(profile="rfc")
        tb = TraceBuilder(facts)
        _, second = register_failover(tb)
        self.assertEqual(second.sends[0], 32.0)
        self.check(tb.build(), facts, "RTX-1", "pass")

    def test_rfc_fails_yealink_timing(self) -> None:
        facts = default_facts(profile="rfc")
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        r = tb.register("secondary", 7.5, cseq=2)
        tb.respond(r, 200)
        self.check(tb.build(), facts, "RTX-1", "fail")

    def test_yealink_fails_timer_b_timing(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        r = tb.register("secondary", 32.0, cseq=2)
        tb.respond(r, 200)
        self.check(tb.build(), facts, "RTX-1", "fail")

    def test_too_many_sends_fail(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0, sends=[0, 0.5, 1.5, 3.5, 7.5])
        self.check(tb.build(), facts, "RTX-1", "fail")

    def test_too_few_sends_fail(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0, sends=[0, 0.5, 1.5])
        self.check(tb.build(), facts, "RTX-1", "fail")

    def test_wrong_intervals_fail(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0, sends=[0, 1, 2, 3])
        self.check(tb.build(), facts, "RTX-1", "fail")

    def test_lost_sends_still_count(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0, sends=[0, 0.5, 1.5, 3.5], lost=[0, 1, 2, 3])
        self.check(tb.build(), facts, "RTX-1", "pass")

    def test_retry_counts_zero(self) -> None:
        facts = default_facts(retry_counts=0)
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "RTX-1", "pass")
        tb2 = TraceBuilder(facts)
        tb2.register("primary", 0.0, sends=[0, 0.5])
        self.check(tb2.build(), facts, "RTX-1", "fail")

    def test_na_when_answered(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        self.check(tb.build(), facts, "RTX-1", "n/a")

    def test_na_when_run_ends_early(self) -> None:
        facts = default_facts(duration=2.0)
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0, sends=[0, 0.5, 1.5])
        self.check(tb.build(), facts, "RTX-1", "n/a")


class RTX2Tests(_Base):
    def test_refused_then_next_at_once(self) -> None:
        facts = default_facts(transport=1)
        tb = TraceBuilder(facts)
        tb.conn(0.0, "primary", "refused", transport="tcp")
        tb.respond(tb.register("secondary", 0.02, transport="tcp"), 200)
        self.check(tb.build(), facts, "RTX-2", "pass")

    def test_refused_then_late_fails(self) -> None:
        facts = default_facts(transport=1)
        tb = TraceBuilder(facts)
        tb.conn(0.0, "primary", "refused", transport="tcp")
        tb.respond(tb.register("secondary", 2.0, transport="tcp"), 200)
        self.check(tb.build(), facts, "RTX-2", "fail")

    def test_silent_connected_server(self) -> None:
        facts = default_facts(transport=1)
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0, transport="tcp")
        tb.respond(tb.register("secondary", 7.5, transport="tcp", cseq=2), 200)
        self.check(tb.build(), facts, "RTX-2", "pass")
        tb2 = TraceBuilder(facts)
        tb2.register("primary", 0.0, transport="tcp")
        tb2.respond(tb2.register("secondary", 1.0, transport="tcp", cseq=2), 200)
        self.check(tb2.build(), facts, "RTX-2", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "RTX-2", "n/a")


class RTX3Tests(_Base):
    def test_503_next_at_once(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 503)
        tb.respond(tb.register("secondary", 0.03, cseq=2), 200)
        self.check(tb.build(), facts, "RTX-3", "pass")

    def test_503_next_late_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 503)
        tb.respond(tb.register("secondary", 3.0, cseq=2), 200)
        self.check(tb.build(), facts, "RTX-3", "fail")

    def test_503_no_next_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 503)
        self.check(tb.build(), facts, "RTX-3", "fail")

    def test_retry_after_ignored_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 503, headers=[("Retry-After", "60")])
        tb.respond(tb.register("secondary", 0.03, cseq=2), 200)
        tb.respond(tb.invite("primary", 30.0), 200)
        self.check(tb.build(), facts, "RTX-3", "fail")

    def test_retry_after_honoured(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 503, headers=[("Retry-After", "60")])
        tb.respond(tb.register("secondary", 0.03, cseq=2), 200)
        tb.respond(tb.invite("secondary", 30.0), 200)
        tb.respond(tb.invite("primary", 70.0), 200)
        self.check(tb.build(), facts, "RTX-3", "pass")

    def test_busy_is_not_a_failure(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.invite("primary", 0.0, call_id="c"), 486)
        tb.invite("secondary", 0.03, call_id="c", cseq=2)
        self.check(tb.build(), facts, "RTX-3", "fail")
        tb2 = TraceBuilder(facts)
        tb2.respond(tb2.invite("primary", 0.0, call_id="c"), 486)
        self.check(tb2.build(), facts, "RTX-3", "pass")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "RTX-3", "n/a")


class RTX4Tests(_Base):
    def test_pass(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "RTX-4", "pass")

    def test_cseq_not_incremented_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        tb.respond(tb.register("secondary", 7.5, cseq=1), 200)
        self.check(tb.build(), facts, "RTX-4", "fail")

    def test_branch_reused_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0, branch="z9hG4bKsame")
        tb.respond(tb.register("secondary", 7.5, cseq=2, branch="z9hG4bKsame"), 200)
        self.check(tb.build(), facts, "RTX-4", "fail")

    def test_new_call_id_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        tb.respond(tb.register("secondary", 7.5, cseq=1, call_id="other"), 200)
        self.check(tb.build(), facts, "RTX-4", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        self.check(tb.build(), facts, "RTX-4", "n/a")


def _all_fail(tb: TraceBuilder, at: float, cseq: int) -> None:
    tb.silent("REGISTER", "primary", at, cseq=cseq)
    tb.silent("REGISTER", "secondary", at + 7.5, cseq=cseq + 1)


class RTX5Tests(_Base):
    def test_retry_after_interval_from_top(self) -> None:
        facts = default_facts(duration=100)
        tb = TraceBuilder(facts)
        _all_fail(tb, 0.0, 1)
        tb.respond(tb.register("primary", 45.0, cseq=3), 200)
        self.check(tb.build(), facts, "RTX-5", "pass")

    def test_never_retried_fails(self) -> None:
        facts = default_facts(duration=100)
        tb = TraceBuilder(facts)
        _all_fail(tb, 0.0, 1)
        self.check(tb.build(), facts, "RTX-5", "fail")

    def test_retry_too_soon_fails(self) -> None:
        facts = default_facts(duration=100)
        tb = TraceBuilder(facts)
        _all_fail(tb, 0.0, 1)
        tb.respond(tb.register("primary", 20.0, cseq=3), 200)
        self.check(tb.build(), facts, "RTX-5", "fail")

    def test_retry_not_from_top_fails(self) -> None:
        facts = default_facts(duration=100)
        tb = TraceBuilder(facts)
        _all_fail(tb, 0.0, 1)
        tb.respond(tb.register("secondary", 45.0, cseq=3), 200)
        self.check(tb.build(), facts, "RTX-5", "fail")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "RTX-5", "n/a")


class REG1Tests(_Base):
    def test_registers_first(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 200)
        tb.call("primary", 5.0)
        self.check(tb.build(), facts, "REG-1", "pass")

    def test_invite_first_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.call("primary", 0.0)
        tb.respond(tb.register("primary", 5.0), 200)
        self.check(tb.build(), facts, "REG-1", "fail")

    def test_silent_enabled_account_fails(self) -> None:
        self.check(Trace(), default_facts(), "REG-1", "fail")

    def test_failed_lookup_is_a_try(self) -> None:
        facts = default_facts(server2="")
        tb = TraceBuilder(facts)
        tb.dns(0.0, "_sip._udp.example.test", "SRV", rcode="SERVFAIL")
        self.check(tb.build(), facts, "REG-1", "pass")

    def test_unfinished_tls_handshake_is_a_try(self) -> None:
        facts = default_facts(server2="", transport=2)
        hello = PacketEvent(0.01, "tcp", (PHONE, 40100), (PRIMARY, 5061), b"\x16\x03\x01")
        trace = Trace()
        trace.record(hello)
        self.check(trace, facts, "REG-1", "pass")
        done = Trace()
        done.record(hello)
        done.record(ConnEvent(0.02, PRIMARY, "tls-ok", "tls", (PRIMARY, 5061), (PHONE, 40100)))
        self.check(done, facts, "REG-1", "fail")  # connected, yet no REGISTER
        # the simulated network records TLS segments without their bytes
        blind = Trace()
        blind.record(PacketEvent(0.01, "tcp", (PHONE, 40100), (PRIMARY, 5061), b""))
        self.check(blind, facts, "REG-1", "pass")
        self.check(blind, default_facts(server2="", transport=1), "REG-1", "fail")

    def test_refused_connections_are_a_try(self) -> None:
        facts = default_facts(server2="", transport=1)
        tb = TraceBuilder(facts)
        tb.refused(0.0, "primary")
        tb.refused(0.02, "secondary")
        self.check(tb.build(), facts, "REG-1", "pass")

    def test_disabled_account(self) -> None:
        facts = default_facts(enable=0)
        self.check(Trace(), facts, "REG-1", "pass")
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0)
        self.check(tb.build(), facts, "REG-1", "fail")


class REG2Tests(_Base):
    def test_renewal_in_last_half(self) -> None:
        facts = default_facts(expires=120, duration=200)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0, expires=120), 200)
        tb.respond(tb.register("primary", 60.0, expires=120, cseq=2), 200)
        tb.respond(tb.register("primary", 120.0, expires=120, cseq=3), 200)
        self.check(tb.build(), facts, "REG-2", "pass")

    def test_wrong_expires_fails(self) -> None:
        facts = default_facts(expires=120)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0, expires=3600), 200)
        self.check(tb.build(), facts, "REG-2", "fail")

    def test_early_renewal_fails(self) -> None:
        facts = default_facts(expires=120, duration=100)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0, expires=120), 200)
        tb.respond(tb.register("primary", 20.0, expires=120, cseq=2), 200)
        self.check(tb.build(), facts, "REG-2", "fail")

    def test_no_renewal_fails(self) -> None:
        facts = default_facts(expires=120, duration=300)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0, expires=120), 200)
        self.check(tb.build(), facts, "REG-2", "fail")

    def test_granted_shorter_than_asked(self) -> None:
        facts = default_facts(expires=120, duration=100)
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0, expires=120), 200, headers=[("Expires", "40")])
        tb.respond(tb.register("primary", 30.0, expires=120, cseq=2), 200,
                   headers=[("Expires", "40")])
        tb.respond(tb.register("primary", 60.0, expires=120, cseq=3), 200)
        self.check(tb.build(), facts, "REG-2", "pass")

    def test_na(self) -> None:
        self.check(Trace(), default_facts(), "REG-2", "n/a")


def _md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


def _auth(password: str, nonce: str = "n1") -> str:
    ha1 = _md5(f"1001:example.test:{password}")
    ha2 = _md5("REGISTER:sip:example.test")
    resp = _md5(f"{ha1}:{nonce}:00000001:c0ffee:auth:{ha2}")
    return (f'Digest username="1001", realm="example.test", nonce="{nonce}", '
            f'uri="sip:example.test", response="{resp}", algorithm=MD5, qop=auth, '
            f'nc=00000001, cnonce="c0ffee"')


_CHALLENGE = ("WWW-Authenticate",
              'Digest realm="example.test", nonce="n1", algorithm=MD5, qop="auth"')


class REG3Tests(_Base):
    def test_answered_once_correctly(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 401, headers=[_CHALLENGE])
        tb.respond(tb.register("primary", 0.02, cseq=2,
                               headers=[("Authorization", _auth("secret"))]), 200)
        self.check(tb.build(), facts, "REG-3", "pass")

    def test_wrong_password_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 401, headers=[_CHALLENGE])
        tb.respond(tb.register("primary", 0.02, cseq=2,
                               headers=[("Authorization", _auth("wrong"))]), 200)
        self.check(tb.build(), facts, "REG-3", "fail")

    def test_no_credentials_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 401, headers=[_CHALLENGE])
        tb.respond(tb.register("primary", 0.02, cseq=2), 401, headers=[_CHALLENGE])
        self.check(tb.build(), facts, "REG-3", "fail")

    def test_loop_fails(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 401, headers=[_CHALLENGE])
        tb.respond(tb.register("primary", 0.02, cseq=2,
                               headers=[("Authorization", _auth("secret"))]), 401,
                   headers=[_CHALLENGE])
        tb.register("primary", 0.05, cseq=3, headers=[("Authorization", _auth("secret"))])
        self.check(tb.build(), facts, "REG-3", "fail")

    def test_second_challenge_stops(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.respond(tb.register("primary", 0.0), 401, headers=[_CHALLENGE])
        tb.respond(tb.register("primary", 0.02, cseq=2,
                               headers=[("Authorization", _auth("secret"))]), 401,
                   headers=[_CHALLENGE])
        self.check(tb.build(), facts, "REG-3", "pass")

    def test_na(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        self.check(tb.build(), facts, "REG-3", "n/a")
