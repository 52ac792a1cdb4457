"""
baresip certified end to end on loopback (bounded: one scenario trimmed to
40 s, about 42 s of wall time).  Skipped with the reason when baresip is not
installed or an address is in use.  The verdicts must agree with what the
trace shows: the REGISTER reached the primary, baresip retransmitted it on
RFC 3261 timers until Timer F (far more than 1 + retry_counts sends), and
only then registered with the secondary -- so RTX-1 fails for baresip.
"""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet import defer
from twisted.trial.unittest import SkipTest, TestCase

from harness.adapters.baresip import BaresipPhone
from harness.adapters.wire import WireError, WireRunner
from harness.peers.sipp import free_port
from harness.sip.message import Request, Response
from harness.trace.events import SipEvent
from tests.adapters._support import bound_addresses, need_free, reactor, scenario

PRIMARY, SECONDARY = "127.0.1.10", "127.0.1.20"


class BaresipEndToEndTests(TestCase):
    timeout = 90

    @defer.inlineCallbacks
    def test_register_failover_udp_verdicts_match_the_trace(self) -> Any:
        phone = BaresipPhone(port=free_port("127.0.0.1"))
        if not phone.available():
            raise SkipTest(phone.available().reason)
        sc = scenario("register-failover-udp")
        need_free(sc)
        runner = WireRunner(reactor, phone=phone, max_duration=40)
        self.addCleanup(runner.interrupt)
        out = yield runner.run(sc)
        trace = out.result.trace
        verdicts = {v.clause: v for v in out.result.verdicts}

        def registers_to(address: str) -> list[SipEvent]:
            return [
                e for e in trace.of(SipEvent)
                if e.observer == address and e.direction == "in"
                and isinstance(e.message, Request) and e.message.method == "REGISTER"
                and e.remote[0] == phone.address
            ]

        to_primary = registers_to(PRIMARY)
        to_secondary = registers_to(SECONDARY)
        # the trace: the first REGISTER went to the primary, which stayed silent ...
        self.assertTrue(to_primary, "no REGISTER reached the primary")
        self.assertLess(to_primary[0].t, 2.0)
        # ... and got RFC 3261 retransmissions for ~32 s, not 1 + retry_counts (4) sends
        self.assertGreater(len(to_primary), 4)
        self.assertGreater(to_primary[-1].t - to_primary[0].t, 25.0)
        # then the secondary registered it
        self.assertTrue(to_secondary, "no REGISTER reached the secondary")
        self.assertGreater(to_secondary[0].t, 30.0)
        oks = [
            e for e in trace.of(SipEvent)
            if e.observer == SECONDARY and e.direction == "out"
            and isinstance(e.message, Response) and e.message.status == 200
        ]
        self.assertTrue(oks)
        # the verdicts say the same
        self.assertEqual(verdicts["FO-1"].status, "pass", verdicts["FO-1"])
        self.assertEqual(verdicts["REG-1"].status, "pass", verdicts["REG-1"])
        self.assertEqual(verdicts["RTX-1"].status, "fail", verdicts["RTX-1"])
        self.assertIn(f"{len(to_primary)} sends", verdicts["RTX-1"].seen)
        self.assertEqual(verdicts["FO-2"].status, "fail", verdicts["FO-2"])
        # and the report says why
        self.assertIn("sip_server.1.retry_counts", [m.setting for m in out.not_expressible])
        self.assertTrue(any("trimmed" in n for n in out.notes))
        # nothing left behind
        assert phone.process is not None
        self.assertIsNotNone(phone.process.poll())
        self.assertEqual(bound_addresses(sc), [])


class BaresipStartFailureTests(TestCase):
    timeout = 20

    @defer.inlineCallbacks
    def test_busy_phone_port_is_named_and_servers_are_closed(self) -> Any:
        port = free_port("127.0.0.1")
        phone = BaresipPhone(port=port)
        if not phone.available():
            raise SkipTest(phone.available().reason)
        sc = scenario("retry-after-503")
        need_free(sc)
        blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(blocker.close)
        blocker.bind(("127.0.0.1", port))
        runner = WireRunner(reactor, phone=phone, max_duration=5)
        self.addCleanup(runner.interrupt)
        try:
            yield runner.run(sc)
        except WireError as e:
            self.assertIn(f"127.0.0.1:{port}", str(e))
            self.assertIn("in use", str(e))
        else:
            self.fail("no WireError")
        self.assertIsNone(phone.process)  # never started
        self.assertEqual(bound_addresses(sc), [])
        self.assertFalse(runner.running)
