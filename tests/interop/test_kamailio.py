"""
Kamailio as the independent registrar: our peers wrapper and fixture work
(SIPp registers with it, plain and digest), and our own client stack (client
transaction over UDP and TCP, RFC 7616 digest answer) registers with it.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from harness.peers.sipp import register_scenario, run_sipp_async, write_users
from harness.trace.events import Trace
from tests.interop._support import CLIENT, KAMAILIO_ADDR, need_module, need_tool, port_on, reactor


class _Kamailio:
    timeout = 60
    auth = True

    def setUp(self) -> Any:
        need_tool("kamailio")
        from harness.peers.kamailio import Kamailio, KamailioConfig

        self.port = port_on(KAMAILIO_ADDR)
        self.kamailio = Kamailio(
            KamailioConfig(
                address=KAMAILIO_ADDR,
                port=self.port,
                auth=self.auth,
                user="alice",
                password="wonderland",
            )
        )
        self.addCleanup(self.kamailio.cleanup)  # type: ignore[attr-defined]
        self.kamailio.start()
        return self.kamailio.when_ready(reactor, timeout=10)


class SippWithKamailioTests(_Kamailio, TestCase):
    @inlineCallbacks
    def check(self, transport: str, password: str) -> Any:
        need_tool("sipp")
        work = Path(self.mktemp()).resolve()
        work.mkdir(parents=True)
        users = write_users(work / "users.csv", [("alice", password)])
        result = yield run_sipp_async(
            reactor,
            f"{KAMAILIO_ADDR}:{self.port}",
            scenario=register_scenario(True),
            transport=transport,
            users=users,
            local_ip=CLIENT,
            local_port=port_on(CLIENT),
            rate=50,
            max_calls=20,
            timeout=15,
            workdir=work,
        )
        return result

    @inlineCallbacks
    def test_digest_register_udp(self) -> Any:
        result = yield self.check("udp", "wonderland")
        self.assertTrue(result.ok, result.describe())
        self.assertEqual(result.stats.successful, 20)

    @inlineCallbacks
    def test_digest_register_tcp(self) -> Any:
        result = yield self.check("tcp", "wonderland")
        self.assertTrue(result.ok, result.describe())

    @inlineCallbacks
    def test_wrong_password_is_refused(self) -> Any:
        result = yield self.check("udp", "looking-glass")
        self.assertEqual(result.stats.successful, 0, result.describe())
        self.assertEqual(result.stats.failed, 20, result.describe())


class OurClientWithKamailioTests(_Kamailio, TestCase):
    """Our transaction layer and digest answer, judged by Kamailio's auth module."""

    def setUp(self) -> Any:
        d = super().setUp()
        transport_mod = need_module("harness.sip.transport", "SipEndpoint")
        self.tx = need_module("harness.sip.transaction", "RetryPolicy")
        self.locate = need_module("harness.sip.locate", "Target")
        self.msg = need_module("harness.sip.message", "Request", "Headers")
        self.digest = need_module("harness.sip.digest", "answer", "parse_challenge")
        self.client = transport_mod.SipEndpoint(reactor, Trace(), CLIENT, rng=random.Random(9))
        self.addCleanup(self.client.close)
        return d

    def register(self, transport: str, cseq: int, auth: str | None = None) -> Any:
        m = self.msg
        local_port = self.client.local_port(transport)
        pairs = [
            ("Max-Forwards", "70"),
            ("From", "<sip:alice@example.test>;tag=k1"),
            ("To", "<sip:alice@example.test>"),
            ("Call-ID", f"kam-{transport}@{CLIENT}"),
            ("CSeq", f"{cseq} REGISTER"),
            ("Contact", f"<sip:alice@{CLIENT}:{local_port};transport={transport}>"),
            ("Expires", "600"),
        ]
        if auth is not None:
            pairs.append(("Authorization", auth))
        request = m.Request("REGISTER", "sip:example.test", m.Headers(pairs))
        target = self.locate.Target(transport, KAMAILIO_ADDR, self.port)
        policy = self.tx.RetryPolicy(t1=0.5, retry_counts=3)
        return self.client.request(request, target, policy).final

    @inlineCallbacks
    def check(self, transport: str) -> Any:
        if transport == "udp":
            self.client.listen("udp", port_on(CLIENT, ("udp",)))
        first = yield self.register(transport, 1)
        self.assertEqual(first.status, 401)
        challenge = self.digest.parse_challenge(first.headers.get("WWW-Authenticate"))
        self.assertEqual(challenge.realm, "example.test")
        credentials = self.digest.answer(
            challenge,
            method="REGISTER",
            uri="sip:example.test",
            username="alice",
            password="wonderland",
            cnonce="0a4f113b",
        )
        second = yield self.register(transport, 2, credentials.to_header())
        self.assertEqual(second.status, 200, str(second.to_bytes()))
        contacts = second.headers.get_all("Contact")
        self.assertTrue(any(f"{CLIENT}" in c for c in contacts), contacts)

    def test_our_digest_register_udp(self) -> Any:
        return self.check("udp")

    def test_our_digest_register_tcp(self) -> Any:
        return self.check("tcp")
