"""
Tests for L{harness.sip.transport}: L{SipEndpoint} over UDP, TCP and TLS on the
simulated network (RTX-1, RTX-2, TLS-1; RFC 3261 section 18, RFC 3581).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.protocol import ClientFactory, DatagramProtocol, Protocol
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from harness import tls
from harness.net.simulated import SimWorld
from harness.sip.locate import Target
from harness.sip.message import Headers, Request, Response, make_response, parse
from harness.sip.transaction import (
    ClientTransaction,
    RetryPolicy,
    ServerTransaction,
    TransactionFailure,
)
from harness.sip.transport import SipEndpoint
from harness.trace.events import ConnEvent, NoteEvent, PacketEvent, SipEvent, Trace

SERVER = "127.0.9.1"
PHONE = "127.0.9.9"
YEALINK = RetryPolicy(retry_counts=3, give_up="last-interval")


def register(call_id: str = "reg-1@phone", cseq: int = 1, body: bytes = b"") -> Request:
    return Request(
        "REGISTER",
        "sip:example.test",
        Headers(
            [
                ("Max-Forwards", "70"),
                ("From", "<sip:alice@example.test>;tag=f1"),
                ("To", "<sip:alice@example.test>"),
                ("Call-ID", call_id),
                ("CSeq", f"{cseq} REGISTER"),
                ("Contact", f"<sip:alice@{PHONE}:5060>"),
            ]
        ),
        body,
    )


def invite() -> Request:
    return Request(
        "INVITE",
        f"sip:bob@{SERVER}",
        Headers(
            [
                ("Max-Forwards", "70"),
                ("From", "<sip:alice@example.test>;tag=f1"),
                ("To", "<sip:bob@example.test>"),
                ("Call-ID", "call-1@phone"),
                ("CSeq", "1 INVITE"),
                ("Contact", f"<sip:alice@{PHONE}:5060>"),
            ]
        ),
    )


class World:
    """A server endpoint (UDP/TCP 5060, TLS 5061 as primary.example.test) and a phone."""

    def __init__(self, *, answer: bool = True, trust: Any = None, **kw: Any) -> None:
        self.world = SimWorld(seed=7)
        self.trace = self.world.trace
        self.server = SipEndpoint(
            self.world.host(SERVER),
            self.trace,
            SERVER,
            rng=self.world.rng,
            tls_server_context=tls.server_context("primary.example.test"),
        )
        for transport, port in (("udp", 5060), ("tcp", 5060), ("tls", 5061)):
            self.server.listen(transport, port)  # type: ignore[arg-type]
        self.received: list[ServerTransaction] = []
        self.answer = answer
        self.server.on_request = self._on_request
        self.phone = SipEndpoint(
            self.world.host(PHONE),
            self.trace,
            PHONE,
            rng=self.world.rng,
            trust_root=trust if trust is not None else tls.load_ca(),
            **kw,
        )
        self.phone.listen("udp", 5060)

    def _on_request(self, txn: ServerTransaction) -> None:
        self.received.append(txn)
        if self.answer and txn.request.method != "ACK":
            txn.respond(make_response(txn.request, 200, to_tag="srv"))

    def send(
        self, request: Request, target: Target, policy: RetryPolicy = YEALINK
    ) -> tuple[ClientTransaction, list[Any]]:
        txn = self.phone.request(request, target, policy)
        out: list[Any] = []
        txn.final.addCallbacks(out.append, lambda f: out.append(f.value))
        return txn, out

    def run(self, seconds: float = 60.0) -> None:
        self.world.run(until=self.world.seconds() + seconds)

    def sip(self, observer: str, direction: str) -> list[SipEvent]:
        return [e for e in self.trace.sip([observer]) if e.direction == direction]


class UdpTests(SynchronousTestCase):
    def test_request_response_recorded_by_both_ends(self) -> None:
        w = World()
        txn, out = w.send(register(), Target("udp", SERVER, 5060))
        w.run(1)
        self.assertIsInstance(out[0], Response)
        self.assertEqual(out[0].status, 200)
        sent = w.sip(PHONE, "out")
        self.assertEqual(len(sent), 1)
        self.assertEqual(
            (sent[0].transport, sent[0].local, sent[0].remote),
            ("udp", (PHONE, 5060), (SERVER, 5060)),
        )
        self.assertEqual(sent[0].raw, txn.request.to_bytes())
        self.assertEqual([e.direction for e in w.trace.sip([SERVER])], ["in", "out"])
        self.assertEqual(len(w.sip(PHONE, "in")), 1)

    def test_via_added_with_new_branch_and_rport(self) -> None:
        w = World()
        a, _ = w.send(register(cseq=1), Target("udp", SERVER, 5060))
        b, _ = w.send(register(cseq=2), Target("udp", SERVER, 5060))
        via = a.request.top_via
        self.assertEqual((via.transport, via.host, via.port, via.rport), ("UDP", PHONE, 5060, True))
        self.assertTrue((via.branch or "").startswith("z9hG4bK"))
        self.assertNotEqual(via.branch, b.request.top_via.branch)

    def test_silent_server_retransmissions_on_the_wire(self) -> None:
        w = World(answer=False)
        _, out = w.send(register(), Target("udp", SERVER, 5060))
        w.run(20)
        times = [round(e.t, 6) for e in w.sip(PHONE, "out")]
        self.assertEqual(times, [0, 0.5, 1.5, 3.5])
        self.assertIsInstance(out[0], TransactionFailure)
        self.assertEqual(out[0].reason, "timeout")
        self.assertEqual(len(w.received), 1)  # the server absorbed the retransmissions

    def test_503_is_a_final_response(self) -> None:
        w = World(answer=False)
        w.server.on_request = lambda txn: txn.respond(make_response(txn.request, 503))
        _, out = w.send(register(), Target("udp", SERVER, 5060))
        w.run(1)
        self.assertEqual(out[0].status, 503)

    def test_server_fills_received_and_rport(self) -> None:
        w = World()
        sender = _RawUdp()
        port = w.world.host("127.0.9.5").listenUDP(40000, sender)
        raw = (
            register()
            .with_headers(
                register().headers.add(
                    "Via", "SIP/2.0/UDP 127.0.9.99:5099;rport;branch=z9hG4bKr1", first=True
                )
            )
            .to_bytes()
        )
        port.write(raw, (SERVER, 5060))
        w.run(1)
        via = w.received[0].request.top_via
        self.assertEqual((via.received, via.rport), ("127.0.9.5", 40000))
        self.assertEqual(w.received[0].source, ("udp", "127.0.9.5", 40000))
        response = parse(sender.datagrams[0][0])
        assert isinstance(response, Response)
        self.assertEqual(response.top_via.rport, 40000)

    def test_without_rport_response_goes_to_received_and_sent_by_port(self) -> None:
        w = World()
        sender = _RawUdp()
        w.world.host("127.0.9.5").listenUDP(5099, sender)
        port = w.world.host("127.0.9.5").listenUDP(40000, _RawUdp())
        raw = (
            register()
            .with_headers(
                register().headers.add(
                    "Via", "SIP/2.0/UDP 127.0.9.99:5099;branch=z9hG4bKr2", first=True
                )
            )
            .to_bytes()
        )
        port.write(raw, (SERVER, 5060))
        w.run(1)
        self.assertEqual(w.received[0].request.top_via.received, "127.0.9.5")
        self.assertEqual(len(sender.datagrams), 1)  # went to received:5099, not to 40000

    def test_malformed_datagram_answered_400_with_reason(self) -> None:
        w = World()
        sender = _RawUdp()
        port = w.world.host("127.0.9.5").listenUDP(40000, sender)
        bad = (
            b"OPTIONS sip:example.test SIP/2.0\r\n"
            b"Via: SIP/2.0/UDP 127.0.9.5:40000;branch=z9hG4bKbad\r\n"
            b"From: <sip:a@example.test>;tag=1\r\nTo: <sip:a@example.test>\r\n"
            b"Call-ID: bad@x\r\nCSeq: notanumber OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
        port.write(bad, (SERVER, 5060))
        w.run(1)
        self.assertEqual(w.received, [])
        self.assertEqual(len(sender.datagrams), 1)
        reply = sender.datagrams[0][0]
        self.assertTrue(reply.startswith(b"SIP/2.0 400 Bad Request - bad CSeq"), reply)
        self.assertIn(b"Via: SIP/2.0/UDP 127.0.9.5:40000;branch=z9hG4bKbad\r\n", reply)
        notes = [e for e in w.trace.of(NoteEvent) if e.source == SERVER]
        self.assertEqual(len(notes), 1)

    def test_garbage_datagram_noted_not_answered(self) -> None:
        w = World()
        sender = _RawUdp()
        port = w.world.host("127.0.9.5").listenUDP(40000, sender)
        port.write(b"\x00\x01 hello", (SERVER, 5060))
        port.write(b"\r\n\r\n", (SERVER, 5060))  # keep-alive: silently ignored
        w.run(1)
        self.assertEqual(sender.datagrams, [])
        self.assertEqual(len([e for e in w.trace.of(NoteEvent) if "malformed" in e.text]), 1)

    def test_large_request_goes_over_tcp(self) -> None:
        w = World()
        txn, out = w.send(register(body=b"x" * 1400), Target("udp", SERVER, 5060))
        w.run(1)
        self.assertEqual(out[0].status, 200)
        self.assertEqual(txn.target.transport, "tcp")
        self.assertEqual(txn.request.top_via.transport, "TCP")
        self.assertEqual([e.transport for e in w.sip(PHONE, "out")], ["tcp"])

    def test_cancel_end_to_end(self) -> None:
        w = World(answer=False)
        w.server.on_request = lambda txn: (
            w.received.append(txn),
            txn.request.method == "INVITE"
            and txn.respond(make_response(txn.request, 180, to_tag="srv")),
        )
        txn, out = w.send(invite(), Target("udp", SERVER, 5060))
        w.run(0.1)
        txn.cancel()
        w.run(1)
        self.assertEqual(out[0].status, 487)
        methods = [e.message.method for e in w.sip(PHONE, "out")]
        self.assertEqual(methods, ["INVITE", "CANCEL", "ACK"])
        self.assertEqual(txn.cancel_transaction.final_response.status, 200)  # type: ignore[union-attr]

    def test_close_cancels_everything(self) -> None:
        w = World(answer=False)
        w.send(register(), Target("udp", SERVER, 5060))
        w.send(register(call_id="c2"), Target("tcp", SERVER, 5060))
        w.run(0.2)
        w.phone.close()
        w.server.close()
        w.run(100)
        self.assertEqual(w.world.host(PHONE).getDelayedCalls(), [])


class _RawUdp(DatagramProtocol):
    def __init__(self) -> None:
        self.datagrams: list[tuple[bytes, Any]] = []

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.datagrams.append((datagram, addr))


class _RawStream(Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.lost: Failure | None = None

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Failure = Failure(Exception())) -> None:  # noqa: B008
        self.lost = reason


class _RawFactory(ClientFactory):
    def __init__(self) -> None:
        self.protocol_instance = _RawStream()

    def buildProtocol(self, addr: Any) -> Protocol:
        return self.protocol_instance


class StreamTests(SynchronousTestCase):
    def test_tcp_no_retransmission_same_give_up(self) -> None:
        w = World(answer=False)
        _, out = w.send(register(), Target("tcp", SERVER, 5060))
        w.run(20)
        self.assertEqual(len(w.sip(PHONE, "out")), 1)
        self.assertEqual(out[0].reason, "timeout")
        self.assertEqual(len(w.received), 1)

    def test_tcp_give_up_time_is_rtx1_time(self) -> None:
        w = World(answer=False)
        done: list[float] = []
        txn, _ = w.send(register(), Target("tcp", SERVER, 5060))
        txn.final.addBoth(lambda _: done.append(w.world.seconds()))
        w.run(20)
        self.assertAlmostEqual(done[0], 7.5)

    def test_connection_reused(self) -> None:
        w = World()
        w.send(register(cseq=1), Target("tcp", SERVER, 5060))
        w.run(1)
        w.send(register(cseq=2), Target("tcp", SERVER, 5060))
        w.run(1)
        connects = [e for e in w.trace.of(ConnEvent) if e.what == "connect"]
        self.assertEqual(len(connects), 1)
        self.assertEqual(len(w.sip(PHONE, "in")), 2)

    def test_refused_reported_at_once(self) -> None:
        w = World()
        _, out = w.send(register(), Target("tcp", SERVER, 5999))
        w.run(0.05)
        failure = out[0]
        self.assertIsInstance(failure, TransactionFailure)
        self.assertEqual(failure.reason, "refused")
        self.assertEqual(failure.target, Target("tcp", SERVER, 5999))

    def test_reset_reported_at_once(self) -> None:
        w = World(answer=False)
        _, out = w.send(register(), Target("tcp", SERVER, 5060))
        w.run(1)
        self.assertEqual(out, [])
        w.world.reset_tcp(SERVER, 5060)
        self.assertEqual(out[0].reason, "reset")

    def test_unreachable_when_connect_times_out(self) -> None:
        w = World(connect_timeout=3.0)
        w.world.blackhole_tcp(SERVER, 5060, True)
        _, out = w.send(register(), Target("tcp", SERVER, 5060))
        w.run(5)
        self.assertEqual(out[0].reason, "unreachable")

    def test_request_of_a_transaction_that_gave_up_is_not_sent_late(self) -> None:
        """
        Explore seed 3: the SYN was lost and the transaction gave the target up
        (RTX-1 time) before TCP's retransmitted SYN got through; the request it
        had queued must not reach the server then, after the phone moved on.
        """
        w = World(answer=False)
        w.world.blackhole_tcp(SERVER, 5060, True)
        _, out = w.send(register(), Target("tcp", SERVER, 5060),
                        RetryPolicy(retry_counts=0, give_up="last-interval"))
        w.run(0.6)
        self.assertEqual(out[0].reason, "timeout")
        w.world.blackhole_tcp(SERVER, 5060, False)
        w.run(3)
        self.assertTrue([e for e in w.trace.of(ConnEvent) if e.what == "connect"])
        self.assertEqual(w.received, [])
        # a live request still goes over the connection that came up
        w.send(register(cseq=2), Target("tcp", SERVER, 5060))
        w.run(1)
        self.assertEqual([t.request.cseq.seq for t in w.received], [2])

    def test_request_after_give_up_connects_afresh(self) -> None:
        """
        Explore seed 15 (issue 10): a connection attempt every request of which
        gave up (RTX-2: not established in time) is abandoned; the next request,
        an RTX-5 retry 30 s later, opens a connection of its own (a new SYN on
        the wire) instead of riding the old attempt's SYN retransmissions.
        """
        w = World(answer=False)
        w.world.blackhole_tcp(SERVER, 5060, True)
        policy = RetryPolicy(retry_counts=0, give_up="last-interval")
        _, out = w.send(register(), Target("tcp", SERVER, 5060), policy)
        w.run(30)
        self.assertEqual(out[0].reason, "timeout")
        w.send(register(cseq=2), Target("tcp", SERVER, 5060), policy)
        w.run(0.1)
        syns = [e for e in w.trace.of(PacketEvent) if e.flags == "S" and e.src[0] == PHONE]
        self.assertEqual(len({e.src[1] for e in syns}), 2)
        self.assertEqual(min(e.t for e in syns if e.src[1] == syns[-1].src[1]), 30.0)

    def test_framing_split_and_joined(self) -> None:
        w = World()
        factory = _RawFactory()
        w.world.host("127.0.9.5").connectTCP(SERVER, 5060, factory)
        w.run(0.1)
        client = factory.protocol_instance
        assert client.transport is not None

        def req(n: int) -> bytes:
            r = register(call_id=f"s{n}", cseq=n)
            return r.with_headers(
                r.headers.add("Via", f"SIP/2.0/TCP 127.0.9.5:5060;branch=z9hG4bKs{n}", first=True)
            ).to_bytes()

        one = req(1)
        for chunk in (one[:10], one[10:200], one[200:]):
            client.transport.write(chunk)
            w.run(0.01)
        client.transport.write(req(2) + b"\r\n\r\n" + req(3))
        w.run(1)
        self.assertEqual([t.request.call_id for t in w.received], ["s1", "s2", "s3"])
        responses = client.data.count(b"SIP/2.0 200 OK\r\n")
        self.assertEqual(responses, 3)  # on the connection the requests came on
        self.assertIsNone(client.lost)

    def test_framing_error_closes_connection(self) -> None:
        w = World()
        factory = _RawFactory()
        w.world.host("127.0.9.5").connectTCP(SERVER, 5060, factory)
        w.run(0.1)
        client = factory.protocol_instance
        assert client.transport is not None
        client.transport.write(b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP a\r\n\r\n")
        w.run(1)
        self.assertIsNotNone(client.lost)
        self.assertTrue(any("framing error" in e.text for e in w.trace.of(NoteEvent)))

    def test_idle_connection_closed(self) -> None:
        w = World(idle_timeout=10.0)
        w.send(register(), Target("tcp", SERVER, 5060))
        w.run(9)
        self.assertEqual(len(w.world.connections()), 2)
        w.run(2)
        self.assertEqual(w.world.connections(), [])

    def test_response_over_new_connection_when_original_gone(self) -> None:
        w = World(answer=False)
        w.phone.listen("tcp", 5060)
        _, out = w.send(register(), Target("tcp", SERVER, 5060))
        w.run(1)
        txn = w.received[0]
        w.world.reset_tcp(SERVER, 5060)
        self.assertEqual(out[0].reason, "reset")
        txn.respond(make_response(txn.request, 200))
        w.run(1)
        ins = w.sip(PHONE, "in")
        self.assertEqual([e.local[1] for e in ins], [5060])


class TlsTests(SynchronousTestCase):
    def test_tls_success_plaintext_in_trace(self) -> None:
        w = World()
        _, out = w.send(register(), Target("tls", SERVER, 5061, "primary.example.test"))
        w.run(1)
        self.assertEqual(out[0].status, 200)
        events = w.trace.sip([PHONE])
        self.assertEqual([e.transport for e in events], ["tls", "tls"])
        self.assertTrue(events[0].raw.startswith(b"REGISTER sip:example.test SIP/2.0"))
        self.assertEqual(events[0].message.top_via.transport, "TLS")
        ok = [e for e in w.trace.of(ConnEvent) if e.what == "tls-ok"]
        self.assertEqual({e.observer for e in ok}, {PHONE, SERVER})

    def test_hostname_mismatch_fails_target(self) -> None:
        w = World()
        target = Target("tls", SERVER, 5061, "secondary.example.test")
        _, out = w.send(register(), target)
        w.run(1)
        failure = out[0]
        self.assertIsInstance(failure, TransactionFailure)
        self.assertEqual((failure.reason, failure.target), ("tls", target))
        self.assertIn("secondary.example.test", failure.detail)
        self.assertEqual(w.sip(PHONE, "out"), [])  # nothing was sent in the clear or otherwise
        self.assertEqual(w.received, [])
        fails = [e for e in w.trace.of(ConnEvent) if e.what == "tls-fail"]
        self.assertEqual(fails[0].observer, PHONE)

    def test_unknown_ca_fails_target(self) -> None:
        w = World(trust=tls.load_ca("untrusted-ca"))
        _, out = w.send(register(), Target("tls", SERVER, 5061, "primary.example.test"))
        w.run(1)
        self.assertEqual(out[0].reason, "tls")
        self.assertIn("certificate verify failed", out[0].detail)

    def test_verified_against_target_name_not_ip(self) -> None:
        w = World()
        _, out = w.send(register(), Target("tls", SERVER, 5061, None))
        w.run(1)
        self.assertEqual(out[0].reason, "tls")

    def test_separate_connections_per_tls_name(self) -> None:
        w = World()
        w.send(register(cseq=1), Target("tls", SERVER, 5061, "primary.example.test"))
        w.run(1)
        _, out = w.send(register(cseq=2), Target("tls", SERVER, 5061, "other.example.test"))
        w.run(1)
        self.assertEqual(out[0].reason, "tls")  # not silently reusing the verified connection


class EndpointMiscTests(SynchronousTestCase):
    def test_local_port(self) -> None:
        w = World()
        self.assertEqual(w.phone.local_port("udp"), 5060)
        self.assertEqual(w.server.local_port("tls"), 5061)
        self.assertEqual(w.phone.local_port("tcp"), 5060)  # no TCP listener: the UDP port

    def test_ephemeral_udp_port_on_first_use(self) -> None:
        world = SimWorld(seed=1)
        ep = SipEndpoint(world.host("127.0.9.3"), world.trace, "127.0.9.3", rng=world.rng)
        self.assertGreaterEqual(ep.local_port("udp"), 32768)

    def test_unanswered_request_gets_501_without_tu(self) -> None:
        w = World()
        w.server.on_request = None
        _, out = w.send(register(), Target("udp", SERVER, 5060))
        w.run(1)
        self.assertEqual(out[0].status, 501)

    def test_bench_is_bounded_and_sane(self) -> None:
        from harness.sip.bench_txn import bench_transactions

        result = bench_transactions(0.01, batch=20)
        self.assertGreater(result["transactions"], 0)
        self.assertEqual(result["failed"], 0)
        self.assertGreater(result["us_per_transaction"], 0)


class UdpSendTests(SynchronousTestCase):
    """
    L{SipEndpoint._udp_send} on Twisted's own UDP port (a real loopback
    socket, bound but never given to a reactor: loopback delivery is
    immediate, so the receiving socket is read without waiting).
    """

    def setUp(self) -> None:
        import socket

        from twisted.internet import udp

        world = SimWorld(seed=1)
        self.ep = SipEndpoint(world.host("127.0.9.3"), world.trace, "127.0.9.3", rng=world.rng)
        self.port = udp.Port(0, DatagramProtocol(), "127.0.0.1", reactor=object())  # type: ignore[arg-type]
        self.port._bindSocket()
        self.addCleanup(self.port.socket.close)
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(self.sink.close)
        self.sink.bind(("127.0.0.1", 0))
        self.sink.setblocking(False)
        self.dest = self.sink.getsockname()

    def test_sends_to_an_ip_literal(self) -> None:
        self.ep._udp_send(self.port, b"one", self.dest)
        self.ep._udp_send(self.port, b"two", self.dest)  # the host's check remembered
        self.assertEqual([self.sink.recv(100), self.sink.recv(100)], [b"one", b"two"])
        self.assertEqual(self.ep._udp_send_cache[2], {"127.0.0.1": True})  # type: ignore[index]

    def test_hostname_refused_as_twisted_does(self) -> None:
        from twisted.internet.error import InvalidAddressError

        self.assertRaises(
            InvalidAddressError, self.ep._udp_send, self.port, b"x", ("localhost", self.dest[1])
        )

    def test_errors_handled_as_port_write_does(self) -> None:
        import errno

        writes: list[bytes] = []

        class Failing:
            family = self.port.socket.family

            def __init__(self, code: int) -> None:
                self.code = code

            def sendto(self, data: bytes, addr: object) -> int:
                raise OSError(self.code, "simulated")

        self.port.write = lambda data, addr: writes.append(data)  # type: ignore[method-assign]
        self.port.socket = Failing(errno.ECONNREFUSED)
        self.ep._udp_send_cache = None
        self.ep._udp_send(self.port, b"refused", self.dest)  # dropped, as write drops it
        self.port.socket = Failing(errno.EINTR)
        self.ep._udp_send_cache = None
        self.ep._udp_send(self.port, b"again", self.dest)  # write retries it
        self.assertEqual(writes, [b"again"])


class UdpBatchTests(SynchronousTestCase):
    """
    C{udp_batch}: datagrams on a real socket leave in batches, the rest at the
    end of the reactor turn (here the simulated host's clock), in order.
    """

    def setUp(self) -> None:
        import socket

        from twisted.internet import udp

        self.world = SimWorld(seed=1)
        self.ep = SipEndpoint(
            self.world.host("127.0.9.5"), self.world.trace, "127.0.9.5", rng=self.world.rng,
            udp_batch=3,
        )
        self.port = udp.Port(0, DatagramProtocol(), "127.0.0.1", reactor=object())  # type: ignore[arg-type]
        self.port._bindSocket()
        self.addCleanup(self.port.socket.close)
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(self.sink.close)
        self.sink.bind(("127.0.0.1", 0))
        self.sink.setblocking(False)
        self.dest = self.sink.getsockname()

    def received(self) -> list[bytes]:
        out = []
        while True:
            try:
                out.append(self.sink.recv(100))
            except BlockingIOError:
                return out

    def test_full_batch_at_once_rest_at_end_of_turn(self) -> None:
        for data in (b"1", b"2", b"3", b"4"):
            self.ep._udp_send(self.port, data, self.dest)
        self.assertEqual(self.received(), [b"1", b"2", b"3"])
        self.world.run()
        self.assertEqual(self.received(), [b"4"])

    def test_write_through_twisted_keeps_the_order(self) -> None:
        written: list[bytes] = []
        self.port.write = lambda data, addr: written.append(data)  # type: ignore[method-assign]
        self.ep._udp_send(self.port, b"held", self.dest)
        self.ep._udp_send(self.port, b"by-name", ("localhost", self.dest[1]))
        self.assertEqual((self.received(), written), ([b"held"], [b"by-name"]))

    def test_close_sends_what_is_held(self) -> None:
        self.ep._udp_send(self.port, b"last", self.dest)
        self.ep.close()
        self.assertEqual(self.received(), [b"last"])

    def test_failed_send_keeps_the_rest(self) -> None:
        import errno

        class Failing:
            family = self.port.socket.family

            def sendto(self, data: bytes, addr: object) -> int:
                raise OSError(errno.EINVAL, "simulated")

        def write(data: bytes, addr: object) -> None:  # as Twisted's write for this error
            raise OSError(errno.EINVAL, "simulated")

        self.port.write = write  # type: ignore[method-assign]
        self.ep._udp_send(self.port, b"a", self.dest)
        self.ep._udp_send(self.port, b"b", self.dest)
        self.ep._udp_held[0] = (self.port, Failing(), b"a", self.dest)  # type: ignore[assignment]
        self.assertRaises(OSError, self.ep._udp_release)
        self.assertEqual([h[2] for h in self.ep._udp_held], [b"b"])
        self.world.run()  # the rest goes at the end of the turn
        self.assertEqual(self.received(), [b"b"])


class ReceiveBufferTests(SynchronousTestCase):
    """C{udp_receive_buffer}: C{SO_RCVBUF} on a real socket, nothing on a simulated port."""

    def test_real_socket_gets_the_buffer(self) -> None:
        import socket

        from twisted.internet import udp

        port = udp.Port(0, DatagramProtocol(), "127.0.0.1", reactor=object())  # type: ignore[arg-type]
        port._bindSocket()
        self.addCleanup(port.socket.close)
        default = port.socket.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        SipEndpoint._set_receive_buffer(port, default * 2)
        # Linux doubles the value asked for and caps it at net.core.rmem_max
        self.assertGreater(port.socket.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF), default)

    def test_simulated_port_is_left_alone(self) -> None:
        world = SimWorld(seed=1)
        ep = SipEndpoint(
            world.host("127.0.9.4"), world.trace, "127.0.9.4", rng=world.rng,
            udp_receive_buffer=1 << 22,
        )
        ep.listen("udp", 5060)  # no socket behind a simulated port: nothing to set
        self.assertEqual(ep.local_port("udp"), 5060)


class RportStampedTests(SynchronousTestCase):
    """L{_rport_stamped} is the two L{_set_param} calls it replaces, or None."""

    def test_same_as_set_param(self) -> None:
        import itertools

        from harness.sip.message import Via, _set_param
        from harness.sip.transport import _rport_stamped

        pool: list[tuple[str, str | None]] = [
            ("branch", "z9hG4bK1"), ("rport", None), ("RPort", None), ("rport", "5060"),
            ("received", "192.0.2.9"), ("Received", "x"), ("lr", None), ("rport", ""),
        ]
        for n in range(4):
            for params in itertools.permutations(pool, n):
                got = _rport_stamped(params, "192.0.2.1", 5070)
                if Via("UDP", "a.test", None, params).rport is True:
                    want = _set_param(_set_param(params, "received", "192.0.2.1"), "rport", "5070")
                    self.assertEqual(got, want, params)
                else:
                    self.assertIsNone(got, params)


class UdpResponseAddressTests(SynchronousTestCase):
    """L{SipEndpoint._udp_response_address} reads the top Via as its C{received}/C{rport} do."""

    def test_same_as_the_properties(self) -> None:
        import itertools

        from harness.sip.message import Via

        pool: list[tuple[str, str | None]] = [
            ("branch", "z9hG4bK1"), ("rport", None), ("RPort", "5071"), ("rport", "5060"),
            ("received", "192.0.2.9"), ("Received", "x"), ("received", ""), ("rport", "0"),
            ("received", None),
        ]
        for port in (None, 5080):
            for n in range(4):
                for params in itertools.permutations(pool, n):
                    via = Via("UDP", "a.test", port, params)
                    response = make_response(register(), 200)
                    object.__setattr__(response, "vias", (via,))  # the cached top Via
                    host = via.received or via.host
                    rport = via.rport
                    want = (
                        (host, rport)
                        if isinstance(rport, int) and not isinstance(rport, bool)
                        else (host, via.port or 5060)
                    )
                    got = SipEndpoint._udp_response_address(response)
                    self.assertEqual(got, want, (port, params))


class WithTopViaTests(SynchronousTestCase):
    def test_fast_path_equals_headers_with_top_via(self) -> None:
        """
        C{_with_top_via} gives what L{Headers.with_top_via} gives for every
        layout where the Vias are consecutive, and declines (None) otherwise.
        """
        from harness.sip.transport import _with_top_via

        v1, v2, v3 = ("Via", "SIP/2.0/UDP a;branch=z9hG4bK1"), ("Via", "SIP/2.0/UDP b"), (
            "Via", "SIP/2.0/UDP c")
        f, t = ("From", "<sip:a@x>;tag=1"), ("To", "<sip:b@x>")
        new = "SIP/2.0/UDP a;branch=z9hG4bK1;received=127.0.0.9"
        layouts = [
            (v1, f, t), (f, v1, t), (f, t, v1), (v1, v2, f), (f, v1, v2, v3, t),
            (v1, f, v2), (f, v1, t, v2, v3), (f, t), (v1,),
        ]
        for pairs in layouts:
            count = sum(1 for n, _ in pairs if n == "Via")
            got = _with_top_via(pairs, new, count)
            vias = [i for i, (n, _) in enumerate(pairs) if n == "Via"]
            consecutive = bool(vias) and vias == list(range(vias[0], vias[0] + len(vias)))
            if consecutive:
                self.assertEqual(got, Headers._trusted(pairs).with_top_via(new), pairs)
            else:
                self.assertIsNone(got, pairs)
            self.assertIsNone(_with_top_via(pairs, new, count + 1))


class _NoSipEvents(Trace):
    """A trace that keeps no SIP message events (as a benchmark server's)."""

    wants_sip_events = False


class AbsorbedRetransmissionTests(SynchronousTestCase):
    """
    L{SipEndpoint._absorbed}: without SIP events, a retransmission (the same
    datagram from the same source) of a request answered at once gets the
    stored final response again without being parsed; anything else takes
    the full path, as before.
    """

    def setUp(self) -> None:
        import harness.sip.transport as transport_module

        self.world = SimWorld(seed=3)
        self.server = SipEndpoint(
            self.world.host(SERVER), _NoSipEvents(), SERVER, rng=self.world.rng
        )
        self.server.listen("udp", 5060)
        self.received: list[ServerTransaction] = []
        self.server.on_request = self._answer
        self.parsed = 0

        def counting(name: str) -> Any:
            real = getattr(transport_module, name)

            def parse(data: bytes, limits: Any) -> Any:
                self.parsed += 1
                return real(data, limits)

            return parse

        # (absorbing, the endpoint parses with parse_datagram; with events, _again)
        for name in ("parse_datagram", "parse_datagram_again"):
            self.patch(transport_module, name, counting(name))
        self.phone = _RawUdp()
        self.phone_port = self.world.host(PHONE).listenUDP(5070, self.phone)
        self.other = _RawUdp()
        self.other_port = self.world.host("127.0.9.8").listenUDP(5070, self.other)
        self.raw = (
            register()
            .with_headers(
                register().headers.add(
                    "Via", f"SIP/2.0/UDP {PHONE}:5070;rport;branch=z9hG4bKabs1", first=True
                )
            )
            .to_bytes()
        )

    def _answer(self, txn: ServerTransaction) -> None:
        self.received.append(txn)
        txn.respond(make_response(txn.request, 200, to_tag=f"t{len(self.received)}"))

    def send(self, raw: bytes, port: Any = None, at: float = 0.0) -> None:
        self.world.run(until=at)
        (port or self.phone_port).write(raw, (SERVER, 5060))
        self.world.run(until=at + 0.1)

    def test_retransmission_answered_unparsed(self) -> None:
        self.send(self.raw)
        self.send(self.raw, at=0.5)
        self.send(self.raw, at=1.5)
        self.assertEqual(len(self.received), 1)
        self.assertEqual(self.parsed, 1)
        answers = [d for d, _ in self.phone.datagrams]
        self.assertEqual(len(answers), 3)
        self.assertEqual(answers[1:], [answers[0], answers[0]])
        self.assertEqual(parse(answers[0]).status, 200)

    def test_record_keeps_the_wire_form_only(self) -> None:
        """
        The Timer J record keeps the answer's bytes and address, not the
        response (L{SipEndpoint._kept_answer}); the transaction, still held
        here, builds its machine in Completed from its own final.
        """
        self.send(self.raw)
        txn = self.received[0]
        record = txn.completed_record
        assert record is not None
        self.assertEqual(record.response, (self.phone.datagrams[0][0], (PHONE, 5070)))
        self.assertEqual(txn.state, "Completed")
        self.send(self.raw, port=self.other_port, at=0.5)  # the full path: the record answers
        answers = [d for d, _ in self.phone.datagrams]
        self.assertEqual(answers, [answers[0], answers[0]])

    def test_other_source_takes_the_full_path(self) -> None:
        self.send(self.raw)
        self.send(self.raw, port=self.other_port, at=0.5)
        self.assertEqual(self.parsed, 2)
        self.assertEqual(len(self.received), 1)
        # the stored answer again, to where the Via says (the first source)
        answers = [d for d, _ in self.phone.datagrams]
        self.assertEqual(answers, [answers[0], answers[0]])

    def test_after_the_window_the_full_path_answers_the_same(self) -> None:
        self.send(self.raw)
        # past 8*T1 another request is answered, which drops the first one's entry
        self.send(self.raw.replace(b"z9hG4bKabs1", b"z9hG4bKabs2"), at=4.5)
        self.send(self.raw, at=5.0)  # within Timer J: the record answers, parsed
        self.assertEqual(self.parsed, 3)
        self.assertEqual(len(self.received), 2)
        answers = [d for d, _ in self.phone.datagrams]
        self.assertEqual(answers[2], answers[0])

    def test_after_timer_j_a_new_transaction(self) -> None:
        self.send(self.raw)
        self.send(self.raw, at=3.0)
        self.send(self.raw, at=40.0)  # Timer J (32 s) ended the record
        self.assertEqual(len(self.received), 2)
        self.assertEqual(self.parsed, 2)
        tags = [parse(d).to.tag for d, _ in self.phone.datagrams]
        self.assertEqual(tags, ["t1", "t1", "t2"])

    def test_window_entries_pruned(self) -> None:
        self.send(self.raw)
        assert self.server._absorber is not None
        self.assertEqual(list(self.server._absorber.answered), [self.raw])
        other = self.raw.replace(b"z9hG4bKabs1", b"z9hG4bKabs2")
        self.send(other, at=4.5)  # the first one's window has ended: dropped
        self.assertEqual(list(self.server._absorber.answered), [other])
        self.assertEqual(list(self.server._absorber.data), [other])

    def test_malformed_datagram_still_parsed_each_time(self) -> None:
        bad = self.raw.replace(b"CSeq: 1 REGISTER", b"CSeq: x REGISTER")
        self.send(bad)
        self.send(bad, at=0.5)
        self.assertEqual(self.parsed, 2)
        self.assertEqual(self.received, [])
        self.assertEqual(
            [d.split(b"\r\n", 1)[0] for d, _ in self.phone.datagrams],
            [b"SIP/2.0 400 Bad Request - bad CSeq: 'x REGISTER'"] * 2,
        )

    def test_request_not_answered_at_once_is_not_kept(self) -> None:
        self.server.on_request = self.received.append
        self.send(self.raw)
        self.received[0].respond(make_response(self.received[0].request, 100))
        self.send(self.raw, at=0.5)
        self.assertEqual(self.parsed, 2)
        assert self.server._absorber is not None
        self.assertEqual(self.server._absorber.answered, {})

    def test_with_sip_events_every_datagram_is_parsed(self) -> None:
        self.server.close()
        self.server = SipEndpoint(
            self.world.host(SERVER), self.world.trace, SERVER, rng=self.world.rng
        )
        self.server.listen("udp", 5060)
        self.server.on_request = self._answer
        self.send(self.raw)
        self.send(self.raw, at=0.5)
        self.assertEqual(self.parsed, 2)
        self.assertIsNone(self.server._absorber)
        self.assertNotIn("_absorber", vars(self.server))
        record = next(iter(self.server.layer.completed.values()))
        self.assertIsInstance(record.response, Response)  # events carry the message
        answers = [d for d, _ in self.phone.datagrams]
        self.assertEqual(answers, [answers[0], answers[0]])

    def test_closed_endpoint_answers_nothing(self) -> None:
        self.send(self.raw)
        self.server._datagram(self.raw, (PHONE, 5070))  # as if read before the close
        self.server.close()
        self.server._datagram(self.raw, (PHONE, 5070))
        self.world.run(until=1.0)
        self.assertEqual(len(self.phone.datagrams), 2)
