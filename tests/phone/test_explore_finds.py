"""
Built-in phone regressions found by C{certify --explore} (FBK-* seeds of
C{dns-ip-literal}, triage round tfbk).
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.scenario import bundled_scenarios_dir, scenario_from_dict
from harness.testbed import Testbed
from harness.trace.events import SipEvent
from tests.phone.test_account_machine import FALLBACK, PRIMARY, PROBE, RETRY, Harness

BASE = bundled_scenarios_dir()


class StaleRetryOnFallbackTests(SynchronousTestCase):
    """
    FBK-S3 (explore seed 11): successive mode.  A call found the working server
    silent while the registration's renewal was under way (working_lost: an
    RTX-5 retry set for 30 s later); the renewal then failed too and the phone
    fell back.  On the fallback server only the probes, every
    C{fallback.timeout} s, go to the working server: the retry set before the
    fallback is void.  It used to fire 23 s after the fallback and register to
    the working server off the probe schedule, leaving the account registered
    at both servers while it counted itself on the fallback.
    """

    def test_fell_back_cancels_a_pending_retry(self) -> None:
        h = Harness()
        m = h.machine
        m.start()
        m.registered(PRIMARY, 120)
        h.clock.advance(60)
        self.assertTrue(m.renew_due())
        m.working_lost()  # the call's INVITE found server 1 down
        m.falling_back()  # then the renewal failed on every target
        m.fallback_registered(FALLBACK, 3600, False)
        m.fell_back()
        self.assertEqual(h.state, "OnFallback")
        self.assertIsNone(h.data.retry)
        self.assertFalse(h.data.retry_while_down)
        h.fired.clear()
        h.clock.advance(RETRY)
        self.assertEqual(h.fired, [])
        h.clock.advance(PROBE - RETRY)
        self.assertEqual(h.fired, ["probe"])

    def test_world(self) -> None:
        doc = {
            "scenario": {"name": "stale-retry", "duration": 300},
            "phone": {},
            "servers": [
                {"role": "primary", "address": "127.0.1.10"},
                {"role": "fallback", "address": "127.0.1.15", "features": "basic"},
            ],
            "calls": [{"at": 173, "to": "sip:echo@example.test", "duration": 5}],
            "faults": [{"at": 124, "target": "primary", "action": "flap", "period": 120}],
        }
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\n"
            "account.1.fallback.redundancy_type = 1\naccount.1.fallback.timeout = 120\n"
            "account.1.sip_server.1.address = 127.0.1.10\naccount.1.sip_server.1.port = 5060\n"
            "account.1.sip_server.1.expires = 120\n"
            "account.1.sip_server.2.address = 127.0.1.15\naccount.1.sip_server.2.port = 5060\n"
        )
        bed = Testbed(scenario_from_dict(doc, where="t", base=BASE, phone_text=text))
        bed.run_until(300)
        assert bed.phone is not None
        self.assertEqual(bed.phone.errors, [])
        fell_back = min(e.t for e in bed.trace.sip(["127.0.1.15"]) if e.direction == "in"
                        and isinstance(e, SipEvent)
                        and getattr(e.message, "method", None) == "REGISTER")
        to_working = [e.t for e in bed.trace.sip(["127.0.1.10"]) if e.direction == "in"
                      and getattr(e.message, "method", None) == "REGISTER"
                      and e.t > fell_back]
        # the first REGISTER to the working server after the fallback is the probe
        self.assertTrue(all(t >= fell_back + 120 - 1 for t in to_working), to_working)
        verdicts = {v.clause: v.status for v in bed.judge()}
        self.assertNotEqual(verdicts["FBK-S3"], "fail")


class FallbackRetryAfterProbeOkTests(SynchronousTestCase):
    """
    FBK-S1, FBK-S4 (explore seed 28): successive mode; on the fallback server,
    its renewal was refused (500: no failure, RTX-3; retried every retry
    interval).  When the working server answered a probe the phone went back
    to it, but the pending retry of the fallback registration still fired and
    sent REGISTER to the fallback server: two servers at once ("only registers
    to one server at a time").  probe_ok now cancels that retry.
    """

    def test_probe_ok_cancels_the_fallback_retry(self) -> None:
        h = Harness()
        h.on_fallback()
        h.machine.fallback_failed()
        self.assertIsNotNone(h.data.fallback_retry)
        h.clock.advance(PROBE)
        self.assertTrue(h.machine.probe_due())
        h.machine.registered(PRIMARY, 3600)
        h.machine.probe_ok()
        self.assertEqual(h.state, "Registered")
        self.assertIsNone(h.data.fallback_retry)
        h.fired.clear()
        h.clock.advance(RETRY)
        self.assertNotIn("fallback-retry", h.fired)

    def test_world(self) -> None:
        doc = {
            "scenario": {"name": "fallback-retry", "duration": 200},
            "phone": {},
            "servers": [
                {"role": "primary", "address": "127.0.1.10"},
                {"role": "fallback", "address": "127.0.1.15", "features": "basic"},
            ],
            "faults": [
                {"at": 0, "target": "primary", "action": "stop", "until": 60},
                {"at": 8, "target": "fallback", "action": "respond", "code": 500},
            ],
        }
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\n"
            "account.1.fallback.redundancy_type = 1\naccount.1.fallback.timeout = 120\n"
            "account.1.sip_server.1.address = 127.0.1.10\naccount.1.sip_server.1.port = 5060\n"
            "account.1.sip_server.2.address = 127.0.1.15\naccount.1.sip_server.2.port = 5060\n"
            "account.1.sip_server.2.expires = 120\n"
        )
        bed = Testbed(scenario_from_dict(doc, where="t", base=BASE, phone_text=text))
        bed.run_until(200)
        assert bed.phone is not None
        self.assertEqual(bed.phone.errors, [])
        back = min(e.t for e in bed.trace.sip(["127.0.1.10"]) if e.direction == "out"
                   and getattr(e.message, "status", None) == 200 and e.t > 60)
        to_fallback = [e.t for e in bed.trace.sip(["127.0.1.15"]) if e.direction == "in"
                       and getattr(e.message, "method", None) == "REGISTER" and e.t > back]
        self.assertEqual(to_fallback, [])
        verdicts = {v.clause: v.status for v in bed.judge()}
        self.assertNotEqual(verdicts["FBK-S1"], "fail")
        self.assertNotEqual(verdicts["FBK-S4"], "fail")


class FallbackRenewalFailingAfterProbeOkTests(SynchronousTestCase):
    """
    FBK-S1, FBK-S4 (round 7, survey 7003 [02] at t7fbk's first commits):
    successive mode; on the fallback server, its renewal and a probe of the
    working server went out together; the probe was answered (back on the
    working server) and then the renewal failed (the fallback server silent to
    REGISTER).  The phone scheduled an RTX-5 retry of the fallback
    registration alone and sent REGISTER there 30 s later, registered at two
    servers at once.  Back on the working server in successive mode, a failed
    fallback renewal is not retried; on the fallback server it still is
    (explore seed 28's retry of a refused renewal, L{FallbackRetryAfterProbeOkTests}).
    """

    def test_world(self) -> None:
        doc = {
            "scenario": {"name": "fallback-renewal-across-probe-ok", "duration": 120},
            "phone": {},
            "servers": [
                {"role": "primary", "address": "127.0.1.10"},
                {"role": "fallback", "address": "127.0.1.15", "features": "basic"},
            ],
            "faults": [
                {"at": 0, "target": "primary", "action": "stop", "until": 20},
                {"at": 20, "target": "fallback", "action": "silence",
                 "methods": ["REGISTER"]},
            ],
        }
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\n"
            "account.1.fallback.redundancy_type = 1\naccount.1.fallback.timeout = 30\n"
            "account.1.sip_server.1.address = 127.0.1.10\naccount.1.sip_server.1.port = 5060\n"
            "account.1.sip_server.1.retry_counts = 0\n"
            "account.1.sip_server.2.address = 127.0.1.15\naccount.1.sip_server.2.port = 5060\n"
            "account.1.sip_server.2.expires = 60\naccount.1.sip_server.2.retry_counts = 0\n"
        )
        bed = Testbed(scenario_from_dict(doc, where="t", base=BASE, phone_text=text))
        bed.run_until(120)
        assert bed.phone is not None
        self.assertEqual(bed.phone.errors, [])
        back = min(e.t for e in bed.trace.sip(["127.0.1.10"]) if e.direction == "out"
                   and getattr(e.message, "status", None) == 200)
        to_fallback = [e.t for e in bed.trace.sip(["127.0.1.15"]) if e.direction == "in"
                       and getattr(e.message, "method", None) == "REGISTER"
                       and e.t > back + 1.0]
        self.assertEqual(to_fallback, [])
        verdicts = {v.clause: v.status for v in bed.judge()}
        self.assertEqual(verdicts["FBK-S1"], "pass")
        self.assertEqual(verdicts["FBK-S4"], "pass")


class FallBackAtOnceAfterARefusalTests(SynchronousTestCase):
    """
    FBK-S2 (round 21, survey 7027 [02], 3 worlds; fixture
    C{r21-s7027-fbk-s2-call-lookup-fails-after-refusal}): successive mode.  The
    primary refused the first REGISTER with a 500 (no failure, RTX-3) and the
    registration waited out its retry interval.  Server 1's A record was then
    removed; a call at 8 s failed its lookup (DNS-11: a failure of server 1,
    fallback takes over) and its INVITE went to the fallback server.  The
    registration, registered nowhere, falls back then too, as FBK-S2 reads it
    since round 2 (C{CallLookupFailedWhileRegisterUnderWayTests}); the phone
    used to wait for its retry and register at the fallback server 22 s later.
    """

    def test_registers_at_the_fallback_with_the_call(self) -> None:
        from harness.scenario import load_scenario
        from harness.testbed import run_scenario

        path = BASE / "explore" / "r21-s7027-fbk-s2-call-lookup-fails-after-refusal.toml"
        result = run_scenario(load_scenario(path))
        first = min(e.t for e in result.trace.events
                    if isinstance(e, SipEvent) and e.observer == "127.0.1.15"
                    and e.direction == "in" and getattr(e.message, "method", None) == "REGISTER"
                    and "1002@" in str(e.message.headers.get("From")))
        self.assertLess(first, 9.0)
        self.assertEqual([v.clause for v in result.verdicts if v.status == "fail"], [])

    def test_early_retry_cancels_its_timer(self) -> None:
        """The lifecycle's retry begun before its timer (falling back at once) voids the timer."""
        h = Harness()
        m = h.machine
        m.start()
        m.retry_later()
        h.clock.advance(RETRY / 4)
        m.retry_due()
        m.falling_back()
        m.fallback_registered(FALLBACK, 3600, False)
        m.fell_back()
        h.fired.clear()
        h.clock.advance(RETRY)
        self.assertEqual(h.fired, [])
        self.assertEqual(h.state, "OnFallback")
