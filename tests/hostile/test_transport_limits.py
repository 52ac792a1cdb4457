"""
Regression tests for the time bounds added to L{harness.sip.transport} (a
bare L{SipEndpoint}, no server): the message timeout (slowloris, a
Content-Length larger than what is sent), the TLS handshake timeout, and the
400 sent before a broken stream is closed.
"""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase

from harness.net.simulated import SimWorld
from harness.sip.transport import SipEndpoint
from harness.testing import hostile
from harness.tls import server_context
from tests.hostile._support import Attacker, notes, run

HOST = "127.0.1.10"


class EndpointLimitsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(3)
        self.endpoint = SipEndpoint(self.world.host(HOST), self.world.trace, HOST,
                                    rng=random.Random(1), message_timeout=10.0,
                                    idle_timeout=1000.0,
                                    tls_server_context=server_context("primary.example.test"))
        self.endpoint.listen("tcp", 5060)
        self.endpoint.listen("tls", 5061)
        self.attacker = Attacker(self.world)
        self.rng = random.Random(2)

    def tearDown(self) -> None:
        self.endpoint.close()

    def test_partial_message_closed_after_message_timeout(self) -> None:
        conn = self.attacker.connect("tcp", HOST)
        data = hostile.well_formed(self.attacker.sender("tcp", HOST), self.rng)
        for i in range(5):
            conn.send(data[i:i + 1])
            run(self.world, 1.9)
        self.assertIsNone(conn.lost)
        run(self.world, 1)
        self.assertIsNotNone(conn.lost)
        self.assertTrue(any("incomplete message" in t for t in notes(self.world, HOST)))
        self.assertEqual(self.world.clock.getDelayedCalls(), [])

    def test_no_timer_without_partial_message(self) -> None:
        conn = self.attacker.connect("tcp", HOST)
        conn.send(hostile.well_formed(self.attacker.sender("tcp", HOST), self.rng))
        run(self.world, 1)
        (c,) = self.endpoint._connections
        self.assertIsNone(c.partial_timer)
        self.assertIsNone(c.partial_since)

    def test_message_timeout_none_disables(self) -> None:
        self.endpoint.message_timeout = None
        conn = self.attacker.connect("tcp", HOST)
        conn.send(b"OPTIONS sip:x SIP/2.0\r\n")
        run(self.world, 100)
        self.assertIsNone(conn.lost)

    def test_tls_handshake_timeout(self) -> None:
        conn = self.attacker.connect("tcp", HOST, 5061)
        run(self.world, 9)
        self.assertIsNone(conn.lost)
        run(self.world, 2)
        self.assertIsNotNone(conn.lost)
        self.assertTrue(any("TLS handshake" in t for t in notes(self.world, HOST)))

    def test_completed_tls_handshake_cancels_the_timer(self) -> None:
        conn = self.attacker.connect("tls", HOST)
        conn.send(hostile.well_formed(self.attacker.sender("tls", HOST), self.rng))
        run(self.world, 50)
        self.assertIsNone(conn.lost)
        self.assertIn(b"SIP/2.0 501", conn.received)

    def test_400_before_close_on_a_broken_stream(self) -> None:
        conn = self.attacker.connect("tcp", HOST)
        s = self.attacker.sender("tcp", HOST)
        conn.send(hostile.well_formed(s, self.rng, extra=["Content-Length: 5"]))
        run(self.world, 1)
        self.assertTrue(conn.received.startswith(b"SIP/2.0 400 Bad Request - "), conn.received)
        self.assertIsNotNone(conn.lost)

    def test_no_400_for_a_good_message_before_the_bad_one(self) -> None:
        """The 400 goes to the message at fault: a valid first message gets none."""
        conn = self.attacker.connect("tcp", HOST)
        s = self.attacker.sender("tcp", HOST)
        conn.send(hostile.well_formed(s, self.rng) + b"GARBAGE\r\n\r\n")
        run(self.world, 1)
        self.assertNotIn(b" 400 ", conn.received)
        self.assertIsNotNone(conn.lost)
