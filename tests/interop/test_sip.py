"""
Our SIP stack against SIPp, on loopback UDP and TCP, on trial's real reactor:

 - SIPp REGISTER clients (plain and digest) against our fake server: every
   registration succeeds and is in its location service;
 - SIPp's built-in C{uac} (INVITE, ACK, BYE) against the server's echo user;
 - a SIPp UAS that holds a REGISTER before answering: our client
   transaction's retransmissions on the wire, from our own trace and, when
   tshark is installed, from a capture of C{lo}.
"""

from __future__ import annotations

import random
import signal
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.task import deferLater
from twisted.trial.unittest import TestCase

from harness.peers.process import ManagedProcess, run_async
from harness.peers.sipp import (
    FIXTURES,
    read_result,
    register_scenario,
    run_sipp_async,
    start_sipp,
    write_users,
)
from harness.trace.events import SipEvent, Trace
from tests.interop._support import CLIENT, OUR_SIP, need_module, need_tool, port_on, reactor

USERS = [(f"user{i}", f"pw{i}") for i in range(20)]


class _OurServer:
    """Starts one SipServer per test on OUR_SIP, UDP and TCP on one port."""

    timeout = 60
    credentials: dict[str, str] | None = None

    def setUp(self) -> None:
        need_tool("sipp")
        server_mod = need_module("harness.servers.server", "SipServer")
        self.port = port_on(OUR_SIP)
        self.trace = Trace()
        self.server = server_mod.SipServer(
            reactor,
            self.trace,
            role="primary",
            address=OUR_SIP,
            transports={"udp": self.port, "tcp": self.port},
            credentials=self.credentials,
            rng=random.Random(7),
        )
        self.server.start()
        self.addCleanup(self.server.stop)  # type: ignore[attr-defined]
        self.workdir = Path(self.mktemp()).resolve()  # type: ignore[attr-defined]
        self.workdir.mkdir(parents=True)
        self.users = write_users(self.workdir / "users.csv", USERS)

    def sipp(self, transport: str, **kw: Any) -> Deferred[Any]:
        options: dict[str, Any] = {
            "transport": transport,
            "users": self.users,
            "local_ip": CLIENT,
            "local_port": port_on(CLIENT),
            "rate": 100,
            "max_calls": 40,
            "timeout": 20,
            "workdir": self.workdir / transport,
        }
        options.update(kw)
        options["workdir"].mkdir(exist_ok=True)
        return run_sipp_async(reactor, f"{OUR_SIP}:{self.port}", **options)

    def assert_all_registered(self, transport: str) -> None:
        t: Any = self
        for user, _ in USERS:
            bindings = self.server.bindings(f"sip:{user}@example.test")
            t.assertEqual(len(bindings), 1, f"{user}: {bindings}")
            t.assertIn(f"transport={transport}", str(bindings[0].contact).lower())


class RegisterTests(_OurServer, TestCase):
    @inlineCallbacks
    def check(self, transport: str) -> Any:
        result = yield self.sipp(transport, scenario=register_scenario(False))
        self.assertTrue(result.ok, result.describe())
        self.assertEqual(result.stats.successful, 40, result.describe())
        self.assertEqual(result.stats.retransmissions, 0, result.describe())
        self.assert_all_registered(transport)

    def test_register_udp(self) -> Any:
        return self.check("udp")

    def test_register_tcp(self) -> Any:
        return self.check("tcp")


class DigestRegisterTests(_OurServer, TestCase):
    credentials = dict(USERS)

    @inlineCallbacks
    def check(self, transport: str) -> Any:
        result = yield self.sipp(transport, scenario=register_scenario(True))
        self.assertTrue(result.ok, result.describe())
        self.assertEqual(result.stats.successful, 40, result.describe())
        self.assert_all_registered(transport)
        # two transactions per registration: a 401, then a 200
        statuses = [
            e.message.status
            for e in self.trace.of(SipEvent)
            if e.direction == "out" and hasattr(e.message, "status")
        ]
        self.assertEqual(statuses.count(401), 40)
        self.assertEqual(statuses.count(200), 40)

    def test_digest_register_udp(self) -> Any:
        return self.check("udp")

    def test_digest_register_tcp(self) -> Any:
        return self.check("tcp")

    @inlineCallbacks
    def test_wrong_password_never_registers(self) -> Any:
        bad = write_users(self.workdir / "bad.csv", [("user0", "wrong")])
        result = yield self.sipp("udp", scenario=register_scenario(True), users=bad, max_calls=3)
        self.assertEqual(result.stats.successful, 0, result.describe())
        self.assertEqual(result.stats.failed, 3, result.describe())
        self.assertEqual(self.server.bindings("sip:user0@example.test"), [])


class EchoCallTests(_OurServer, TestCase):
    """SIPp's built-in uac calls the echo user: INVITE/180/200/ACK, BYE/200."""

    @inlineCallbacks
    def check(self, transport: str) -> Any:
        result = yield self.sipp(
            transport, scenario="uac", service="echo", users=None, rate=20, max_calls=10
        )
        self.assertTrue(result.ok, result.describe())
        self.assertEqual(result.stats.successful, 10, result.describe())
        methods = [
            e.message.method
            for e in self.trace.of(SipEvent)
            if e.direction == "in" and hasattr(e.message, "method")
        ]
        for method in ("INVITE", "ACK", "BYE"):
            self.assertEqual(methods.count(method), 10, f"{method}: {methods}")

    def test_invite_bye_udp(self) -> Any:
        return self.check("udp")

    def test_invite_bye_tcp(self) -> Any:
        return self.check("tcp")


class ClientRetransmissionTests(TestCase):
    """
    SIPp (C{uas-slow-register.xml}) receives our REGISTER and answers only
    after C{HOLD} ms, absorbing the retransmissions meanwhile: with T1 =
    0.1 s our client must send at 0, 0.1, 0.3 and 0.7 s (Timer E doubling),
    then take the 200 at ~1.0 s.
    """

    timeout = 40
    T1 = 0.1
    HOLD_MS = 1000
    EXPECTED_OFFSETS = (0.0, 0.1, 0.3, 0.7)

    def setUp(self) -> Any:
        need_tool("sipp")
        transport_mod = need_module("harness.sip.transport", "SipEndpoint")
        self.tx = need_module("harness.sip.transaction", "RetryPolicy")
        self.locate = need_module("harness.sip.locate", "Target")
        self.msg = need_module("harness.sip.message", "Request", "Headers")
        self.uas_ip = "127.0.2.70"
        self.uas_port = port_on(self.uas_ip, ("udp",))
        self.uas: ManagedProcess = start_sipp(
            "",
            scenario=FIXTURES / "uas-slow-register.xml",
            transport="udp",
            local_ip=self.uas_ip,
            local_port=self.uas_port,
            rate=1,
            max_calls=1,
            timeout=20,
            pause_ms=self.HOLD_MS,
            trace_messages=True,
        )
        self.addCleanup(self.uas.cleanup)
        self.trace = Trace()
        self.client = transport_mod.SipEndpoint(reactor, self.trace, CLIENT, rng=random.Random(3))
        self.addCleanup(self.client.close)
        self.client.listen("udp", port_on(CLIENT, ("udp",)))
        return self.uas.when_ready(reactor, ports=[(self.uas_ip, self.uas_port, "udp")])

    def register(self) -> Deferred[Any]:
        m = self.msg
        local = f"{CLIENT}:{self.client.local_port('udp')}"
        headers = m.Headers(
            [
                ("Max-Forwards", "70"),
                ("From", "<sip:alice@example.test>;tag=rtx1"),
                ("To", "<sip:alice@example.test>"),
                ("Call-ID", "rtx-test-1@127.0.2.1"),
                ("CSeq", "1 REGISTER"),
                ("Contact", f"<sip:alice@{local}>"),
                ("Expires", "3600"),
                ("Content-Length", "0"),
            ]
        )
        request = m.Request("REGISTER", "sip:example.test", headers)
        target = self.locate.Target("udp", self.uas_ip, self.uas_port)
        policy = self.tx.RetryPolicy(t1=self.T1, t2=4.0, retry_counts=6)
        txn = self.client.request(request, target, policy)
        return txn.final

    def sends(self) -> list[float]:
        out = [
            e.t
            for e in self.trace.of(SipEvent)
            if e.direction == "out" and getattr(e.message, "method", None) == "REGISTER"
        ]
        return [t - out[0] for t in out]

    def assert_schedule(self, offsets: list[float], slack: float = 0.05) -> None:
        self.assertEqual(len(offsets), len(self.EXPECTED_OFFSETS), offsets)
        for got, want in zip(offsets, self.EXPECTED_OFFSETS, strict=True):
            self.assertLess(abs(got - want), slack, f"{offsets}")

    @inlineCallbacks
    def test_retransmissions_until_the_late_200(self) -> Any:
        response = yield self.register()
        self.assertEqual(response.status, 200)
        self.assert_schedule(self.sends())
        # SIPp saw them too: one call, its retransmissions absorbed
        yield self.uas.when_exited(reactor, timeout=15)
        stats = read_result(self.uas).stats
        self.assertEqual(stats.successful, 1)

    @inlineCallbacks
    def test_retransmissions_captured_by_tshark(self) -> Any:
        need_tool("tshark")
        pcap = self.uas.workdir / "rtx.pcapng"
        capture = ManagedProcess(
            [
                "tshark", "-i", "lo", "-n", "-q",
                "-f", f"udp and host {self.uas_ip} and port {self.uas_port}",
                "-a", "duration:15", "-w", str(pcap),
            ],
            name="tshark",
        )  # fmt: skip
        self.addCleanup(capture.cleanup)
        capture.start()
        yield capture.when_ready(reactor, log_pattern=r"Capturing on", timeout=10)
        # "Capturing on" comes a moment before dumpcap really captures
        yield deferLater(reactor, 1.0, lambda: None)
        response = yield self.register()
        self.assertEqual(response.status, 200)
        # let dumpcap write the last packets, then SIGINT: tshark's clean stop
        yield deferLater(reactor, 0.5, lambda: None)
        capture.stop(sig=signal.SIGINT)
        done = yield run_async(
            reactor,
            [
                "tshark", "-r", str(pcap), "-n",
                "-d", f"udp.port=={self.uas_port},sip",
                "-T", "fields", "-E", "separator=;",
                "-e", "frame.time_epoch", "-e", "ip.src", "-e", "sip.Method",
                "-e", "sip.Status-Code",
            ],
            timeout=20,
        )  # fmt: skip
        rows = [line.split(";") for line in done.stdout.splitlines() if line.strip()]
        registers = [float(r[0]) for r in rows if r[1] == CLIENT and r[2] == "REGISTER"]
        oks = [r for r in rows if r[1] == self.uas_ip and r[3] == "200"]
        self.assertEqual(len(oks), 1, done.stdout + done.stderr)
        self.assert_schedule([t - registers[0] for t in registers])
