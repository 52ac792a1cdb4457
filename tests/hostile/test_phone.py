"""
Hostile SIP input at the built-in phone's endpoint: torture messages, bombs
and slow streams sent to its UDP and TCP listeners while it keeps its
registration, and hostile TLS servers (stalled handshake, garbage, a
Content-Length lie) on the connection it opens itself.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

from twisted.internet.protocol import Factory, Protocol
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.trial.unittest import SynchronousTestCase

from harness.scenario import load_scenario
from harness.sip.message import Response
from harness.testbed import Testbed
from harness.testing import hostile
from harness.tls import server_context
from harness.trace.events import NoteEvent, SipEvent
from tests.hostile._support import Attacker, run, snapshot

SCENARIOS = Path(__file__).resolve().parent.parent.parent / "fixtures" / "scenarios"
PHONE = "127.0.0.100"


def _registered(bed: Testbed, since: float = 0.0) -> list[float]:
    """Times of 200 OK to REGISTER the phone received after C{since}."""
    return [
        e.t for e in bed.trace.events
        if isinstance(e, SipEvent) and e.observer == PHONE and e.direction == "in"
        and isinstance(e.message, Response) and e.message.status == 200
        and e.message.cseq.method == "REGISTER" and e.t >= since
    ]


class PhoneListenerTests(SynchronousTestCase):
    """Attacks on the phone's own UDP and TCP listeners (port 5060)."""

    def setUp(self) -> None:
        sc = load_scenario(SCENARIOS / "register-failover-udp.toml")
        # no faults: the phone registers with the primary and renews (expires 3600 -> 60 s here)
        sc = replace(sc, faults=(), duration=4000)
        self.bed = Testbed(sc)
        assert self.bed.world is not None
        self.world = self.bed.world
        self._dns = self.world.deterministic_dns()
        self._dns.__enter__()
        self.bed.start()
        self.bed.run_until(10)
        self.assertTrue(_registered(self.bed))
        self.endpoint = self.bed.phone_endpoint
        self.baseline = snapshot(self.world, self.endpoint)
        self.attacker = Attacker(self.world)
        self.rng = random.Random(9)

    def tearDown(self) -> None:
        self.bed.stop()
        self._dns.__exit__(None, None, None)

    def _after(self) -> None:
        assert self.bed.phone is not None
        self.assertEqual(self.bed.phone.errors, [])
        run(self.world, 200)
        snap = snapshot(self.world, self.endpoint)
        self.assertEqual((snap.conns, snap.buffered, snap.server_txns),
                         (self.baseline.conns, 0, 0))

    def test_udp_torture_and_garbage(self) -> None:
        """Torture cases and garbage datagrams: answered or dropped; the phone stays registered."""
        start = self.bed.now()
        s = self.attacker.sender("udp", target=PHONE)
        cases = hostile.torture_cases(s, self.rng)
        for case in cases:
            self.attacker.udp(case.data, (PHONE, 5060))
            run(self.world, 0.5)
        for _ in range(100):
            self.attacker.udp(hostile.garbage(self.rng, 300), (PHONE, 5060))
        self.attacker.udp(hostile.header_bomb(s, self.rng, 3000), (PHONE, 5060))
        run(self.world, 1)
        codes = [d.split(b" ", 2)[1] for d in self.attacker.udp_proto.received]
        # every "400" case, the header bomb and the Via-less-host case get a 400
        self.assertEqual(codes.count(b"400"), sum(c.expect == "400" for c in cases) + 2)
        notes = [e for e in self.bed.trace.events
                 if isinstance(e, NoteEvent) and e.source == PHONE and "malformed" in e.text]
        self.assertGreaterEqual(len(notes), 100)
        self.bed.run_until(self.bed.now() + 3700)
        self.assertTrue(_registered(self.bed, since=start + 60))
        self._after()

    def test_tcp_slowloris_and_bombs(self) -> None:
        """Slow, oversized and lying streams to the phone's TCP port: all closed, bounded."""
        start = self.bed.now()
        s = self.attacker.sender("tcp", target=PHONE)
        conns = []
        for data in (hostile.header_bomb(s, self.rng, 5000), hostile.oversized(s, self.rng),
                     hostile.content_length_too_big(s, self.rng)):
            conn = self.attacker.connect("tcp", PHONE, 5060)
            conn.send(data)
            conns.append(conn)
        slow = [self.attacker.connect("tcp", PHONE, 5060) for _ in range(5)]
        message = hostile.well_formed(s, self.rng)
        for i in range(10):
            for conn in slow:
                if conn.lost is None:
                    conn.send(message[i:i + 1])
            run(self.world, 5)
        self.assertEqual([c for c in conns + slow if c.lost is None], [])
        self.bed.run_until(self.bed.now() + 3700)
        self.assertTrue(_registered(self.bed, since=start + 60))
        self._after()


class _Hostile(Protocol):
    """A 'server' that answers whatever comes with C{reply} (or stays silent)."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply

    def dataReceived(self, data: bytes) -> None:
        if self.reply:
            self.transport.write(self.reply)


class HostileTlsServerTests(SynchronousTestCase):
    """The phone's own TLS connection meets a hostile primary: it fails over in bounded time."""

    def _attack(self, reply: bytes, *, tls: bool) -> Testbed:
        sc = load_scenario(SCENARIOS / "register-failover-tls.toml")
        bed = Testbed(replace(sc, faults=(), duration=300))
        assert bed.world is not None
        with bed.world.deterministic_dns():
            bed.servers["primary"].transports.pop("tls")
            bed.start()
            factory: Any = Factory.forProtocol(lambda: _Hostile(reply))
            if tls:
                factory = TLSMemoryBIOFactory(server_context("primary.example.test"), False,
                                              factory, clock=bed.world.host("127.0.1.10"))
            bed.world.host("127.0.1.10").listenTCP(5061, factory, interface="127.0.1.10")
            bed.run_until(120)
            bed.stop()
            bed.run_until(400)
        assert bed.phone is not None
        self.assertEqual(bed.phone.errors, [])
        secondary = [e for e in bed.trace.events
                     if isinstance(e, SipEvent) and e.observer == PHONE and e.direction == "in"
                     and e.remote[0] == "127.0.1.20" and isinstance(e.message, Response)
                     and e.message.status == 200]
        self.assertTrue(secondary, "never registered with the secondary")
        self.assertLess(secondary[0].t, 80)
        self.assertEqual(bed.world.connections(), [])
        return bed

    def test_stalled_handshake(self) -> None:
        """TCP accepted, no TLS handshake ever: the transaction times out, secondary used."""
        self._attack(b"", tls=False)

    def test_garbage_after_handshake(self) -> None:
        """TLS completes, the answer is garbage: the phone closes and fails over."""
        self._attack(hostile.garbage(random.Random(1), 500), tls=True)

    def test_content_length_lie(self) -> None:
        """TLS completes, the 200 promises a body that never comes: bounded, fails over."""
        self._attack(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS x;branch=z9hG4bKx\r\n"
                  b"Content-Length: 9000\r\n\r\nabc", tls=True)
